//! `data "enroll_credential_binding_jobs"`: the jobs of a realm, filtered
//! by identity, authenticator configuration and state, read page by page,
//! each with every field the API returns. The jobs are made by another
//! configuration (or another tool), as the reports this is for would find
//! them.

mod common;
use common::{identity_id, Workspace};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The fields of each object of `jobs`.
const FIELDS: [&str; 11] = [
    "id",
    "identity_id",
    "authenticator_config_id",
    "delivery_method",
    "state",
    "post_binding_redirect_uri",
    "credential_id",
    "batch_id",
    "create_time",
    "update_time",
    "expire_time",
];

/// The team's configuration: jobs keyed `user/config`, for two
/// authenticator configurations; `carol_round` is carol's web triggers.
fn invitations(ws: &Workspace, carol_round: &str) -> String {
    let [alice, bob, carol] = ["alice", "bob", "carol"].map(|u| identity_id(ws, u));
    format!(
        r#"
provider "enroll" {{}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

resource "enroll_authenticator_config" "app" {{
  type = "hosted_web"
}}

locals {{
  invites = {{
    "alice/web" = ["{alice}", "web"]
    "bob/web"   = ["{bob}", "web"]
    "carol/web" = ["{carol}", "web"]
    "alice/app" = ["{alice}", "app"]
    "bob/app"   = ["{bob}", "app"]
  }}
  configs = {{
    web = enroll_authenticator_config.web.id
    app = enroll_authenticator_config.app.id
  }}
}}

resource "enroll_credential_binding_job" "invite" {{
  for_each                = local.invites
  identity_id             = each.value[0]
  authenticator_config_id = local.configs[each.value[1]]
  triggers                = each.key == "carol/web" ? {{ round = "{carol_round}" }} : null
}}
"#
    )
}

/// The workspace that made the jobs, and its two config ids.
struct Realm {
    made: Workspace,
    web: String,
    app: String,
}

/// Jobs in every state a report meets: bob enrolled on web, carol's first
/// web link was replaced (revoked), the rest are pending.
fn realm_with_jobs() -> Realm {
    let ws = Workspace::new();
    ws.write(&invitations(&ws, "1"));
    ws.apply();
    let job = |key: &str| {
        let address = format!("enroll_credential_binding_job.invite[\"{key}\"]");
        ws.resource(&address).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(ws.sandbox.complete_job(&job("bob/web")), "bob enrolls");
    ws.write(&invitations(&ws, "2"));
    ws.apply();
    let config = |name: &str| {
        ws.resource(&format!("enroll_authenticator_config.{name}"))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (web, app) = (config("web"), config("app"));
    assert_eq!(ws.sandbox.jobs().len(), 6);
    Realm { made: ws, web, app }
}

/// Another configuration on the same sandbox that only reads: the
/// provider block and `body`, applied.
fn report(made: &Workspace, body: &str) -> (Workspace, common::Run) {
    let reports = Workspace::with_sandbox_of(made);
    reports.write(&format!("provider \"enroll\" {{}}\n{body}"));
    let run = reports.apply();
    (reports, run)
}

/// `jobs` of the data source `name` as `terraform show -json` has it.
fn jobs_of(ws: &Workspace, name: &str) -> Vec<Value> {
    let values = ws
        .resource(&format!("data.enroll_credential_binding_jobs.{name}"))
        .unwrap_or_else(|| panic!("data source {name} is in the state"));
    values["jobs"].as_array().cloned().unwrap_or_default()
}

fn ids(jobs: &[Value]) -> BTreeSet<String> {
    jobs.iter()
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids of the sandbox's jobs that `keep` accepts.
fn expected(ws: &Workspace, keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    let found = ws.sandbox.jobs().into_iter().filter(|j| keep(j));
    found
        .map(|j| j["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Which of the sandbox's jobs a data source should return.
type Keep<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

#[test]
fn each_filter_and_their_combinations_return_exactly_the_matching_jobs() {
    let Realm { made, web, app } = realm_with_jobs();
    let [alice, carol] = ["alice", "carol"].map(|u| identity_id(&made, u));
    let (reports, _) = report(
        &made,
        &format!(
            r#"
data "enroll_credential_binding_jobs" "all" {{}}

data "enroll_credential_binding_jobs" "every_identity" {{
  identity_id = "-"
}}

data "enroll_credential_binding_jobs" "alice" {{
  identity_id = "{alice}"
}}

data "enroll_credential_binding_jobs" "app" {{
  authenticator_config_id = "{app}"
}}

data "enroll_credential_binding_jobs" "pending" {{
  states = ["LINK_SENT"]
}}

data "enroll_credential_binding_jobs" "finished" {{
  states = ["COMPLETE", "REVOKED"]
}}

data "enroll_credential_binding_jobs" "carol_web_revoked" {{
  identity_id             = "{carol}"
  authenticator_config_id = "{web}"
  states                  = ["REVOKED"]
}}
"#
        ),
    );
    let has = |field: &'static str, v: &str| {
        let v = v.to_owned();
        move |j: &Value| j[field] == v.as_str()
    };
    let cases: [(&str, Keep); 7] = [
        ("all", Box::new(|_: &Value| true)),
        ("every_identity", Box::new(|_: &Value| true)),
        ("alice", Box::new(has("identity_id", &alice))),
        ("app", Box::new(has("authenticator_config_id", &app))),
        ("pending", Box::new(has("state", "LINK_SENT"))),
        (
            "finished",
            Box::new(|j: &Value| j["state"] == "COMPLETE" || j["state"] == "REVOKED"),
        ),
        (
            "carol_web_revoked",
            Box::new(|j: &Value| {
                j["identity_id"] == carol.as_str()
                    && j["authenticator_config_id"] == web.as_str()
                    && j["state"] == "REVOKED"
            }),
        ),
    ];
    for (name, keep) in cases {
        let want = expected(&made, keep);
        assert!(!want.is_empty(), "{name}: the realm has jobs to find");
        assert_eq!(ids(&jobs_of(&reports, name)), want, "{name}");
    }
    assert_eq!(jobs_of(&reports, "all").len(), 6);
    assert_eq!(jobs_of(&reports, "carol_web_revoked").len(), 1);
    assert_eq!(made.emails(), 6, "reading sends nothing");
}

/// Who of `realm_with_jobs` has a web link but has not enrolled, sorted.
fn not_enrolled(made: &Workspace) -> Vec<String> {
    let mut ids = vec![identity_id(made, "alice"), identity_id(made, "carol")];
    ids.sort();
    ids
}

/// The report the data source is for: on the web configuration, who has a
/// link but has not enrolled yet.
#[test]
fn link_sent_on_one_config_is_who_has_not_enrolled_yet() {
    let Realm { made, web, .. } = realm_with_jobs();
    let (reports, _) = report(
        &made,
        &format!(
            r#"
data "enroll_credential_binding_jobs" "waiting" {{
  authenticator_config_id = "{web}"
  states                  = ["LINK_SENT"]
}}

output "not_enrolled" {{
  value = sort(distinct([for j in data.enroll_credential_binding_jobs.waiting.jobs : j.identity_id]))
}}
"#
        ),
    );
    let out = reports.run(&["output", "-json", "not_enrolled"]).ok();
    let got: Vec<String> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        got,
        not_enrolled(&made),
        "bob enrolled; alice and carol have not"
    );
}

/// The registry example's report, run: its placeholder config id is the
/// realm's web configuration; alice's id is the sandbox's.
#[test]
fn the_examples_report_names_who_has_not_enrolled_yet() {
    let Realm { made, web, .. } = realm_with_jobs();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data-sources/enroll_credential_binding_jobs/data-source.tf"
    ))
    .unwrap();
    let placeholder = "73731b7f-eb76-4143-9b4b-81a720385f5a";
    assert!(example.contains(placeholder));
    let (reports, _) = report(&made, &example.replace(placeholder, &web));
    let out = reports.run(&["output", "-json", "not_enrolled_yet"]).ok();
    let got: Vec<String> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(got, not_enrolled(&made));
    let out = reports.run(&["output", "-json", "alice_link_expiry"]).ok();
    let expiry: serde_json::Map<String, Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(expiry.len(), 2, "alice's two links");
}

const ALL: &str = "data \"enroll_credential_binding_jobs\" \"all\" {}\n";

#[test]
fn every_field_the_api_returns_is_in_each_job() {
    let Realm { made, .. } = realm_with_jobs();
    let (reports, _) = report(&made, ALL);
    let jobs = jobs_of(&reports, "all");
    let mut want = FIELDS.to_vec();
    want.sort_unstable();
    for job in &jobs {
        let mut fields: Vec<&str> = job
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, want);
        let api = made.sandbox.job(job["id"].as_str().unwrap()).unwrap();
        for f in FIELDS {
            assert_eq!(job[f], api[f], "{f} of {}", job["id"]);
        }
    }
    let done = jobs.iter().find(|j| j["state"] == "COMPLETE").unwrap();
    assert!(done["credential_id"].is_string(), "{done}");
}

#[test]
fn jobs_are_ordered_oldest_first_and_a_second_plan_is_empty() {
    let Realm { made, .. } = realm_with_jobs();
    let (reports, _) = report(&made, ALL);
    let keys: Vec<(u128, String)> = jobs_of(&reports, "all")
        .iter()
        .map(|j| {
            let t = humantime::parse_rfc3339(j["create_time"].as_str().unwrap()).unwrap();
            let micros = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_micros();
            (micros, j["id"].as_str().unwrap().to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "by create_time, then id");
    let plan = reports.plan();
    assert_eq!(plan.code, 0, "same jobs, same list:\n{}", plan.all());
}

#[test]
fn the_id_is_stable_and_names_the_filters() {
    let Realm { made, web, .. } = realm_with_jobs();
    let (reports, _) = report(
        &made,
        &format!(
            "data \"enroll_credential_binding_jobs\" \"w\" {{\n  authenticator_config_id = \"{web}\"\n  states = [\"REVOKED\", \"LINK_SENT\"]\n}}\n"
        ),
    );
    let seed = made.sandbox.seed();
    let values = reports
        .resource("data.enroll_credential_binding_jobs.w")
        .unwrap();
    assert_eq!(
        values["id"],
        format!(
            "tenants/{}/realms/{}/identities/-/credential-binding-jobs?authenticator_config_id={web}&states=LINK_SENT,REVOKED",
            seed.tenant_id, seed.realm_id
        )
    );
    assert_eq!(values["tenant_id"], seed.tenant_id.as_str());
    assert_eq!(values["realm_id"], seed.realm_id.as_str());
}

/// A state the provider does not know may be one the API added: it is
/// used as given, with a warning on `states` (a typo then matches nothing).
#[test]
fn a_newer_state_is_filtered_on_with_a_warning() {
    let Realm { made, .. } = realm_with_jobs();
    let (reports, run) = report(
        &made,
        "data \"enroll_credential_binding_jobs\" \"new\" {\n  states = [\"LINK_CLICKED\"]\n}\n",
    );
    assert!(run.all().contains("Unknown job state"), "{}", run.all());
    assert!(run.all().contains("LINK_CLICKED"), "{}", run.all());
    assert!(jobs_of(&reports, "new").is_empty());
}

/// Jobs made behind the provider's back through the batch API, as another
/// tool would: one request for every identity. Waits for the batch.
fn batch_of_jobs(ws: &Workspace, config_id: &str, identities: &[String]) -> String {
    let seed = ws.sandbox.seed();
    let url = format!(
        "{}/v1/tenants/{}/realms/{}/batch-credential-binding-jobs",
        ws.sandbox.url(),
        seed.tenant_id,
        seed.realm_id
    );
    let body = json!({ "batch_credential_binding_job": {
        "identity_ids": identities,
        "job_template": { "authenticator_config_id": config_id },
    }});
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer: Value = runtime.block_on(async {
        // Loopback only: a proxy from the environment must not see it.
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let sent = client
            .post(url)
            .bearer_auth(&seed.api_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        sent.error_for_status().unwrap().json().await.unwrap()
    });
    let id = answer["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while ws.sandbox.batch(&id).unwrap()["state"] == "RUNNING" {
        assert!(Instant::now() < deadline, "the batch never finished");
        std::thread::sleep(Duration::from_millis(20));
    }
    id
}

#[test]
fn a_realm_of_more_than_a_page_is_read_page_by_page() {
    let made = Workspace::new();
    made.write("provider \"enroll\" {}\nresource \"enroll_authenticator_config\" \"web\" {\n  type = \"hosted_web\"\n}\n");
    made.apply();
    let web = made.resource("enroll_authenticator_config.web").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let people = made.sandbox.seed_identities(250, "reader");
    made.sandbox.set_batch_rate(0);
    let batch = batch_of_jobs(&made, &web, &people);
    assert_eq!(made.sandbox.jobs().len(), 250);
    made.sandbox.clear_requests();

    let (reports, _) = report(
        &made,
        &format!("data \"enroll_credential_binding_jobs\" \"web\" {{\n  authenticator_config_id = \"{web}\"\n}}\n"),
    );
    let jobs = jobs_of(&reports, "web");
    assert_eq!(ids(&jobs), expected(&made, |_| true), "all 250, once each");
    assert_eq!(jobs.len(), 250);
    assert!(jobs.iter().all(|j| j["batch_id"] == batch.as_str()));
    let pages = reports.requests_matching("GET", "/identities/-/credential-binding-jobs");
    assert_eq!(pages, 2, "250 jobs at 200 a page: two list pages");
}

#[test]
fn an_identity_filter_reads_the_identity_list_not_the_realm() {
    let Realm { made, .. } = realm_with_jobs();
    made.sandbox.clear_requests();
    let alice = identity_id(&made, "alice");
    let (reports, _) = report(
        &made,
        &format!("data \"enroll_credential_binding_jobs\" \"alice\" {{\n  identity_id = \"{alice}\"\n}}\n"),
    );
    assert_eq!(jobs_of(&reports, "alice").len(), 2);
    assert_eq!(
        reports.requests_matching(
            "GET",
            &format!("/identities/{alice}/credential-binding-jobs")
        ),
        1
    );
    assert_eq!(
        reports.requests_matching("GET", "/identities/-/"),
        0,
        "the realm's list is never read"
    );
}
