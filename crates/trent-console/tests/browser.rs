//! End to end in a real browser: headless Chromium driven over WebDriver (chromedriver +
//! fantoccini) through the console's main journeys, saving a screenshot of each main page.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`/usr/bin/chromium`, `/usr/bin/chromedriver`;
//! override with `CHROMIUM` / `CHROMEDRIVER`). Without them the test fails and says what to
//! install: a console nobody has seen in a browser is not tested.
//!
//! Screenshots go to `target/console-screenshots/` under the workspace (or
//! `CONSOLE_SCREENSHOT_DIR`), at a laptop-sized 1366×900 window.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Credentials, Served, serve};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use trent_console::ConsoleOptions;
use trent_protocol::{DescribeKeyRequest, GetKeyPolicyRequest, Request, Response};

const INSTALL_HINT: &str = "install them with: apt-get install chromium chromium-driver";

/// How long the whole journey may take before the test gives up.
const JOURNEY_TIMEOUT: Duration = Duration::from_secs(300);

fn program(variable: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.is_file(),
        "{} not found (set {variable} to override); {INSTALL_HINT}",
        path.display()
    );
    path
}

fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("CONSOLE_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/console-screenshots")
        });
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

/// chromedriver, stopped (by its own process id) when the test ends, however it ends.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(chromedriver: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot start {}: {err}; {INSTALL_HINT}",
                    chromedriver.display()
                )
            });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn open_browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--window-size=1366,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|err| panic!("cannot start a Chromium session: {err}; {INSTALL_HINT}"))
}

/// The browser plus what the journey needs to check its work.
struct Journey {
    browser: Client,
    base: String,
    shots: PathBuf,
}

impl Journey {
    async fn goto(&self, path: &str) {
        self.browser
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|err| panic!("cannot open {path}: {err}"));
    }

    /// The visible text of the page.
    async fn text(&self) -> String {
        match self
            .browser
            .execute("return document.body.innerText", vec![])
            .await
        {
            Ok(Value::String(text)) => text,
            other => panic!("cannot read the page: {other:?}"),
        }
    }

    async fn path(&self) -> String {
        let url = self.browser.current_url().await.expect("url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn click(&self, css: &str) {
        self.browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no {css}: {err}"))
            .click()
            .await
            .unwrap_or_else(|err| panic!("cannot click {css}: {err}"));
    }

    /// Clicks the button whose text is `label`, or else the link. The previous action may still
    /// be replacing the page, so an element that went stale is looked up again (a few times).
    async fn press(&self, label: &str) {
        let visible = "[not(@aria-hidden='true')]";
        let button = format!("//button{visible}[normalize-space()='{label}']");
        let link = format!("//a{visible}[normalize-space()='{label}']");
        let mut attempts = 0;
        loop {
            attempts += 1;
            let element = match self.browser.find(Locator::XPath(&button)).await {
                Ok(element) => element,
                Err(_) => match self.browser.find(Locator::XPath(&link)).await {
                    Ok(element) => element,
                    Err(err) if attempts < 5 => {
                        let _ = err;
                        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                        continue;
                    }
                    Err(err) => panic!("no button or link '{label}': {err}"),
                },
            };
            match element.click().await {
                Ok(()) => return,
                Err(err) if attempts < 5 && err.to_string().contains("stale") => {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                Err(err) => panic!("cannot press '{label}': {err}"),
            }
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self
            .browser
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("no field {css}: {err}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }

    /// Waits until the page text contains `wanted`.
    async fn wait_for_text(&self, wanted: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.text().await;
            if text.contains(wanted) {
                return text;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "page {} never showed {wanted:?}; it shows:\n{text}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.browser.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::write(self.shots.join(name), png).expect("save screenshot");
    }

    /// A screenshot with the element `css` scrolled to the top of the window.
    async fn screenshot_at(&self, name: &str, css: &str) {
        self.browser
            .execute(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'start'})",
                vec![Value::String(css.to_string())],
            )
            .await
            .unwrap_or_else(|err| panic!("cannot scroll to {css}: {err}"));
        self.screenshot(name).await;
    }

    async fn sign_in(&self, credentials: &Credentials) {
        self.goto("/console").await;
        assert!(self.path().await.starts_with("/console/sign-in"));
        self.fill("#access-key-id", &credentials.access_key_id)
            .await;
        self.fill("#secret-access-key", &credentials.secret_access_key)
            .await;
        self.press("Sign in").await;
        self.wait_for_text("Customer managed keys").await;
    }

    async fn sign_out(&self) {
        self.press("Sign out").await;
        self.wait_for_text("Sign in to Trent").await;
    }

    /// Every resource the page loaded came from the console itself.
    async fn assert_no_external_requests(&self) {
        let loaded = self
            .browser
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .await
            .expect("resource timing");
        for url in loaded.as_array().into_iter().flatten() {
            let url = url.as_str().unwrap_or_default();
            assert!(url.starts_with(&self.base), "external request to {url}");
        }
    }
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

fn key_state(served: &Served, key: &str) -> String {
    describe(served, key)
        .key_state
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// Walks the wizard for a key of `key_type`/`usage`/`spec` with default labels and permissions,
/// and returns the page text after pressing "Create key".
async fn create_through_wizard(
    j: &Journey,
    key_type: &str,
    usage: &str,
    spec: &str,
    alias: &str,
) -> String {
    j.goto("/console/keys/create").await;
    j.click(&format!("#key-type-{key_type}")).await;
    j.click(&format!("#usage-{usage}")).await;
    if key_type != "symmetric" {
        j.browser
            .find(Locator::Css("#key-spec"))
            .await
            .expect("spec list")
            .select_by_value(spec)
            .await
            .expect("choose spec");
    }
    j.click(".wizard-actions .button.primary").await; // Next → labels
    j.wait_for_text("Step 2: Add labels").await;
    j.fill("#alias", alias).await;
    j.click(".wizard-actions .button.primary").await; // → administrators
    j.wait_for_text("Step 3:").await;
    j.click(".wizard-actions .button.primary").await; // → users
    j.wait_for_text("Step 4:").await;
    j.click(".wizard-actions .button.primary").await; // → review
    j.wait_for_text("Step 5: Review").await;
    j.press("Create key").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    j.text().await
}

async fn journey(j: Journey, served: Served, stranger: Credentials) {
    // Sign in.
    j.goto("/console").await;
    j.wait_for_text("Sign in to Trent").await;
    j.screenshot("01-sign-in.png").await;
    j.sign_in(&served.admin).await;
    j.assert_no_external_requests().await;

    // Create a symmetric key through the wizard.
    j.goto("/console/keys/create").await;
    j.wait_for_text("Step 1: Configure key").await;
    // The script offers only what fits: an asymmetric key gets no symmetric or HMAC spec, and no
    // MAC usage.
    j.click("#key-type-asymmetric").await;
    let filtered = j
        .browser
        .execute(
            "const s = document.getElementById('key-spec');
             return { spec: s.value, disabled: s.disabled,
                      hmacHidden: s.querySelector('option[value=HMAC_256]').hidden,
                      macUsageHidden: document.querySelector('[data-key-types=hmac]').hidden };",
            vec![],
        )
        .await
        .expect("script state");
    assert_eq!(filtered["spec"], "RSA_2048", "{filtered}");
    assert_eq!(filtered["disabled"], false);
    assert_eq!(filtered["hmacHidden"], true);
    assert_eq!(filtered["macUsageHidden"], true);
    j.click("#key-type-symmetric").await;
    j.screenshot("02-create-key-configure.png").await;
    j.click(".wizard-actions .button.primary").await;
    j.wait_for_text("Step 2: Add labels").await;
    j.fill("#alias", "e2e/orders").await;
    j.fill("#description", "Orders service <b>data</b> key")
        .await;
    j.fill("#tag-key-1", "team").await;
    j.fill("#tag-value-1", "payments").await;
    j.click(".wizard-actions .button.primary").await;
    let administrators = j
        .wait_for_text("Step 3: Define key administrative permissions")
        .await;
    assert!(administrators.contains(&served.admin.user_arn));
    j.click(".wizard-actions .button.primary").await;
    j.wait_for_text("Step 4: Define key usage permissions")
        .await;
    j.fill("#users", "admin").await;
    j.click(".wizard-actions .button.primary").await;
    let review = j.wait_for_text("Step 5: Review").await;
    for sid in [
        "Enable IAM User Permissions",
        "Allow access for Key Administrators",
        "Allow use of the key",
        "Allow attachment of persistent resources",
    ] {
        assert!(review.contains(sid), "review shows {sid}");
    }
    j.screenshot_at("03-create-key-review.png", ".kv").await;
    j.press("Create key").await;
    let detail = j.wait_for_text("was created").await;
    assert!(detail.contains("alias/e2e/orders"));
    assert!(
        detail.contains("Orders service <b>data</b> key"),
        "shown as text, not markup"
    );
    let key_path = j.path().await;
    let key_id = key_path.trim_start_matches("/console/keys/").to_string();
    assert_eq!(key_state(&served, &key_id), "Enabled");
    j.screenshot("04-key-detail.png").await;

    // Change the policy in the JSON editor: the script flags broken JSON before it is sent.
    j.press("Switch to policy view (JSON)").await;
    j.wait_for_text("Key policy document (JSON)").await;
    j.browser
        .execute(
            "const t = document.getElementById('policy-text');
             t.value = '{\"Version\": \"2012-10-17\",'; t.dispatchEvent(new Event('input'));",
            vec![],
        )
        .await
        .expect("type broken JSON");
    j.wait_for_text("Not valid JSON").await;
    j.screenshot_at("05-policy-editor-invalid.png", ".tabs")
        .await;
    j.press("Save changes").await;
    assert_eq!(
        j.path().await,
        format!("{key_path}?tab=policy&view=json"),
        "not sent"
    );
    let policy = json!({
        "Version": "2012-10-17",
        "Id": "e2e",
        "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{}:root", served.admin.account_id)},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "Allow use of the key", "Effect": "Allow",
             "Principal": {"AWS": served.admin.user_arn},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"}
        ]
    })
    .to_string();
    j.browser
        .execute(
            "const t = document.getElementById('policy-text');
             t.value = arguments[0]; t.dispatchEvent(new Event('input'));",
            vec![Value::String(policy)],
        )
        .await
        .expect("type the policy");
    j.wait_for_text("Valid JSON.").await;
    j.press("Save changes").await;
    let saved = j.wait_for_text("The key policy is saved.").await;
    assert!(saved.contains("Key users"), "back in the default view");
    match served.backend.call_as(
        &served.admin,
        Request::GetKeyPolicy(GetKeyPolicyRequest {
            key_id: Some(key_id.clone()),
            policy_name: None,
        }),
    ) {
        Ok(Response::GetKeyPolicy(p)) => {
            assert!(p.policy.unwrap_or_default().contains("\"Id\":\"e2e\""))
        }
        other => panic!("GetKeyPolicy: {other:?}"),
    }

    // Rotation: enable with a period, then rotate now.
    j.press("Key rotation").await;
    j.wait_for_text("Rotation history").await;
    j.click("#rotation-enabled").await;
    j.fill("#rotation-period", "180").await;
    j.press("Save rotation settings").await;
    let rotation = j.wait_for_text("Rotation settings are saved.").await;
    assert!(rotation.contains("180 days"));
    j.press("Rotate now").await;
    let rotated = j.wait_for_text("On-demand rotation started").await;
    assert!(rotated.contains("ON_DEMAND"), "history lists the rotation");
    j.screenshot_at("06-key-rotation.png", ".tabs").await;

    // Disable and enable.
    j.press("Disable key").await;
    j.wait_for_text("The key is disabled.").await;
    assert_eq!(key_state(&served, &key_id), "Disabled");
    j.press("Enable key").await;
    j.wait_for_text("The key is enabled.").await;
    assert_eq!(key_state(&served, &key_id), "Enabled");

    // Schedule deletion (the button waits for the typed word), then cancel it.
    j.press("Schedule key deletion").await;
    j.wait_for_text("Deleting a KMS key cannot be undone.")
        .await;
    let button = j
        .browser
        .find(Locator::Css("[data-confirm-button]"))
        .await
        .expect("button");
    assert!(
        !button.is_enabled().await.expect("state"),
        "disabled until confirmed"
    );
    j.fill("#waiting-period", "7").await;
    j.fill("#confirm-word", "delete").await;
    assert!(button.is_enabled().await.expect("state"));
    j.screenshot("07-schedule-deletion.png").await;
    button.click().await.expect("schedule");
    j.wait_for_text("The key is scheduled for deletion on")
        .await;
    assert_eq!(key_state(&served, &key_id), "PendingDeletion");
    j.press("Cancel key deletion").await;
    j.wait_for_text("Deletion cancelled").await;
    assert_eq!(key_state(&served, &key_id), "Disabled");
    j.press("Enable key").await;
    j.wait_for_text("The key is enabled.").await;

    // Try it: encrypt, then decrypt what came back.
    j.click(".page-header a[href^='/console/try']").await;
    j.wait_for_text("Run a cryptographic operation").await;
    j.fill("#plaintext", "meet me at noon").await;
    j.fill("#encrypt-context", "purpose=e2e").await;
    j.press("Encrypt").await;
    j.wait_for_text("Ciphertext (base64)").await;
    j.press("Decrypt").await;
    j.wait_for_text("Decrypted").await;
    let output = j
        .browser
        .find(Locator::Css("#result-output"))
        .await
        .expect("output")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(output.as_deref(), Some("meet me at noon"));
    j.screenshot("08-try-it.png").await;

    // Asymmetric and HMAC keys: trent-core may not create them yet. Until it does, the wizard
    // must show CreateKey's UnsupportedOperationException on the review step; once it does,
    // the key's page opens. Either is a pass.
    for (key_type, usage, spec, alias) in [
        ("asymmetric", "SIGN_VERIFY", "ECC_NIST_P256", "e2e/signing"),
        ("hmac", "GENERATE_VERIFY_MAC", "HMAC_256", "e2e/mac"),
    ] {
        let text = create_through_wizard(&j, key_type, usage, spec, alias).await;
        let created = text.contains("was created");
        let unsupported =
            text.contains("UnsupportedOperationException") && text.contains("Step 5: Review");
        assert!(created || unsupported, "{key_type} key: {text}");
    }

    // The key list and the audit trail.
    j.goto("/console/keys").await;
    let list = j.wait_for_text("alias/e2e/orders").await;
    assert!(list.contains("Symmetric") && list.contains("Enabled"));
    j.screenshot("09-keys.png").await;
    j.goto("/console/audit").await;
    let audit = j.wait_for_text("Audit events").await;
    assert!(audit.contains("ScheduleKeyDeletion") && audit.contains("PutKeyPolicy"));
    j.screenshot("10-audit.png").await;
    j.assert_no_external_requests().await;

    // Keyboard: the skip link is the first stop and leads to the content.
    j.goto("/console/keys").await;
    let first = j
        .browser
        .execute("document.activeElement.blur(); return document.querySelector('a.skip-link').textContent", vec![])
        .await
        .expect("skip link");
    assert_eq!(first, "Skip to main content");

    // Someone from another account is refused the key, however they ask.
    j.sign_out().await;
    j.sign_in(&stranger).await;
    let list = j.text().await;
    assert!(
        !list.contains(&key_id),
        "other accounts' keys are not listed"
    );
    let arn = describe(&served, &key_id).arn.expect("arn");
    let encoded: String = arn
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    j.goto(&format!("/console/keys/{encoded}")).await;
    let denied = j.wait_for_text("AccessDeniedException").await;
    assert!(denied.contains("is not authorized to perform: kms:DescribeKey"));
    j.screenshot("11-access-denied.png").await;
    j.goto(&format!("/console/try?key={encoded}")).await;
    j.wait_for_text("AccessDeniedException").await;
    j.sign_out().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_in_headless_chromium() {
    let chromium = program("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = program("CHROMEDRIVER", "/usr/bin/chromedriver");
    let served = serve(ConsoleOptions::default(), None).await;
    let stranger = served.backend.user_in_new_account("stranger");
    let profile = tempfile::tempdir().expect("profile directory");
    let driver = Driver::start(&chromedriver);
    let browser = open_browser(&driver, &chromium, profile.path()).await;
    let journey_run = Journey {
        browser: browser.clone(),
        base: served.base.clone(),
        shots: screenshot_dir(),
    };
    // Run the journey in its own task so that the browser is closed even when it fails.
    let outcome = tokio::time::timeout(
        JOURNEY_TIMEOUT,
        tokio::spawn(journey(journey_run, served, stranger)),
    )
    .await;
    let _ = browser.close().await;
    drop(driver);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(err) => panic!("journey task failed: {err}"),
        },
        Err(_) => panic!("the browser journey took longer than {JOURNEY_TIMEOUT:?}"),
    }
}
