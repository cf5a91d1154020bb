//! Provider logs reach Terraform at the right level, and never carry a
//! secret; diagnostics carry no Rust backtrace.

mod common;
use common::{identity_id, Workspace};

#[test]
fn debug_logs_show_requests_and_no_secret() {
    let mut ws = Workspace::new();
    let log = ws.path().join("terraform.log");
    ws.set_env("TF_LOG_PROVIDER", "DEBUG");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    let alice = identity_id(&ws, "alice");
    let client = ws.sandbox.seed().bindid_client_id.clone();
    ws.write(&format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "mail" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
}}
resource "enroll_credential_binding_job" "link" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
  delivery_method         = "RETURN"
}}
resource "enroll_bindid_activation" "b" {{
  user_email = "zed@example.com"
  client_id  = "{client}"
  alias {{
    type = "email"
  }}
}}
"#
    ));
    let apply = ws.apply();
    let text = std::fs::read_to_string(&log).expect("terraform wrote the log");

    assert!(
        text.contains("provider.enroll.http") && text.contains("credential-binding-jobs"),
        "DEBUG request lines reach Terraform's log"
    );
    assert!(text.contains("[DEBUG]"), "at the debug level");

    let seed = ws.sandbox.seed();
    let link = ws.resource("enroll_credential_binding_job.link").unwrap()
        ["credential_binding_link"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut secrets = vec![
        seed.client_secret.clone(),
        seed.bindid_credentials_secret.clone(),
        link.clone(),
    ];
    for m in ws.sandbox.outbox() {
        secrets.push(m.link.clone());
    }
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a secret leaked into the log");
        assert!(
            !apply.all().contains(s.as_str()),
            "a secret leaked into terraform's output"
        );
    }
    assert!(
        !text.contains("Bearer "),
        "no authorization header in the log"
    );
    assert!(
        !text.to_lowercase().contains("access_token\":"),
        "no token answer in the log"
    );
}

#[test]
fn diagnostics_carry_no_backtrace_even_with_rust_backtrace_set() {
    let mut ws = Workspace::new();
    ws.set_env("RUST_BACKTRACE", "1");
    ws.write(
        r#"
provider "enroll" {}
resource "enroll_authenticator_config" "bad" {
  type = "roaming"
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 1);
    let out = plan.all();
    assert!(out.contains("roaming"), "{out}");
    assert!(!out.contains("backtrace"), "{out}");
    assert!(!out.contains("tf_provider::"), "{out}");
}
