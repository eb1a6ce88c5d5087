//! Audit events: who did what to which key, from the backend's trail.
//!
//! The console shows what [`ConsoleBackend::audit_events`](crate::ConsoleBackend::audit_events)
//! returns for the signed-in principal — the backend decides visibility — filtered by operation,
//! key and outcome. Events are CloudTrail-shaped JSON; the table picks the familiar fields and
//! each row can be expanded to the whole event. A backend without a trail answers `None`, and
//! the page says so.

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::Value;
use trent_protocol::Operation;

use crate::api;
use crate::forms::FormData;
use crate::layout::{Layout, nav};
use crate::pages::render_with_status;
use crate::problem::Problem;
use crate::request::SignedIn;
use crate::{AuditQuery, Shared};

const LIMITS: [usize; 4] = [25, 50, 100, 200];

#[derive(Debug, Clone)]
struct EventRow {
    time: String,
    event_name: String,
    /// The user's ARN, and its last part (the name) for the table.
    user: String,
    user_short: String,
    source_ip: String,
    /// The key's ARN, and its id for the table.
    key: String,
    key_short: String,
    error: String,
    request_id: String,
    json: String,
}

#[derive(Debug, Clone)]
struct SelectOption {
    value: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    events: Vec<EventRow>,
    available: bool,
    problem: Option<Problem>,
    operations: Vec<SelectOption>,
    limits: Vec<SelectOption>,
    key: String,
    errors_only: bool,
}

fn text(value: &Value, path: &[&str]) -> String {
    let mut current = value;
    for name in path {
        match current.get(name) {
            Some(next) => current = next,
            None => return String::new(),
        }
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn row(event: &Value) -> EventRow {
    let key = event
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|list| list.first())
        .map(|r| text(r, &["ARN"]))
        .filter(|arn| !arn.is_empty())
        .unwrap_or_else(|| text(event, &["requestParameters", "keyId"]));
    let mut user = text(event, &["userIdentity", "arn"]);
    if user.is_empty() {
        user = text(event, &["userIdentity", "accessKeyId"]);
    }
    let last_part = |value: &str| {
        value
            .rsplit(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    EventRow {
        time: text(event, &["eventTime"])
            .replace('T', " ")
            .replace('Z', " UTC"),
        event_name: text(event, &["eventName"]),
        user_short: last_part(&user),
        user,
        source_ip: text(event, &["sourceIPAddress"]),
        key_short: last_part(&key),
        key,
        error: text(event, &["errorCode"]),
        request_id: text(event, &["requestID"]),
        json: serde_json::to_string_pretty(event).unwrap_or_default(),
    }
}

/// A key id or alias as the ARN audit events name it; ARNs pass unchanged.
fn key_arn(input: &str, partition: &str, region: &str, account: &str) -> String {
    if input.starts_with("arn:") {
        input.to_string()
    } else {
        format!("arn:{partition}:kms:{region}:{account}:key/{input}")
    }
}

/// `GET /console/audit?event=…&key=…&errors=1&limit=N`.
pub(crate) async fn show(State(console): State<Shared>, user: SignedIn, uri: Uri) -> Response {
    let form = FormData::from_query(uri.query());
    let event = form
        .text("event")
        .filter(|name| Operation::from_name(name).is_some())
        .map(str::to_string);
    let key = form.get("key").trim().to_string();
    let errors_only = form.checked("errors");
    let limit = form
        .get("limit")
        .parse::<usize>()
        .ok()
        .filter(|l| LIMITS.contains(l))
        .unwrap_or(LIMITS[1]);
    let principal = &user.session.principal;
    let partition = user.partition();
    let query = AuditQuery {
        event_name: event.clone(),
        key_arn: (!key.is_empty()).then(|| {
            key_arn(
                &key,
                &partition,
                &user.session.region,
                &principal.account_id,
            )
        }),
        errors_only,
        limit,
    };
    let outcome = api::run(user.api(&console), move |api| api.audit_events(&query))
        .await
        .and_then(|result| result.map_err(Problem::from));
    let (events, available, problem) = match outcome {
        Ok(Some(events)) => (events.iter().take(limit).map(row).collect(), true, None),
        Ok(None) => (Vec::new(), false, None),
        Err(problem) => (Vec::new(), true, Some(problem)),
    };
    let status = problem.as_ref().map(|p| p.status).unwrap_or_default();
    let page = AuditPage {
        layout: user.layout(&console, "Audit events", nav::AUDIT),
        events,
        available,
        problem,
        operations: Operation::ALL
            .iter()
            .map(|o| SelectOption {
                value: o.name().to_string(),
                selected: event.as_deref() == Some(o.name()),
            })
            .collect(),
        limits: LIMITS
            .iter()
            .map(|l| SelectOption {
                value: l.to_string(),
                selected: *l == limit,
            })
            .collect(),
        key,
        errors_only,
    };
    render_with_status(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_pick_cloudtrail_fields() {
        let event = json!({
            "eventTime": "2026-04-27T17:11:06Z",
            "eventName": "Encrypt",
            "userIdentity": {"arn": "arn:aws:iam::111122223333:user/alice"},
            "sourceIPAddress": "127.0.0.1",
            "errorCode": "DisabledException",
            "requestID": "r-1",
            "resources": [{"ARN": "arn:aws:kms:us-east-1:111122223333:key/k"}]
        });
        let row = row(&event);
        assert_eq!(row.time, "2026-04-27 17:11:06 UTC");
        assert_eq!(row.event_name, "Encrypt");
        assert_eq!(row.key, "arn:aws:kms:us-east-1:111122223333:key/k");
        assert_eq!(row.error, "DisabledException");
        assert_eq!(row.user_short, "alice");
        assert_eq!(row.key_short, "k");
        let sparse = row_of_nothing();
        assert_eq!(sparse.event_name, "");
    }

    fn row_of_nothing() -> EventRow {
        row(&json!({}))
    }

    #[test]
    fn key_ids_become_arns() {
        assert_eq!(
            key_arn("abc", "aws", "eu-west-1", "111122223333"),
            "arn:aws:kms:eu-west-1:111122223333:key/abc"
        );
        assert_eq!(key_arn("arn:x", "aws", "r", "a"), "arn:x");
    }
}
