//! What every signed-in page shows around its content: the top bar (region, user, sign-out),
//! the navigation and the one-time message left by the previous action.

use crate::session::Flash;

/// The navigation entry a page belongs to (`base.html` marks it as current).
pub(crate) mod nav {
    pub const CUSTOMER_KEYS: &str = "customer";
    pub const AWS_KEYS: &str = "aws";
    pub const CREATE: &str = "create";
    pub const TRY_IT: &str = "try";
    pub const AUDIT: &str = "audit";
}

#[derive(Debug, Clone)]
pub(crate) struct RegionChoice {
    pub name: String,
    pub selected: bool,
}

/// Region choices with `current` selected (the first if `current` is not served).
pub(crate) fn region_choices(regions: &[String], current: &str) -> Vec<RegionChoice> {
    let current = if regions.iter().any(|r| r == current) {
        current
    } else {
        regions.first().map(String::as_str).unwrap_or_default()
    };
    regions
        .iter()
        .map(|name| RegionChoice {
            name: name.clone(),
            selected: name == current,
        })
        .collect()
}

/// The frame of a signed-in page.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub user_name: String,
    pub user_arn: String,
    pub account_id: String,
    pub regions: Vec<RegionChoice>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
}
