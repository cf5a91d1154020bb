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
/// A refresh decides no sooner than this after the provider gave up (or as
/// long as the lost request took, if longer): a refresh that runs at once,
/// as the next apply of a script does, must not race the server either.
const QUIET_AFTER: time::Duration = time::Duration::seconds(10);
/// The longest a refresh waits for that.
const LONGEST_WAIT: time::Duration = time::Duration::seconds(60);

/// A create that may or may not have happened, kept in private state until
/// a refresh resolves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// When the lost request was sent (RFC 3339).
    pub started: String,
    /// Ids of look-alike objects that are not the attempt's: for
    /// configurations, those that existed before it; for jobs, those other
    /// resources held when the provider gave up looking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<String>,
    /// The earliest time a refresh may decide (RFC 3339); set when the
    /// provider gives up looking.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub not_before: String,
}

impl Attempt {
    pub fn new(started: OffsetDateTime, existing: Vec<String>) -> Self {
        Attempt {
            started: crate::timefmt::rfc3339_micros(started),
            existing,
            not_before: String::new(),
        }
    }

    /// Recorded when the provider gives up looking, after the lost request
    /// took `took`: no refresh decides before the server has had as long
    /// again (at least `QUIET_AFTER`).
    pub fn give_up(mut self, took: std::time::Duration) -> Self {
        let wait = time::Duration::try_from(took)
            .unwrap_or(LONGEST_WAIT)
            .clamp(QUIET_AFTER, LONGEST_WAIT);
        let at = OffsetDateTime::now_utc() + wait;
        self.not_before = crate::timefmt::rfc3339_micros(at);
        self
    }

    /// How long a refresh must still wait before it decides.
    pub fn wait_left(&self, now: OffsetDateTime) -> std::time::Duration {
        OffsetDateTime::parse(&self.not_before, &Rfc3339)
            .ok()
            .map(|t| (t - now).clamp(time::Duration::ZERO, LONGEST_WAIT))
            .and_then(|d| std::time::Duration::try_from(d).ok())
            .unwrap_or_default()
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

    #[test]
    fn a_refresh_waits_until_the_server_has_had_time() {
        let now = OffsetDateTime::now_utc();
        let a = Attempt::new(now, vec![]).give_up(std::time::Duration::from_secs(2));
        let left = a.wait_left(now);
        assert!(left > std::time::Duration::from_secs(9), "{left:?}");
        assert!(left <= std::time::Duration::from_secs(11), "{left:?}");
        let later = now + time::Duration::minutes(5);
        assert_eq!(a.wait_left(later), std::time::Duration::ZERO);
        let long = Attempt::new(now, vec![]).give_up(std::time::Duration::from_secs(3600));
        assert!(long.wait_left(now) <= std::time::Duration::from_secs(60));
        assert_eq!(Attempt::default().wait_left(now), std::time::Duration::ZERO);
    }
}
