//! What the buttons of a key's page do: one small form each, one or two API calls each.
//!
//! Successful actions redirect back to the key's page (so reloading it does not repeat them) with
//! a one-time message; failed ones show the API's error. The two places where a failure must
//! keep what the user typed — the policy editor and the deletion confirmation — render their
//! page again instead of redirecting.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use trent_protocol::{
    CancelKeyDeletionRequest, CreateAliasRequest, DeleteAliasRequest, DisableKeyRequest,
    DisableKeyRotationRequest, EnableKeyRequest, EnableKeyRotationRequest, KmsError, Request,
    RotateKeyOnDemandRequest, ScheduleKeyDeletionRequest, Tag, TagResourceRequest,
    UntagResourceRequest, UpdateKeyDescriptionRequest,
};

use super::display;
use super::key_detail::{KeySummary, Overrides, Tab, key_href, render_page};
use crate::Shared;
use crate::api::{self, expect_response};
use crate::json::Json;
use crate::layout::{Layout, nav};
use crate::pages::{not_found, redirect, render_with_status};
use crate::policy::{self, Role};
use crate::problem::Problem;
use crate::request::{CheckedForm, SignedIn};
use crate::session::Flash;

/// The word the deletion form asks for.
const CONFIRMATION_WORD: &str = "delete";

#[derive(Template)]
#[template(path = "delete.html")]
struct DeletePage {
    layout: Layout,
    csrf_token: String,
    key_name: String,
    key_id: String,
    key_href: String,
    days: String,
    problem: Option<Problem>,
}

async fn deletion_page(
    console: &Shared,
    user: &SignedIn,
    key: String,
    days: String,
    problem: Option<Problem>,
) -> Response {
    let target = key.clone();
    let outcome = api::run(user.api(console), move |api| {
        let metadata = api.describe_key(&target)?;
        let aliases = api
            .list_all_aliases(Some(&metadata.key_id))
            .map(|list| list.into_iter().filter_map(|a| a.alias_name).collect())
            .unwrap_or_default();
        Ok::<_, KmsError>(KeySummary::new(&metadata, aliases))
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok(summary) if summary.pending_deletion => redirect(&summary.href),
        Ok(summary) => {
            let status = problem.as_ref().map(|p| p.status).unwrap_or_default();
            let page = DeletePage {
                layout: user.layout(console, "Schedule key deletion", nav::CUSTOMER_KEYS),
                csrf_token: user.session.csrf_token.clone(),
                key_name: summary.display_name().to_string(),
                key_id: summary.key_id.clone(),
                key_href: summary.href.clone(),
                days,
                problem,
            };
            render_with_status(status, &page)
        }
        // The key page explains why the key cannot be shown.
        Err(_) => render_page(console, user, key, Tab::Policy, false, Overrides::default()).await,
    }
}

/// `GET /console/keys/{key}/delete`: the waiting period and the typed confirmation.
pub(crate) async fn deletion_form(
    State(console): State<Shared>,
    user: SignedIn,
    Path(key): Path<String>,
) -> Response {
    deletion_page(&console, &user, key, "30".to_string(), None).await
}

/// Runs one call whose only answer is success, then goes back to `tab` of the key's page.
async fn act(
    console: &Shared,
    user: &SignedIn,
    key: &str,
    tab: Option<Tab>,
    request: Request,
    done: String,
    failed: &str,
) -> Response {
    let outcome = api::run(user.api(console), move |api| api.call(request))
        .await
        .and_then(|result| result.map_err(Problem::from));
    let flash = match outcome {
        Ok(_) => Flash::success(done),
        Err(problem) => Flash::error(format!("{failed}: {}", problem.summary())),
    };
    user.redirect_with(console, &key_href(key, tab), flash)
}

/// `POST /console/keys/{key}/{action}`.
pub(crate) async fn perform(
    State(console): State<Shared>,
    Path((key, action)): Path<(String, String)>,
    post: CheckedForm,
) -> Response {
    let CheckedForm { user, form } = post;
    let key_id = Some(key.clone());
    match action.as_str() {
        "enable" => {
            act(
                &console,
                &user,
                &key,
                None,
                Request::EnableKey(EnableKeyRequest { key_id }),
                "The key is enabled.".into(),
                "The key was not enabled",
            )
            .await
        }
        "disable" => {
            act(
                &console,
                &user,
                &key,
                None,
                Request::DisableKey(DisableKeyRequest { key_id }),
                "The key is disabled. It cannot be used until you enable it again.".into(),
                "The key was not disabled",
            )
            .await
        }
        "description" => {
            let request = Request::UpdateKeyDescription(UpdateKeyDescriptionRequest {
                key_id,
                description: Some(form.get("description").to_string()),
            });
            act(
                &console,
                &user,
                &key,
                None,
                request,
                "The description is saved.".into(),
                "The description was not saved",
            )
            .await
        }
        "cancel-deletion" => {
            act(
                &console,
                &user,
                &key,
                None,
                Request::CancelKeyDeletion(CancelKeyDeletionRequest { key_id }),
                "Deletion cancelled. The key is disabled; enable it to use it again.".into(),
                "The deletion was not cancelled",
            )
            .await
        }
        "schedule-deletion" => {
            schedule_deletion(&console, &user, key, form.get("days"), form.get("confirm")).await
        }
        "policy" => save_policy(&console, &user, key, form.get("policy").to_string()).await,
        "policy-person" => {
            change_person(
                &console,
                &user,
                key,
                form.get("role"),
                form.get("change"),
                form.get("person"),
            )
            .await
        }
        "rotation" => {
            let request = if form.checked("enabled") {
                let period = form.get("period").trim();
                let days = if period.is_empty() {
                    None
                } else {
                    match period.parse::<i32>() {
                        Ok(days) => Some(days),
                        Err(_) => {
                            return user.redirect_with(
                                &console,
                                &key_href(&key, Some(Tab::Rotation)),
                                Flash::error("The rotation period must be a whole number of days."),
                            );
                        }
                    }
                };
                Request::EnableKeyRotation(EnableKeyRotationRequest {
                    key_id,
                    rotation_period_in_days: days,
                })
            } else {
                Request::DisableKeyRotation(DisableKeyRotationRequest { key_id })
            };
            act(
                &console,
                &user,
                &key,
                Some(Tab::Rotation),
                request,
                "Rotation settings are saved.".into(),
                "Rotation settings were not saved",
            )
            .await
        }
        "rotate-now" => {
            act(
                &console,
                &user,
                &key,
                Some(Tab::Rotation),
                Request::RotateKeyOnDemand(RotateKeyOnDemandRequest { key_id }),
                "On-demand rotation started: the key has new key material.".into(),
                "The key was not rotated",
            )
            .await
        }
        "alias-create" => {
            let typed = form.get("alias").trim();
            let alias = if typed.starts_with("alias/") {
                typed.to_string()
            } else {
                format!("alias/{typed}")
            };
            let request = Request::CreateAlias(CreateAliasRequest {
                alias_name: Some(alias.clone()),
                target_key_id: key_id,
            });
            act(
                &console,
                &user,
                &key,
                Some(Tab::Aliases),
                request,
                format!("The alias {alias} now names this key."),
                "The alias was not created",
            )
            .await
        }
        "alias-delete" => {
            let alias = form.get("alias").to_string();
            let request = Request::DeleteAlias(DeleteAliasRequest {
                alias_name: Some(alias.clone()),
            });
            act(
                &console,
                &user,
                &key,
                Some(Tab::Aliases),
                request,
                format!("The alias {alias} is deleted."),
                "The alias was not deleted",
            )
            .await
        }
        "tag-add" => {
            let tag_key = form.get("tag_key").trim().to_string();
            let request = Request::TagResource(TagResourceRequest {
                key_id,
                tags: Some(vec![Tag {
                    tag_key: tag_key.clone(),
                    tag_value: form.get("tag_value").trim().to_string(),
                }]),
            });
            act(
                &console,
                &user,
                &key,
                Some(Tab::Tags),
                request,
                format!("The tag {tag_key} is saved."),
                "The tag was not saved",
            )
            .await
        }
        "tag-remove" => {
            let tag_key = form.get("tag_key").to_string();
            let request = Request::UntagResource(UntagResourceRequest {
                key_id,
                tag_keys: Some(vec![tag_key.clone()]),
            });
            act(
                &console,
                &user,
                &key,
                Some(Tab::Tags),
                request,
                format!("The tag {tag_key} is removed."),
                "The tag was not removed",
            )
            .await
        }
        _ => not_found().await,
    }
}

async fn schedule_deletion(
    console: &Shared,
    user: &SignedIn,
    key: String,
    days: &str,
    confirm: &str,
) -> Response {
    let days_text = days.trim().to_string();
    let invalid = |message: &str| Some(Problem::invalid(message));
    let problem = match days_text.parse::<i32>() {
        Err(_) => invalid("The waiting period must be a whole number of days between 7 and 30."),
        Ok(d) if !(7..=30).contains(&d) => {
            invalid("The waiting period must be between 7 and 30 days.")
        }
        Ok(_) if confirm.trim() != CONFIRMATION_WORD => {
            invalid("Type the word delete to confirm that you want to delete this key.")
        }
        Ok(_) => None,
    };
    if let Some(problem) = problem {
        return deletion_page(console, user, key, days_text, Some(problem)).await;
    }
    let days = days_text.parse::<i32>().ok();
    let request = Request::ScheduleKeyDeletion(ScheduleKeyDeletionRequest {
        key_id: Some(key.clone()),
        pending_window_in_days: days,
    });
    let outcome = api::run(user.api(console), move |api| {
        let response = api.call(request)?;
        expect_response!(response, ScheduleKeyDeletion)
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok(scheduled) => user.redirect_with(
            console,
            &key_href(&key, None),
            Flash::success(format!(
                "The key is scheduled for deletion on {}.",
                display::date(scheduled.deletion_date.as_ref())
            )),
        ),
        Err(problem) => deletion_page(console, user, key, days_text, Some(problem)).await,
    }
}

/// Saves a policy from the JSON editor. Text that is not JSON is refused here, with the parser's
/// line and column, before it reaches PutKeyPolicy; PutKeyPolicy's own errors come back as they
/// are. Either way the editor shows the user's text again.
async fn save_policy(console: &Shared, user: &SignedIn, key: String, text: String) -> Response {
    if let Err(err) = Json::parse(&text) {
        let problem = Problem::from(KmsError::new(
            trent_protocol::ErrorCode::MalformedPolicyDocumentException,
            format!("The policy is not valid JSON: {err}."),
        ));
        return render_page(
            console,
            user,
            key,
            Tab::Policy,
            true,
            Overrides {
                problem: Some(problem),
                policy_text: Some(text),
            },
        )
        .await;
    }
    let target = key.clone();
    let submitted = text.clone();
    let outcome = api::run(user.api(console), move |api| {
        api.put_key_policy(&target, submitted)
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok(()) => user.redirect_with(
            console,
            &key_href(&key, Some(Tab::Policy)),
            Flash::success("The key policy is saved."),
        ),
        Err(problem) => {
            render_page(
                console,
                user,
                key,
                Tab::Policy,
                true,
                Overrides {
                    problem: Some(problem),
                    policy_text: Some(text),
                },
            )
            .await
        }
    }
}

/// Adds or removes a key administrator or user through the policy's default view.
async fn change_person(
    console: &Shared,
    user: &SignedIn,
    key: String,
    role: &str,
    change: &str,
    person: &str,
) -> Response {
    let back = key_href(&key, Some(Tab::Policy));
    let Some(role) = Role::parse(role) else {
        return redirect(&back);
    };
    let adding = change == "add";
    let principal = &user.session.principal;
    let partition = user.partition();
    let arn = match policy::parse_people(person, &partition, &principal.account_id) {
        Ok(list) if list.len() == 1 => list.into_iter().next().unwrap_or_default(),
        Ok(_) => {
            return user.redirect_with(
                console,
                &back,
                Flash::error("Enter one ARN, user name or account ID."),
            );
        }
        Err(message) => return user.redirect_with(console, &back, Flash::error(message)),
    };
    let who = arn.clone();
    let outcome = api::run(user.api(console), move |api| {
        let metadata = api.describe_key(&key)?;
        let facts = KeySummary::new(&metadata, Vec::new()).facts;
        let current = api.get_key_policy(&metadata.key_id)?;
        let changed = if adding {
            policy::add_person(&current, role, &who, facts)
        } else {
            policy::remove_person(&current, role, &who)
        };
        match changed {
            Ok(text) => api.put_key_policy(&metadata.key_id, text).map(|()| Ok(())),
            Err(message) => Ok(Err(message)),
        }
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    let list = match role {
        Role::Administrator => "key administrators",
        Role::User => "key users",
    };
    let flash = match outcome {
        Ok(Ok(())) if adding => Flash::success(format!("{arn} was added to the {list}.")),
        Ok(Ok(())) => Flash::success(format!("{arn} was removed from the {list}.")),
        Ok(Err(message)) => Flash::error(message),
        Err(problem) => Flash::error(format!(
            "The key policy was not changed: {}",
            problem.summary()
        )),
    };
    user.redirect_with(console, &back, flash)
}
