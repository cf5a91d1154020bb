//! Who gets a link. One pure function decides it from the set, what the
//! state tracks and (for identities it does not track yet) what the server
//! holds, so the plan shows exactly the decision the apply carries out.

use super::ledger::{is_live, Ledger};
use crate::models::credential_binding_batch::JobEntry;
use crate::resources::renewal::Renewal;
use crate::schema::plan::known_str;
use std::collections::{BTreeMap, BTreeSet};
use tf_provider::value::Value;
use time::OffsetDateTime;

/// What the resource's arguments ask for.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Rules {
    /// `resend_when_expired` and `resend_before_expiry`.
    pub renewal: Renewal,
    /// `triggers` changed: everyone who has not enrolled gets a new link.
    pub triggers_changed: bool,
    pub revoke_on_destroy: bool,
}

#[derive(Debug, Default, PartialEq)]
pub(super) struct Decision {
    /// Identities to email a new link.
    pub send: BTreeSet<String>,
    /// The live jobs of some of them, revoked before the new link goes out
    /// so that nobody holds two: (identity, job id).
    pub revoke_first: Vec<(String, String)>,
    /// Identities that hold a link already, made by anyone: tracked, not
    /// sent.
    pub adopt: BTreeMap<String, JobEntry>,
    /// Identities removed from the set whose unfinished job is revoked.
    pub revoke_removed: Vec<(String, String)>,
    /// Identities the API failed permanently, left alone.
    pub held_back: BTreeSet<String>,
    /// Identities removed from the set (their entries go).
    pub removed: BTreeSet<String>,
}

impl Decision {
    /// Whether the apply changes anything the state shows.
    pub fn changes(&self) -> bool {
        !self.send.is_empty() || !self.adopt.is_empty() || !self.removed.is_empty()
    }
}

fn unfinished(entry: &JobEntry) -> Option<&str> {
    let id = known_str(&entry.id)?;
    let done =
        known_str(&entry.state).is_some_and(|s| crate::resources::renewal::FINISHED.contains(&s));
    (!done).then_some(id)
}

/// Decides for every identity of `set`. `prior` is the state's `jobs`
/// (`None` on create). `ledger` is what a sweep found for the identities
/// `prior` does not track; `None` when none was made, which leaves the
/// decision open (`None`) if any identity needs it.
pub(super) fn decide(
    set: &[String],
    prior: Option<&BTreeMap<String, Value<JobEntry>>>,
    permanent: &BTreeSet<String>,
    ledger: Option<&Ledger>,
    rules: &Rules,
    now: OffsetDateTime,
) -> Option<Decision> {
    let mut d = Decision::default();
    let in_set: BTreeSet<&str> = set.iter().map(String::as_str).collect();
    for i in set {
        // An entry without a job (the last apply could not send it) is
        // looked up like a new identity: its link may have been made since,
        // by a batch whose answer was lost. A permanent failure is not.
        let tracked = prior
            .and_then(|p| p.get(i))
            .and_then(|e| match e {
                Value::Value(e) => Some(e),
                _ => None,
            })
            .filter(|e| known_str(&e.id).is_some() || permanent.contains(i));
        match tracked {
            Some(entry) => {
                decide_tracked(&mut d, i, entry, rules, now);
                // A new link for an expired one: unless someone else sent
                // one meanwhile, which a sweep shows and the apply adopts.
                let renewing = d.send.contains(i) && !d.revoke_first.iter().any(|(r, _)| r == i);
                if let (true, false, Some(l)) = (renewing, rules.triggers_changed, ledger) {
                    if let Some(live) = l.live(i, now) {
                        d.send.remove(i);
                        d.adopt.insert(i.clone(), live.entry());
                    }
                }
            }
            None => {
                let ledger = ledger?;
                if let Some(done) = ledger.enrolled(i) {
                    d.adopt.insert(i.clone(), done.entry());
                } else if let Some(live) = ledger.live(i, now) {
                    let due =
                        rules
                            .renewal
                            .due(live.state.as_deref(), live.expire_time.as_deref(), now);
                    if rules.triggers_changed || due {
                        d.revoke_first.push((i.clone(), live.id.clone()));
                        d.send.insert(i.clone());
                    } else {
                        d.adopt.insert(i.clone(), live.entry());
                    }
                } else {
                    d.send.insert(i.clone());
                }
            }
        }
    }
    for (i, entry) in prior.into_iter().flatten() {
        if in_set.contains(i.as_str()) {
            continue;
        }
        d.removed.insert(i.clone());
        if let (true, Value::Value(e)) = (rules.revoke_on_destroy, entry) {
            if let Some(id) = unfinished(e) {
                d.revoke_removed.push((i.clone(), id.to_owned()));
            }
        }
    }
    Some(d)
}

fn decide_tracked(d: &mut Decision, i: &str, entry: &JobEntry, rules: &Rules, now: OffsetDateTime) {
    let state = known_str(&entry.state);
    let expire = known_str(&entry.expire_time);
    if state == Some("COMPLETE") {
        return;
    }
    let live_id = known_str(&entry.id).filter(|_| is_live(state, expire, now));
    if rules.triggers_changed {
        if let Some(id) = live_id {
            d.revoke_first.push((i.to_owned(), id.to_owned()));
        }
        d.send.insert(i.to_owned());
        return;
    }
    match (known_str(&entry.id), live_id) {
        // No job, and the API said trying again will not help.
        (None, _) => {
            d.held_back.insert(i.to_owned());
        }
        (Some(_), Some(id)) => {
            if rules.renewal.due(state, expire, now) {
                d.revoke_first.push((i.to_owned(), id.to_owned()));
                d.send.insert(i.to_owned());
            }
        }
        // Expired, revoked outside Terraform, or failed to send.
        (Some(_), None) => {
            if rules.renewal.when_expired {
                d.send.insert(i.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::credential_binding_batch::ledger::Found;
    use crate::resources::renewal::parse_time;

    fn now() -> OffsetDateTime {
        parse_time("2026-01-05T00:00:00Z").unwrap()
    }

    fn entry(id: &str, state: &str, expires: &str) -> Value<JobEntry> {
        Value::Value(JobEntry {
            id: Value::Value(id.into()),
            state: Value::Value(state.into()),
            expire_time: Value::Value(expires.into()),
        })
    }

    fn set(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    const LIVE: &str = "2026-01-08T00:00:00Z";
    const PAST: &str = "2026-01-04T00:00:00Z";

    fn prior() -> BTreeMap<String, Value<JobEntry>> {
        BTreeMap::from([
            ("live".to_owned(), entry("j1", "LINK_SENT", LIVE)),
            ("done".to_owned(), entry("j2", "COMPLETE", PAST)),
            ("expired".to_owned(), entry("j3", "LINK_SENT", PAST)),
            ("revoked".to_owned(), entry("j4", "REVOKED", LIVE)),
            ("failed".to_owned(), Value::Value(JobEntry::none())),
            ("gone".to_owned(), entry("j5", "LINK_OPENED", LIVE)),
        ])
    }

    fn names(s: &BTreeSet<String>) -> Vec<&str> {
        s.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_plain_plan_sends_only_to_identities_without_a_job() {
        let ids = set(&["live", "done", "expired", "revoked", "failed"]);
        let none = decide(
            &ids,
            Some(&prior()),
            &BTreeSet::new(),
            None,
            &Rules::default(),
            now(),
        );
        assert!(none.is_none(), "a failed identity is looked up first");
        let d = decide(
            &ids,
            Some(&prior()),
            &BTreeSet::new(),
            Some(&Ledger::default()),
            &Rules::default(),
            now(),
        )
        .unwrap();
        assert_eq!(names(&d.send), ["failed"]);
        assert_eq!(names(&d.removed), ["gone"]);
        assert!(d.revoke_removed.is_empty(), "revoke_on_destroy is off here");
    }

    #[test]
    fn resend_when_expired_covers_expired_and_revoked_but_not_enrolled() {
        let ids = set(&["live", "done", "expired", "revoked"]);
        let rules = Rules {
            renewal: Renewal {
                when_expired: true,
                revoked_counts: true,
                before_expiry: None,
            },
            ..Rules::default()
        };
        let d = decide(&ids, Some(&prior()), &BTreeSet::new(), None, &rules, now()).unwrap();
        assert_eq!(names(&d.send), ["expired", "revoked"]);
        assert!(d.revoke_first.is_empty());
    }

    #[test]
    fn triggers_resend_to_everyone_not_enrolled_revoking_live_links_first() {
        let ids = set(&["live", "done", "expired", "failed"]);
        let rules = Rules {
            triggers_changed: true,
            ..Rules::default()
        };
        // Permanent, so tracked: triggers try it again all the same.
        let permanent = BTreeSet::from(["failed".to_owned()]);
        let d = decide(&ids, Some(&prior()), &permanent, None, &rules, now()).unwrap();
        assert_eq!(names(&d.send), ["expired", "failed", "live"]);
        assert_eq!(d.revoke_first, [("live".to_owned(), "j1".to_owned())]);
    }

    #[test]
    fn a_permanent_failure_is_held_back_and_removals_revoke_unfinished_jobs() {
        let ids = set(&["failed"]);
        let rules = Rules {
            revoke_on_destroy: true,
            ..Rules::default()
        };
        let permanent = BTreeSet::from(["failed".to_owned()]);
        let d = decide(&ids, Some(&prior()), &permanent, None, &rules, now()).unwrap();
        assert!(d.send.is_empty());
        assert_eq!(names(&d.held_back), ["failed"]);
        let revoked: Vec<&str> = d.revoke_removed.iter().map(|(i, _)| i.as_str()).collect();
        assert_eq!(
            revoked,
            ["expired", "gone", "live"],
            "not the finished ones"
        );
    }

    #[test]
    fn new_identities_need_a_sweep_and_adopt_what_it_found() {
        let ids = set(&["live", "new", "newer", "enrolled"]);
        assert!(decide(
            &ids,
            Some(&prior()),
            &BTreeSet::new(),
            None,
            &Rules::default(),
            now()
        )
        .is_none());
        let mut ledger = Ledger::default();
        let found = |id: &str, state: &str| Found {
            id: id.into(),
            state: Some(state.into()),
            expire_time: Some(LIVE.into()),
            create_time: Some("2026-01-04T00:00:00Z".into()),
            batch_id: None,
        };
        ledger.add("newer".into(), found("console", "LINK_SENT"));
        ledger.add("enrolled".into(), found("old", "COMPLETE"));
        let d = decide(
            &ids,
            Some(&prior()),
            &BTreeSet::new(),
            Some(&ledger),
            &Rules::default(),
            now(),
        )
        .unwrap();
        assert_eq!(names(&d.send), ["new"]);
        let adopted: Vec<&str> = d.adopt.keys().map(String::as_str).collect();
        assert_eq!(adopted, ["enrolled", "newer"]);
    }

    #[test]
    fn an_expired_link_renewed_elsewhere_is_adopted_not_sent() {
        let ids = set(&["expired"]);
        let rules = Rules {
            renewal: Renewal {
                when_expired: true,
                ..Renewal::default()
            },
            ..Rules::default()
        };
        let mut ledger = Ledger::default();
        ledger.add(
            "expired".into(),
            Found {
                id: "console".into(),
                state: Some("LINK_SENT".into()),
                expire_time: Some(LIVE.into()),
                create_time: Some("2026-01-04T12:00:00Z".into()),
                batch_id: None,
            },
        );
        let d = decide(
            &ids,
            Some(&prior()),
            &BTreeSet::new(),
            Some(&ledger),
            &rules,
            now(),
        )
        .unwrap();
        assert!(d.send.is_empty());
        assert_eq!(d.adopt.keys().collect::<Vec<_>>(), ["expired"]);
    }

    #[test]
    fn renewal_ahead_of_expiry_replaces_a_live_link() {
        let ids = set(&["live"]);
        let rules = Rules {
            renewal: Renewal {
                before_expiry: Some(std::time::Duration::from_secs(4 * 24 * 3600)),
                ..Renewal::default()
            },
            ..Rules::default()
        };
        let d = decide(&ids, Some(&prior()), &BTreeSet::new(), None, &rules, now()).unwrap();
        assert_eq!(names(&d.send), ["live"]);
        assert_eq!(d.revoke_first, [("live".to_owned(), "j1".to_owned())]);
    }
}
