//! Turning API errors into diagnostics on the attribute they concern.

use crate::api::ApiError;
use tf_provider::{AttributePath, Diagnostics};

/// Reports `err` under `summary`. `attribute` places it on the attribute the
/// user should fix; `None` leaves it on the resource.
pub fn api_error(
    diags: &mut Diagnostics,
    summary: impl Into<String>,
    err: &ApiError,
    attribute: Option<AttributePath>,
) {
    let summary = summary.into();
    match attribute {
        Some(path) => diags.error(summary, err.detail(), path),
        None => diags.root_error(summary, err.detail()),
    }
}
