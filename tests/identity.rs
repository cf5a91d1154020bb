//! `enroll_identity` and the lookup data sources: test users created and
//! invited in one plan, changed in place, imported, and destroyed after
//! their jobs.

mod common;
use common::{error_on, identity_id, Workspace};
use enroll_sandbox::{Fault, FaultMode};

const USERS: [(&str, &str, &str); 3] = [
    ("tess", "Tess Tester", "tess@example.com"),
    ("quinn", "Quinn QA", "quinn@example.com"),
    ("casey", "Casey Case", "casey@example.com"),
];

/// Three identities and one EMAIL job each; the jobs reference the
/// identities, so Terraform orders creates and destroys through them.
fn users_config(renamed: Option<&str>, suspended: Option<&str>) -> String {
    let mut users = String::new();
    for (username, name, email) in USERS {
        let name = match renamed {
            Some(r) if username == "tess" => r,
            _ => name,
        };
        let status = if suspended == Some(username) {
            "suspended"
        } else {
            "active"
        };
        users.push_str(&format!(
            "    {username} = {{ display_name = \"{name}\", email = \"{email}\", status = \"{status}\" }}\n"
        ));
    }
    format!(
        r#"
provider "enroll" {{}}

locals {{
  users = {{
{users}  }}
}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

resource "enroll_identity" "user" {{
  for_each     = local.users
  username     = each.key
  display_name = each.value.display_name
  email        = each.value.email
  status       = each.value.status
}}

resource "enroll_credential_binding_job" "invite" {{
  for_each                = enroll_identity.user
  identity_id             = each.value.id
  authenticator_config_id = enroll_authenticator_config.web.id
}}

output "ids" {{
  value = {{ for k, u in enroll_identity.user : k => u.id }}
}}
"#
    )
}

fn output_map(ws: &Workspace, name: &str) -> serde_json::Map<String, serde_json::Value> {
    let run = ws.run(&["output", "-json", name]).ok();
    serde_json::from_str::<serde_json::Value>(&run.stdout)
        .expect("output -json prints JSON")
        .as_object()
        .cloned()
        .expect("a map output")
}

#[test]
fn test_users_are_created_invited_changed_in_place_and_destroyed_after_their_jobs() {
    let ws = Workspace::new();
    ws.write(&users_config(None, None));
    ws.apply();

    let ids = output_map(&ws, "ids");
    assert_eq!(ids.len(), 3);
    for (username, name, email) in USERS {
        let id = ids[username].as_str().unwrap();
        let api = ws.sandbox.identity(id).expect("identity exists");
        assert_eq!(api["traits"]["username"], username);
        assert_eq!(api["traits"]["primary_email_address"], email);
        assert_eq!(api["display_name"], name);
        assert_eq!(api["status"], "active");
    }
    assert_eq!(
        ws.recipients(),
        ["casey@example.com", "quinn@example.com", "tess@example.com"],
        "one email per new identity, to its address"
    );

    let plan = ws.plan();
    assert_eq!(plan.code, 0, "plan after apply is empty:\n{}", plan.all());

    // Rename: one PATCH, same id, no new email.
    ws.sandbox.clear_requests();
    ws.write(&users_config(Some("Tess Renamed"), None));
    let plan = ws.plan();
    assert_eq!(plan.code, 2);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "{}",
        plan.stdout
    );
    ws.apply();
    assert_eq!(ws.requests_matching("PATCH", "/identities/"), 1);
    let tess = ids["tess"].as_str().unwrap();
    assert_eq!(
        ws.sandbox.identity(tess).unwrap()["display_name"],
        "Tess Renamed"
    );
    assert_eq!(output_map(&ws, "ids")["tess"], tess, "renamed in place");
    assert_eq!(ws.emails(), 3);

    // Suspend: in place too.
    ws.write(&users_config(Some("Tess Renamed"), Some("quinn")));
    ws.apply();
    let quinn = ids["quinn"].as_str().unwrap();
    assert_eq!(ws.sandbox.identity(quinn).unwrap()["status"], "suspended");
    assert_eq!(
        ws.resource("enroll_identity.user[\"quinn\"]").unwrap()["status"],
        "suspended"
    );
    assert_eq!(ws.plan().code, 0);

    // Enrollment is read back on refresh: casey finishes, the others wait.
    let casey_job = ws
        .resource("enroll_credential_binding_job.invite[\"casey\"]")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ws.sandbox.complete_job(&casey_job));
    ws.run(&["apply", "-refresh-only", "-auto-approve", "-no-color"])
        .ok();
    let status = |u: &str| {
        ws.resource(&format!("enroll_identity.user[\"{u}\"]"))
            .unwrap()["enrollment_status"]
            .clone()
    };
    assert_eq!(status("casey"), "ENROLLED");
    assert_eq!(status("tess"), "PENDING");
    assert_eq!(
        ws.plan().code,
        0,
        "a changed enrollment status plans nothing"
    );

    // Destroy: every unfinished job is revoked before any identity goes.
    ws.sandbox.clear_requests();
    ws.destroy();
    let log = ws.sandbox.requests();
    let revokes: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].method == "POST" && log[i].path.ends_with(":revoke"))
        .collect();
    let deletes: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].method == "DELETE" && log[i].path.contains("/identities/"))
        .collect();
    assert_eq!(revokes.len(), 2, "the two unfinished jobs are revoked");
    assert_eq!(deletes.len(), 3);
    assert!(
        revokes.iter().max() < deletes.iter().min(),
        "jobs go before identities: {log:?}"
    );
    for id in ids.values() {
        assert!(ws.sandbox.identity(id.as_str().unwrap()).is_none());
    }
    assert_eq!(ws.emails(), 3, "nothing was re-sent along the way");
}

fn one_identity(username: &str, extra: &str) -> String {
    format!(
        r#"
provider "enroll" {{}}

resource "enroll_identity" "qa" {{
  username     = "{username}"
  display_name = "QA Bot"
  {extra}
}}
"#
    )
}

#[test]
fn a_username_change_replaces_and_status_defaults_to_active() {
    let ws = Workspace::new();
    ws.write(&one_identity("qa-bot", ""));
    ws.apply();
    let first = ws.resource("enroll_identity.qa").unwrap();
    assert_eq!(first["status"], "active");
    assert_eq!(first["enrollment_status"], "UNENROLLED");
    assert!(first["email"].is_null());

    ws.write(&one_identity("qa-bot", "email = \"qa@example.com\""));
    ws.apply();
    let id = first["id"].as_str().unwrap();
    assert_eq!(
        ws.sandbox.identity(id).unwrap()["traits"]["primary_email_address"],
        "qa@example.com",
        "an added email is patched in place"
    );
    ws.write(&one_identity("qa-bot", ""));
    ws.apply();
    assert!(
        ws.resource("enroll_identity.qa").unwrap()["email"].is_null(),
        "a removed email is cleared"
    );
    assert_eq!(ws.plan().code, 0);

    ws.write(&one_identity("qa-bot-2", ""));
    let plan = ws.plan();
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    ws.apply();
    let second = ws.resource("enroll_identity.qa").unwrap();
    assert_ne!(second["id"], first["id"]);
    assert!(
        ws.sandbox.identity(id).is_none(),
        "the old identity is gone"
    );
}

#[test]
fn a_taken_username_is_an_error_that_names_the_import_command() {
    let ws = Workspace::new();
    let alice = identity_id(&ws, "alice");
    ws.write(&one_identity("alice", ""));
    let run = ws.apply_json();
    assert_eq!(run.code, 1, "{}", run.all());
    let (code, text) = error_on(&run);
    assert!(
        code.contains("username"),
        "the error is on username: {code}"
    );
    assert!(text.contains("already exists"), "{text}");
    assert!(
        text.contains(&format!(
            "terraform import enroll_identity.NAME {}",
            ws_realm(&ws, &alice)
        )),
        "{text}"
    );
    assert!(ws.resource("enroll_identity.qa").is_none());

    // Following the advice works: import, then an empty plan once the
    // configuration matches.
    let import_id = ws_realm(&ws, &alice);
    ws.write(&one_identity("alice", "").replace("QA Bot", "Alice"));
    ws.run(&["import", "-no-color", "enroll_identity.qa", &import_id])
        .ok();
    let state = ws.resource("enroll_identity.qa").unwrap();
    assert_eq!(state["id"], alice);
    assert_eq!(state["email"], "alice@example.com");
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "only the email differs:\n{}", plan.stdout);
    assert!(plan.stdout.contains("email"), "{}", plan.stdout);
}

fn ws_realm(ws: &Workspace, id: &str) -> String {
    let seed = ws.sandbox.seed();
    format!("{}/{}/{id}", seed.tenant_id, seed.realm_id)
}

#[test]
fn import_by_either_id_form_gives_an_empty_plan() {
    let ws = Workspace::new();
    ws.write(&one_identity(
        "importable",
        "email = \"imp@example.com\"\n  status = \"suspended\"",
    ));
    ws.apply();
    let id = ws.resource("enroll_identity.qa").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for import_id in [ws_realm(&ws, &id), id.clone()] {
        let other = Workspace::with_sandbox_of(&ws);
        other.write(&one_identity(
            "importable",
            "email = \"imp@example.com\"\n  status = \"suspended\"",
        ));
        other
            .run(&["import", "-no-color", "enroll_identity.qa", &import_id])
            .ok();
        assert_eq!(other.resource("enroll_identity.qa").unwrap()["id"], id);
        let plan = other.plan();
        assert_eq!(plan.code, 0, "import {import_id}:\n{}", plan.all());
    }
    let other = Workspace::with_sandbox_of(&ws);
    other.write(&one_identity("x", ""));
    let run = other.run(&["import", "-no-color", "enroll_identity.qa", "a/b"]);
    assert_ne!(run.code, 0);
    assert!(run.all().contains("tenant_id/realm_id/id"), "{}", run.all());
}

fn lookups(keys: &str) -> String {
    format!(
        r#"
provider "enroll" {{}}

data "enroll_identity" "found" {{
  {keys}
}}

output "found" {{
  value = data.enroll_identity.found
}}
"#
    )
}

fn found(ws: &Workspace) -> serde_json::Map<String, serde_json::Value> {
    output_map(ws, "found")
}

#[test]
fn identities_are_found_by_id_username_and_email() {
    let ws = Workspace::new();
    let bob = identity_id(&ws, "bob");
    for keys in [
        format!("id = \"{bob}\""),
        "username = \"bob\"".to_owned(),
        "email = \"Bob@Example.com\"".to_owned(),
    ] {
        ws.write(&lookups(&keys));
        ws.apply();
        let f = found(&ws);
        assert_eq!(f["id"], bob.as_str(), "{keys}");
        assert_eq!(f["username"], "bob");
        assert_eq!(f["email"], "bob@example.com");
        assert_eq!(f["status"], "active");
        assert_eq!(f["tenant_id"], ws.sandbox.seed().tenant_id.as_str());
    }
    assert_eq!(ws.emails(), 0, "a lookup sends nothing");
}

#[test]
fn a_lookup_that_finds_none_or_several_is_a_clear_error() {
    let ws = Workspace::new();
    ws.write(&lookups("username = \"nobody\""));
    let (code, text) = error_on(&ws.plan_json());
    assert!(code.contains("username"), "{code}");
    assert!(
        text.contains("no identity with username \"nobody\""),
        "{text}"
    );

    ws.write(&lookups("id = \"0000000000000000\""));
    let (code, text) = error_on(&ws.plan_json());
    assert!(code.contains("id"), "{code}");
    assert!(text.contains("No identity found"), "{text}");

    ws.sandbox
        .add_identity("twin-a", Some("shared@example.com"));
    ws.sandbox
        .add_identity("twin-b", Some("shared@example.com"));
    ws.write(&lookups("email = \"shared@example.com\""));
    let (code, text) = error_on(&ws.plan_json());
    assert!(code.contains("email"), "{code}");
    assert!(text.contains("2 identities have email"), "{text}");
    assert!(text.contains("twin-a") && text.contains("twin-b"), "{text}");

    ws.write(&lookups(
        "username = \"bob\"\n  email = \"bob@example.com\"",
    ));
    let run = ws.run(&["validate", "-json", "-no-color"]);
    let (code, text) = error_on(&run);
    assert!(code.contains("email"), "{code}");
    assert!(text.contains("exactly one of"), "{text}");
    ws.write(&lookups(""));
    let run = ws.run(&["validate", "-json", "-no-color"]);
    let (_, text) = error_on(&run);
    assert!(text.contains("Missing lookup key"), "{text}");
}

#[test]
fn an_email_lookup_follows_pagination_to_the_last_page() {
    let ws = Workspace::new();
    // 4 seeded + 450 = three pages of 200.
    for n in 0..450 {
        ws.sandbox.add_identity(
            &format!("filler-{n}"),
            Some(&format!("filler-{n}@example.com")),
        );
    }
    let last = ws
        .sandbox
        .add_identity("needle", Some("needle@example.com"));
    ws.write(&lookups("email = \"needle@example.com\""));
    ws.apply();
    assert_eq!(found(&ws)["id"], last.as_str());
    let pages = ws
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/identities"))
        .count();
    // apply reads the data source once at plan time.
    assert!(pages >= 3, "three pages were read, got {pages}");
}

#[test]
fn the_authenticator_config_data_source_reads_one_by_id() {
    let ws = Workspace::new();
    ws.write(
        r#"
provider "enroll" {}

resource "enroll_authenticator_config" "made" {
  type         = "embedded"
  display_name = "SDK app"
  invoke_url   = "https://app.example.com/bind"
}

data "enroll_authenticator_config" "read" {
  id = enroll_authenticator_config.made.id
}

output "read" {
  value = data.enroll_authenticator_config.read
}
"#,
    );
    ws.apply();
    let read = output_map(&ws, "read");
    let made = ws.resource("enroll_authenticator_config.made").unwrap();
    for key in [
        "id",
        "type",
        "display_name",
        "invoke_url",
        "invocation_type",
        "authentication_methods",
        "trusted_origins",
    ] {
        assert_eq!(read[key], made[key], "{key}");
    }

    ws.write(
        r#"
provider "enroll" {}

data "enroll_authenticator_config" "read" {
  id = "no-such-config"
}
"#,
    );
    let (code, text) = error_on(&ws.plan_json());
    assert!(code.contains("id"), "{code}");
    assert!(
        text.contains("no authenticator configuration with id"),
        "{text}"
    );
}

/// The create's answer is lost after the identity was made: the provider
/// finds it by username instead of failing on its own 409.
#[test]
fn a_lost_create_answer_adopts_the_identity_it_made() {
    for mode in [FaultMode::After, FaultMode::DropAfter] {
        let ws = Workspace::new();
        ws.sandbox.add_fault(Fault {
            method: Some("POST".into()),
            path_contains: Some("/identities".into()),
            status: Some(502),
            mode,
            ..Fault::default()
        });
        ws.write(&one_identity("lost-answer", ""));
        ws.apply();
        let id = ws.resource("enroll_identity.qa").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            ws.sandbox.identity(&id).unwrap()["traits"]["username"],
            "lost-answer",
            "{mode:?}"
        );
        assert_eq!(
            ws.requests_matching("POST", "/identities"),
            1,
            "{mode:?}: looked up, not created twice"
        );
        assert_eq!(ws.plan().code, 0, "{mode:?}");
    }
}

/// The flow a CI suite uses: `examples/test-users` as the root module
/// creates the users and hands out one RETURN link each, sending no email.
#[test]
fn the_test_users_module_creates_users_and_returns_their_links() {
    let ws = Workspace::new();
    let module =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/test-users/main.tf");
    std::fs::copy(&module, ws.path().join("main.tf")).expect("copy the module");
    std::fs::write(
        ws.path().join("terraform.tfvars.json"),
        r#"{"users": {
            "ci-one":   {"display_name": "CI One"},
            "ci-two":   {"display_name": "CI Two", "email": "ci-two@example.com"},
            "ci-three": {"display_name": "CI Three"}
        }}"#,
    )
    .unwrap();
    let applied = ws.apply();
    assert!(!applied.stdout.contains("token="), "no link is printed");

    let ids = output_map(&ws, "identity_ids");
    let links = output_map(&ws, "enrollment_links");
    assert_eq!(ids.len(), 3);
    assert_eq!(links.len(), 3);
    let mut seen = std::collections::HashSet::new();
    for (user, link) in &links {
        let link = link.as_str().expect("a link per user");
        assert!(link.starts_with("http"), "{user}: {link}");
        assert!(seen.insert(link.to_owned()), "links are distinct");
        let id = ids[user].as_str().unwrap();
        assert_eq!(
            ws.sandbox.identity(id).unwrap()["enrollment_status"],
            "PENDING"
        );
    }
    assert_eq!(ws.emails(), 0, "RETURN links are handed out, not emailed");
    // Listing every output hides it; only asking for it by name shows it.
    let shown = ws.run(&["output", "-no-color"]).ok();
    assert!(
        shown.stdout.contains("enrollment_links = <sensitive>"),
        "{}",
        shown.stdout
    );
    assert!(!shown.stdout.contains("token="), "{}", shown.stdout);
    assert_eq!(ws.plan().code, 0);

    ws.destroy();
    for id in ids.values() {
        assert!(ws.sandbox.identity(id.as_str().unwrap()).is_none());
    }
}
