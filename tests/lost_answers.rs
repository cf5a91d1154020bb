//! Lost answers that resolve themselves. A create whose answer is lost (the
//! server may or may not have done the work) never leads to a second email
//! and never to a configuration that needs a manual import: what the
//! attempt made is adopted, in that apply or at the next refresh, or, when
//! it made nothing, the next apply creates it once. One test per promise;
//! `tests/chaos.rs` runs random schedules of the same faults.

mod common;
use common::{identity_id, Workspace};
use enroll_sandbox::{Fault, FaultMode};

/// A workspace whose provider backs off and gives up in milliseconds.
fn fast_ws() -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_BACKOFF_BASE_MS", "5");
    ws.set_env("ENROLL_BACKOFF_MAX_MS", "40");
    ws.set_env("ENROLL_MAX_RETRIES", "1");
    ws
}

fn fault(method: &str, path_contains: &str, status: u16, mode: FaultMode, count: u32) -> Fault {
    Fault {
        method: Some(method.into()),
        path_contains: Some(path_contains.into()),
        status: Some(status),
        mode,
        count,
        ..Fault::default()
    }
}

fn one_identity() -> &'static str {
    r#"
provider "enroll" {}

resource "enroll_identity" "qa" {
  username     = "lost-answer"
  display_name = "QA Bot"
  email        = "qa@example.com"
}
"#
}

/// Identities with this username on the server.
fn identities_named(ws: &Workspace, username: &str) -> usize {
    ws.sandbox
        .sandbox()
        .identities()
        .iter()
        .filter(|i| i["traits"]["username"] == username)
        .count()
}

fn warned(run: &common::Run, what: &str) -> bool {
    run.all()
        .contains(&format!("Not known whether the {what} was created"))
}

/// The reproduction of a stuck configuration: the identity is made but the
/// answer is lost, and the lookup that would confirm it fails too. The
/// apply warns instead of failing, and the next one adopts the identity
/// with no import and no "Username already taken".
#[test]
fn an_identity_whose_create_and_lookup_both_failed_is_adopted_by_the_next_plan() {
    let ws = fast_ws();
    ws.write(one_identity());
    ws.sandbox
        .add_fault(fault("POST", "/identities", 500, FaultMode::After, 1));
    ws.sandbox
        .add_fault(fault("GET", "/identities", 500, FaultMode::Before, 0));
    let run = ws.apply();
    assert!(warned(&run, "identity"), "{}", run.all());
    assert_eq!(identities_named(&ws, "lost-answer"), 1, "made once");
    let state = ws.resource("enroll_identity.qa").expect("recorded");
    assert!(state["id"].is_null(), "recorded without an id: {state}");

    ws.sandbox.clear_faults();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "adopted by the refresh:\n{}", plan.all());
    assert!(!plan.all().contains("already taken"));
    ws.apply();
    let id = ws.resource("enroll_identity.qa").unwrap()["id"]
        .as_str()
        .expect("an id now")
        .to_owned();
    assert_eq!(
        ws.sandbox.identity(&id).unwrap()["traits"]["username"],
        "lost-answer"
    );
    assert_eq!(
        ws.requests_matching("POST", "/identities"),
        1,
        "never created twice"
    );
    ws.destroy();
    assert_eq!(
        identities_named(&ws, "lost-answer"),
        0,
        "nothing left behind"
    );
}

/// The create answered 500 without doing anything, and the lookup failed:
/// the next plan finds nothing and creates it once.
#[test]
fn an_identity_that_was_not_made_is_created_once_by_the_next_apply() {
    let ws = fast_ws();
    ws.write(one_identity());
    ws.sandbox
        .add_fault(fault("POST", "/identities", 500, FaultMode::Before, 1));
    ws.sandbox
        .add_fault(fault("GET", "/identities", 500, FaultMode::Before, 0));
    let run = ws.apply();
    assert!(warned(&run, "identity"), "{}", run.all());
    assert_eq!(identities_named(&ws, "lost-answer"), 0);
    ws.sandbox.clear_faults();
    assert_eq!(ws.plan().code, 2, "forgotten by the refresh, to be created");
    ws.apply();
    assert_eq!(identities_named(&ws, "lost-answer"), 1);
    assert_eq!(ws.plan().code, 0);
}

/// An identity made by someone else before the attempt is not the
/// attempt's: a lost create never adopts a stranger.
#[test]
fn a_lost_create_never_adopts_an_older_identity_with_the_username() {
    let ws = fast_ws();
    ws.sandbox.sandbox().add_identity_made(
        "lost-answer",
        Some("other@example.com"),
        std::time::Duration::from_secs(3600),
    );
    ws.write(one_identity());
    ws.sandbox
        .add_fault(fault("POST", "/identities", 500, FaultMode::Before, 1));
    let run = ws.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("Username already taken"),
        "{}",
        run.all()
    );
    assert_eq!(identities_named(&ws, "lost-answer"), 1);
}

fn two_configs() -> &'static str {
    r#"
provider "enroll" {}

resource "enroll_authenticator_config" "web" {
  for_each = toset(["a", "b"])
  type     = "hosted_web"
}
"#
}

fn configs_on_server(ws: &Workspace) -> Vec<String> {
    ws.sandbox
        .sandbox()
        .authenticator_configs()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect()
}

fn configs_in_state(ws: &Workspace) -> Vec<String> {
    let state = ws.state();
    let mut ids: Vec<String> = state
        .pointer("/values/root_module/resources")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "enroll_authenticator_config")
        .filter_map(|r| r["values"]["id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// Two look-alike configurations are created at once and one answer is
/// lost after the server made it. Each resource ends with its own, and the
/// realm holds exactly those two: no orphan, no shared id.
#[test]
fn a_lost_config_answer_adopts_its_own_config_beside_a_look_alike() {
    for mode in [FaultMode::After, FaultMode::DropAfter] {
        let ws = fast_ws();
        ws.write(two_configs());
        ws.sandbox.set_latency(200);
        ws.sandbox
            .add_fault(fault("POST", "/authenticator-configs", 500, mode, 1));
        ws.apply();
        let mut on_server = configs_on_server(&ws);
        on_server.sort();
        assert_eq!(on_server.len(), 2, "{mode:?}: no orphan");
        assert_eq!(configs_in_state(&ws), on_server, "{mode:?}");
        assert_eq!(ws.plan().code, 0, "{mode:?}");
        ws.destroy();
        assert!(configs_on_server(&ws).is_empty(), "{mode:?}");
    }
}

/// A configuration made but its answer lost, and both looks fail (the list
/// before the create passes): the apply records it unresolved; the next
/// refresh adopts the one new look-alike, so no orphan is left.
#[test]
fn an_unresolved_config_is_adopted_by_the_next_refresh() {
    let ws = fast_ws();
    ws.write(
        r#"
provider "enroll" {}
resource "enroll_authenticator_config" "web" {
  type = "hosted_web"
}
"#,
    );
    ws.sandbox.add_fault(fault(
        "POST",
        "/authenticator-configs",
        500,
        FaultMode::After,
        1,
    ));
    ws.sandbox.add_fault(Fault {
        skip: 1,
        ..fault("GET", "/authenticator-configs", 500, FaultMode::Before, 0)
    });
    let run = ws.apply();
    assert!(warned(&run, "authenticator configuration"), "{}", run.all());
    assert_eq!(configs_on_server(&ws).len(), 1);
    ws.sandbox.clear_faults();
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "adopted:\n{}", plan.all());
    ws.apply();
    assert_eq!(configs_in_state(&ws), configs_on_server(&ws));
    ws.destroy();
    assert!(configs_on_server(&ws).is_empty(), "no orphan");
}

/// A create that made nothing (502 before the work): nothing is created
/// blind in that apply (a slower server could still finish it); the next
/// refresh finds no new look-alike, and the next apply creates it once.
#[test]
fn a_config_create_that_made_nothing_is_made_once_by_the_next_apply() {
    let ws = fast_ws();
    ws.write(two_configs());
    ws.sandbox.add_fault(fault(
        "POST",
        "/authenticator-configs",
        502,
        FaultMode::Before,
        1,
    ));
    let run = ws.apply();
    assert!(warned(&run, "authenticator configuration"), "{}", run.all());
    assert_eq!(configs_on_server(&ws).len(), 1);
    ws.apply();
    assert_eq!(configs_on_server(&ws).len(), 2);
    assert_eq!(ws.plan().code, 0);
}

/// The reproduction of the duplicate email: the server takes 2.6 s to make
/// the job, the client gives up at 2 s. The second look, after waiting for
/// the server, finds the job: one apply, one email.
#[test]
fn a_job_the_server_makes_after_the_timeout_is_adopted_not_sent_again() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", "2s");
    ws.write(&one_job(&ws));
    ws.sandbox.add_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("/credential-binding-jobs".into()),
        mode: FaultMode::Late,
        latency_ms: 2_600,
        ..Fault::default()
    });
    ws.apply();
    assert_eq!(ws.emails(), 1, "exactly one email");
    assert_eq!(ws.plan().code, 0, "adopted in the same apply");
    ws.apply();
    assert_eq!(ws.emails(), 1, "and never again");
}

/// A server slower still (it makes the job 5 s after a 1 s timeout, after
/// both looks): the apply records the attempt and warns; the next one
/// adopts the job. One email across two applies.
#[test]
fn a_job_made_after_both_looks_is_adopted_by_the_next_apply() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", "1s");
    ws.write(&one_job(&ws));
    ws.sandbox.add_fault(Fault {
        method: Some("POST".into()),
        path_contains: Some("/credential-binding-jobs".into()),
        mode: FaultMode::Late,
        latency_ms: 5_000,
        ..Fault::default()
    });
    let run = ws.apply();
    assert!(warned(&run, "credential binding job"), "{}", run.all());
    std::thread::sleep(std::time::Duration::from_secs(4));
    assert_eq!(ws.emails(), 1, "the server made it, late");
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "adopted by the refresh:\n{}", plan.all());
    ws.apply();
    assert_eq!(ws.emails(), 1, "one email across both applies");
    let job = ws.resource("enroll_credential_binding_job.invite").unwrap();
    let id = job["id"].as_str().expect("adopted").to_owned();
    assert!(ws.sandbox.job(&id).is_some());
    ws.destroy();
    assert_eq!(ws.sandbox.job(&id).unwrap()["state"], "REVOKED");
}

fn one_job(ws: &Workspace) -> String {
    let alice = identity_id(ws, "alice");
    format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "invite" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
}}
"#
    )
}

/// A job whose create answered 500 after the server made it: adopted in
/// the same apply, one email.
#[test]
fn a_lost_job_answer_is_adopted_in_the_same_apply() {
    let ws = fast_ws();
    ws.write(&one_job(&ws));
    ws.sandbox.add_fault(fault(
        "POST",
        "/credential-binding-jobs",
        500,
        FaultMode::After,
        1,
    ));
    ws.apply();
    assert_eq!(ws.emails(), 1);
    assert_eq!(ws.plan().code, 0);
}
