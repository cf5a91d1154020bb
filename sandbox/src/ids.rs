//! Identifiers in the shapes the vendors use.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// 16 lowercase hex digits: identities, jobs, credentials.
pub(crate) fn hex16() -> String {
    let bytes: [u8; 8] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random (version 4) UUID: authenticator configs.
pub(crate) fn uuid() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string()
}

/// An opaque bearer or link token.
pub(crate) fn opaque_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}
