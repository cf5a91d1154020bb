//! `enroll_credential_binding_job`: every email is sent exactly once, and
//! expiry is tracked. Counts are read from the sandbox's outbox.

mod common;
use common::{error_on, identity_id, Workspace};
use std::time::Duration;

/// Two jobs for alice and bob; `extra` goes into every job block.
fn two_jobs(ws: &Workspace, extra: &str, bob_triggers: &str) -> String {
    let alice = identity_id(ws, "alice");
    let bob = identity_id(ws, "bob");
    format!(
        r#"
provider "enroll" {{}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

locals {{
  invitees = {{
    "alice@example.com" = "{alice}"
    "bob@example.com"   = "{bob}"
  }}
}}

resource "enroll_credential_binding_job" "invite" {{
  for_each                = local.invitees
  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.web.id
  triggers                = each.key == "bob@example.com" ? {{ round = "{bob_triggers}" }} : null
  {extra}
}}

output "job_ids" {{
  value = {{ for k, j in enroll_credential_binding_job.invite : k => j.id }}
}}

output "expire_times" {{
  value = {{ for k, j in enroll_credential_binding_job.invite : k => j.expire_time }}
}}
"#
    )
}

const ALICE: &str = "enroll_credential_binding_job.invite[\"alice@example.com\"]";
const BOB: &str = "enroll_credential_binding_job.invite[\"bob@example.com\"]";

#[test]
fn emails_are_sent_exactly_once() {
    let ws = Workspace::new();
    ws.write(&two_jobs(&ws, "", "1"));
    ws.apply();
    assert_eq!(ws.emails(), 2, "one email per job");
    let alice = ws.resource(ALICE).unwrap();
    assert_eq!(alice["state"], "LINK_SENT");
    assert!(alice["expire_time"].as_str().unwrap().contains('T'));

    let plan = ws.plan();
    assert_eq!(plan.code, 0, "plan after apply is empty:\n{}", plan.all());
    assert_eq!(ws.emails(), 2, "plan sends nothing");

    ws.apply();
    assert_eq!(ws.emails(), 2, "a no-op apply sends nothing");

    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    assert_eq!(ws.emails(), 2, "a refresh sends nothing");

    ws.write(&two_jobs(&ws, "", "2"));
    ws.apply();
    assert_eq!(
        ws.emails(),
        3,
        "a triggers change sends exactly one new link"
    );
    let last = ws.sandbox.outbox().pop().unwrap();
    assert_eq!(last.recipient, "bob@example.com");
    assert_eq!(
        ws.requests_matching("POST", ":revoke"),
        1,
        "the replaced pending job is revoked"
    );
}

#[test]
fn expired_job_is_resent_only_with_flag_and_complete_never() {
    let ws = Workspace::new();
    ws.write(&two_jobs(&ws, "", "1"));
    ws.apply();
    let bob_job = ws.resource(BOB).unwrap()["id"].as_str().unwrap().to_owned();
    assert!(ws.sandbox.complete_job(&bob_job), "bob enrolls");
    ws.sandbox.advance_clock(Duration::from_secs(8 * 24 * 3600));

    let plan = ws.plan();
    assert_eq!(
        plan.code,
        0,
        "without resend_when_expired nothing is planned:\n{}",
        plan.all()
    );
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    assert_eq!(
        ws.resource(ALICE).unwrap()["state"],
        "EXPIRED",
        "state shows the real status"
    );
    assert_eq!(ws.resource(BOB).unwrap()["state"], "COMPLETE");

    ws.write(&two_jobs(&ws, "resend_when_expired = true", "1"));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(
        plan.stdout.contains(&format!("# {ALICE} must be replaced")),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains(&format!("# {BOB} must be replaced")),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );

    ws.apply();
    assert_eq!(ws.emails(), 3, "exactly one more email, to alice");
    assert_eq!(
        ws.sandbox.outbox().pop().unwrap().recipient,
        "alice@example.com"
    );
    assert_eq!(
        ws.plan().code,
        0,
        "the new link is fresh: nothing more to do"
    );
}

#[test]
fn destroy_revokes_only_unfinished_jobs() {
    let ws = Workspace::new();
    ws.write(&two_jobs(&ws, "", "1"));
    ws.apply();
    let bob_job = ws.resource(BOB).unwrap()["id"].as_str().unwrap().to_owned();
    let alice_job = ws.resource(ALICE).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ws.sandbox.complete_job(&bob_job);
    ws.destroy();
    assert_eq!(ws.requests_matching("POST", ":revoke"), 1);
    assert_eq!(ws.sandbox.job(&alice_job).unwrap()["state"], "REVOKED");
    assert_eq!(ws.sandbox.job(&bob_job).unwrap()["state"], "COMPLETE");
}

#[test]
fn import_in_both_id_forms_gives_an_empty_plan() {
    let ws = Workspace::new();
    ws.write(&two_jobs(&ws, "", "1"));
    ws.apply();
    let alice = ws.resource(ALICE).unwrap();
    let bob = ws.resource(BOB).unwrap();
    let seed = ws.sandbox.seed();
    let config_id = ws.resource("enroll_authenticator_config.web").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let fresh = Workspace::with_sandbox_of(&ws);
    // Without triggers in the configuration (an import cannot know them).
    fresh.write(&two_jobs(&ws, "", "1").replace(
        "each.key == \"bob@example.com\" ? { round = \"1\" } : null",
        "null",
    ));
    fresh
        .run(&[
            "import",
            "-no-color",
            "enroll_authenticator_config.web",
            &config_id,
        ])
        .ok();
    let long = format!(
        "{}/{}/{}/{}",
        seed.tenant_id,
        seed.realm_id,
        alice["identity_id"].as_str().unwrap(),
        alice["id"].as_str().unwrap()
    );
    let short = format!(
        "{}/{}",
        bob["identity_id"].as_str().unwrap(),
        bob["id"].as_str().unwrap()
    );
    fresh.run(&["import", "-no-color", ALICE, &long]).ok();
    fresh.run(&["import", "-no-color", BOB, &short]).ok();
    let plan = fresh.plan();
    assert_eq!(plan.code, 0, "import then plan is empty:\n{}", plan.all());
    assert_eq!(ws.emails(), 2, "import sends nothing");

    // With triggers configured, the imported job adopts them in place:
    // an update, never a new link.
    fresh.write(&two_jobs(&ws, "", "1"));
    let plan = fresh.plan();
    assert_eq!(plan.code, 2);
    assert!(!plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    fresh.apply();
    assert_eq!(fresh.plan().code, 0);
    assert_eq!(ws.emails(), 2, "adopting triggers sends nothing");

    let bad = fresh.run(&["import", "-no-color", ALICE, "a/b/c"]);
    assert_eq!(bad.code, 1);
    assert!(bad.all().contains("identity_id/job_id"), "{}", bad.all());
}

#[test]
fn return_delivery_keeps_the_link_in_state_and_sends_no_email() {
    let ws = Workspace::new();
    let alice = identity_id(&ws, "alice");
    ws.write(&format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "link" {{
  identity_id               = "{alice}"
  authenticator_config_id   = enroll_authenticator_config.web.id
  delivery_method           = "RETURN"
  post_binding_redirect_uri = "https://app.example.com/welcome"
}}
output "link" {{
  value     = enroll_credential_binding_job.link.credential_binding_link
  sensitive = true
}}
"#
    ));
    let run = ws.apply();
    assert_eq!(ws.emails(), 0, "RETURN sends no email");
    let link = ws.resource("enroll_credential_binding_job.link").unwrap()
        ["credential_binding_link"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.starts_with("http"), "{link}");
    assert!(
        !run.stdout.contains(&link),
        "the link is sensitive in plan output"
    );
    assert!(run.stdout.contains("(sensitive value)"), "{}", run.stdout);
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    assert_eq!(
        ws.resource("enroll_credential_binding_job.link").unwrap()["credential_binding_link"],
        link.as_str(),
        "kept across refreshes"
    );
    let out = ws.run(&["output", "-raw", "link"]).ok();
    assert_eq!(out.stdout, link, "usable from a sensitive output");
}

fn one_job(identity: &str, config: &str, extra: &str) -> String {
    format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "j" {{
  identity_id             = "{identity}"
  authenticator_config_id = {config}
  {extra}
}}
"#
    )
}

#[test]
fn unknown_identity_is_reported_on_identity_id() {
    let ws = Workspace::new();
    ws.write(&one_job(
        "00000000deadbeef",
        "enroll_authenticator_config.web.id",
        "",
    ));
    let run = ws.apply_json();
    assert_eq!(run.code, 1);
    let (code, text) = error_on(&run);
    assert!(code.contains("identity_id"), "{code}\n{text}");
    assert_eq!(ws.emails(), 0);
    assert!(
        ws.resource("enroll_credential_binding_job.j").is_none(),
        "nothing stored"
    );
}

#[test]
fn identity_without_email_is_reported_on_identity_id_with_the_api_message() {
    let ws = Workspace::new();
    let dave = identity_id(&ws, "dave");
    ws.write(&one_job(&dave, "enroll_authenticator_config.web.id", ""));
    let run = ws.apply_json();
    assert_eq!(run.code, 1);
    let (code, text) = error_on(&run);
    assert!(code.contains("identity_id"), "{code}\n{text}");
    assert!(text.contains("422"), "{text}");
    assert_eq!(ws.emails(), 0);
}

#[test]
fn unknown_authenticator_config_is_reported_on_authenticator_config_id() {
    let ws = Workspace::new();
    let alice = identity_id(&ws, "alice");
    ws.write(&one_job(
        &alice,
        "\"6f1c0000-0000-4000-8000-000000000000\"",
        "",
    ));
    let run = ws.apply_json();
    assert_eq!(run.code, 1);
    let (code, text) = error_on(&run);
    assert!(code.contains("authenticator_config_id"), "{code}\n{text}");
    assert_eq!(ws.emails(), 0);
}

#[test]
fn relative_redirect_uri_is_refused_before_any_request() {
    let ws = Workspace::new();
    let alice = identity_id(&ws, "alice");
    ws.write(&one_job(
        &alice,
        "\"cfg\"",
        "post_binding_redirect_uri = \"/welcome\"",
    ));
    let run = ws.plan_json();
    assert_eq!(run.code, 1);
    let (code, _) = error_on(&run);
    assert!(code.contains("post_binding_redirect_uri"), "{code}");
    assert_eq!(ws.request_count(), 0, "zero requests");
}

const DAY: u64 = 24 * 3600;

/// `resend_before_expiry = "48h"` on the sandbox's 7-day links: nothing
/// while more than 48 h are left, a replacement once less is, and that
/// apply sends exactly one new email and revokes the old link.
#[test]
fn link_is_renewed_once_less_than_resend_before_expiry_is_left() {
    let ws = Workspace::new();
    let alice = identity_id(&ws, "alice");
    ws.write(&one_job(
        &alice,
        "enroll_authenticator_config.web.id",
        "resend_before_expiry = \"48h\"",
    ));
    ws.apply();
    let first = ws.resource("enroll_credential_binding_job.j").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "day 0: nothing to renew:\n{}", plan.all());

    ws.sandbox
        .advance_clock(Duration::from_secs(4 * DAY + 23 * 3600));
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "49 h left: nothing to renew:\n{}", plan.all());

    ws.sandbox.advance_clock(Duration::from_secs(2 * 3600));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "47 h left: renew:\n{}", plan.all());
    assert!(
        plan.stdout
            .contains("# enroll_credential_binding_job.j must be replaced"),
        "{}",
        plan.stdout
    );
    assert_eq!(ws.emails(), 1, "a plan sends nothing");

    ws.apply();
    assert_eq!(ws.emails(), 2, "exactly one new email");
    assert_eq!(ws.requests_matching("POST", ":revoke"), 1);
    assert_eq!(ws.sandbox.job(&first).unwrap()["state"], "REVOKED");
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "the new link has 7 days:\n{}", plan.all());
}
