//! When a link needs renewing. One rule for every resource that holds
//! Beyond Identity jobs (`enroll_credential_binding_job` and
//! `enroll_credential_binding_batch`), so a plan says the same of a job
//! whichever resource holds it.

use crate::resources::common::attr;
use crate::schema::plan::known_str;
use crate::schema::validate;
use std::time::Duration;
use tf_provider::value::Value;
use tf_provider::Diagnostics;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Links live days, not years: a longer `resend_before_expiry` is a typo.
const LONGEST_AHEAD: Duration = Duration::from_secs(366 * 24 * 3600);

/// Checks `resend_before_expiry` at validate time, on its attribute.
pub(crate) fn check_before_expiry(diags: &mut Diagnostics, value: &Value<String>) {
    let Some(v) = known_str(value) else { return };
    match validate::duration(v) {
        Err(m) => diags.error(
            "Invalid resend_before_expiry",
            m,
            attr("resend_before_expiry"),
        ),
        Ok(d) if d > LONGEST_AHEAD => diags.error(
            "Invalid resend_before_expiry",
            format!("{v:?} is longer than a year; enrollment links live days"),
            attr("resend_before_expiry"),
        ),
        Ok(_) => {}
    }
}

/// The `resend_before_expiry` a valid configuration sets.
pub(crate) fn before_expiry(value: &Value<String>) -> Option<Duration> {
    known_str(value).and_then(|d| validate::duration(d).ok())
}

/// States after which a job sends nothing more and cannot be revoked.
pub(crate) const FINISHED: [&str; 3] = ["COMPLETE", "EXPIRED", "REVOKED"];

/// What a resource's arguments ask to renew.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Renewal {
    /// `resend_when_expired`.
    pub when_expired: bool,
    /// Whether a link revoked outside Terraform counts as expired. The
    /// batch resource's promise is a live link for everyone; a single job
    /// resource renews only what expired.
    pub revoked_counts: bool,
    /// `resend_before_expiry`.
    pub before_expiry: Option<Duration>,
}

impl Renewal {
    /// Whether the job (its last-read `state` and `expire_time`) needs a new
    /// link now. A job the person completed never does.
    pub fn due(&self, state: Option<&str>, expire_time: Option<&str>, now: OffsetDateTime) -> bool {
        if state == Some("COMPLETE") {
            return false;
        }
        let expired = is_expired(state, expire_time, now)
            || (self.revoked_counts && state == Some("REVOKED"));
        if expired {
            return self.when_expired;
        }
        if state.is_some_and(|s| FINISHED.contains(&s)) {
            return false;
        }
        match (self.before_expiry, expire_time.and_then(parse_time)) {
            (Some(ahead), Some(expires)) => expires - now < ahead,
            _ => false,
        }
    }
}

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

    #[test]
    fn renewal_before_expiry_applies_to_live_links_only() {
        let now = at("2026-01-10T00:00:00Z");
        let ahead = Renewal {
            before_expiry: Some(Duration::from_secs(24 * 3600)),
            ..Renewal::default()
        };
        let soon = Some("2026-01-10T12:00:00Z");
        let later = Some("2026-01-13T00:00:00Z");
        assert!(ahead.due(Some("LINK_SENT"), soon, now));
        assert!(!ahead.due(Some("LINK_SENT"), later, now));
        assert!(!ahead.due(Some("COMPLETE"), soon, now));
        assert!(!ahead.due(Some("REVOKED"), soon, now));
        let past = Some("2026-01-09T00:00:00Z");
        assert!(
            !ahead.due(Some("LINK_SENT"), past, now),
            "expired: only with when_expired"
        );
    }

    #[test]
    fn renewal_when_expired_and_revoked() {
        let now = at("2026-01-10T00:00:00Z");
        let past = Some("2026-01-09T00:00:00Z");
        let job = Renewal {
            when_expired: true,
            ..Renewal::default()
        };
        assert!(job.due(Some("EXPIRED"), None, now));
        assert!(job.due(Some("LINK_OPENED"), past, now));
        assert!(
            !job.due(Some("REVOKED"), past, now),
            "a job resource leaves revoked alone"
        );
        let batch = Renewal {
            revoked_counts: true,
            ..job
        };
        assert!(batch.due(Some("REVOKED"), None, now));
        assert!(!batch.due(Some("COMPLETE"), past, now));
        assert!(!Renewal::default().due(Some("EXPIRED"), None, now));
    }

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
