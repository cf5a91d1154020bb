//! `enroll_authenticator_config` through real Terraform against the sandbox.

mod common;
use common::Workspace;

const HOSTED: &str = r#"
provider "enroll" {}

resource "enroll_authenticator_config" "web" {
  type         = "hosted_web"
  display_name = "Web login"
}
"#;

#[test]
fn lifecycle_create_plan_update_import_drift_destroy() {
    let ws = Workspace::new();
    ws.write(HOSTED);
    ws.apply();

    let created = ws
        .resource("enroll_authenticator_config.web")
        .expect("in state");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["type"], "hosted_web");
    assert_eq!(
        created["authentication_methods"]
            .as_array()
            .map(|a| a.len()),
        Some(3)
    );
    assert!(
        ws.sandbox.authenticator_config(&id).is_some(),
        "created on the server"
    );

    // plan_after_apply_is_empty
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "second plan must be empty:\n{}", plan.all());

    // display_name change is an in-place PATCH
    ws.sandbox.clear_requests();
    ws.write(&HOSTED.replace("Web login", "Sign in"));
    let run = ws.apply();
    assert!(run.stdout.contains("1 changed"), "{}", run.stdout);
    let patches = ws
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&id))
        .count();
    assert_eq!(patches, 1, "one PATCH for the rename");
    let server = ws.sandbox.authenticator_config(&id).expect("still there");
    assert_eq!(server["display_name"], "Sign in");
    let updated = ws.resource("enroll_authenticator_config.web").unwrap();
    assert_eq!(updated["id"], id.as_str(), "updated in place, same id");

    // import into a fresh state gives the same attributes and an empty plan
    let fresh = Workspace::with_sandbox_of(&ws);
    fresh.write(&HOSTED.replace("Web login", "Sign in"));
    let seed = ws.sandbox.seed();
    let full_id = format!("{}/{}/{}", seed.tenant_id, seed.realm_id, id);
    fresh
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            "enroll_authenticator_config.web",
            &full_id,
        ])
        .ok();
    let imported = fresh.resource("enroll_authenticator_config.web").unwrap();
    assert_eq!(imported, updated, "import reads back the same attributes");
    let plan = fresh.plan();
    assert_eq!(
        plan.code,
        0,
        "plan after import must be empty:\n{}",
        plan.all()
    );

    // deleted behind Terraform's back: the plan proposes to create it again
    assert!(ws.sandbox.delete_authenticator_config(&id));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "{}", plan.all());
    assert!(plan.stdout.contains("will be created"), "{}", plan.stdout);

    ws.apply();
    let recreated = ws.resource("enroll_authenticator_config.web").unwrap();
    let new_id = recreated["id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, id);

    ws.destroy();
    assert!(
        ws.sandbox.authenticator_config(&new_id).is_none(),
        "gone from the server"
    );
}

#[test]
fn import_by_id_alone_uses_the_provider_defaults() {
    let ws = Workspace::new();
    ws.write(HOSTED);
    ws.apply();
    let id = ws.resource("enroll_authenticator_config.web").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fresh = Workspace::with_sandbox_of(&ws);
    fresh.write(HOSTED);
    fresh
        .run(&[
            "import",
            "-no-color",
            "-input=false",
            "enroll_authenticator_config.web",
            &id,
        ])
        .ok();
    assert_eq!(fresh.plan().code, 0);
}

#[test]
fn changing_type_forces_replacement() {
    let ws = Workspace::new();
    ws.write(HOSTED);
    ws.apply();
    ws.write(
        r#"
provider "enroll" {}
resource "enroll_authenticator_config" "web" {
  type       = "embedded"
  invoke_url = "https://app.example.com/passkeys"
  display_name = "Web login"
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
}

#[test]
fn invalid_input_is_refused_before_any_request() {
    let ws = Workspace::new();
    ws.write(
        r#"
provider "enroll" {}
resource "enroll_authenticator_config" "bad" {
  type                   = "embedded"
  authentication_methods = ["face_id"]
}
"#,
    );
    let plan = ws.plan();
    assert_eq!(plan.code, 1);
    let out = plan.all();
    assert!(out.contains("invoke_url"), "{out}");
    assert!(out.contains("face_id"), "{out}");
    assert_eq!(ws.request_count(), 0, "no request may reach the API");
}

#[test]
fn missing_credentials_fail_at_plan_naming_argument_and_variable() {
    let mut ws = Workspace::new();
    ws.set_env("BEYOND_IDENTITY_CLIENT_SECRET", "");
    ws.write(HOSTED);
    let plan = ws.plan();
    assert_eq!(plan.code, 1);
    let out = plan.all();
    assert!(out.contains("client_secret"), "{out}");
    assert!(out.contains("BEYOND_IDENTITY_CLIENT_SECRET"), "{out}");
    assert_eq!(ws.request_count(), 0);
}

#[test]
fn http_to_a_non_loopback_host_is_refused_at_validate() {
    let ws = Workspace::new();
    ws.write(
        r#"
provider "enroll" {
  beyond_identity {
    api_url = "http://api.example.com"
  }
}
resource "enroll_authenticator_config" "web" {
  type = "hosted_web"
}
"#,
    );
    let run = ws.run(&["validate", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("api_url"), "{}", run.all());
    assert_eq!(ws.request_count(), 0);
}
