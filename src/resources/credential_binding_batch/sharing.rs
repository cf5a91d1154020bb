//! Identities that two batch resources of one run both send to.
//!
//! Every batch resource sweeps the realm before it sends and adopts a live
//! link made by anyone, so two resources that list the same identity for
//! the same configuration, applied one after the other, email it once.
//! Applied at once, both sweeps can run before either has sent, and both
//! would send. `Sending` is the process's record of who took whom: an
//! identity a sibling took first is not sent again; once the sibling is
//! done, its job is read back and adopted.
//!
//! Only earlier takers are waited for, and a taker waits only after its own
//! sending is done, so no two resources wait for each other.

use super::ledger::Ledger;
use super::send::Failure;
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;
use tokio::sync::watch;

/// Above this many identities taken by siblings, one sweep of the realm
/// reads their jobs instead of each identity's own list.
const LOOKUPS: usize = 50;

#[derive(Default)]
pub(super) struct Sending {
    /// Per (realm, configuration, identity), hashed to 8 bytes since a run
    /// may name 100,000: the taker's "done" signal. Kept for the process's
    /// life: a sibling whose sweep ran before the taker sent must still see
    /// it, however late it gets here. A collision costs an identity one
    /// apply (it is reported, and the next apply sends it).
    taken: Mutex<HashMap<u64, watch::Receiver<bool>>>,
}

/// Held while a resource sends; dropping it tells the waiting siblings.
pub(super) struct Taken {
    _done: watch::Sender<bool>,
}

/// Identities a sibling took first, each with its taker's signal.
pub(super) type Siblings = BTreeMap<String, watch::Receiver<bool>>;

fn key(realm: &RealmRef, config: &str, identity: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (realm, config, identity).hash(&mut h);
    h.finish()
}

impl Sending {
    /// Takes every identity of `ids` no sibling took first.
    pub fn take(
        &self,
        realm: &RealmRef,
        config: &str,
        ids: &BTreeSet<String>,
    ) -> (Taken, Siblings) {
        let (done, signal) = watch::channel(false);
        let mut siblings = Siblings::new();
        let mut taken = self.taken.lock().unwrap_or_else(|p| p.into_inner());
        for id in ids {
            match taken.entry(key(realm, config, id)) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    siblings.insert(id.clone(), e.get().clone());
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(signal.clone());
                }
            }
        }
        (Taken { _done: done }, siblings)
    }
}

/// Waits for the siblings to finish sending, then adds the jobs they made
/// to `ledger`. Returns those that got no live link.
pub(super) async fn adopt_from_siblings(
    api: &BeyondIdentity,
    realm: &RealmRef,
    config: &str,
    siblings: Siblings,
    ledger: &mut Ledger,
) -> BTreeMap<String, Failure> {
    for signal in siblings.values() {
        let mut signal = signal.clone();
        // An error means the taker is gone, which is done as well.
        let _ = signal.wait_for(|done| *done).await;
    }
    let ids: HashSet<&str> = siblings.keys().map(String::as_str).collect();
    let read = if ids.len() > LOOKUPS {
        Ledger::sweep(api, realm, config, &ids).await.map(|l| {
            ledger.merge(l);
        })
    } else {
        read_each(api, realm, config, &ids, ledger).await
    };
    let now = api.now();
    siblings
        .keys()
        .filter_map(|i| {
            let message = match &read {
                Err(e) => format!("not sent: another resource of this run was sending it a link, and its jobs could not be read ({e})"),
                Ok(()) if ledger.holder(i, None, now).is_none() => {
                    "not sent: another resource of this run was sending it a link and made none".to_owned()
                }
                Ok(()) => return None,
            };
            Some((i.clone(), Failure { message, permanent: false }))
        })
        .collect()
}

async fn read_each(
    api: &BeyondIdentity,
    realm: &RealmRef,
    config: &str,
    ids: &HashSet<&str>,
    ledger: &mut Ledger,
) -> Result<(), ApiError> {
    for id in ids {
        let jobs = api.list_credential_binding_jobs(realm, id).await?;
        ledger.keep(jobs, config, ids);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn realm() -> RealmRef {
        RealmRef {
            tenant_id: "t".into(),
            realm_id: "r".into(),
        }
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_taker_keeps_an_identity_and_later_ones_wait_for_it() {
        let sending = Sending::default();
        let (first, none) = sending.take(&realm(), "c", &set(&["a", "b"]));
        assert!(none.is_empty());
        let (_second, siblings) = sending.take(&realm(), "c", &set(&["b", "c"]));
        assert_eq!(siblings.keys().collect::<Vec<_>>(), vec!["b"]);
        // Another configuration is another link.
        let (_third, other) = sending.take(&realm(), "d", &set(&["a"]));
        assert!(other.is_empty());
        let signal = siblings["b"].clone();
        assert!(!*signal.borrow());
        drop(first);
        assert!(
            signal.has_changed().is_err(),
            "the waiter learns the taker is done"
        );
    }
}
