//! The console's defences, checked over real HTTP: cookie attributes, CSRF refusal, session
//! expiry, HTML escaping and the response headers.

mod common;

use std::time::Duration;

use common::{Browser, REGION, serve};
use trent_console::ConsoleOptions;
use trent_protocol::{CreateKeyRequest, Request, Response};

fn session_cookie(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .cloned()
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

async fn sign_in_response(browser: &mut Browser, admin: &common::Credentials) -> common::Page {
    let form = browser.get("/console/sign-in").await;
    let token = form.input_value("csrf_token").expect("token");
    browser
        .post(
            "/console/sign-in",
            &[
                ("csrf_token", &token),
                ("access_key_id", &admin.access_key_id),
                ("secret_access_key", &admin.secret_access_key),
                ("region", REGION),
            ],
        )
        .await
}

#[tokio::test]
async fn session_cookie_is_http_only_strict_and_secure_with_tls() {
    let plain = serve(
        ConsoleOptions {
            secure_cookies: false,
        },
        None,
    )
    .await;
    let mut browser = Browser::new(&plain.base);
    let done = sign_in_response(&mut browser, &plain.admin).await;
    assert_eq!(done.status, 303);
    let cookie = session_cookie(&done.set_cookies(), "trent-console");
    assert!(cookie.contains("; HttpOnly"), "{cookie}");
    assert!(cookie.contains("; SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("; Path=/console"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cannot use Secure: {cookie}"
    );
    assert!(
        !cookie.contains("Max-Age"),
        "a browser-session cookie: {cookie}"
    );

    let tls = serve(
        ConsoleOptions {
            secure_cookies: true,
        },
        None,
    )
    .await;
    let mut browser = Browser::new(&tls.base);
    // The test client speaks plain HTTP, but the cookie attributes are what matters here.
    let form = browser.get("/console/sign-in").await;
    let form_cookie = session_cookie(&form.set_cookies(), "__Host-trent-console-sign-in");
    assert!(form_cookie.contains("; Secure") && form_cookie.contains("; HttpOnly"));
    let done = sign_in_response(&mut browser, &tls.admin).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let cookie = session_cookie(&done.set_cookies(), "__Host-trent-console");
    for attribute in ["; HttpOnly", "; SameSite=Strict", "; Secure", "; Path=/"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn state_changes_need_the_csrf_token() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    let token = browser.csrf_token().await;
    let key_id = match served.backend.call_as(
        &served.admin,
        Request::CreateKey(CreateKeyRequest::default()),
    ) {
        Ok(Response::CreateKey(created)) => created.key_metadata.expect("metadata").key_id,
        other => panic!("CreateKey failed: {other:?}"),
    };
    let disable = format!("/console/keys/{key_id}/disable");

    let missing = browser.post(&disable, &[]).await;
    assert_eq!(missing.status, 403, "no token");
    assert!(missing.body.contains("Request refused"));
    let wrong = browser
        .post(&disable, &[("csrf_token", "not-the-token")])
        .await;
    assert_eq!(wrong.status, 403, "wrong token");
    let cross_site = browser
        .send(
            "POST",
            &disable,
            Some(format!("csrf_token={token}")),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross_site.status, 403, "foreign origin");
    let fetch_cross_site = browser
        .send(
            "POST",
            &disable,
            Some(format!("csrf_token={token}")),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(fetch_cross_site.status, 403, "Sec-Fetch-Site: cross-site");
    let state = |served: &common::Served| match served.backend.call_as(
        &served.admin,
        Request::DescribeKey(trent_protocol::DescribeKeyRequest {
            key_id: Some(key_id.clone()),
            ..Default::default()
        }),
    ) {
        Ok(Response::DescribeKey(d)) => d
            .key_metadata
            .and_then(|m| m.key_state)
            .map(|s| s.as_str().to_string()),
        _ => None,
    };
    assert_eq!(
        state(&served).as_deref(),
        Some("Enabled"),
        "refused forms changed nothing"
    );

    let allowed = browser.post(&disable, &[("csrf_token", &token)]).await;
    assert_eq!(allowed.status, 303);
    assert_eq!(state(&served).as_deref(), Some("Disabled"));

    // Sign-out and region changes are state changes too.
    assert_eq!(browser.post("/console/sign-out", &[]).await.status, 403);
    assert_eq!(
        browser
            .post("/console/region", &[("region", "eu-west-1")])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn sign_in_form_needs_its_own_token() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    // A forged sign-in (login CSRF): no form cookie, no token.
    let forged = browser
        .post(
            "/console/sign-in",
            &[
                ("access_key_id", &served.admin.access_key_id),
                ("secret_access_key", &served.admin.secret_access_key),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Wrong secrets are refused with the API's error, and nothing else.
    let form = browser.get("/console/sign-in").await;
    let token = form.input_value("csrf_token").expect("token");
    let wrong = browser
        .post(
            "/console/sign-in",
            &[
                ("csrf_token", &token),
                ("access_key_id", &served.admin.access_key_id),
                ("secret_access_key", "wrong"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains("UnrecognizedClientException"),
        "{}",
        wrong.body
    );
    assert!(!browser.cookies.contains_key("trent-console"));
}

#[tokio::test]
async fn sessions_expire_when_idle_and_end_at_sign_out() {
    let served = serve(ConsoleOptions::default(), Some(Duration::from_millis(800))).await;
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    assert_eq!(browser.get("/console/keys").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let expired = browser.get("/console/keys?view=aws").await;
    assert_eq!(expired.status, 303);
    let location = expired.header("location");
    assert!(location.starts_with("/console/sign-in?"), "{location}");
    assert!(location.contains("expired=1"), "{location}");
    assert!(
        location.contains("next=%2Fconsole%2Fkeys%3Fview%3Daws"),
        "{location}"
    );
    let sign_in = browser.get(&location).await;
    assert!(sign_in.body.contains("Your session has ended"));

    browser.sign_in(&served.admin).await;
    let token = browser.csrf_token().await;
    let old_cookie = browser
        .cookies
        .get("trent-console")
        .cloned()
        .expect("session cookie");
    let out = browser
        .post("/console/sign-out", &[("csrf_token", &token)])
        .await;
    assert_eq!(out.status, 303);
    // The old cookie is dead on the server, not just forgotten by the browser.
    browser.cookies.insert("trent-console".into(), old_cookie);
    assert_eq!(browser.get("/console/keys").await.status, 303);
}

#[tokio::test]
async fn user_text_is_escaped_everywhere() {
    let served = serve(ConsoleOptions::default(), None).await;
    let evil = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
    let key_id = match served.backend.call_as(
        &served.admin,
        Request::CreateKey(CreateKeyRequest {
            description: Some(evil.to_string()),
            tags: Some(vec![trent_protocol::Tag {
                tag_key: "note".into(),
                tag_value: evil.to_string(),
            }]),
            ..Default::default()
        }),
    ) {
        Ok(Response::CreateKey(created)) => created.key_metadata.expect("metadata").key_id,
        other => panic!("CreateKey failed: {other:?}"),
    };
    let mut browser = Browser::new(&served.base);
    browser.sign_in(&served.admin).await;
    for path in [
        "/console/keys".to_string(),
        format!("/console/keys/{key_id}"),
        format!("/console/keys/{key_id}?tab=tags"),
        format!("/console/try?key={key_id}"),
        format!("/console/keys?{}", common::encode(&[("q", evil)])),
        "/console/audit".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("<script>alert"),
            "{path} shows raw markup"
        );
        assert!(!page.body.contains("<img src=x"), "{path} shows raw markup");
    }
    let detail = browser.get(&format!("/console/keys/{key_id}")).await;
    // askama writes numeric character references.
    assert!(
        detail
            .body
            .contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#34;&#62;&#60;img"),
        "{}",
        detail.body
    );
}

#[tokio::test]
async fn every_page_carries_protective_headers() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    let sign_in = browser.get("/console/sign-in").await;
    let csp = sign_in.header("content-security-policy");
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(sign_in.header("x-frame-options"), "DENY");
    assert_eq!(sign_in.header("x-content-type-options"), "nosniff");
    assert_eq!(sign_in.header("cache-control"), "no-store");
    browser.sign_in(&served.admin).await;
    let keys = browser.get("/console/keys").await;
    assert_eq!(keys.header("cache-control"), "no-store");
    assert!(!keys.body.contains("<script>"), "no inline script");
    assert!(!keys.body.contains("style=\""), "no inline style");
    let css = browser.get("/console/assets/console.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").starts_with("text/css"));
    let etag = css.header("etag");
    let again = browser
        .send(
            "GET",
            "/console/assets/console.css",
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(again.status, 304);
    assert_eq!(
        browser.get("/console/assets/../Cargo.toml").await.status,
        404
    );
    assert_eq!(browser.get("/console/nothing/here").await.status, 404);
}

#[tokio::test]
async fn sign_in_only_returns_to_console_pages() {
    let served = serve(ConsoleOptions::default(), None).await;
    let mut browser = Browser::new(&served.base);
    let form = browser
        .get("/console/sign-in?next=https%3A%2F%2Fevil.example%2F")
        .await;
    assert_eq!(form.input_value("next").as_deref(), Some("/console/keys"));
    let token = form.input_value("csrf_token").expect("token");
    let done = browser
        .post(
            "/console/sign-in",
            &[
                ("csrf_token", &token),
                ("access_key_id", &served.admin.access_key_id),
                ("secret_access_key", &served.admin.secret_access_key),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(done.header("location"), "/console/keys");
}
