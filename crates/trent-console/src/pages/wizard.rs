//! The create-key wizard: configure, label, administrators, users, review — then CreateKey.
//!
//! The wizard is a chain of plain form posts. Each step shows its own fields and carries the
//! answers of the others as hidden fields, so it needs no server-side draft, survives a reload,
//! and works without JavaScript (the script only hides key specs that do not fit the chosen
//! type and usage). Moving forward checks every earlier step; the review step shows the exact
//! key policy that CreateKey will receive. Errors from CreateKey itself (for instance
//! `UnsupportedOperationException` for a kind of key this deployment cannot create yet) are shown
//! on the review step, unchanged.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use trent_protocol::{
    CreateAliasRequest, CreateKeyRequest, KeySpec, KeyUsageType, OriginType, Request, Tag,
};

use crate::Shared;
use crate::api::{self, expect_response};
use crate::forms::{self, FormData};
use crate::layout::{Layout, nav};
use crate::pages::{render, render_with_status};
use crate::policy::{self, KeyKind, PolicyChoices};
use crate::problem::Problem;
use crate::request::{CheckedForm, SignedIn};
use crate::session::Flash;

const STEP_TITLES: [&str; 5] = [
    "Configure key",
    "Add labels",
    "Define key administrative permissions",
    "Define key usage permissions",
    "Review",
];

/// Tag rows beyond the filled ones, and the most tags a key may have.
const SPARE_TAG_ROWS: usize = 2;
const MAX_TAGS: usize = 50;

/// A key spec the wizard offers.
#[derive(Debug, Clone, Copy)]
struct SpecOption {
    value: &'static str,
    label: &'static str,
    key_type: &'static str,
    usages: &'static str,
}

/// `spec(value, label, key type, usages)`, to keep the table below readable.
const fn spec(
    value: &'static str,
    label: &'static str,
    key_type: &'static str,
    usages: &'static str,
) -> SpecOption {
    SpecOption {
        value,
        label,
        key_type,
        usages,
    }
}

#[rustfmt::skip]
const SPECS: &[SpecOption] = &[
    spec("SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT — AES-256-GCM", "symmetric", "ENCRYPT_DECRYPT"),
    spec("RSA_2048", "RSA_2048", "asymmetric", "ENCRYPT_DECRYPT SIGN_VERIFY"),
    spec("RSA_3072", "RSA_3072", "asymmetric", "ENCRYPT_DECRYPT SIGN_VERIFY"),
    spec("RSA_4096", "RSA_4096", "asymmetric", "ENCRYPT_DECRYPT SIGN_VERIFY"),
    spec("ECC_NIST_P256", "ECC_NIST_P256 — secp256r1", "asymmetric", "SIGN_VERIFY KEY_AGREEMENT"),
    spec("ECC_NIST_P384", "ECC_NIST_P384 — secp384r1", "asymmetric", "SIGN_VERIFY KEY_AGREEMENT"),
    spec("ECC_NIST_P521", "ECC_NIST_P521 — secp521r1", "asymmetric", "SIGN_VERIFY KEY_AGREEMENT"),
    spec("ECC_SECG_P256K1", "ECC_SECG_P256K1 — secp256k1", "asymmetric", "SIGN_VERIFY"),
    spec("ECC_NIST_EDWARDS25519", "ECC_NIST_EDWARDS25519 — Ed25519", "asymmetric", "SIGN_VERIFY"),
    spec("ML_DSA_44", "ML_DSA_44", "asymmetric", "SIGN_VERIFY"),
    spec("ML_DSA_65", "ML_DSA_65", "asymmetric", "SIGN_VERIFY"),
    spec("ML_DSA_87", "ML_DSA_87", "asymmetric", "SIGN_VERIFY"),
    spec("HMAC_224", "HMAC_224", "hmac", "GENERATE_VERIFY_MAC"),
    spec("HMAC_256", "HMAC_256", "hmac", "GENERATE_VERIFY_MAC"),
    spec("HMAC_384", "HMAC_384", "hmac", "GENERATE_VERIFY_MAC"),
    spec("HMAC_512", "HMAC_512", "hmac", "GENERATE_VERIFY_MAC"),
];

/// A key usage the wizard offers, and for which key types.
#[derive(Debug, Clone, Copy)]
struct UsageOption {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    key_types: &'static str,
}

#[rustfmt::skip]
const USAGES: &[UsageOption] = &[
    UsageOption { value: "ENCRYPT_DECRYPT", label: "Encrypt and decrypt", hint: "Encrypt and decrypt data (symmetric or RSA keys).", key_types: "symmetric asymmetric" },
    UsageOption { value: "SIGN_VERIFY", label: "Sign and verify", hint: "Create and verify digital signatures.", key_types: "asymmetric" },
    UsageOption { value: "KEY_AGREEMENT", label: "Key agreement", hint: "Derive shared secrets (ECDH).", key_types: "asymmetric" },
    UsageOption { value: "GENERATE_VERIFY_MAC", label: "Generate and verify MAC", hint: "Create and verify HMAC tags.", key_types: "hmac" },
];

/// Everything the wizard has been told so far.
#[derive(Debug, Clone)]
struct Answers {
    key_type: String,
    key_usage: String,
    key_spec: String,
    origin: String,
    regionality: String,
    alias: String,
    description: String,
    tags: Vec<(String, String)>,
    administrators: String,
    administrators_may_delete: bool,
    users: String,
}

impl Answers {
    /// A fresh wizard: a symmetric key administered by the signed-in user.
    fn new(user_arn: &str) -> Answers {
        Answers {
            key_type: "symmetric".into(),
            key_usage: "ENCRYPT_DECRYPT".into(),
            key_spec: "SYMMETRIC_DEFAULT".into(),
            origin: "AWS_KMS".into(),
            regionality: "single".into(),
            alias: String::new(),
            description: String::new(),
            tags: Vec::new(),
            administrators: user_arn.to_string(),
            administrators_may_delete: true,
            users: String::new(),
        }
    }

    fn from_form(form: &FormData) -> Answers {
        let tags = form
            .all("tag_key")
            .into_iter()
            .zip(form.all("tag_value"))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .filter(|(k, v)| !k.is_empty() || !v.is_empty())
            .take(MAX_TAGS + 1)
            .collect();
        Answers {
            key_type: form.get("key_type").to_string(),
            key_usage: form.get("key_usage").to_string(),
            key_spec: form.get("key_spec").to_string(),
            origin: form.get("origin").to_string(),
            regionality: form.get("regionality").to_string(),
            alias: form.get("alias").trim().to_string(),
            description: form.get("description").to_string(),
            tags,
            administrators: form.get("administrators").to_string(),
            administrators_may_delete: form.get("administrators_may_delete") != "no",
            users: form.get("users").to_string(),
        }
    }

    /// The fields of `step` (1-based) as name/value pairs, for hidden inputs on other steps.
    fn fields_of(&self, step: usize) -> Vec<(String, String)> {
        let pair = |name: &str, value: &str| (name.to_string(), value.to_string());
        match step {
            1 => vec![
                pair("key_type", &self.key_type),
                pair("key_usage", &self.key_usage),
                pair("key_spec", &self.key_spec),
                pair("origin", &self.origin),
                pair("regionality", &self.regionality),
            ],
            2 => {
                let mut fields = vec![
                    pair("alias", &self.alias),
                    pair("description", &self.description),
                ];
                for (key, value) in &self.tags {
                    fields.push(pair("tag_key", key));
                    fields.push(pair("tag_value", value));
                }
                fields
            }
            3 => vec![
                pair("administrators", &self.administrators),
                pair(
                    "administrators_may_delete",
                    if self.administrators_may_delete {
                        "yes"
                    } else {
                        "no"
                    },
                ),
            ],
            4 => vec![pair("users", &self.users)],
            _ => Vec::new(),
        }
    }

    /// Hidden inputs for every step but `shown`.
    fn hidden_except(&self, shown: usize) -> Vec<(String, String)> {
        (1..=4)
            .filter(|step| *step != shown)
            .flat_map(|step| self.fields_of(step))
            .collect()
    }

    /// Makes step 1 consistent: a symmetric key has one usage and spec, an HMAC key one usage.
    fn settle_configuration(&mut self) {
        match self.key_type.as_str() {
            "symmetric" => {
                self.key_usage = "ENCRYPT_DECRYPT".into();
                self.key_spec = "SYMMETRIC_DEFAULT".into();
            }
            "hmac" => {
                self.key_usage = "GENERATE_VERIFY_MAC".into();
                if !self.key_spec.starts_with("HMAC_") {
                    self.key_spec = "HMAC_256".into();
                }
            }
            _ => {}
        }
    }

    fn kind(&self) -> KeyKind {
        KeyKind::of(&self.key_spec, &self.key_usage)
    }

    /// `alias/…` as CreateAlias wants it, or `None`.
    fn alias_name(&self) -> Option<String> {
        let alias = self.alias.trim();
        if alias.is_empty() {
            None
        } else if alias.starts_with("alias/") {
            Some(alias.to_string())
        } else {
            Some(format!("alias/{alias}"))
        }
    }
}

/// Checks step `step`; the message says what to fix.
fn check_step(
    answers: &Answers,
    step: usize,
    partition: &str,
    account: &str,
) -> Result<(), String> {
    match step {
        1 => check_configuration(answers),
        2 => check_labels(answers),
        3 => policy::parse_people(&answers.administrators, partition, account).map(|_| ()),
        4 => policy::parse_people(&answers.users, partition, account).map(|_| ()),
        _ => Ok(()),
    }
}

fn check_configuration(answers: &Answers) -> Result<(), String> {
    if !["symmetric", "asymmetric", "hmac"].contains(&answers.key_type.as_str()) {
        return Err("Choose a key type.".into());
    }
    let Some(usage) = USAGES.iter().find(|u| u.value == answers.key_usage) else {
        return Err("Choose a key usage.".into());
    };
    if !usage.key_types.split(' ').any(|t| t == answers.key_type) {
        return Err(format!(
            "{} keys cannot be used to {}.",
            type_label(&answers.key_type),
            usage.label.to_lowercase()
        ));
    }
    let Some(spec) = SPECS.iter().find(|s| s.value == answers.key_spec) else {
        return Err("Choose a key spec.".into());
    };
    if spec.key_type != answers.key_type || !spec.usages.split(' ').any(|u| u == usage.value) {
        return Err(format!(
            "Key spec {} cannot be used for “{}” with a {} key.",
            spec.value,
            usage.label,
            type_label(&answers.key_type).to_lowercase()
        ));
    }
    if !["AWS_KMS", "EXTERNAL"].contains(&answers.origin.as_str()) {
        return Err("Choose where the key material comes from.".into());
    }
    if !["single", "multi"].contains(&answers.regionality.as_str()) {
        return Err("Choose single-Region or multi-Region.".into());
    }
    Ok(())
}

fn check_labels(answers: &Answers) -> Result<(), String> {
    if let Some(alias) = answers.alias_name() {
        let name = alias.strip_prefix("alias/").unwrap_or_default();
        if name.is_empty()
            || alias.len() > 256
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
        {
            return Err(
                "An alias may contain letters, digits, '/', '_' and '-' (at most 256 characters with its alias/ prefix)."
                    .into(),
            );
        }
        if alias.starts_with("alias/aws/") {
            return Err(
                "Aliases beginning with alias/aws/ are reserved for AWS managed keys.".into(),
            );
        }
    }
    if answers.description.chars().count() > 8192 {
        return Err("The description may be at most 8192 characters.".into());
    }
    if answers.tags.len() > MAX_TAGS {
        return Err(format!("A key may have at most {MAX_TAGS} tags."));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in &answers.tags {
        if key.is_empty() {
            return Err(format!("The tag with value “{value}” needs a key."));
        }
        if key.chars().count() > 128 || value.chars().count() > 256 {
            return Err("Tag keys may have 128 characters, tag values 256.".into());
        }
        if key.to_lowercase().starts_with("aws:") {
            return Err("Tag keys beginning with aws: are reserved.".into());
        }
        if seen.contains(&key.as_str()) {
            return Err(format!("The tag key “{key}” appears twice."));
        }
        seen.push(key);
    }
    Ok(())
}

fn type_label(key_type: &str) -> &'static str {
    match key_type {
        "symmetric" => "Symmetric",
        "asymmetric" => "Asymmetric",
        "hmac" => "HMAC",
        _ => "Unknown",
    }
}

/// A radio button.
#[derive(Debug, Clone)]
struct Choice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    /// Space-separated key types this choice suits (the script hides the others).
    key_types: &'static str,
    checked: bool,
}

/// An option of the key spec list.
#[derive(Debug, Clone)]
struct SpecChoice {
    value: &'static str,
    label: &'static str,
    key_type: &'static str,
    usages: &'static str,
    selected: bool,
}

#[derive(Debug, Clone)]
struct StepLink {
    number: usize,
    title: &'static str,
    current: bool,
}

#[derive(Debug, Clone)]
struct TagRow {
    index: usize,
    key: String,
    value: String,
}

/// A line of the review summary.
#[derive(Debug, Clone)]
struct SummaryLine {
    label: &'static str,
    value: String,
}

#[derive(Template)]
#[template(path = "wizard.html")]
struct WizardPage {
    layout: Layout,
    csrf_token: String,
    step: usize,
    step_title: &'static str,
    steps: Vec<StepLink>,
    hidden: Vec<(String, String)>,
    problem: Option<Problem>,
    // Step 1
    key_types: Vec<Choice>,
    usages: Vec<Choice>,
    specs: Vec<SpecChoice>,
    origin_external: bool,
    multi_region: bool,
    // Step 2
    alias: String,
    description: String,
    tag_rows: Vec<TagRow>,
    // Step 3 and 4
    administrators: String,
    administrators_may_delete: bool,
    users: String,
    user_arn: String,
    // Step 5
    summary: Vec<SummaryLine>,
    administrator_list: Vec<String>,
    user_list: Vec<String>,
    policy: String,
}

fn page(
    user: &SignedIn,
    console: &Shared,
    answers: &Answers,
    step: usize,
    problem: Option<Problem>,
) -> WizardPage {
    let step = step.clamp(1, STEP_TITLES.len());
    let partition = user.partition();
    let account = user.session.principal.account_id.clone();
    let administrator_list =
        policy::parse_people(&answers.administrators, &partition, &account).unwrap_or_default();
    let user_list = policy::parse_people(&answers.users, &partition, &account).unwrap_or_default();
    let policy_text = if step == 5 {
        policy::console_policy(&PolicyChoices {
            partition: &partition,
            account_id: &account,
            kind: answers.kind(),
            administrators: &administrator_list,
            users: &user_list,
            administrators_may_delete: answers.administrators_may_delete,
            imported_material: answers.origin == "EXTERNAL",
            multi_region: answers.regionality == "multi",
        })
    } else {
        String::new()
    };
    let mut tag_rows: Vec<TagRow> = answers
        .tags
        .iter()
        .map(|(key, value)| TagRow {
            index: 0,
            key: key.clone(),
            value: value.clone(),
        })
        .collect();
    for _ in 0..SPARE_TAG_ROWS {
        if tag_rows.len() < MAX_TAGS {
            tag_rows.push(TagRow {
                index: 0,
                key: String::new(),
                value: String::new(),
            });
        }
    }
    for (index, row) in tag_rows.iter_mut().enumerate() {
        row.index = index + 1;
    }
    let tags_text = if answers.tags.is_empty() {
        "—".to_string()
    } else {
        answers
            .tags
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let summary = vec![
        SummaryLine {
            label: "Key type",
            value: type_label(&answers.key_type).to_string(),
        },
        SummaryLine {
            label: "Key spec",
            value: answers.key_spec.clone(),
        },
        SummaryLine {
            label: "Key usage",
            value: super::display::usage(&answers.key_usage).to_string(),
        },
        SummaryLine {
            label: "Key material origin",
            value: if answers.origin == "EXTERNAL" {
                "External (import key material)"
            } else {
                "Trent (AWS_KMS)"
            }
            .to_string(),
        },
        SummaryLine {
            label: "Regionality",
            value: if answers.regionality == "multi" {
                "Multi-Region key"
            } else {
                "Single-Region key"
            }
            .to_string(),
        },
        SummaryLine {
            label: "Alias",
            value: answers.alias_name().unwrap_or_else(|| "—".into()),
        },
        SummaryLine {
            label: "Description",
            value: if answers.description.is_empty() {
                "—".into()
            } else {
                answers.description.clone()
            },
        },
        SummaryLine {
            label: "Tags",
            value: tags_text,
        },
        SummaryLine {
            label: "Key administrators may delete the key",
            value: super::display::yes_no(answers.administrators_may_delete).to_string(),
        },
    ];
    WizardPage {
        layout: user.layout(console, "Create key", nav::CREATE),
        csrf_token: user.session.csrf_token.clone(),
        step,
        step_title: STEP_TITLES[step - 1],
        steps: STEP_TITLES
            .iter()
            .enumerate()
            .map(|(i, title)| StepLink {
                number: i + 1,
                title,
                current: i + 1 == step,
            })
            .collect(),
        hidden: answers.hidden_except(if step == 5 { 0 } else { step }),
        problem,
        key_types: [
            (
                "symmetric",
                "Symmetric",
                "A single key for encrypting and decrypting data. Right for most uses.",
            ),
            (
                "asymmetric",
                "Asymmetric",
                "A public and private key pair, for encryption, signing or key agreement.",
            ),
            (
                "hmac",
                "HMAC",
                "A key for generating and verifying message authentication codes.",
            ),
        ]
        .into_iter()
        .map(|(value, label, hint)| Choice {
            value,
            label,
            hint,
            key_types: value,
            checked: answers.key_type == value,
        })
        .collect(),
        usages: USAGES
            .iter()
            .map(|u| Choice {
                value: u.value,
                label: u.label,
                hint: u.hint,
                key_types: u.key_types,
                checked: answers.key_usage == u.value,
            })
            .collect(),
        specs: SPECS
            .iter()
            .map(|s| SpecChoice {
                value: s.value,
                label: s.label,
                key_type: s.key_type,
                usages: s.usages,
                selected: answers.key_spec == s.value,
            })
            .collect(),
        origin_external: answers.origin == "EXTERNAL",
        multi_region: answers.regionality == "multi",
        alias: answers.alias.clone(),
        description: answers.description.clone(),
        tag_rows,
        administrators: answers.administrators.clone(),
        administrators_may_delete: answers.administrators_may_delete,
        users: answers.users.clone(),
        user_arn: user.session.principal.arn.clone(),
        summary,
        administrator_list,
        user_list,
        policy: policy_text,
    }
}

/// `GET /console/keys/create`: step 1 of a fresh wizard.
pub(crate) async fn start(State(console): State<Shared>, user: SignedIn) -> Response {
    let answers = Answers::new(&user.session.principal.arn);
    render(&page(&user, &console, &answers, 1, None))
}

/// `POST /console/keys/create`: moves between steps, or creates the key.
pub(crate) async fn step(State(console): State<Shared>, post: CheckedForm) -> Response {
    let CheckedForm { user, form } = post;
    let mut answers = Answers::from_form(&form);
    answers.settle_configuration();
    let partition = user.partition();
    let account = user.session.principal.account_id.clone();
    let target = match form.get("go") {
        "create" => 6,
        other => other.parse::<usize>().unwrap_or(1).clamp(1, 5),
    };
    // Going forward requires every earlier step to be complete; going back never does.
    for earlier in 1..target.min(5) {
        if let Err(message) = check_step(&answers, earlier, &partition, &account) {
            let problem = Problem::invalid(message);
            return render_with_status(
                problem.status,
                &page(&user, &console, &answers, earlier, Some(problem)),
            );
        }
    }
    if target <= 5 {
        return render(&page(&user, &console, &answers, target, None));
    }
    create(console, user, answers, partition, account).await
}

async fn create(
    console: Shared,
    user: SignedIn,
    answers: Answers,
    partition: String,
    account: String,
) -> Response {
    let administrators =
        policy::parse_people(&answers.administrators, &partition, &account).unwrap_or_default();
    let users = policy::parse_people(&answers.users, &partition, &account).unwrap_or_default();
    let policy_text = policy::console_policy(&PolicyChoices {
        partition: &partition,
        account_id: &account,
        kind: answers.kind(),
        administrators: &administrators,
        users: &users,
        administrators_may_delete: answers.administrators_may_delete,
        imported_material: answers.origin == "EXTERNAL",
        multi_region: answers.regionality == "multi",
    });
    let request = CreateKeyRequest {
        policy: Some(policy_text),
        description: Some(answers.description.clone()),
        key_usage: Some(KeyUsageType::parse(&answers.key_usage)),
        key_spec: Some(KeySpec::parse(&answers.key_spec)),
        origin: Some(OriginType::parse(&answers.origin)),
        tags: (!answers.tags.is_empty()).then(|| {
            answers
                .tags
                .iter()
                .map(|(k, v)| Tag {
                    tag_key: k.clone(),
                    tag_value: v.clone(),
                })
                .collect()
        }),
        multi_region: Some(answers.regionality == "multi"),
        ..Default::default()
    };
    let alias = answers.alias_name();
    let outcome = api::run(user.api(&console), move |api| {
        let response = api.call(Request::CreateKey(request))?;
        let created = expect_response!(response, CreateKey)?;
        let key_id = created.key_metadata.map(|m| m.key_id).unwrap_or_default();
        let alias_result = match alias {
            Some(alias_name) => api
                .call(Request::CreateAlias(CreateAliasRequest {
                    alias_name: Some(alias_name.clone()),
                    target_key_id: Some(key_id.clone()),
                }))
                .map(|_| ())
                .map_err(|err| (alias_name, Problem::from(err))),
            None => Ok(()),
        };
        Ok::<_, trent_protocol::KmsError>((key_id, alias_result))
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    match outcome {
        Ok((key_id, alias_result)) => {
            let location = format!("/console/keys/{}", forms::path_segment(&key_id));
            let flash = match alias_result {
                Ok(()) => Flash::success(format!("Key {key_id} was created.")),
                Err((alias, problem)) => Flash::error(format!(
                    "Key {key_id} was created, but the alias {alias} was not: {}",
                    problem.summary()
                )),
            };
            user.redirect_with(&console, &location, flash)
        }
        Err(problem) => render_with_status(
            problem.status,
            &page(&user, &console, &answers, 5, Some(problem)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers() -> Answers {
        Answers::new("arn:aws:iam::111122223333:user/admin")
    }

    #[test]
    fn configuration_rules() {
        let mut a = answers();
        assert_eq!(check_configuration(&a), Ok(()));
        a.key_type = "asymmetric".into();
        a.key_usage = "SIGN_VERIFY".into();
        a.key_spec = "ECC_NIST_P256".into();
        assert_eq!(check_configuration(&a), Ok(()));
        a.key_usage = "ENCRYPT_DECRYPT".into();
        assert!(check_configuration(&a).is_err(), "P-256 cannot encrypt");
        a.key_usage = "GENERATE_VERIFY_MAC".into();
        assert!(check_configuration(&a).is_err());
        let mut h = answers();
        h.key_type = "hmac".into();
        h.key_spec = "RSA_2048".into();
        h.settle_configuration();
        assert_eq!(
            (h.key_usage.as_str(), h.key_spec.as_str()),
            ("GENERATE_VERIFY_MAC", "HMAC_256")
        );
        assert_eq!(check_configuration(&h), Ok(()));
    }

    #[test]
    fn label_rules() {
        let mut a = answers();
        a.alias = "app/main".into();
        assert_eq!(check_labels(&a), Ok(()));
        assert_eq!(a.alias_name().as_deref(), Some("alias/app/main"));
        a.alias = "alias/aws/s3".into();
        assert!(check_labels(&a).is_err());
        a.alias = "bad name".into();
        assert!(check_labels(&a).is_err());
        a.alias = String::new();
        a.tags = vec![("team".into(), "a".into()), ("team".into(), "b".into())];
        assert!(check_labels(&a).is_err());
        a.tags = vec![("aws:x".into(), "a".into())];
        assert!(check_labels(&a).is_err());
        a.tags = vec![(String::new(), "a".into())];
        assert!(check_labels(&a).is_err());
    }

    #[test]
    fn answers_survive_hidden_fields() {
        let mut a = answers();
        a.tags = vec![("team".into(), "blue & green".into())];
        a.administrators_may_delete = false;
        a.users = "bob\ncarol".into();
        let pairs: Vec<(String, String)> = (1..=4).flat_map(|s| a.fields_of(s)).collect();
        let body = forms::encode(
            &pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        );
        let back = Answers::from_form(&FormData::parse(body.as_bytes()));
        assert_eq!(back.tags, a.tags);
        assert!(!back.administrators_may_delete);
        assert_eq!(back.users, a.users);
        assert_eq!(back.key_spec, a.key_spec);
    }
}
