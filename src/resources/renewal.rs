//! When a link needs renewing. One rule for every resource that holds
//! Beyond Identity jobs, so a plan says the same of a job whichever
//! resource holds it.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub(crate) fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

/// True when the job can no longer be used and was never completed: the
/// API says `EXPIRED`, or `expire_time` has passed on an unfinished job.
pub(crate) fn is_expired(
    state: Option<&str>,
    expire_time: Option<&str>,
    now: OffsetDateTime,
) -> bool {
    match state {
        Some("EXPIRED") => true,
        Some("COMPLETE") | Some("REVOKED") => false,
        _ => expire_time.and_then(parse_time).is_some_and(|t| t <= now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        parse_time(s).unwrap()
    }

    #[test]
    fn expiry_follows_state_then_expire_time() {
        let now = at("2026-01-10T00:00:00Z");
        assert!(is_expired(Some("EXPIRED"), None, now));
        assert!(is_expired(
            Some("LINK_SENT"),
            Some("2026-01-09T00:00:00Z"),
            now
        ));
        assert!(!is_expired(
            Some("LINK_SENT"),
            Some("2026-01-11T00:00:00Z"),
            now
        ));
        assert!(!is_expired(
            Some("COMPLETE"),
            Some("2026-01-09T00:00:00Z"),
            now
        ));
        assert!(!is_expired(
            Some("REVOKED"),
            Some("2026-01-09T00:00:00Z"),
            now
        ));
        assert!(is_expired(
            Some("SOMETHING_NEW"),
            Some("2026-01-09T00:00:00Z"),
            now
        ));
        assert!(!is_expired(Some("LINK_SENT"), Some("garbage"), now));
    }
}
