//! Many identities at once, for scale tests and benchmarks: 10,000 in a
//! few milliseconds, where as many API calls would take minutes.

use std::collections::HashSet;
use std::time::SystemTime;

use crate::ids;
use crate::state::{IdentityRecord, Store};

/// Adds `count` active identities named `{prefix}00001`, `{prefix}00002`,
/// …, skipping numbers whose username the realm already has (usernames are
/// unique, so seeding twice with one prefix goes on counting), each with
/// `{username}@example.com` when `email`; their ids in order.
pub(crate) fn add_identities(
    store: &mut Store,
    count: usize,
    prefix: &str,
    email: bool,
    now: SystemTime,
) -> Vec<String> {
    let taken: HashSet<String> = store
        .identities
        .values()
        .filter_map(IdentityRecord::username)
        .map(str::to_ascii_lowercase)
        .collect();
    store.identities.reserve(count);
    let mut added = Vec::with_capacity(count);
    let mut number = 0u64;
    while added.len() < count {
        number += 1;
        let username = format!("{prefix}{number:05}");
        if taken.contains(&username.to_ascii_lowercase()) {
            continue;
        }
        let id = ids::hex16();
        if store.identities.contains_key(&id) {
            continue;
        }
        let address = email.then(|| format!("{username}@example.com"));
        let record = IdentityRecord::active(
            id.clone(),
            username.clone(),
            &username,
            address.as_deref(),
            now,
        );
        store.identities.insert(id.clone(), record);
        added.push(id);
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harness::seed::Seed;

    #[test]
    fn seeding_twice_with_one_prefix_makes_distinct_users() {
        let mut store = Store::new(&Seed::default());
        let first = add_identities(&mut store, 2, "user", true, SystemTime::now());
        let second = add_identities(&mut store, 2, "User", false, SystemTime::now());
        let name = |id: &String| store.identities[id].username().unwrap().to_owned();
        assert_eq!(name(&first[0]), "user00001");
        assert_eq!(name(&second[0]), "User00003");
        assert_eq!(
            store.identities[&first[1]].email(),
            Some("user00002@example.com")
        );
        assert_eq!(store.identities[&second[1]].email(), None);
    }
}
