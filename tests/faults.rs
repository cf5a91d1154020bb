//! The fault matrix: real terraform against a sandbox that answers 429 and
//! 503, loses answers after doing the work, drops connections, answers
//! slowly, expires tokens, rate-limits, and gets interrupted. Every case
//! asserts the exact number of links sent and that the state names exactly
//! the jobs the server holds: no duplicate email, no lost record.

mod common;
use common::{identity_id, Run, Workspace};
use enroll_sandbox::{Fault, FaultMode};
use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A workspace whose provider backs off in milliseconds; `Retry-After` is
/// still honoured in full unless a test caps it.
fn fast_ws() -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_BACKOFF_BASE_MS", "5");
    ws.set_env("ENROLL_BACKOFF_MAX_MS", "40");
    ws
}

fn fault(method: &str, path_contains: &str, status: u16) -> Fault {
    Fault {
        method: Some(method.into()),
        path_contains: Some(path_contains.into()),
        status: Some(status),
        ..Fault::default()
    }
}

// Path fragments of each endpoint kind, as the sandbox logs them.
const BI_TOKEN: &str = "/applications/";
const CONFIGS: &str = "/authenticator-configs";
const JOBS: &str = "/credential-binding-jobs";
const JOB_GET: &str = "/credential-binding-jobs/";
const REVOKE: &str = ":revoke";
const SEND: &str = "/send-activation";
const BINDID_TOKEN: &str = "/token";

const ACTIVATION: &str = "enroll_bindid_activation.ann";

/// One authenticator config, one EMAIL job for alice and, with `bindid`,
/// one BindID activation.
fn lifecycle(ws: &Workspace, beyond_identity: bool, bindid: bool) -> String {
    let alice = identity_id(ws, "alice");
    let client = ws.sandbox.seed().bindid_client_id.clone();
    let mut tf = String::from("provider \"enroll\" {}\n");
    if beyond_identity {
        tf.push_str(&format!(
            r#"
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "invite" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
}}
"#
        ));
    }
    if bindid {
        tf.push_str(&format!(
            r#"
resource "enroll_bindid_activation" "ann" {{
  user_email = "ann@example.com"
  client_id  = "{client}"
  alias {{
    type = "email"
  }}
}}
"#
        ));
    }
    tf
}

/// `count` EMAIL jobs spread over alice, bob and carol.
fn many_jobs(ws: &Workspace, count: usize) -> String {
    let ids = ["alice", "bob", "carol"].map(|u| format!("\"{}\"", identity_id(ws, u)));
    format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
locals {{
  identities = [{}]
}}
resource "enroll_credential_binding_job" "bulk" {{
  for_each                = toset([for i in range({count}) : tostring(i)])
  identity_id             = local.identities[tonumber(each.key) % 3]
  authenticator_config_id = enroll_authenticator_config.web.id
}}
"#,
        ids.join(", ")
    )
}

/// Emails of credential binding jobs.
fn emails(ws: &Workspace) -> usize {
    ws.emails()
}

/// BindID registration links.
fn activations_sent(ws: &Workspace) -> usize {
    ws.sandbox
        .outbox()
        .iter()
        .filter(|m| m.job_id.is_none())
        .count()
}

/// Statuses of the requests whose method is `method` and whose path
/// contains `path` (`None`: the connection was dropped), oldest first.
fn statuses(ws: &Workspace, method: &str, path: &str) -> Vec<Option<u16>> {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path.contains(path))
        .map(|r| r.status)
        .collect()
}

/// Requests to list an identity's jobs (the path ends with the collection).
fn job_lists(ws: &Workspace) -> usize {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(JOBS))
        .count()
}

/// Job creates: POSTs to the collection itself (a revoke is `{id}:revoke`).
fn job_creates(ws: &Workspace) -> Vec<Option<u16>> {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with(JOBS))
        .map(|r| r.status)
        .collect()
}

fn bi_token_requests(ws: &Workspace) -> usize {
    statuses(ws, "POST", BI_TOKEN).len()
}

fn bindid_token_requests(ws: &Workspace) -> usize {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.path == BINDID_TOKEN)
        .count()
}

/// (address, id, state) of every credential binding job in the state.
fn jobs_in_state(ws: &Workspace) -> Vec<(String, String, String)> {
    let state = ws.state();
    let Some(resources) = state
        .pointer("/values/root_module/resources")
        .and_then(|r| r.as_array())
    else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|r| r["type"] == "enroll_credential_binding_job")
        .map(|r| {
            (
                r["address"].as_str().unwrap_or_default().to_owned(),
                r["values"]["id"].as_str().unwrap_or_default().to_owned(),
                r["values"]["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The state names exactly the jobs whose emails the server sent, each
/// once, with the server's view of it: no lost record, no phantom, no twin.
#[track_caller]
fn assert_state_matches_server(ws: &Workspace) -> usize {
    let in_state = jobs_in_state(ws);
    let ids: BTreeSet<String> = in_state.iter().map(|(_, id, _)| id.clone()).collect();
    assert_eq!(
        ids.len(),
        in_state.len(),
        "two resources share a job: {in_state:?}"
    );
    let sent: BTreeSet<String> = ws
        .sandbox
        .outbox()
        .iter()
        .filter_map(|m| m.job_id.clone())
        .collect();
    assert_eq!(
        ids, sent,
        "the jobs in state are exactly the jobs whose email was sent"
    );
    for (address, id, state) in &in_state {
        let server = ws
            .sandbox
            .job(id)
            .unwrap_or_else(|| panic!("{address}: job {id} is not on the server"));
        assert_eq!(
            server["state"],
            state.as_str(),
            "{address}: state as on the server"
        );
    }
    in_state.len()
}

fn report(case: &str, ws: &Workspace, started: Instant) {
    eprintln!(
        "fault-matrix | {case} | emails {} | activations {} | jobs in state {} | requests {} | {:.1}s",
        emails(ws),
        activations_sent(ws),
        jobs_in_state(ws).len(),
        ws.request_count(),
        started.elapsed().as_secs_f64()
    );
}

#[track_caller]
fn assert_failed(run: &Run) -> String {
    assert_eq!(run.code, 1, "terraform should have failed:\n{}", run.all());
    run.all()
}

// ---------------------------------------------------------------------------
// 429 with Retry-After on every endpoint kind
// ---------------------------------------------------------------------------

/// Runs apply, plan and destroy with one 429 (`Retry-After: 2`) on the
/// requests matching `method`/`path`; the step that meets it must take the
/// two seconds (the backoff alone would retry in milliseconds), and the
/// retry must succeed.
fn rate_limited_once(case: &str, method: &str, path: &str, beyond_identity: bool, bindid: bool) {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, beyond_identity, bindid));
    ws.sandbox.add_fault(Fault {
        retry_after: Some("2".into()),
        ..fault(method, path, 429)
    });

    let mut slowest = Duration::ZERO;
    let mut step = |f: &dyn Fn() -> Run| {
        let t = Instant::now();
        let run = f();
        slowest = slowest.max(t.elapsed());
        run
    };
    step(&|| ws.apply());
    if beyond_identity {
        assert_eq!(emails(&ws), 1, "one email");
        assert_eq!(assert_state_matches_server(&ws), 1);
    }
    if bindid {
        assert_eq!(activations_sent(&ws), 1, "one BindID link");
        assert_eq!(ws.resource(ACTIVATION).unwrap()["status"], "success");
    }
    let plan = step(&|| ws.plan());
    assert_eq!(plan.code, 0, "nothing to do after apply:\n{}", plan.all());
    step(&|| ws.destroy());

    let seen = statuses(&ws, method, path);
    let limited: Vec<usize> = (0..seen.len()).filter(|&i| seen[i] == Some(429)).collect();
    assert_eq!(limited.len(), 1, "exactly one 429 was served: {seen:?}");
    let next = seen.get(limited[0] + 1).copied().flatten();
    assert!(
        next.is_some_and(|s| (200..300).contains(&s)),
        "the request after the 429 succeeded: {seen:?}"
    );
    assert!(
        slowest >= Duration::from_secs(2),
        "Retry-After: 2 was honoured (slowest step {slowest:?})"
    );
    if beyond_identity {
        assert_eq!(emails(&ws), 1, "no second email");
        let jobs: Vec<_> = ws
            .sandbox
            .outbox()
            .iter()
            .filter_map(|m| m.job_id.clone())
            .collect();
        assert_eq!(ws.sandbox.job(&jobs[0]).unwrap()["state"], "REVOKED");
    }
    if bindid {
        assert_eq!(activations_sent(&ws), 1, "no second BindID link");
    }
    report(case, &ws, started);
}

#[test]
fn retry_after_is_honoured_on_the_beyond_identity_token() {
    rate_limited_once("429 token (BI)", "POST", BI_TOKEN, true, false);
}

#[test]
fn retry_after_is_honoured_on_the_bindid_token() {
    rate_limited_once("429 token (BindID)", "POST", BINDID_TOKEN, false, true);
}

#[test]
fn retry_after_is_honoured_on_config_create() {
    rate_limited_once("429 config create", "POST", CONFIGS, true, false);
}

#[test]
fn retry_after_is_honoured_on_job_create() {
    rate_limited_once("429 job create", "POST", JOBS, true, false);
}

#[test]
fn retry_after_is_honoured_on_job_get() {
    rate_limited_once("429 job get", "GET", JOB_GET, true, false);
}

#[test]
fn retry_after_is_honoured_on_revoke() {
    rate_limited_once("429 revoke", "POST", REVOKE, true, false);
}

#[test]
fn retry_after_is_honoured_on_send_activation() {
    rate_limited_once("429 send-activation", "POST", SEND, false, true);
}

// ---------------------------------------------------------------------------
// Bursts of 503
// ---------------------------------------------------------------------------

#[test]
fn a_burst_of_503s_on_job_create_ends_in_exactly_one_email() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        count: 3,
        ..fault("POST", JOBS, 503)
    });
    ws.apply();
    assert_eq!(
        job_creates(&ws),
        vec![Some(503), Some(503), Some(503), Some(200)],
        "503 proves nothing was done, so the create is retried"
    );
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    assert_eq!(ws.plan().code, 0);
    report("503 x3 on job create", &ws, started);
}

#[test]
fn a_burst_of_503s_on_refresh_is_ridden_out() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.apply();
    ws.sandbox.add_fault(Fault {
        count: 3,
        ..fault("GET", JOB_GET, 503)
    });
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert_eq!(
        statuses(&ws, "GET", JOB_GET),
        vec![Some(503), Some(503), Some(503), Some(200)]
    );
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    report("503 x3 on job get", &ws, started);
}

#[test]
fn more_503s_than_max_retries_end_in_one_clear_error_and_no_email() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_MAX_RETRIES", "2");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        count: 0,
        ..fault("POST", JOBS, 503)
    });
    let out = assert_failed(&ws.run(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("HTTP 503"), "{out}");
    assert_eq!(
        job_creates(&ws).len(),
        3,
        "one try and max_retries = 2 retries"
    );
    assert_eq!(emails(&ws), 0);
    assert_eq!(assert_state_matches_server(&ws), 0, "nothing stored");
    report("503 forever on job create (max_retries 2)", &ws, started);
}

// ---------------------------------------------------------------------------
// Lost answers after the job was created
// ---------------------------------------------------------------------------

/// The create meets `f`; the job it made (if any) is adopted, or it is
/// created once more; either way exactly one email and one record.
fn lost_create(case: &str, f: Fault, creates: usize) {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(f);
    let run = ws.apply();
    assert_eq!(emails(&ws), 1, "exactly one email:\n{}", run.all());
    assert_eq!(assert_state_matches_server(&ws), 1);
    assert_eq!(job_creates(&ws).len(), creates, "create requests");
    assert_eq!(job_lists(&ws), 1, "the identity's jobs were listed once");
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "the adopted job is complete:\n{}", plan.all());
    ws.apply();
    assert_eq!(emails(&ws), 1, "a second apply sends nothing");
    report(case, &ws, started);
}

#[test]
fn a_500_after_the_job_was_created_adopts_it_without_a_second_email() {
    lost_create(
        "500 after commit (After)",
        Fault {
            mode: FaultMode::After,
            ..fault("POST", JOBS, 500)
        },
        1,
    );
}

#[test]
fn a_dropped_connection_after_the_job_was_created_adopts_it() {
    lost_create(
        "connection dropped after commit (DropAfter)",
        Fault {
            mode: FaultMode::DropAfter,
            status: None,
            ..fault("POST", JOBS, 0)
        },
        1,
    );
}

/// The create meets `f`, which lost the answer of a create that made
/// nothing: no second create in that apply (it cannot tell), the job is
/// recorded unresolved with a warning, and the next apply, its server long
/// done, finds nothing and sends exactly once.
fn lost_create_that_made_nothing(case: &str, f: Fault) {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(f);
    let run = ws.apply();
    assert!(
        run.all()
            .contains("Not known whether the credential binding job was created"),
        "the apply warns:\n{}",
        run.all()
    );
    assert_eq!(emails(&ws), 0, "nothing sent twice, nothing sent blind");
    assert_eq!(job_creates(&ws).len(), 1, "no second create in that apply");
    assert_eq!(job_lists(&ws), 2, "looked, waited, looked again");
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        2,
        "the refresh forgot it; the plan sends once:\n{}",
        plan.all()
    );
    ws.apply();
    assert_eq!(emails(&ws), 1, "exactly one email across both applies");
    assert_eq!(assert_state_matches_server(&ws), 1);
    assert_eq!(ws.plan().code, 0, "converged");
    report(case, &ws, started);
}

#[test]
fn a_reset_before_the_request_was_read_is_sent_once_by_the_next_apply() {
    lost_create_that_made_nothing(
        "reset before the request was read (DropBefore)",
        Fault {
            mode: FaultMode::DropBefore,
            status: None,
            ..fault("POST", JOBS, 0)
        },
    );
}

#[test]
fn a_500_that_made_nothing_is_sent_once_by_the_next_apply() {
    lost_create_that_made_nothing("500 before commit (Before)", fault("POST", JOBS, 500));
}

#[test]
fn a_2xx_answer_of_the_wrong_shape_after_the_job_was_created_adopts_it() {
    lost_create(
        "200 with a body of the wrong type after commit",
        Fault {
            mode: FaultMode::After,
            body: Some(serde_json::json!({ "credential_binding_job": "not an object" })),
            ..fault("POST", JOBS, 200)
        },
        1,
    );
}

/// Two jobs for the same identity and config are created at once; one
/// answer is lost. The job its sibling created meanwhile must not be taken
/// for the lost one: the lost one stays unresolved, and the next apply
/// sends it. Both records, two emails.
#[test]
fn a_lost_answer_never_adopts_the_job_of_a_sibling() {
    let ws = fast_ws();
    let started = Instant::now();
    let alice = identity_id(&ws, "alice");
    ws.write(&format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "twin" {{
  for_each                = toset(["a", "b"])
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
  triggers                = {{ key = each.key }}
}}
"#
    ));
    // Every request takes 300 ms, so the sibling's create is done by the
    // time the failed one lists the identity's jobs.
    ws.sandbox.set_latency(300);
    ws.sandbox.add_fault(fault("POST", JOBS, 500));
    ws.apply();
    assert_eq!(emails(&ws), 1, "the sibling's; the lost one is unresolved");
    ws.sandbox.set_latency(0);
    ws.apply();
    assert_eq!(emails(&ws), 2, "one email per resource");
    assert_eq!(assert_state_matches_server(&ws), 2);
    report("500 before commit beside a sibling create", &ws, started);
}

// ---------------------------------------------------------------------------
// Slow answers beyond request_timeout
// ---------------------------------------------------------------------------

#[test]
fn a_hanging_read_fails_clearly_within_timeout_plus_retries() {
    let mut ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.apply();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", "1s");
    ws.set_env("ENROLL_MAX_RETRIES", "2");
    ws.sandbox.add_fault(Fault {
        count: 0,
        latency_ms: 30_000,
        status: None,
        ..fault("GET", JOB_GET, 0)
    });
    let t = Instant::now();
    let out = assert_failed(&ws.plan());
    let took = t.elapsed();
    assert!(out.contains("no answer within 1s"), "{out}");
    assert!(
        out.contains("credential-binding-jobs"),
        "names the request:\n{out}"
    );
    assert!(
        took < Duration::from_secs(12),
        "3 tries of 1 s plus backoff, not a hang: {took:?}"
    );
    assert_eq!(emails(&ws), 1);
    report(
        "30 s latency on job get (timeout 1s, 2 retries)",
        &ws,
        started,
    );
}

#[test]
fn a_slow_answer_to_a_create_that_was_done_adopts_the_job() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", "1s");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        mode: FaultMode::After,
        latency_ms: 5_000,
        status: None,
        ..fault("POST", JOBS, 0)
    });
    let t = Instant::now();
    ws.apply();
    assert!(t.elapsed() < Duration::from_secs(5), "gave up after 1 s");
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    // (The sandbox logs a request only once it answers, and this one never
    // did: the emails are the count that matters.)
    report("5 s answer after commit (timeout 1s)", &ws, started);
}

#[test]
fn a_slow_server_that_never_got_to_the_create_sends_exactly_once() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", "1s");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        mode: FaultMode::Before,
        latency_ms: 3_000,
        status: None,
        ..fault("POST", JOBS, 0)
    });
    ws.apply();
    // Give an abandoned handler time to finish, if the server ran it.
    std::thread::sleep(Duration::from_millis(3_500));
    assert!(emails(&ws) <= 1, "never a second create in the apply");
    ws.apply();
    assert_eq!(emails(&ws), 1, "the next apply adopts it or sends it once");
    assert_eq!(assert_state_matches_server(&ws), 1);
    report("3 s latency before the create (timeout 1s)", &ws, started);
}

// ---------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------

#[test]
fn a_token_that_expires_mid_apply_is_replaced_once() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    // The config create waits a second before the sandbox checks its token;
    // meanwhile the sandbox clock passes the token's 3600 s. The clock moves
    // once the create's look at the existing configurations (made with the
    // same token, just before) has been answered.
    ws.sandbox.add_fault(Fault {
        latency_ms: 1_000,
        status: None,
        ..fault("POST", CONFIGS, 0)
    });
    let sandbox = ws.sandbox.clone();
    let mover = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let listed = sandbox
                .requests()
                .iter()
                .any(|r| r.method == "GET" && r.path.ends_with(CONFIGS));
            if listed {
                sandbox.advance_clock(Duration::from_secs(3601));
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    });
    let run = ws.apply();
    assert!(mover.join().unwrap(), "the token was fetched");
    assert!(!run.all().contains("Error"), "{}", run.all());
    assert_eq!(
        statuses(&ws, "POST", CONFIGS),
        vec![Some(401), Some(200)],
        "the expired token is refused once, then the create succeeds"
    );
    assert_eq!(bi_token_requests(&ws), 2, "exactly one fresh token");
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    report("token expires mid-apply", &ws, started);
}

#[test]
fn bad_client_credentials_end_in_one_clear_error() {
    let mut ws = fast_ws();
    ws.set_env("BEYOND_IDENTITY_CLIENT_SECRET", "not-the-secret");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    let out = assert_failed(&ws.run(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("access token"), "{out}");
    assert!(out.contains("401"), "{out}");
    assert!(
        out.contains("invalid_client"),
        "the OAuth error code is shown:\n{out}"
    );
    assert_eq!(bi_token_requests(&ws), 1, "no loop");
    assert_eq!(ws.request_count(), 1, "nothing else was sent");
    report("bad BI client secret", &ws, started);
}

#[test]
fn bad_bindid_credentials_end_in_one_clear_error() {
    let mut ws = fast_ws();
    ws.set_env("BINDID_CREDENTIALS_SECRET", "not-the-secret");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, false, true));
    let out = assert_failed(&ws.run(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("access token"), "{out}");
    assert!(out.contains("401"), "{out}");
    assert_eq!(bindid_token_requests(&ws), 1, "no loop");
    assert_eq!(ws.request_count(), 1, "send-activation was never called");
    assert_eq!(activations_sent(&ws), 0);
    assert!(ws.resource(ACTIVATION).is_none(), "nothing stored");
    report("bad BindID secret", &ws, started);
}

#[test]
fn an_api_that_keeps_refusing_fresh_tokens_gets_exactly_one_refresh() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        count: 0,
        ..fault("POST", CONFIGS, 401)
    });
    let out = assert_failed(&ws.run(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("HTTP 401"), "{out}");
    assert_eq!(statuses(&ws, "POST", CONFIGS), vec![Some(401), Some(401)]);
    assert_eq!(bi_token_requests(&ws), 2, "one fresh token, then give up");
    report("API answers 401 forever", &ws, started);
}

/// A failed token request means the request itself was never sent: a job
/// read must not take the token endpoint's 404 for "the job is gone" and
/// drop it from state (the next apply would email the user again).
#[test]
fn a_token_endpoint_404_during_refresh_keeps_the_state() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.apply();
    ws.sandbox.add_fault(Fault {
        count: 0,
        ..fault("POST", BI_TOKEN, 404)
    });
    let out = assert_failed(&ws.plan());
    assert!(out.contains("access token"), "{out}");
    assert!(!out.contains("will be created"), "{out}");
    ws.sandbox.clear_faults();
    assert_eq!(ws.plan().code, 0, "the job is still in state");
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    report("token endpoint 404 during refresh", &ws, started);
}

/// A token answer with an absurd lifetime is a bad answer, not a crash.
#[test]
fn a_token_answer_with_an_absurd_lifetime_does_not_crash_the_provider() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, true, false));
    ws.sandbox.add_fault(Fault {
        body: Some(serde_json::json!({
            "access_token": "bogus",
            "token_type": "Bearer",
            "expires_in": u64::MAX,
        })),
        ..fault("POST", BI_TOKEN, 200)
    });
    let run = ws.apply();
    assert!(!run.all().contains("panic"), "{}", run.all());
    assert_eq!(
        bi_token_requests(&ws),
        2,
        "the bogus token is replaced once"
    );
    assert_eq!(emails(&ws), 1);
    assert_eq!(assert_state_matches_server(&ws), 1);
    report("token answer expires_in = u64::MAX", &ws, started);
}

// ---------------------------------------------------------------------------
// BindID: no read API, so a lost answer is recorded as "unknown"
// ---------------------------------------------------------------------------

fn lost_activation(case: &str, f: Fault) {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&lifecycle(&ws, false, true));
    ws.sandbox.add_fault(f);
    let run = ws.apply();
    assert!(
        run.all().contains("may have been sent"),
        "a warning says so:\n{}",
        run.all()
    );
    assert!(
        run.all().contains("-replace"),
        "and how to resend:\n{}",
        run.all()
    );
    assert_eq!(activations_sent(&ws), 1, "exactly one link");
    assert_eq!(statuses(&ws, "POST", SEND).len(), 1, "sent once");
    assert_eq!(ws.resource(ACTIVATION).unwrap()["status"], "unknown");
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
    ws.apply();
    assert_eq!(activations_sent(&ws), 1, "no second send on the next apply");
    assert_eq!(statuses(&ws, "POST", SEND).len(), 1);
    report(case, &ws, started);
}

#[test]
fn a_lost_bindid_answer_is_stored_as_unknown_and_never_resent() {
    lost_activation(
        "BindID 500 after send (After)",
        Fault {
            mode: FaultMode::After,
            ..fault("POST", SEND, 500)
        },
    );
}

#[test]
fn a_dropped_bindid_connection_after_send_is_stored_as_unknown() {
    lost_activation(
        "BindID connection dropped after send (DropAfter)",
        Fault {
            mode: FaultMode::DropAfter,
            status: None,
            ..fault("POST", SEND, 0)
        },
    );
}

#[test]
fn an_unreadable_bindid_2xx_after_send_is_stored_as_unknown() {
    lost_activation(
        "BindID 200 with a body of the wrong type after send",
        Fault {
            mode: FaultMode::After,
            body: Some(serde_json::json!({ "status": 7 })),
            ..fault("POST", SEND, 200)
        },
    );
}

/// When the token request fails, send-activation was never called: that
/// is an error (nothing stored, sent on the next apply), not "unknown".
#[test]
fn a_failing_bindid_token_request_is_an_error_not_an_unknown_send() {
    let mut ws = fast_ws();
    ws.set_env("ENROLL_MAX_RETRIES", "1");
    let started = Instant::now();
    ws.write(&lifecycle(&ws, false, true));
    ws.sandbox.add_fault(Fault {
        count: 0,
        ..fault("POST", BINDID_TOKEN, 502)
    });
    let out = assert_failed(&ws.run(&["apply", "-auto-approve", "-no-color"]));
    assert!(out.contains("access token"), "{out}");
    assert!(!out.contains("may have been sent"), "{out}");
    assert!(ws.resource(ACTIVATION).is_none(), "nothing stored");
    ws.sandbox.clear_faults();
    ws.apply();
    assert_eq!(activations_sent(&ws), 1);
    assert_eq!(ws.resource(ACTIVATION).unwrap()["status"], "success");
    report("BindID token 502 forever, then healthy", &ws, started);
}

// ---------------------------------------------------------------------------
// Load and interruption
// ---------------------------------------------------------------------------

#[test]
fn fifty_parallel_jobs_under_a_rate_limit_send_fifty_emails_and_no_error() {
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&many_jobs(&ws, 50));
    ws.sandbox.set_rate_limit(10);
    let run = ws
        .run(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .ok();
    assert!(!run.all().contains("Error"), "{}", run.all());
    assert_eq!(emails(&ws), 50, "exactly 50 emails");
    assert_eq!(assert_state_matches_server(&ws), 50, "50 jobs in state");
    let limited = ws
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    assert!(limited > 0, "the rate limit was actually hit");
    assert!(
        job_creates(&ws).iter().filter(|s| **s == Some(200)).count() == 50,
        "every create succeeded exactly once"
    );
    eprintln!("fault-matrix | 50 jobs at 10 req/s: {limited} answers were 429");
    report("50 jobs, -parallelism=10, 10 req/s", &ws, started);
}

/// Sends SIGINT while 20 jobs are being created slowly, then applies again:
/// in the end every job is in state once and each email went out once.
/// With `group`, the signal goes to the whole process group, as Ctrl-C in
/// a terminal does (the provider gets it too).
fn interrupted_apply(case: &str, group: bool) {
    use std::os::unix::process::CommandExt;
    let ws = fast_ws();
    let started = Instant::now();
    ws.write(&many_jobs(&ws, 20));
    // Each create is done at once and answered 500 ms later: a provider
    // that dies or gives up while waiting loses a job whose email went out.
    ws.sandbox.add_fault(Fault {
        count: 0,
        mode: FaultMode::After,
        latency_ms: 500,
        status: None,
        ..fault("POST", JOBS, 0)
    });
    let mut cmd = ws.command(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=2",
    ]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    if group {
        cmd.process_group(0);
    }
    let child = cmd.spawn().expect("start terraform");
    let deadline = Instant::now() + Duration::from_secs(60);
    while emails(&ws) < 4 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let target = if group {
        format!("-{}", child.id())
    } else {
        child.id().to_string()
    };
    let killed = common::hermetic_command("kill")
        .args(["-INT", "--", &target])
        .status()
        .expect("run kill");
    assert!(killed.success(), "SIGINT delivered");
    let out = child.wait_with_output().expect("terraform exits");
    let first = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = emails(&ws);
    assert!(
        sent < 20,
        "the apply was interrupted before it finished ({sent} sent):\n{first}"
    );
    assert_eq!(
        assert_state_matches_server(&ws),
        sent,
        "every email sent before the interrupt is in state:\n{first}"
    );

    ws.sandbox.clear_faults();
    ws.apply();
    assert_eq!(emails(&ws), 20, "exactly 20 emails in the end");
    assert_eq!(assert_state_matches_server(&ws), 20);
    assert_eq!(ws.plan().code, 0);
    eprintln!("fault-matrix | {case}: {sent} emails before the interrupt");
    report(case, &ws, started);
}

#[test]
fn an_interrupted_apply_then_a_second_apply_sends_each_email_once() {
    interrupted_apply("SIGINT to terraform mid-apply, then apply", false);
}

#[test]
fn ctrl_c_to_the_process_group_loses_no_job() {
    interrupted_apply(
        "SIGINT to the process group (Ctrl-C) mid-apply, then apply",
        true,
    );
}
