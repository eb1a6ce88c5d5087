//! Try it: encrypt and decrypt a short text, sign and verify, generate and verify a MAC.
//!
//! It exists to show a new user that a key works and what its outputs look like, using the same
//! calls (and the same permissions) as an application would. Results are rendered straight into
//! the answer to the form — never stored in the session or passed in a URL — and the page is
//! `no-store` like every console page. Binary outputs are shown as base64 and prefilled into the
//! matching reverse operation, so "encrypt, then decrypt" is two clicks.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use trent_protocol::{
    Blob, DecryptRequest, EncryptRequest, EncryptionAlgorithmSpec, GenerateMacRequest, KmsError,
    MacAlgorithmSpec, MessageType, Request, SensitiveBlob, SignRequest, SigningAlgorithmSpec,
    VerifyMacRequest, VerifyRequest,
};

use super::display;
use crate::Shared;
use crate::api::{self, Api, expect_response};
use crate::forms::FormData;
use crate::layout::{Layout, nav};
use crate::pages::render_with_status;
use crate::problem::Problem;
use crate::request::{CheckedForm, SignedIn};

/// Keys offered in the key field's suggestion list.
const MAX_SUGGESTIONS: usize = 200;

/// The key being tried.
#[derive(Debug, Clone, Default)]
struct KeyInfo {
    arn: String,
    description: String,
    spec: String,
    usage: String,
    encrypts: bool,
    signs: bool,
    macs: bool,
    symmetric: bool,
    encryption_algorithms: Vec<String>,
    signing_algorithms: Vec<String>,
    mac_algorithm: String,
}

/// The answer to the last operation.
#[derive(Debug, Clone, Default)]
struct Outcome {
    title: String,
    /// A base64 or text output, with its label.
    output_label: String,
    output: String,
    details: Vec<(String, String)>,
}

/// What the user typed, kept so the forms show it again.
#[derive(Debug, Clone, Default)]
struct Inputs {
    plaintext: String,
    encrypt_context: String,
    encryption_algorithm: String,
    ciphertext: String,
    decrypt_context: String,
    message: String,
    signing_algorithm: String,
    signature: String,
    mac_message: String,
    mac: String,
}

impl Inputs {
    fn from_form(form: &FormData) -> Inputs {
        Inputs {
            plaintext: form.get("plaintext").to_string(),
            encrypt_context: form.get("encrypt_context").to_string(),
            encryption_algorithm: form.get("encryption_algorithm").to_string(),
            ciphertext: form.get("ciphertext").trim().to_string(),
            decrypt_context: form.get("decrypt_context").to_string(),
            message: form.get("message").to_string(),
            signing_algorithm: form.get("signing_algorithm").to_string(),
            signature: form.get("signature").trim().to_string(),
            mac_message: form.get("mac_message").to_string(),
            mac: form.get("mac").trim().to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "try_it.html")]
struct TryPage {
    layout: Layout,
    csrf_token: String,
    key_input: String,
    suggestions: Vec<String>,
    key: Option<KeyInfo>,
    key_problem: Option<Problem>,
    inputs: Inputs,
    outcome: Option<Outcome>,
    problem: Option<Problem>,
}

fn key_info(api: &Api, key: &str) -> Result<KeyInfo, KmsError> {
    let metadata = api.describe_key(key)?;
    let spec = display::spec_of(&metadata);
    let usage = display::usage_of(&metadata);
    let names = |list: Option<Vec<String>>| list.unwrap_or_default();
    Ok(KeyInfo {
        arn: metadata.arn.clone().unwrap_or_default(),
        description: metadata.description.clone().unwrap_or_default(),
        encrypts: usage == "ENCRYPT_DECRYPT",
        signs: usage == "SIGN_VERIFY",
        macs: usage == "GENERATE_VERIFY_MAC",
        symmetric: spec == "SYMMETRIC_DEFAULT",
        encryption_algorithms: names(
            metadata
                .encryption_algorithms
                .map(|l| l.iter().map(|a| a.as_str().to_string()).collect()),
        ),
        signing_algorithms: names(
            metadata
                .signing_algorithms
                .map(|l| l.iter().map(|a| a.as_str().to_string()).collect()),
        ),
        mac_algorithm: metadata
            .mac_algorithms
            .and_then(|l| l.first().map(|a| a.as_str().to_string()))
            .unwrap_or_default(),
        spec,
        usage,
    })
}

/// Key ids and aliases for the key field's suggestions.
fn suggestions(api: &Api) -> Vec<String> {
    let mut names: Vec<String> = api
        .list_all_aliases(None)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.target_key_id.is_some())
        .filter_map(|a| a.alias_name)
        .filter(|n| !n.starts_with("alias/aws/"))
        .collect();
    names.sort();
    names.extend(
        api.list_all_keys()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|k| k.key_id),
    );
    names.truncate(MAX_SUGGESTIONS);
    names
}

/// `key=value` lines as an encryption context.
fn parse_context(text: &str) -> Result<Option<BTreeMap<String, String>>, Problem> {
    let mut context = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(Problem::invalid(format!(
                "Encryption context line {} needs the form key=value.",
                index + 1
            )));
        };
        context.insert(key.trim().to_string(), value.trim().to_string());
    }
    Ok((!context.is_empty()).then_some(context))
}

fn base64_field(value: &str, what: &str) -> Result<Vec<u8>, Problem> {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| Problem::invalid(format!("The {what} is not valid base64.")))
}

/// Text if the bytes are UTF-8, else base64 (and which it is).
fn readable(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), "Plaintext"),
        Err(_) => (STANDARD.encode(bytes), "Plaintext (base64: not UTF-8 text)"),
    }
}

/// Runs `operation` with the typed inputs; the reverse operation's input is prefilled from the
/// output.
fn perform(
    api: &Api,
    key: &KeyInfo,
    operation: &str,
    inputs: &mut Inputs,
) -> Result<Outcome, Problem> {
    let key_id = Some(key.arn.clone());
    let detail = |label: &str, value: String| (label.to_string(), value);
    match operation {
        "encrypt" => {
            let algorithm = (!key.symmetric)
                .then(|| EncryptionAlgorithmSpec::parse(&inputs.encryption_algorithm));
            let response = api.call(Request::Encrypt(EncryptRequest {
                key_id,
                plaintext: Some(SensitiveBlob::new(inputs.plaintext.as_bytes().to_vec())),
                encryption_context: if key.symmetric {
                    parse_context(&inputs.encrypt_context)?
                } else {
                    None
                },
                encryption_algorithm: algorithm,
                ..Default::default()
            }))?;
            let encrypted = expect_response!(response, Encrypt)?;
            let ciphertext = STANDARD.encode(
                encrypted
                    .ciphertext_blob
                    .map(Blob::into_vec)
                    .unwrap_or_default(),
            );
            inputs.ciphertext = ciphertext.clone();
            inputs.decrypt_context = inputs.encrypt_context.clone();
            Ok(Outcome {
                title: "Encrypted".into(),
                output_label: "Ciphertext (base64)".into(),
                output: ciphertext,
                details: vec![
                    detail("Key", encrypted.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        encrypted
                            .encryption_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
            })
        }
        "decrypt" => {
            let blob = base64_field(&inputs.ciphertext, "ciphertext")?;
            let response = api.call(Request::Decrypt(DecryptRequest {
                ciphertext_blob: Some(Blob::new(blob)),
                encryption_context: if key.symmetric {
                    parse_context(&inputs.decrypt_context)?
                } else {
                    None
                },
                key_id,
                encryption_algorithm: (!key.symmetric)
                    .then(|| EncryptionAlgorithmSpec::parse(&inputs.encryption_algorithm)),
                ..Default::default()
            }))?;
            let decrypted = expect_response!(response, Decrypt)?;
            let plaintext = decrypted
                .plaintext
                .as_ref()
                .map(|p| p.expose().to_vec())
                .unwrap_or_default();
            let (output, label) = readable(&plaintext);
            Ok(Outcome {
                title: "Decrypted".into(),
                output_label: label.into(),
                output,
                details: vec![
                    detail("Key", decrypted.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        decrypted
                            .encryption_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
            })
        }
        "sign" => {
            let response = api.call(Request::Sign(SignRequest {
                key_id,
                message: Some(SensitiveBlob::new(inputs.message.as_bytes().to_vec())),
                message_type: Some(MessageType::Raw),
                signing_algorithm: Some(SigningAlgorithmSpec::parse(&inputs.signing_algorithm)),
                ..Default::default()
            }))?;
            let signed = expect_response!(response, Sign)?;
            let signature =
                STANDARD.encode(signed.signature.map(Blob::into_vec).unwrap_or_default());
            inputs.signature = signature.clone();
            Ok(Outcome {
                title: "Signed".into(),
                output_label: "Signature (base64)".into(),
                output: signature,
                details: vec![
                    detail("Key", signed.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        signed
                            .signing_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
            })
        }
        "verify" => {
            let signature = base64_field(&inputs.signature, "signature")?;
            let response = api.call(Request::Verify(VerifyRequest {
                key_id,
                message: Some(SensitiveBlob::new(inputs.message.as_bytes().to_vec())),
                message_type: Some(MessageType::Raw),
                signature: Some(Blob::new(signature)),
                signing_algorithm: Some(SigningAlgorithmSpec::parse(&inputs.signing_algorithm)),
                ..Default::default()
            }))?;
            let verified = expect_response!(response, Verify)?;
            Ok(Outcome {
                title: "The signature is valid".into(),
                details: vec![
                    detail("Key", verified.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        verified
                            .signing_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
                ..Default::default()
            })
        }
        "generate-mac" => {
            let response = api.call(Request::GenerateMac(GenerateMacRequest {
                key_id,
                message: Some(SensitiveBlob::new(inputs.mac_message.as_bytes().to_vec())),
                mac_algorithm: Some(MacAlgorithmSpec::parse(&key.mac_algorithm)),
                ..Default::default()
            }))?;
            let generated = expect_response!(response, GenerateMac)?;
            let mac = STANDARD.encode(generated.mac.map(Blob::into_vec).unwrap_or_default());
            inputs.mac = mac.clone();
            Ok(Outcome {
                title: "MAC generated".into(),
                output_label: "MAC (base64)".into(),
                output: mac,
                details: vec![
                    detail("Key", generated.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        generated
                            .mac_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
            })
        }
        "verify-mac" => {
            let mac = base64_field(&inputs.mac, "MAC")?;
            let response = api.call(Request::VerifyMac(VerifyMacRequest {
                key_id,
                message: Some(SensitiveBlob::new(inputs.mac_message.as_bytes().to_vec())),
                mac_algorithm: Some(MacAlgorithmSpec::parse(&key.mac_algorithm)),
                mac: Some(Blob::new(mac)),
                ..Default::default()
            }))?;
            let verified = expect_response!(response, VerifyMac)?;
            Ok(Outcome {
                title: "The MAC is valid".into(),
                details: vec![
                    detail("Key", verified.key_id.unwrap_or_default()),
                    detail(
                        "Algorithm",
                        verified
                            .mac_algorithm
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                    ),
                ],
                ..Default::default()
            })
        }
        _ => Err(Problem::invalid("Choose an operation.")),
    }
}

/// Everything a Try it page shows, loaded in one blocking task.
struct Loaded {
    suggestions: Vec<String>,
    key: Option<KeyInfo>,
    key_problem: Option<Problem>,
    outcome: Option<Outcome>,
    problem: Option<Problem>,
    inputs: Inputs,
}

async fn show_page(
    console: &Shared,
    user: &SignedIn,
    key_input: String,
    operation: String,
    inputs: Inputs,
) -> Response {
    let wanted = key_input.trim().to_string();
    let op = operation;
    let loaded = api::run(user.api(console), move |api| {
        let mut inputs = inputs;
        let suggestions = suggestions(api);
        let (key, key_problem) = if wanted.is_empty() {
            (None, None)
        } else {
            match key_info(api, &wanted) {
                Ok(info) => (Some(info), None),
                Err(err) => (None, Some(Problem::from(err))),
            }
        };
        let (outcome, problem) = match (&key, op.is_empty()) {
            (Some(info), false) => match perform(api, info, &op, &mut inputs) {
                Ok(outcome) => (Some(outcome), None),
                Err(problem) => (None, Some(problem)),
            },
            _ => (None, None),
        };
        Loaded {
            suggestions,
            key,
            key_problem,
            outcome,
            problem,
            inputs,
        }
    })
    .await;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(problem) => Loaded {
            suggestions: Vec::new(),
            key: None,
            key_problem: Some(problem),
            outcome: None,
            problem: None,
            inputs: Inputs::default(),
        },
    };
    let status = loaded
        .key_problem
        .as_ref()
        .or(loaded.problem.as_ref())
        .map(|p| p.status)
        .unwrap_or_default();
    let mut inputs = loaded.inputs;
    if let Some(key) = &loaded.key {
        if !key
            .encryption_algorithms
            .contains(&inputs.encryption_algorithm)
        {
            inputs.encryption_algorithm = key
                .encryption_algorithms
                .first()
                .cloned()
                .unwrap_or_default();
        }
        if !key.signing_algorithms.contains(&inputs.signing_algorithm) {
            inputs.signing_algorithm = key.signing_algorithms.first().cloned().unwrap_or_default();
        }
    }
    let page = TryPage {
        layout: user.layout(console, "Try it", nav::TRY_IT),
        csrf_token: user.session.csrf_token.clone(),
        key_input,
        suggestions: loaded.suggestions,
        key: loaded.key,
        key_problem: loaded.key_problem,
        inputs,
        outcome: loaded.outcome,
        problem: loaded.problem,
    };
    render_with_status(status, &page)
}

/// `GET /console/try?key=…`.
pub(crate) async fn show(State(console): State<Shared>, user: SignedIn, uri: Uri) -> Response {
    let query = FormData::from_query(uri.query());
    let greeting = "Hello, Trent!".to_string();
    let inputs = Inputs {
        plaintext: greeting.clone(),
        message: greeting.clone(),
        mac_message: greeting,
        ..Default::default()
    };
    show_page(
        &console,
        &user,
        query.get("key").to_string(),
        String::new(),
        inputs,
    )
    .await
}

/// `POST /console/try`: runs the operation of the pressed button.
pub(crate) async fn run(State(console): State<Shared>, post: CheckedForm) -> Response {
    let CheckedForm { user, form } = post;
    let inputs = Inputs::from_form(&form);
    show_page(
        &console,
        &user,
        form.get("key").to_string(),
        form.get("operation").to_string(),
        inputs,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_encryption_contexts() {
        assert_eq!(parse_context(" \n").expect("empty is fine"), None);
        let context = parse_context("purpose = demo\nteam=blue=green")
            .expect("parses")
            .expect("some");
        assert_eq!(context.get("purpose").map(String::as_str), Some("demo"));
        assert_eq!(context.get("team").map(String::as_str), Some("blue=green"));
        assert!(parse_context("no equals sign").is_err());
    }

    #[test]
    fn base64_and_text_outputs() {
        assert_eq!(base64_field("aGk=\n", "x").expect("decodes"), b"hi");
        assert!(base64_field("%%%", "x").is_err());
        assert_eq!(readable(b"hi").0, "hi");
        assert_eq!(
            readable(&[0xff, 0xfe]).1,
            "Plaintext (base64: not UTF-8 text)"
        );
    }
}
