//! The console's pages and actions over HTTP, against a real `Kms`: what the browser test does,
//! minus the browser, so that it runs in a second and pins the server side of every form.

mod common;

use common::{Browser, Served, serve};
use trent_console::ConsoleOptions;
use trent_protocol::{DescribeKeyRequest, GetKeyPolicyRequest, Request, Response};

/// Goes through the wizard with `fields` (the answers of every step) and returns the final page.
async fn create_key(browser: &mut Browser, token: &str, fields: &[(&str, &str)]) -> common::Page {
    for step in ["2", "3", "4", "5"] {
        let mut form = vec![("csrf_token", token), ("go", step)];
        form.extend_from_slice(fields);
        let page = browser.post("/console/keys/create", &form).await;
        assert_eq!(page.status, 200, "step {step}: {}", page.body);
        assert!(
            page.body.contains(&format!("Step {step}:")),
            "reached step {step}"
        );
    }
    let mut form = vec![("csrf_token", token), ("go", "create")];
    form.extend_from_slice(fields);
    browser.post("/console/keys/create", &form).await
}

fn describe(served: &Served, key: &str) -> trent_protocol::KeyMetadata {
    match served.backend.call_as(
        &served.admin,
        Request::DescribeKey(DescribeKeyRequest {
            key_id: Some(key.to_string()),
            ..Default::default()
        }),
    ) {
        Ok(Response::DescribeKey(d)) => d.key_metadata.expect("metadata"),
        other => panic!("DescribeKey: {other:?}"),
    }
}

fn policy_of(served: &Served, key: &str) -> String {
    match served.backend.call_as(
        &served.admin,
        Request::GetKeyPolicy(GetKeyPolicyRequest {
            key_id: Some(key.to_string()),
            policy_name: None,
        }),
    ) {
        Ok(Response::GetKeyPolicy(p)) => p.policy.unwrap_or_default(),
        other => panic!("GetKeyPolicy: {other:?}"),
    }
}

fn state_of(served: &Served, key: &str) -> String {
    describe(served, key)
        .key_state
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_key_from_creation_to_deletion() {
    let served = serve(ConsoleOptions::default(), None).await;
    // Key policies may name only principals that exist.
    served
        .backend
        .kms
        .create_user(&served.admin.account_id, "carol", false)
        .expect("carol");
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    let token = browser.csrf_token().await;

    // The wizard starts with the signed-in user as administrator.
    let start = browser.get("/console/keys/create").await;
    assert!(start.body.contains(&served.admin.user_arn));

    let created = create_key(
        &mut browser,
        &token,
        &[
            ("key_type", "symmetric"),
            ("key_usage", "ENCRYPT_DECRYPT"),
            ("key_spec", "SYMMETRIC_DEFAULT"),
            ("origin", "AWS_KMS"),
            ("regionality", "single"),
            ("alias", "app/orders"),
            ("description", "Orders & invoices"),
            ("tag_key", "team"),
            ("tag_value", "blue"),
            ("tag_key", ""),
            ("tag_value", ""),
            ("administrators", &served.admin.user_arn),
            ("administrators_may_delete", "yes"),
            ("users", "admin\n444455556666"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let location = created.header("location");
    let key_id = location.trim_start_matches("/console/keys/").to_string();
    let page = browser.get(&location).await;
    assert!(page.body.contains("was created"), "flash message");
    assert!(page.body.contains("alias/app/orders"));
    assert!(
        page.body.contains("Orders &#38; invoices") || page.body.contains("Orders &amp; invoices")
    );
    let metadata = describe(&served, &key_id);
    assert_eq!(metadata.description.as_deref(), Some("Orders & invoices"));
    let policy: serde_json::Value =
        serde_json::from_str(&policy_of(&served, &key_id)).expect("JSON");
    let sids: Vec<&str> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        sids,
        [
            "Enable IAM User Permissions",
            "Allow access for Key Administrators",
            "Allow use of the key",
            "Allow attachment of persistent resources"
        ]
    );
    assert_eq!(
        policy["Statement"][2]["Principal"]["AWS"],
        serde_json::json!([served.admin.user_arn, "arn:aws:iam::444455556666:root"])
    );

    // The list shows it, and the filter finds it by alias.
    let list = browser.get("/console/keys?q=orders").await;
    assert!(list.body.contains(&key_id));
    assert!(list.body.contains("Symmetric"));
    let none = browser.get("/console/keys?q=nothing-like-this").await;
    assert!(!none.body.contains(&key_id));

    // Policy: the JSON editor refuses text that is not JSON, keeping the text.
    let key_path = format!("/console/keys/{key_id}");
    let broken = browser
        .post(
            &format!("{key_path}/policy"),
            &[("csrf_token", &token), ("policy", "{\"Version\": ")],
        )
        .await;
    assert_eq!(broken.status, 400);
    assert!(broken.body.contains("MalformedPolicyDocumentException"));
    assert!(broken.body.contains("not valid JSON"));
    assert!(
        broken.body.contains("{&#34;Version&#34;: "),
        "the text is kept"
    );
    // PutKeyPolicy's own errors are shown as they are.
    let structural = browser
        .post(
            &format!("{key_path}/policy"),
            &[
                ("csrf_token", &token),
                (
                    "policy",
                    r#"{"Statement":[{"Effect":"Maybe","Principal":"*"}]}"#,
                ),
            ],
        )
        .await;
    assert!(
        structural.body.contains("MalformedPolicyDocumentException"),
        "{}",
        structural.body
    );
    assert!(structural.body.contains("Invalid effect in policy."));
    // The default view adds a key user to both user statements.
    let added = browser
        .post(
            &format!("{key_path}/policy-person"),
            &[
                ("csrf_token", &token),
                ("role", "user"),
                ("change", "add"),
                ("person", "carol"),
            ],
        )
        .await;
    assert_eq!(added.status, 303);
    let carol = format!("arn:aws:iam::{}:user/carol", served.admin.account_id);
    let text = policy_of(&served, &key_id);
    assert_eq!(text.matches(&carol).count(), 2, "{text}");
    let view = browser.get(&format!("{key_path}?tab=policy")).await;
    assert!(view.body.contains(&carol));
    let removed = browser
        .post(
            &format!("{key_path}/policy-person"),
            &[
                ("csrf_token", &token),
                ("role", "user"),
                ("change", "remove"),
                ("person", &carol),
            ],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert!(!policy_of(&served, &key_id).contains(&carol));

    // Rotation: enable with a period, rotate now, see the history.
    let rotation = browser
        .post(
            &format!("{key_path}/rotation"),
            &[("csrf_token", &token), ("enabled", "1"), ("period", "180")],
        )
        .await;
    assert_eq!(rotation.status, 303);
    let tab = browser.get(&format!("{key_path}?tab=rotation")).await;
    assert!(
        tab.body.contains("Rotation settings are saved"),
        "{}",
        tab.body
    );
    assert!(tab.body.contains("180 days"));
    let bad_period = browser
        .post(
            &format!("{key_path}/rotation"),
            &[("csrf_token", &token), ("enabled", "1"), ("period", "5")],
        )
        .await;
    assert_eq!(bad_period.status, 303);
    let tab = browser.get(&format!("{key_path}?tab=rotation")).await;
    assert!(
        tab.body.contains("ValidationException"),
        "the API's error: {}",
        tab.body
    );
    browser
        .post(&format!("{key_path}/rotate-now"), &[("csrf_token", &token)])
        .await;
    let tab = browser.get(&format!("{key_path}?tab=rotation")).await;
    assert!(tab.body.contains("On-demand rotation started"));
    assert!(tab.body.contains("ON_DEMAND"), "{}", tab.body);

    // Tags and aliases.
    browser
        .post(
            &format!("{key_path}/tag-add"),
            &[
                ("csrf_token", &token),
                ("tag_key", "env"),
                ("tag_value", "prod"),
            ],
        )
        .await;
    let tags = browser.get(&format!("{key_path}?tab=tags")).await;
    assert!(tags.body.contains("env") && tags.body.contains("prod") && tags.body.contains("team"));
    browser
        .post(
            &format!("{key_path}/tag-remove"),
            &[("csrf_token", &token), ("tag_key", "env")],
        )
        .await;
    assert!(
        !browser
            .get(&format!("{key_path}?tab=tags"))
            .await
            .body
            .contains(">prod<")
    );
    browser
        .post(
            &format!("{key_path}/alias-create"),
            &[("csrf_token", &token), ("alias", "second")],
        )
        .await;
    assert!(
        browser
            .get(&format!("{key_path}?tab=aliases"))
            .await
            .body
            .contains("<td>alias/second</td>")
    );
    browser
        .post(
            &format!("{key_path}/alias-delete"),
            &[("csrf_token", &token), ("alias", "alias/second")],
        )
        .await;
    assert!(
        !browser
            .get(&format!("{key_path}?tab=aliases"))
            .await
            .body
            .contains("<td>alias/second</td>")
    );

    // Grants, and the cryptographic configuration.
    let grants = browser.get(&format!("{key_path}?tab=grants")).await;
    assert!(
        grants.body.contains("no grants") || grants.body.contains("alert error"),
        "{}",
        grants.body
    );
    let crypto = browser.get(&format!("{key_path}?tab=crypto")).await;
    assert!(crypto.body.contains("SYMMETRIC_DEFAULT") && crypto.body.contains("AWS_KMS"));

    // Disable and enable.
    browser
        .post(&format!("{key_path}/disable"), &[("csrf_token", &token)])
        .await;
    assert_eq!(state_of(&served, &key_id), "Disabled");
    browser
        .post(&format!("{key_path}/enable"), &[("csrf_token", &token)])
        .await;
    assert_eq!(state_of(&served, &key_id), "Enabled");

    // Deletion needs the typed word and a period of 7–30 days; it can be cancelled.
    let form = browser.get(&format!("{key_path}/delete")).await;
    assert!(form.body.contains("type <strong>delete</strong>"));
    let unconfirmed = browser
        .post(
            &format!("{key_path}/schedule-deletion"),
            &[("csrf_token", &token), ("days", "7"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(unconfirmed.status, 400);
    assert!(unconfirmed.body.contains("Type the word delete"));
    let too_short = browser
        .post(
            &format!("{key_path}/schedule-deletion"),
            &[("csrf_token", &token), ("days", "3"), ("confirm", "delete")],
        )
        .await;
    assert!(too_short.body.contains("between 7 and 30"));
    assert_eq!(state_of(&served, &key_id), "Enabled");
    let scheduled = browser
        .post(
            &format!("{key_path}/schedule-deletion"),
            &[("csrf_token", &token), ("days", "7"), ("confirm", "delete")],
        )
        .await;
    assert_eq!(scheduled.status, 303);
    assert_eq!(state_of(&served, &key_id), "PendingDeletion");
    let page = browser.get(&key_path).await;
    assert!(page.body.contains("scheduled for deletion on"));
    assert!(page.body.contains("Cancel key deletion"));
    browser
        .post(
            &format!("{key_path}/cancel-deletion"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(
        state_of(&served, &key_id),
        "Disabled",
        "AWS leaves a cancelled key disabled"
    );
    let page = browser.get(&key_path).await;
    assert!(page.body.contains("Deletion cancelled"));
    assert!(page.body.contains("Enable key"));
}

#[tokio::test]
async fn wizard_checks_each_step_and_shows_api_errors() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    let token = browser.csrf_token().await;
    // P-256 keys cannot encrypt: the wizard stays on step 1 and says why.
    let refused = browser
        .post(
            "/console/keys/create",
            &[
                ("csrf_token", &token),
                ("go", "2"),
                ("key_type", "asymmetric"),
                ("key_usage", "ENCRYPT_DECRYPT"),
                ("key_spec", "ECC_NIST_P256"),
                ("origin", "AWS_KMS"),
                ("regionality", "single"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("Step 1:"));
    assert!(
        refused.body.contains("cannot be used for"),
        "{}",
        refused.body
    );
    // A bad person on step 3.
    let bad_admin = browser
        .post(
            "/console/keys/create",
            &[
                ("csrf_token", &token),
                ("go", "4"),
                ("key_type", "symmetric"),
                ("origin", "AWS_KMS"),
                ("regionality", "single"),
                ("key_usage", "ENCRYPT_DECRYPT"),
                ("key_spec", "SYMMETRIC_DEFAULT"),
                ("administrators", "not a user!"),
            ],
        )
        .await;
    assert!(bad_admin.body.contains("Step 3:"));
    assert!(bad_admin.body.contains("is not an ARN"));
    // Asymmetric and HMAC keys: created, or the core's UnsupportedOperationException shown on the
    // review step (until those key types land in trent-core).
    for (key_type, usage, spec) in [
        ("asymmetric", "SIGN_VERIFY", "ECC_NIST_P256"),
        ("hmac", "GENERATE_VERIFY_MAC", "HMAC_256"),
    ] {
        let page = create_key(
            &mut browser,
            &token,
            &[
                ("key_type", key_type),
                ("key_usage", usage),
                ("key_spec", spec),
                ("origin", "AWS_KMS"),
                ("regionality", "single"),
                ("administrators", &served.admin.user_arn),
                ("administrators_may_delete", "yes"),
                ("users", ""),
            ],
        )
        .await;
        let ok = page.status == 303;
        let unsupported =
            page.body.contains("UnsupportedOperationException") && page.body.contains("Step 5:");
        assert!(ok || unsupported, "{key_type}: {}", page.body);
    }
    // A duplicate alias fails after the key is created; the user is told both.
    let fields = [
        ("key_type", "symmetric"),
        ("key_usage", "ENCRYPT_DECRYPT"),
        ("key_spec", "SYMMETRIC_DEFAULT"),
        ("origin", "AWS_KMS"),
        ("regionality", "single"),
        ("alias", "dup"),
        ("administrators", ""),
        ("users", ""),
    ];
    assert_eq!(create_key(&mut browser, &token, &fields).await.status, 303);
    let second = create_key(&mut browser, &token, &fields).await;
    assert_eq!(second.status, 303);
    let page = browser.get(&second.header("location")).await;
    assert!(
        page.body.contains("AlreadyExistsException"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn try_it_round_trips_and_reports_errors() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    let token = browser.csrf_token().await;
    let key_id = match served
        .backend
        .call_as(&served.admin, Request::CreateKey(Default::default()))
    {
        Ok(Response::CreateKey(c)) => c.key_metadata.expect("metadata").key_id,
        other => panic!("{other:?}"),
    };
    let page = browser.get(&format!("/console/try?key={key_id}")).await;
    assert!(page.body.contains("Encrypt") && page.body.contains("Decrypt"));
    let arn = describe(&served, &key_id).arn.expect("arn");
    let encrypted = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "encrypt"),
                ("plaintext", "attack at dawn"),
                ("encrypt_context", "purpose=demo"),
            ],
        )
        .await;
    assert_eq!(encrypted.status, 200, "{}", encrypted.body);
    assert!(encrypted.body.contains("Encrypted"));
    let ciphertext = {
        let marker = "readonly>";
        let start = encrypted.body.find(marker).expect("output") + marker.len();
        let end = encrypted.body[start..].find("</textarea>").expect("end") + start;
        encrypted.body[start..end].to_string()
    };
    assert!(ciphertext.len() > 40);
    let decrypted = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "decrypt"),
                ("ciphertext", &ciphertext),
                ("decrypt_context", "purpose=demo"),
            ],
        )
        .await;
    assert!(decrypted.body.contains("Decrypted"));
    assert!(
        decrypted.body.contains(">attack at dawn</textarea>"),
        "{}",
        decrypted.body
    );
    let wrong_context = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "decrypt"),
                ("ciphertext", &ciphertext),
                ("decrypt_context", "purpose=other"),
            ],
        )
        .await;
    assert_eq!(wrong_context.status, 400);
    assert!(wrong_context.body.contains("InvalidCiphertextException"));
    let not_base64 = browser
        .post(
            "/console/try",
            &[
                ("csrf_token", &token),
                ("key", &arn),
                ("operation", "decrypt"),
                ("ciphertext", "%%%"),
            ],
        )
        .await;
    assert!(not_base64.body.contains("not valid base64"));

    // Audit: the calls above are there, and the failed one is found by the errors filter.
    let audit = browser.get("/console/audit?event=Decrypt&errors=1").await;
    assert_eq!(audit.status, 200);
    assert!(
        audit.body.contains("InvalidCiphertextException"),
        "{}",
        audit.body
    );
    assert!(audit.body.contains("127.0.0.1"), "source IP recorded");
    assert!(audit.body.contains("trent-console/"), "user agent recorded");
    let encrypts = browser.get("/console/audit?event=Encrypt").await;
    assert!(encrypts.body.contains("Success"));
    assert!(!encrypts.body.contains("InvalidCiphertextException"));
}

#[tokio::test]
async fn other_accounts_are_refused_and_aws_keys_have_their_tab() {
    let served = serve(ConsoleOptions::default(), None).await;
    let key_id = match served
        .backend
        .call_as(&served.admin, Request::CreateKey(Default::default()))
    {
        Ok(Response::CreateKey(c)) => c.key_metadata.expect("metadata").key_id,
        other => panic!("{other:?}"),
    };
    let arn = describe(&served, &key_id).arn.expect("arn");
    // Naming a predefined AWS-managed alias creates that key.
    describe(&served, "alias/aws/s3");

    let mut admin = Browser::new(&served.base);
    admin.sign_in(&served.admin).await;
    let customer = admin.get("/console/keys").await;
    assert!(customer.body.contains(&key_id));
    assert!(!customer.body.contains("alias/aws/s3"));
    let aws = admin.get("/console/keys?view=aws").await;
    assert!(aws.body.contains("alias/aws/s3"), "{}", aws.body);
    assert!(!aws.body.contains(&key_id));

    let stranger = served.backend.user_in_new_account("mallory");
    let mut other = Browser::new(&served.base);
    other.sign_in(&stranger).await;
    assert!(!other.get("/console/keys").await.body.contains(&key_id));
    let encoded = common::encode(&[("k", &arn)]);
    let segment = encoded.trim_start_matches("k=");
    let denied = other.get(&format!("/console/keys/{segment}")).await;
    assert_eq!(denied.status, 400);
    assert!(
        denied.body.contains("AccessDeniedException"),
        "{}",
        denied.body
    );
    assert!(denied.body.contains("is not authorized to perform"));
    let tried = other
        .get(&format!("/console/try?{encoded}").replace("?k=", "?key="))
        .await;
    assert!(tried.body.contains("AccessDeniedException"));
    let token = other.csrf_token().await;
    let disable = other
        .post(
            &format!("/console/keys/{segment}/disable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(disable.status, 303);
    let after = other.get(&format!("/console/keys/{segment}")).await;
    assert!(
        after
            .body
            .contains("The key was not disabled: AccessDeniedException"),
        "{}",
        after.body
    );
    assert_eq!(state_of(&served, &key_id), "Enabled");
}
