//! `enroll_credential_binding_batch`: real terraform against the sandbox's
//! batch API. Every case ends with exactly one email per identity that
//! should have one, and a plan right after the apply that is empty.

mod common;
use common::Workspace;
use std::collections::BTreeMap;

fn fast_ws() -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_BACKOFF_BASE_MS", "5");
    ws.set_env("ENROLL_BACKOFF_MAX_MS", "40");
    ws.set_env("ENROLL_BATCH_QUIET_MS", "200");
    ws.sandbox.set_batch_rate(0);
    ws
}

/// Writes the ids to a JSON file and a configuration that invites them.
fn invite(ws: &Workspace, ids: &[String], extra: &str) {
    std::fs::write(
        ws.path().join("ids.json"),
        serde_json::to_string(ids).unwrap(),
    )
    .unwrap();
    ws.write(&format!(
        r#"
provider "enroll" {{}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

resource "enroll_credential_binding_batch" "all" {{
  identity_ids            = jsondecode(file("${{path.module}}/ids.json"))
  authenticator_config_id = enroll_authenticator_config.web.id
  {extra}
}}
"#
    ));
}

/// Emails per identity.
fn emails_by_identity(ws: &Workspace) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in ws.sandbox.outbox() {
        if let Some(i) = m.identity_id {
            *out.entry(i).or_default() += 1;
        }
    }
    out
}

#[test]
fn a_create_of_500_emails_each_identity_once() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(500, "five");
    invite(&ws, &ids, "");
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 500);
    assert!(emails.values().all(|n| *n == 1));
    let state = ws.resource("enroll_credential_binding_batch.all").unwrap();
    assert_eq!(state["jobs"].as_object().unwrap().len(), 500);
    assert_eq!(state["pending_count"], 500);
    assert_eq!(state["last_sent_to"].as_array().unwrap().len(), 500);
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
}
