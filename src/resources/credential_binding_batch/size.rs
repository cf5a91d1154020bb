//! How many identities one resource can hold. Terraform hands the provider
//! a resource's whole state in one gRPC message (several at a plan: the
//! prior state, the proposed one and the configuration together), and
//! tf-provider 0.2.2's server keeps tonic's limit of 4 MiB a message with
//! no way to raise it. A resource past the limit would send its links and
//! then fail every later plan ("decoded message length too large") until
//! its state is removed by hand; so a set that would not fit is refused
//! before anything is sent.

use crate::resources::common::attr;
use crate::schema::plan::known;
use tf_provider::value::Value;
use tf_provider::Diagnostics;

/// tonic's default limit on a message the server decodes.
const MESSAGE_LIMIT: usize = 4 * 1024 * 1024;
/// Room kept for everything that does not grow with the set: the other
/// attributes, the private state, `failures` messages, framing.
const HEADROOM: usize = 128 * 1024;

/// The bytes one identity adds to the largest message, whichever is larger:
/// - a plan's request, MessagePack: the id in the prior and proposed
///   states' `identity_ids` and `last_sent_to`, in their `jobs` keys, and
///   in the configuration (7 copies, 1 byte of header each), plus a `jobs`
///   entry's names and values twice (77 bytes each);
/// - the state as the state file holds it (Terraform hands it over raw, with
///   its indentation, to upgrade it): 3 lines holding the id, 18 to 20
///   bytes of indentation and quotes each, and the `jobs` entry's other
///   lines, 158 bytes.
///
/// Measured: 262 bytes per identity in the state file (benches/batch.rs);
/// with 16-character ids, plans work at 14,800 and fail at 16,000.
fn per_identity(id_len: usize) -> usize {
    let msgpack = 7 * (id_len + 1) + 2 * 77;
    let state_file = 3 * id_len + 56 + 158;
    msgpack.max(state_file)
}

/// The estimated size of the largest message Terraform will send for a
/// resource holding `ids`.
fn largest_message(ids: &[&str]) -> usize {
    HEADROOM + ids.iter().map(|i| per_identity(i.len())).sum::<usize>()
}

/// How many identities with ids of `id_len` characters fit.
fn capacity(id_len: usize) -> usize {
    (MESSAGE_LIMIT - HEADROOM) / per_identity(id_len)
}

/// Refuses, on `identity_ids`, a set whose state would not fit.
pub(super) fn check(diags: &mut Diagnostics, ids: &[Value<String>]) {
    let all: Vec<&str> = ids.iter().filter_map(known).map(String::as_str).collect();
    let bytes = largest_message(&all);
    if bytes <= MESSAGE_LIMIT {
        return;
    }
    diags.error(
        "Too many identities for one resource",
        format!(
            "{} identities would make this resource's state about {:.1} MiB. Terraform hands a resource's whole state to the provider in one message, and the provider's plugin server (tf-provider 0.2.2) takes at most 4 MiB: one resource holds about {} identities with ids of 16 characters. Split the set over several resources by something that does not change for a person, such as the id's first character (the guide Inviting a whole organisation shows how).",
            ids.len(),
            bytes as f64 / (1024.0 * 1024.0),
            capacity(16)
        ),
        attr("identity_ids"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_character_ids_fit_below_what_failed() {
        // 16,000 ids of 16 characters made a 5.2 MB upgrade request, which
        // tf-provider refused; 14,800 applied, were all sent again (a
        // `triggers` change) and planned again.
        let cap = capacity(16);
        assert!((14_000..15_000).contains(&cap), "{cap}");
        let id = "0123456789abcdef";
        assert!(largest_message(&vec![id; cap]) <= MESSAGE_LIMIT);
        assert!(largest_message(&vec![id; 16_000]) > MESSAGE_LIMIT);
    }

    #[test]
    fn longer_ids_fit_fewer() {
        assert!(capacity(64) < capacity(16) / 2);
    }
}
