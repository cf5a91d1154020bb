//! `page_size`, `page_token` and `skip` as the spec describes them: the
//! token keeps the position, the page size (overridable) and the filter
//! (which may not change between pages).

use std::ops::Range;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::http::body::FieldViolation;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    pub page_size: Option<String>,
    pub page_token: Option<String>,
    pub skip: Option<String>,
    pub filter: Option<String>,
}

impl ListQuery {
    pub(crate) fn parse(raw: Option<&str>) -> Result<ListQuery, ApiError> {
        serde_urlencoded::from_str(raw.unwrap_or(""))
            .map_err(|_| ApiError::invalid(FieldViolation::new("query", "cannot be decoded")))
    }

    /// For a list the spec names no filter attributes for: a filter is
    /// refused rather than ignored, as the API does.
    pub(crate) fn parse_unfiltered(raw: Option<&str>) -> Result<ListQuery, ApiError> {
        let query = Self::parse(raw)?;
        if query.filter().is_some() {
            return Err(invalid("filter", "unsupported filter"));
        }
        Ok(query)
    }

    /// The filter, with an empty one meaning none.
    pub(crate) fn filter(&self) -> Option<&str> {
        self.filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
    }
}

/// Which collection is listed and its sizes.
pub(crate) struct Listing {
    pub kind: &'static str,
    pub default_size: usize,
    pub max_size: usize,
}

#[derive(Debug)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub total_size: usize,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Token {
    k: String,
    o: usize,
    s: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<String>,
}

impl<T: Serialize> Page<T> {
    /// The spec's list shape: `{<key>: [...], total_size, next_page_token?}`.
    pub(crate) fn into_body(self, key: &str) -> serde_json::Value {
        let mut body = serde_json::json!({ key: self.items, "total_size": self.total_size });
        if let Some(token) = self.next_page_token {
            body["next_page_token"] = serde_json::json!(token);
        }
        body
    }

    pub(crate) fn into_response(self, key: &str) -> axum::response::Response {
        use axum::response::IntoResponse;
        axum::Json(self.into_body(key)).into_response()
    }
}

/// Which positions of a collection one request asks for: a list renders
/// only these, however large the collection.
#[derive(Debug)]
pub(crate) struct Window {
    pub range: Range<usize>,
    pub total_size: usize,
    pub next_page_token: Option<String>,
}

impl Window {
    /// The page of `items`, the rendered elements of `range`.
    pub(crate) fn page<T>(self, items: Vec<T>) -> Page<T> {
        Page {
            items,
            total_size: self.total_size,
            next_page_token: self.next_page_token,
        }
    }
}

impl Listing {
    pub(crate) fn page<T>(&self, items: Vec<T>, query: &ListQuery) -> Result<Page<T>, ApiError> {
        let window = self.window(items.len(), query)?;
        let range = window.range.clone();
        let items = items
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .collect();
        Ok(window.page(items))
    }

    /// The window a query asks for in a collection of `total_size` items.
    pub(crate) fn window(&self, total_size: usize, query: &ListQuery) -> Result<Window, ApiError> {
        let token = query
            .page_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| self.decode(t))
            .transpose()?;
        let filter = query.filter().map(str::to_owned);
        if let Some(token) = &token {
            if query.filter.is_some() && token.f != filter {
                return Err(invalid("filter", "must match the filter of the page token"));
            }
        }
        let requested = number(query.page_size.as_deref(), "page_size")?.filter(|&n| n > 0);
        let size = requested
            .or(token.as_ref().map(|t| t.s))
            .unwrap_or(self.default_size)
            .min(self.max_size);
        let skip = number(query.skip.as_deref(), "skip")?.unwrap_or(0);
        let start = token
            .as_ref()
            .map_or(0, |t| t.o)
            .saturating_add(skip)
            .min(total_size);
        let end = start.saturating_add(size).min(total_size);
        let next_page_token = (end < total_size).then(|| {
            self.encode(&Token {
                k: self.kind.to_owned(),
                o: end,
                s: size,
                f: token.and_then(|t| t.f).or(filter),
            })
        });
        Ok(Window {
            range: start..end,
            total_size,
            next_page_token,
        })
    }

    fn encode(&self, token: &Token) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(token).unwrap_or_default())
    }

    fn decode(&self, raw: &str) -> Result<Token, ApiError> {
        URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Token>(&bytes).ok())
            .filter(|t| t.k == self.kind)
            .ok_or_else(|| invalid("page_token", "invalid page token"))
    }
}

fn number(raw: Option<&str>, field: &str) -> Result<Option<usize>, ApiError> {
    raw.map(|s| s.parse::<u32>().map(|n| n as usize))
        .transpose()
        .map_err(|_| invalid(field, "must be a non-negative integer"))
}

fn invalid(field: &str, description: &str) -> ApiError {
    ApiError::invalid(FieldViolation::new(field, description))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: Listing = Listing {
        kind: "things",
        default_size: 2,
        max_size: 3,
    };

    fn query(page_size: Option<&str>, token: Option<&str>) -> ListQuery {
        ListQuery {
            page_size: page_size.map(str::to_owned),
            page_token: token.map(str::to_owned),
            ..ListQuery::default()
        }
    }

    #[test]
    fn pages_walk_the_whole_collection_once() {
        let items: Vec<u32> = (0..5).collect();
        let first = LISTING.page(items.clone(), &query(None, None)).unwrap();
        assert_eq!(first.items, vec![0, 1]);
        assert_eq!(first.total_size, 5);
        let token = first.next_page_token.unwrap();
        let second = LISTING
            .page(items.clone(), &query(Some("3"), Some(&token)))
            .unwrap();
        assert_eq!(second.items, vec![2, 3, 4]);
        assert!(second.next_page_token.is_none());
    }

    #[test]
    fn a_window_past_the_end_is_empty() {
        let window = LISTING.window(5, &query(Some("3"), None)).unwrap();
        assert_eq!(window.range, 0..3);
        let token = window.next_page_token.unwrap();
        let last = LISTING.window(5, &query(None, Some(&token))).unwrap();
        assert_eq!(last.range, 3..5);
        assert!(last.next_page_token.is_none());
        let skipped = ListQuery {
            skip: Some("9".into()),
            ..ListQuery::default()
        };
        assert_eq!(LISTING.window(5, &skipped).unwrap().range, 5..5);
    }

    #[test]
    fn a_foreign_page_token_is_rejected() {
        let err = LISTING
            .page(vec![1], &query(None, Some("bm9wZQ")))
            .unwrap_err();
        assert_eq!(err.http_status(), axum::http::StatusCode::BAD_REQUEST);
    }
}
