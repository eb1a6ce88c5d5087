//! One key: its general configuration, and tabs for the key policy, cryptographic configuration,
//! tags, rotation, public key, aliases and grants.
//!
//! Only the open tab is loaded, so a page view costs DescribeKey, ListAliases and the one or two
//! calls of that tab. Tabs are links and every action is a small form (in `key_actions`), so the
//! page works without JavaScript. A tab whose call fails shows that call's error in place: a
//! user allowed to describe a key but not to read its grants still sees everything else.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_protocol::{KeyMetadata, KmsError};

use super::display;
use crate::Shared;
use crate::api::{self, Api};
use crate::forms::{self, FormData};
use crate::layout::{Layout, nav};
use crate::pages::render_with_status;
use crate::policy::{self, KeyFacts, KeyKind};
use crate::problem::Problem;
use crate::request::SignedIn;

/// A tab of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Policy,
    Crypto,
    Tags,
    Rotation,
    PublicKey,
    Aliases,
    Grants,
}

impl Tab {
    const ALL: [Tab; 7] = [
        Tab::Policy,
        Tab::Crypto,
        Tab::Tags,
        Tab::Rotation,
        Tab::PublicKey,
        Tab::Aliases,
        Tab::Grants,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Tab::Policy => "policy",
            Tab::Crypto => "crypto",
            Tab::Tags => "tags",
            Tab::Rotation => "rotation",
            Tab::PublicKey => "public-key",
            Tab::Aliases => "aliases",
            Tab::Grants => "grants",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Tab::Policy => "Key policy",
            Tab::Crypto => "Cryptographic configuration",
            Tab::Tags => "Tags",
            Tab::Rotation => "Key rotation",
            Tab::PublicKey => "Public key",
            Tab::Aliases => "Aliases",
            Tab::Grants => "Grants",
        }
    }

    fn parse(slug: &str) -> Tab {
        Tab::ALL
            .into_iter()
            .find(|t| t.slug() == slug)
            .unwrap_or(Tab::Policy)
    }

    /// Whether a key of this kind has the tab (rotation for symmetric keys, public key for
    /// asymmetric ones).
    fn applies_to(self, kind: KeyKind) -> bool {
        match self {
            Tab::Rotation => kind == KeyKind::Symmetric,
            Tab::PublicKey => !matches!(kind, KeyKind::Symmetric | KeyKind::Hmac),
            _ => true,
        }
    }
}

/// The address of a key's page, on `tab`.
pub(crate) fn key_href(key: &str, tab: Option<Tab>) -> String {
    let base = format!("/console/keys/{}", forms::path_segment(key));
    match tab {
        Some(tab) => format!("{base}?tab={}", tab.slug()),
        None => base,
    }
}

#[derive(Debug, Clone)]
struct TabLink {
    title: &'static str,
    href: String,
    current: bool,
}

/// What the page header and the general configuration panel show.
#[derive(Debug, Clone)]
pub(crate) struct KeySummary {
    pub key_id: String,
    pub arn: String,
    /// The key's page (and the base of its action addresses).
    pub href: String,
    pub aliases: Vec<String>,
    pub state: String,
    pub state_words: String,
    pub state_class: &'static str,
    pub description: String,
    pub created: String,
    pub deletion_date: String,
    pub key_type: &'static str,
    pub spec: String,
    pub usage_words: &'static str,
    pub customer_managed: bool,
    pub regionality: &'static str,
    pub pending_deletion: bool,
    pub facts: KeyFacts,
}

impl KeySummary {
    pub fn new(metadata: &KeyMetadata, aliases: Vec<String>) -> KeySummary {
        let state = display::state_of(metadata);
        let spec = display::spec_of(metadata);
        let usage = display::usage_of(metadata);
        let kind = KeyKind::of(&spec, &usage);
        KeySummary {
            key_id: metadata.key_id.clone(),
            arn: metadata.arn.clone().unwrap_or_default(),
            href: key_href(&metadata.key_id, None),
            aliases,
            state_words: display::state_words(&state),
            state_class: display::state_class(&state),
            pending_deletion: state == "PendingDeletion" || state == "PendingReplicaDeletion",
            state,
            description: metadata.description.clone().unwrap_or_default(),
            created: display::date(metadata.creation_date.as_ref()),
            deletion_date: display::date(metadata.deletion_date.as_ref()),
            key_type: display::key_type(&spec),
            usage_words: display::usage(&usage),
            customer_managed: metadata.key_manager.as_ref().map(|m| m.as_str()) != Some("AWS"),
            regionality: if metadata.multi_region == Some(true) {
                "Multi-Region"
            } else {
                "Single-Region"
            },
            facts: KeyFacts {
                kind,
                imported_material: metadata.origin.as_ref().map(|o| o.as_str()) == Some("EXTERNAL"),
                multi_region: metadata.multi_region == Some(true),
            },
            spec,
        }
    }

    pub fn enabled(&self) -> bool {
        self.state == "Enabled"
    }

    pub fn disabled(&self) -> bool {
        self.state == "Disabled"
    }

    /// The name to show: the first alias, or the key id.
    pub fn display_name(&self) -> &str {
        self.aliases
            .first()
            .map(String::as_str)
            .unwrap_or(&self.key_id)
    }
}

#[derive(Debug, Clone)]
struct Line {
    label: &'static str,
    value: String,
}

#[derive(Debug, Clone, Default)]
struct PolicyView {
    /// The JSON editor, rather than the list of people.
    json: bool,
    text: String,
    /// `None` when the document cannot be read (then only the JSON view makes sense).
    readable: bool,
    administrators: Vec<String>,
    users: Vec<String>,
    has_administrators: bool,
    has_users: bool,
    default_href: String,
    json_href: String,
}

#[derive(Debug, Clone, Default)]
struct RotationView {
    enabled: bool,
    period: String,
    next_rotation: String,
    on_demand_started: String,
    history: Vec<RotationRow>,
    status_problem: Option<Problem>,
    history_problem: Option<Problem>,
}

#[derive(Debug, Clone)]
struct RotationRow {
    date: String,
    kind: String,
    material_id: String,
    state: String,
}

#[derive(Debug, Clone)]
struct AliasRow {
    name: String,
    arn: String,
    created: String,
    reserved: bool,
}

#[derive(Debug, Clone)]
struct GrantRow {
    grant_id: String,
    name: String,
    grantee: String,
    retiring: String,
    operations: String,
    constraints: String,
    created: String,
}

#[derive(Debug, Clone, Default)]
struct PublicKeyView {
    pem: String,
    download_href: String,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "key_detail.html")]
struct KeyDetailPage {
    layout: Layout,
    csrf_token: String,
    problem: Option<Problem>,
    key: Option<KeySummary>,
    tabs: Vec<TabLink>,
    tab: &'static str,
    tab_title: &'static str,
    tab_problem: Option<Problem>,
    crypto: Vec<Line>,
    policy: PolicyView,
    rotation: RotationView,
    aliases: Vec<AliasRow>,
    tags: Vec<(String, String)>,
    grants: Vec<GrantRow>,
    public_key: PublicKeyView,
}

/// What a page render may replace: an action's error, and the policy text the user submitted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Overrides {
    pub problem: Option<Problem>,
    pub policy_text: Option<String>,
}

/// Everything the blocking part loads.
struct Loaded {
    summary: KeySummary,
    tab: Tab,
    tab_problem: Option<Problem>,
    crypto: Vec<Line>,
    policy: PolicyView,
    rotation: RotationView,
    aliases: Vec<AliasRow>,
    tags: Vec<(String, String)>,
    grants: Vec<GrantRow>,
    public_key: PublicKeyView,
}

/// `A, B, C` from enum values.
macro_rules! joined {
    ($list:expr) => {
        $list
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
}

fn crypto_lines(metadata: &KeyMetadata) -> Vec<Line> {
    let mut lines = vec![
        Line {
            label: "Key type",
            value: display::key_type(&display::spec_of(metadata)).to_string(),
        },
        Line {
            label: "Key spec",
            value: display::spec_of(metadata),
        },
        Line {
            label: "Key usage",
            value: display::usage_of(metadata),
        },
        Line {
            label: "Origin",
            value: metadata
                .origin
                .as_ref()
                .map(|o| o.as_str().to_string())
                .unwrap_or_default(),
        },
    ];
    if let Some(list) = &metadata.encryption_algorithms {
        lines.push(Line {
            label: "Encryption algorithms",
            value: joined!(list),
        });
    }
    if let Some(list) = &metadata.signing_algorithms {
        lines.push(Line {
            label: "Signing algorithms",
            value: joined!(list),
        });
    }
    if let Some(list) = &metadata.mac_algorithms {
        lines.push(Line {
            label: "MAC algorithms",
            value: joined!(list),
        });
    }
    if let Some(list) = &metadata.key_agreement_algorithms {
        lines.push(Line {
            label: "Key agreement algorithms",
            value: joined!(list),
        });
    }
    if let Some(id) = &metadata.current_key_material_id {
        lines.push(Line {
            label: "Current key material ID",
            value: id.clone(),
        });
    }
    if let Some(model) = &metadata.expiration_model {
        lines.push(Line {
            label: "Expiration model",
            value: model.as_str().to_string(),
        });
    }
    lines
}

fn policy_view(key_id: &str, text: String, json: bool) -> PolicyView {
    let people = policy::people(&text);
    let (readable, people) = match people {
        Ok(people) => (true, people),
        Err(_) => (false, Default::default()),
    };
    PolicyView {
        json: json || !readable,
        readable,
        has_administrators: people.administrators.is_some(),
        has_users: people.users.is_some(),
        administrators: people.administrators.unwrap_or_default(),
        users: people.users.unwrap_or_default(),
        default_href: key_href(key_id, Some(Tab::Policy)),
        json_href: format!("{}&view=json", key_href(key_id, Some(Tab::Policy))),
        text,
    }
}

/// PEM text of a DER SubjectPublicKeyInfo.
pub(crate) fn pem(der: &[u8]) -> String {
    let encoded = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END PUBLIC KEY-----\n");
    out
}

fn load(
    api: &Api,
    key: &str,
    tab: Tab,
    json_view: bool,
    overrides: &Overrides,
) -> Result<Loaded, KmsError> {
    let metadata = api.describe_key(key)?;
    let key_id = metadata.key_id.clone();
    let aliases = api
        .list_all_aliases(Some(&key_id))
        .map(|list| list.into_iter().filter_map(|a| a.alias_name).collect())
        .unwrap_or_default();
    let summary = KeySummary::new(&metadata, aliases);
    let tab = if tab.applies_to(summary.facts.kind) {
        tab
    } else {
        Tab::Policy
    };
    let mut loaded = Loaded {
        tab,
        tab_problem: None,
        crypto: Vec::new(),
        policy: PolicyView::default(),
        rotation: RotationView::default(),
        aliases: Vec::new(),
        tags: Vec::new(),
        grants: Vec::new(),
        public_key: PublicKeyView::default(),
        summary,
    };
    let id = key_id.as_str();
    match tab {
        Tab::Crypto => loaded.crypto = crypto_lines(&metadata),
        Tab::Policy => match &overrides.policy_text {
            Some(text) => loaded.policy = policy_view(id, text.clone(), true),
            None => match api.get_key_policy(id) {
                Ok(text) => loaded.policy = policy_view(id, text, json_view),
                Err(err) => loaded.tab_problem = Some(err.into()),
            },
        },
        Tab::Rotation => {
            match api.rotation_status(id) {
                Ok(status) => {
                    loaded.rotation.enabled = status.key_rotation_enabled == Some(true);
                    loaded.rotation.period = status
                        .rotation_period_in_days
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "365".to_string());
                    loaded.rotation.next_rotation =
                        display::date(status.next_rotation_date.as_ref());
                    loaded.rotation.on_demand_started = status
                        .on_demand_rotation_start_date
                        .as_ref()
                        .map(|d| display::date(Some(d)))
                        .unwrap_or_default();
                }
                Err(err) => loaded.rotation.status_problem = Some(err.into()),
            }
            match api.list_key_rotations(id) {
                Ok(rotations) => {
                    loaded.rotation.history = rotations
                        .into_iter()
                        .rev()
                        .map(|r| RotationRow {
                            date: display::date(r.rotation_date.as_ref()),
                            kind: r
                                .rotation_type
                                .map(|t| t.as_str().to_string())
                                .unwrap_or_default(),
                            material_id: r.key_material_id.unwrap_or_default(),
                            state: r
                                .key_material_state
                                .map(|s| s.as_str().to_string())
                                .unwrap_or_default(),
                        })
                        .collect()
                }
                Err(err) => loaded.rotation.history_problem = Some(err.into()),
            }
        }
        Tab::PublicKey => match api.get_public_key(id) {
            Ok(public) => {
                let der = public.public_key.map(|b| b.into_vec()).unwrap_or_default();
                let mut lines = vec![
                    Line {
                        label: "Key spec",
                        value: public
                            .key_spec
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    },
                    Line {
                        label: "Key usage",
                        value: public
                            .key_usage
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    },
                ];
                if let Some(list) = &public.encryption_algorithms {
                    lines.push(Line {
                        label: "Encryption algorithms",
                        value: joined!(list),
                    });
                }
                if let Some(list) = &public.signing_algorithms {
                    lines.push(Line {
                        label: "Signing algorithms",
                        value: joined!(list),
                    });
                }
                if let Some(list) = &public.key_agreement_algorithms {
                    lines.push(Line {
                        label: "Key agreement algorithms",
                        value: joined!(list),
                    });
                }
                loaded.public_key = PublicKeyView {
                    pem: pem(&der),
                    download_href: format!("{}/public-key.pem", key_href(id, None)),
                    lines,
                };
            }
            Err(err) => loaded.tab_problem = Some(err.into()),
        },
        Tab::Aliases => match api.list_all_aliases(Some(id)) {
            Ok(list) => {
                loaded.aliases = list
                    .into_iter()
                    .map(|a| {
                        let name = a.alias_name.unwrap_or_default();
                        AliasRow {
                            reserved: name.starts_with("alias/aws/"),
                            name,
                            arn: a.alias_arn.unwrap_or_default(),
                            created: display::date(a.creation_date.as_ref()),
                        }
                    })
                    .collect()
            }
            Err(err) => loaded.tab_problem = Some(err.into()),
        },
        Tab::Tags => match api.list_tags(id) {
            Ok(tags) => loaded.tags = tags.into_iter().map(|t| (t.tag_key, t.tag_value)).collect(),
            Err(err) => loaded.tab_problem = Some(err.into()),
        },
        Tab::Grants => match api.list_grants(id) {
            Ok(grants) => {
                loaded.grants = grants
                    .into_iter()
                    .map(|g| GrantRow {
                        grant_id: g.grant_id.unwrap_or_default(),
                        name: g.name.unwrap_or_default(),
                        grantee: g.grantee_principal.unwrap_or_default(),
                        retiring: g.retiring_principal.unwrap_or_default(),
                        operations: g
                            .operations
                            .unwrap_or_default()
                            .iter()
                            .map(|o| o.as_str().to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        constraints: g
                            .constraints
                            .map(|c| {
                                let show = |label: &str,
                                            map: Option<
                                    std::collections::BTreeMap<String, String>,
                                >| {
                                    map.map(|m| {
                                        let pairs: Vec<String> =
                                            m.iter().map(|(k, v)| format!("{k}={v}")).collect();
                                        format!("{label}: {}", pairs.join(", "))
                                    })
                                };
                                [
                                    show("Context equals", c.encryption_context_equals),
                                    show("Context includes", c.encryption_context_subset),
                                ]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join("; ")
                            })
                            .unwrap_or_default(),
                        created: display::date(g.creation_date.as_ref()),
                    })
                    .collect()
            }
            Err(err) => loaded.tab_problem = Some(err.into()),
        },
    }
    Ok(loaded)
}

/// Renders the page of `key` on `tab`, with `overrides` from a failed action.
pub(crate) async fn render_page(
    console: &Shared,
    user: &SignedIn,
    key: String,
    tab: Tab,
    json_view: bool,
    overrides: Overrides,
) -> Response {
    let action_problem = overrides.problem.clone();
    let outcome = api::run(user.api(console), move |api| {
        load(api, &key, tab, json_view, &overrides)
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    let csrf_token = user.session.csrf_token.clone();
    match outcome {
        Ok(loaded) => {
            let summary = &loaded.summary;
            let tabs = Tab::ALL
                .into_iter()
                .filter(|t| t.applies_to(summary.facts.kind))
                .map(|t| TabLink {
                    title: t.title(),
                    // Land on the tabs, not the top of the page.
                    href: format!("{}#key-tabs", key_href(&summary.key_id, Some(t))),
                    current: t == loaded.tab,
                })
                .collect();
            let nav_entry = if summary.customer_managed {
                nav::CUSTOMER_KEYS
            } else {
                nav::AWS_KEYS
            };
            let status = action_problem
                .as_ref()
                .map(|p| p.status)
                .unwrap_or_default();
            let page = KeyDetailPage {
                layout: user.layout(console, summary.display_name().to_string(), nav_entry),
                csrf_token,
                problem: action_problem,
                tabs,
                tab: loaded.tab.slug(),
                tab_title: loaded.tab.title(),
                tab_problem: loaded.tab_problem,
                crypto: loaded.crypto,
                policy: loaded.policy,
                rotation: loaded.rotation,
                aliases: loaded.aliases,
                tags: loaded.tags,
                grants: loaded.grants,
                public_key: loaded.public_key,
                key: Some(loaded.summary),
            };
            render_with_status(status, &page)
        }
        Err(problem) => {
            let page = KeyDetailPage {
                layout: user.layout(console, "Key", nav::CUSTOMER_KEYS),
                csrf_token,
                key: None,
                tabs: Vec::new(),
                tab: "",
                tab_title: "",
                tab_problem: None,
                crypto: Vec::new(),
                policy: PolicyView::default(),
                rotation: RotationView::default(),
                aliases: Vec::new(),
                tags: Vec::new(),
                grants: Vec::new(),
                public_key: PublicKeyView::default(),
                problem: Some(problem.clone()),
            };
            render_with_status(problem.status, &page)
        }
    }
}

/// `GET /console/keys/{key}?tab=…&view=json`.
pub(crate) async fn show(
    State(console): State<Shared>,
    user: SignedIn,
    Path(key): Path<String>,
    uri: Uri,
) -> Response {
    let query = FormData::from_query(uri.query());
    let tab = Tab::parse(query.get("tab"));
    let json_view = query.get("view") == "json";
    render_page(&console, &user, key, tab, json_view, Overrides::default()).await
}

/// `GET /console/keys/{key}/public-key.pem`: the public key as a PEM file.
pub(crate) async fn public_key_pem(
    State(console): State<Shared>,
    user: SignedIn,
    Path(key): Path<String>,
) -> Response {
    let outcome = api::run(user.api(&console), move |api| api.get_public_key(&key))
        .await
        .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok(public) => {
            let der = public.public_key.map(|b| b.into_vec()).unwrap_or_default();
            let key_id = public
                .key_id
                .as_deref()
                .and_then(|arn| arn.rsplit('/').next())
                .unwrap_or("key")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>();
            (
                StatusCode::OK,
                [
                    (CONTENT_TYPE, "application/x-pem-file".to_string()),
                    (
                        CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{key_id}-public-key.pem\""),
                    ),
                ],
                pem(&der),
            )
                .into_response()
        }
        Err(problem) => (
            problem.status,
            [(CONTENT_TYPE, "text/plain; charset=utf-8".to_string())],
            problem.summary(),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_wraps_at_64_columns() {
        let text = pem(&[0u8; 100]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
        assert_eq!(lines[1].len(), 64);
        assert_eq!(lines.last().copied(), Some("-----END PUBLIC KEY-----"));
    }

    #[test]
    fn tabs_depend_on_the_key() {
        assert!(Tab::Rotation.applies_to(KeyKind::Symmetric));
        assert!(!Tab::Rotation.applies_to(KeyKind::Hmac));
        assert!(Tab::PublicKey.applies_to(KeyKind::Signing));
        assert!(!Tab::PublicKey.applies_to(KeyKind::Symmetric));
        assert_eq!(Tab::parse("nonsense"), Tab::Policy);
        assert_eq!(
            key_href("abc", Some(Tab::Tags)),
            "/console/keys/abc?tab=tags"
        );
    }
}
