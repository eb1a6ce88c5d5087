//! The console's stylesheet and script, compiled into the binary.
//!
//! Embedding them keeps "`cargo build` produces everything" true and means a deployment serves
//! no file from disk and fetches nothing from anywhere else (the content security policy allows
//! only these two). Browsers revalidate them on each use (`no-cache` with an `ETag`), so a new
//! build is picked up at once and an unchanged one costs a `304`.

use std::sync::LazyLock;

use aws_lc_rs::digest;
use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

const STYLESHEET: &str = include_str!("../assets/console.css");
const SCRIPT: &str = include_str!("../assets/console.js");

struct Asset {
    body: &'static str,
    content_type: &'static str,
    etag: String,
}

fn asset(body: &'static str, content_type: &'static str) -> Asset {
    let hash = digest::digest(&digest::SHA256, body.as_bytes());
    let hex: String = hash.as_ref()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Asset {
        body,
        content_type,
        etag: format!("\"{hex}\""),
    }
}

static ASSETS: LazyLock<[(&str, Asset); 2]> = LazyLock::new(|| {
    [
        ("console.css", asset(STYLESHEET, "text/css; charset=utf-8")),
        (
            "console.js",
            asset(SCRIPT, "text/javascript; charset=utf-8"),
        ),
    ]
});

/// `GET /console/assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some((_, asset)) = ASSETS.iter().find(|(name, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    let etag = HeaderValue::from_str(&asset.etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let cache = (CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if headers
        .get(IF_NONE_MATCH)
        .is_some_and(|given| given.as_bytes() == asset.etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [cache, (ETAG, etag)]).into_response();
    }
    (
        StatusCode::OK,
        [
            (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            cache,
            (ETAG, etag),
        ],
        asset.body,
    )
        .into_response()
}
