//! A create whose answer was lost, kept in a resource's private state
//! until a refresh resolves it (see `resources::unresolved`).

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Clocks of client and server may disagree by a few seconds.
const CLOCK_SLACK: time::Duration = time::Duration::seconds(60);
/// No server finishes a request this long after it was sent; an object
/// made later than this is not the attempt's.
const LONGEST_COMMIT: time::Duration = time::Duration::minutes(10);

/// A create that may or may not have happened, kept in private state until
/// a refresh resolves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// When the lost request was sent (RFC 3339).
    pub started: String,
    /// Ids of the objects that existed before the attempt, for objects
    /// with no natural key or creation time (authenticator configurations).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<String>,
}

impl Attempt {
    pub fn new(started: OffsetDateTime, existing: Vec<String>) -> Self {
        Attempt {
            started: started.format(&Rfc3339).unwrap_or_default(),
            existing,
        }
    }

    /// Whether an object created at `create_time` can be the attempt's.
    /// A missing or unreadable time cannot rule it out.
    pub fn could_have_made(&self, create_time: Option<&str>) -> bool {
        let Ok(started) = OffsetDateTime::parse(&self.started, &Rfc3339) else {
            return true;
        };
        match create_time.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()) {
            Some(t) => t >= started - CLOCK_SLACK && t <= started + LONGEST_COMMIT,
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    #[test]
    fn only_objects_made_around_the_attempt_are_its_own() {
        let a = Attempt::new(at("2026-01-01T00:00:00Z"), vec![]);
        assert!(a.could_have_made(Some("2026-01-01T00:00:03Z")));
        assert!(
            a.could_have_made(Some("2025-12-31T23:59:30Z")),
            "clock slack"
        );
        assert!(!a.could_have_made(Some("2025-12-31T23:00:00Z")), "older");
        assert!(
            !a.could_have_made(Some("2026-01-01T01:00:00Z")),
            "a later run's"
        );
        assert!(a.could_have_made(None));
    }
}
