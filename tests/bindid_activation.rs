//! `enroll_bindid_activation`: BindID registration links, validated before
//! they are sent, one token request per apply.

mod common;
use common::{error_on, Workspace};
use std::time::Duration;

fn activations(ws: &Workspace, users: &[&str], extra: &str) -> String {
    let client = &ws.sandbox.seed().bindid_client_id;
    let mut tf = String::from("provider \"enroll\" {}\n");
    for (i, u) in users.iter().enumerate() {
        tf.push_str(&format!(
            r#"
resource "enroll_bindid_activation" "u{i}" {{
  user_email = "{u}"
  client_id  = "{client}"
  alias {{
    type = "email"
  }}
  {extra}
}}
"#
        ));
    }
    tf
}

fn messages(ws: &Workspace) -> usize {
    ws.sandbox
        .outbox()
        .iter()
        .filter(|m| m.job_id.is_none())
        .count()
}

fn token_requests(ws: &Workspace) -> usize {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.path == "/token")
        .count()
}

const USERS: [&str; 3] = ["ann@example.com", "ben@example.com", "cat@example.com"];

#[test]
fn three_activations_send_three_links_with_one_token_request() {
    let ws = Workspace::new();
    ws.write(&activations(&ws, &USERS, ""));
    ws.apply();
    assert_eq!(messages(&ws), 3);
    assert_eq!(
        token_requests(&ws),
        1,
        "the token is shared by every resource"
    );
    let s = ws.resource("enroll_bindid_activation.u0").unwrap();
    assert_eq!(s["status"], "success");
    assert_eq!(s["channels"][0]["channel_type"], "email");
    assert_eq!(s["channels"][0]["target"], "ann@example.com");
    assert!(s["id"].as_str().unwrap().len() == 36, "a UUID");
    assert!(s["expire_time"].as_str().unwrap() > s["sent_at"].as_str().unwrap());

    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(messages(&ws), 3);
}

#[test]
fn a_changed_argument_or_trigger_sends_exactly_one_new_link() {
    let ws = Workspace::new();
    ws.write(&activations(&ws, &USERS[..1], ""));
    ws.apply();
    ws.write(&activations(
        &ws,
        &USERS[..1],
        "custom_message = \"Welcome aboard\"",
    ));
    let plan = ws.plan();
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    ws.apply();
    assert_eq!(messages(&ws), 2);
    ws.write(&activations(
        &ws,
        &USERS[..1],
        "custom_message = \"Welcome aboard\"\n  triggers = { round = \"2\" }",
    ));
    ws.apply();
    assert_eq!(messages(&ws), 3);
    assert_eq!(ws.plan().code, 0);
}

#[test]
fn an_expired_link_is_resent_only_with_the_flag() {
    let ws = Workspace::new();
    ws.write(&activations(
        &ws,
        &USERS[..1],
        "link_validity = \"2s\"\n  resend_when_expired = true",
    ));
    ws.apply();
    assert_eq!(ws.plan().code, 0, "not expired yet");
    std::thread::sleep(Duration::from_millis(2500));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("must be replaced"), "{}", plan.stdout);
    ws.apply();
    assert_eq!(messages(&ws), 2);
}

fn assert_refused(extra_body: &str, attribute: &str) {
    let ws = Workspace::new();
    let client = ws.sandbox.seed().bindid_client_id.clone();
    ws.write(&format!(
        r#"
provider "enroll" {{}}
resource "enroll_bindid_activation" "bad" {{
  client_id = "{client}"
  {extra_body}
}}
"#
    ));
    let run = ws.plan_json();
    assert_eq!(run.code, 1, "{}", run.all());
    let (code, text) = error_on(&run);
    assert!(
        code.contains(attribute),
        "expected the error on {attribute}, got {code:?}\n{text}"
    );
    assert_eq!(ws.request_count(), 0, "zero requests");
}

const ALIAS: &str = "alias {\n    type = \"email\"\n  }";

#[test]
fn an_invalid_email_is_refused() {
    assert_refused(&format!("user_email = \"nobody\"\n  {ALIAS}"), "user_email");
}

#[test]
fn a_verification_outside_the_documented_set_is_refused() {
    assert_refused(
        &format!(
            "user_email = \"a@example.com\"\n  verifications = [\"ts.bindid.iac.sms\"]\n  {ALIAS}"
        ),
        "verifications",
    );
}

#[test]
fn a_scope_outside_the_documented_set_is_refused() {
    assert_refused(
        &format!("user_email = \"a@example.com\"\n  scopes = [\"address\"]\n  {ALIAS}"),
        "scopes",
    );
}

#[test]
fn a_confirmed_user_without_alias_is_refused() {
    let ws = Workspace::new();
    let client = ws.sandbox.seed().bindid_client_id.clone();
    ws.write(&format!(
        "provider \"enroll\" {{}}\nresource \"enroll_bindid_activation\" \"bad\" {{\n  client_id = \"{client}\"\n  user_email = \"a@example.com\"\n}}\n"
    ));
    let run = ws.plan_json();
    assert_eq!(run.code, 1);
    let (_, text) = error_on(&run);
    assert!(text.contains("alias"), "{text}");
    assert_eq!(ws.request_count(), 0);
}

#[test]
fn alias_type_alias_without_value_is_refused() {
    assert_refused(
        "user_email = \"a@example.com\"\n  alias {\n    type = \"alias\"\n  }",
        // `value` is absent, so Terraform points at the block that lacks it.
        "alias",
    );
}

#[test]
fn alias_value_with_another_type_is_refused() {
    assert_refused(
        "user_email = \"a@example.com\"\n  alias {\n    type  = \"email\"\n    value = \"x\"\n  }",
        "value",
    );
}

#[test]
fn a_relative_completion_link_is_refused() {
    assert_refused(
        &format!(
            "user_email = \"a@example.com\"\n  {ALIAS}\n  completion_message {{\n    text = \"Done\"\n    link {{\n      redirect_uri = \"/home\"\n      label = \"Home\"\n    }}\n  }}"
        ),
        "redirect_uri",
    );
}

#[test]
fn a_completion_link_without_label_is_refused() {
    let ws = Workspace::new();
    let client = ws.sandbox.seed().bindid_client_id.clone();
    ws.write(&format!(
        "provider \"enroll\" {{}}\nresource \"enroll_bindid_activation\" \"bad\" {{\n  client_id = \"{client}\"\n  user_email = \"a@example.com\"\n  {ALIAS}\n  completion_message {{\n    text = \"Done\"\n    link {{\n      redirect_uri = \"https://app.example.com\"\n    }}\n  }}\n}}\n"
    ));
    let run = ws.plan_json();
    assert_eq!(run.code, 1);
    assert!(run.all().contains("label"), "{}", run.all());
    assert_eq!(ws.request_count(), 0);
}

#[test]
fn a_zero_link_validity_is_refused() {
    assert_refused(
        &format!("user_email = \"a@example.com\"\n  link_validity = \"0s\"\n  {ALIAS}"),
        "link_validity",
    );
}

#[test]
fn a_failing_channel_is_an_error_and_nothing_is_stored() {
    let ws = Workspace::new();
    ws.sandbox.fail_bindid_target("ann@example.com");
    ws.write(&activations(&ws, &USERS[..1], ""));
    let run = ws.run(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1);
    assert!(run.all().contains("ann@example.com"), "{}", run.all());
    assert!(run.all().contains("failed"), "{}", run.all());
    assert_eq!(messages(&ws), 0, "outbox unchanged");
    assert!(
        ws.resource("enroll_bindid_activation.u0").is_none(),
        "not in state"
    );
}

#[test]
fn import_is_refused_with_the_reason() {
    let ws = Workspace::new();
    ws.write(&activations(&ws, &USERS[..1], ""));
    let run = ws.run(&["import", "-no-color", "enroll_bindid_activation.u0", "x"]);
    assert_eq!(run.code, 1);
    assert!(run.all().contains("no API to read"), "{}", run.all());
}

/// `2026-12-01T02:55:55.694773Z`: RFC 3339, UTC, exactly six digits.
fn has_microseconds(t: &str) -> bool {
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 27
        && digits(0..4)
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && digits(20..26)
        && b[26] == b'Z'
}

#[test]
fn every_time_in_state_has_microseconds_like_beyond_identitys() {
    let ws = Workspace::new();
    let quickstart =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/main.tf");
    std::fs::copy(quickstart, ws.path().join("main.tf")).unwrap();
    ws.apply();
    let times = [
        ("enroll_bindid_activation.carol", "sent_at"),
        ("enroll_bindid_activation.carol", "expire_time"),
        (
            "enroll_credential_binding_job.invite[\"alice@example.com\"]",
            "create_time",
        ),
        (
            "enroll_credential_binding_job.invite[\"alice@example.com\"]",
            "update_time",
        ),
        (
            "enroll_credential_binding_job.invite[\"alice@example.com\"]",
            "expire_time",
        ),
    ];
    for (address, attribute) in times {
        let s = ws
            .resource(address)
            .unwrap_or_else(|| panic!("no {address}"));
        let t = s[attribute].as_str().unwrap_or_default();
        assert!(has_microseconds(t), "{address}.{attribute} = {t:?}");
    }
}
