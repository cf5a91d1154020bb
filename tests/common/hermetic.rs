//! The environment of every process a test starts (terraform, the provider
//! it starts in turn, scripts, browsers): the user's own settings for the
//! vendors, the provider and Terraform are removed, so that a shell with real
//! credentials exported, a `TF_CLI_ARGS` or a `TF_WORKSPACE` cannot turn the
//! suite red, and the test then sets only what it means to.
//!
//! Standalone (std only), so the sandbox's tests and the benchmark include
//! it by path.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::Command;

/// Every variable with one of these prefixes is removed: the provider's
/// settings (`BEYOND_IDENTITY_*`, `BINDID_*`, `ENROLL_*`) and Terraform's
/// (`TF_CLI_CONFIG_FILE`, `TF_DATA_DIR`, `TF_CLI_ARGS*`, `TF_VAR_*`,
/// `TF_LOG*`, `TF_PLUGIN_CACHE_DIR`, `TF_WORKSPACE`, `TF_REATTACH_PROVIDERS`,
/// ...).
pub const SCRUBBED_PREFIXES: [&str; 4] = ["BEYOND_IDENTITY_", "BINDID_", "ENROLL_", "TF_"];

/// And these, by name: a proxy would carry the provider's loopback requests
/// to the sandbox away from loopback (reqwest proxies 127.0.0.1 too), a GPG
/// key or home would sign with the user's key, and a fixed epoch would
/// change what the release script stamps.
pub const SCRUBBED_NAMES: [&str; 12] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "GPG_FINGERPRINT",
    "GPG_PASSPHRASE",
    "GNUPGHOME",
    "SOURCE_DATE_EPOCH",
];

/// Whether the test environment removes `name` before a child starts.
pub fn is_scrubbed(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    SCRUBBED_PREFIXES.iter().any(|p| name.starts_with(p)) || SCRUBBED_NAMES.contains(&&*name)
}

/// `Command::new(program)` with the user's vendor, provider and Terraform
/// settings removed and Terraform kept quiet and offline; set what the test
/// needs on the result.
pub fn hermetic_command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if is_scrubbed(&name) {
            cmd.env_remove(name);
        }
    }
    // No version check against HashiCorp's servers, no prompts.
    cmd.env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0");
    cmd
}
