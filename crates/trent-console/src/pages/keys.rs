//! The key list: customer-managed and AWS-managed keys, filtered and paged.
//!
//! ListKeys returns bare ids, so the list joins them with ListAliases. That join alone decides
//! the tab — an AWS-managed key is exactly one with an `alias/aws/…` alias, a prefix customers
//! cannot use — and the text filter (alias or key id). Only the keys on the current page are
//! then described (status, type, spec, usage), so a page costs at most `PAGE_SIZE` DescribeKey
//! calls however many keys the account has.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use trent_protocol::KmsError;

use super::display;
use crate::Shared;
use crate::api::{self, Api};
use crate::forms::{self, FormData};
use crate::layout::{Layout, nav};
use crate::pages::render_with_status;
use crate::problem::Problem;
use crate::request::SignedIn;

/// Keys per page.
const PAGE_SIZE: usize = 20;

const AWS_ALIAS_PREFIX: &str = "alias/aws/";

/// One row of the table.
#[derive(Debug, Clone)]
struct KeyRow {
    key_id: String,
    href: String,
    aliases: Vec<String>,
    description: String,
    state: String,
    state_class: &'static str,
    key_type: &'static str,
    spec: String,
    usage: &'static str,
    /// Why the key could not be described, if it could not.
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "keys.html")]
struct KeysPage {
    layout: Layout,
    heading: &'static str,
    view: &'static str,
    customer: bool,
    query: String,
    rows: Vec<KeyRow>,
    total: usize,
    page: usize,
    pages: usize,
    previous_href: Option<String>,
    next_href: Option<String>,
    clear_href: String,
    problem: Option<Problem>,
}

/// What one page of the list shows.
struct Listing {
    rows: Vec<KeyRow>,
    total: usize,
}

/// The keys of one tab matching `query`, with `page` (0-based) described.
fn find_keys(api: &Api, aws_managed: bool, query: &str, page: usize) -> Result<Listing, KmsError> {
    let keys = api.list_all_keys()?;
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for alias in api.list_all_aliases(None)? {
        if let (Some(target), Some(name)) = (alias.target_key_id, alias.alias_name) {
            aliases.entry(target).or_default().push(name);
        }
    }
    let needle = query.to_lowercase();
    let mut matching: Vec<(String, Vec<String>)> = keys
        .into_iter()
        .filter_map(|entry| entry.key_id)
        .map(|id| {
            let mut names = aliases.remove(&id).unwrap_or_default();
            names.sort();
            (id, names)
        })
        .filter(|(_, names)| names.iter().any(|n| n.starts_with(AWS_ALIAS_PREFIX)) == aws_managed)
        .filter(|(id, names)| {
            needle.is_empty()
                || id.to_lowercase().contains(&needle)
                || names.iter().any(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    // Named keys first, by alias; then the others by id.
    matching.sort_by(
        |(a_id, a_names), (b_id, b_names)| match (a_names.first(), b_names.first()) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a_id.cmp(b_id),
        },
    );
    let total = matching.len();
    let rows = matching
        .into_iter()
        .skip(page * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|(key_id, aliases)| describe_row(api, key_id, aliases))
        .collect();
    Ok(Listing { rows, total })
}

fn describe_row(api: &Api, key_id: String, aliases: Vec<String>) -> KeyRow {
    let href = format!("/console/keys/{}", forms::path_segment(&key_id));
    match api.describe_key(&key_id) {
        Ok(metadata) => {
            let state = display::state_of(&metadata);
            let spec = display::spec_of(&metadata);
            KeyRow {
                href,
                aliases,
                description: metadata.description.clone().unwrap_or_default(),
                state_class: display::state_class(&state),
                state: display::state_words(&state),
                key_type: display::key_type(&spec),
                usage: display::usage(&display::usage_of(&metadata)),
                spec,
                problem: None,
                key_id,
            }
        }
        Err(err) => KeyRow {
            href,
            aliases,
            description: String::new(),
            state: "Unknown".to_string(),
            state_class: "badge warn",
            key_type: "",
            spec: String::new(),
            usage: "",
            problem: Some(Problem::from(err).summary()),
            key_id,
        },
    }
}

/// `GET /console/keys?view=customer|aws&q=…&page=N`.
pub(crate) async fn list(State(console): State<Shared>, user: SignedIn, uri: Uri) -> Response {
    let query = FormData::from_query(uri.query());
    let aws_managed = query.get("view") == "aws";
    let view = if aws_managed { "aws" } else { "customer" };
    let filter = query.get("q").trim().to_string();
    let page = query
        .get("page")
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, 100_000);
    let wanted = filter.clone();
    let outcome = api::run(user.api(&console), move |api| {
        find_keys(api, aws_managed, &wanted, page - 1)
    })
    .await
    .and_then(|result| result.map_err(Problem::from));
    let (rows, total, problem) = match outcome {
        Ok(listing) => (listing.rows, listing.total, None),
        Err(problem) => (Vec::new(), 0, Some(problem)),
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let href = |page: usize| {
        let page = page.to_string();
        let mut pairs = vec![("view", view)];
        if !filter.is_empty() {
            pairs.push(("q", filter.as_str()));
        }
        pairs.push(("page", page.as_str()));
        format!("/console/keys?{}", forms::encode(&pairs))
    };
    let heading = if aws_managed {
        "AWS managed keys"
    } else {
        "Customer managed keys"
    };
    let status = problem.as_ref().map(|p| p.status).unwrap_or_default();
    let page_view = KeysPage {
        layout: user.layout(
            &console,
            heading,
            if aws_managed {
                nav::AWS_KEYS
            } else {
                nav::CUSTOMER_KEYS
            },
        ),
        heading,
        view,
        customer: !aws_managed,
        query: filter.clone(),
        rows,
        total,
        page: page.min(pages),
        pages,
        previous_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < pages).then(|| href(page + 1)),
        clear_href: format!("/console/keys?view={view}"),
        problem,
    };
    render_with_status(status, &page_view)
}
