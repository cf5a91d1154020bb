//! Exactly-once under random schedules of faults. Each run seeds a random
//! schedule of faults over every path the provider calls (errors before and
//! after the work, dropped connections, 429s, answers that arrive after the
//! request timeout, and work the server finishes after the client gave up),
//! applies 10 identities, 2 authenticator configurations, 16 jobs and 6
//! BindID links under it, clears the faults before the third apply, and
//! requires convergence by the fourth. Then, whatever the schedule:
//!
//! - every job in state was emailed exactly once, and every email went to a
//!   job in state (ids equal);
//! - the identities and configurations on the server are exactly those in
//!   state (nothing made that Terraform does not know, nothing to import);
//! - no BindID address got two links, and every link recorded as sent
//!   (`success`) got exactly one;
//! - a plan right after is empty, and a destroy leaves nothing pending.
//!
//! `CHAOS_SEEDS=N` runs seeds 1..=N (a few by default, for CI),
//! `CHAOS_SEED=S` replays one, `CHAOS_JOBS=K` runs K seeds at a time. A
//! failure names its seed and schedule.

mod common;
use common::{diagnostics, Run, Workspace};
use enroll_sandbox::{Fault, FaultMode};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Seeds CI runs when `CHAOS_SEEDS` is not set: enough to take a couple of
/// minutes on two cores.
const DEFAULT_SEEDS: u64 = 6;
const FAULTS_PER_RUN: usize = 14;
const TIMEOUT_MS: u64 = 2_000;
const IDENTITIES: usize = 10;
const ACTIVATIONS: usize = 6;

/// Every kind of request the provider makes, as the sandbox sees its path.
/// Some overlap (a job create's path contains `/identities`): a fault may
/// hit any request it matches, which is the point.
const TARGETS: &[(&str, &str)] = &[
    ("POST", "/applications/"),
    ("POST", "/identities"),
    ("GET", "/identities"),
    ("DELETE", "/identities/"),
    ("POST", "/authenticator-configs"),
    ("GET", "/authenticator-configs"),
    ("DELETE", "/authenticator-configs/"),
    ("POST", "/credential-binding-jobs"),
    ("GET", "/credential-binding-jobs"),
    ("POST", ":revoke"),
    ("POST", "/token"),
    ("POST", "/send-activation"),
];

fn random_fault(rng: &mut fastrand::Rng) -> Fault {
    let (method, path) = TARGETS[rng.usize(..TARGETS.len())];
    let mut f = Fault {
        method: Some(method.into()),
        path_contains: Some(path.into()),
        count: rng.u32(1..=2),
        skip: rng.u32(0..=3),
        ..Fault::default()
    };
    let late = TIMEOUT_MS + rng.u64(200..=3_000);
    match rng.u8(0..8) {
        // The server refuses before doing anything.
        0 => f.status = Some([500, 502, 503, 504][rng.usize(..4)]),
        // The server does the work, then fails.
        1 => {
            f.status = Some([500, 502, 504][rng.usize(..3)]);
            f.mode = FaultMode::After;
        }
        2 => f.mode = FaultMode::DropBefore,
        3 => f.mode = FaultMode::DropAfter,
        4 => {
            f.status = Some(429);
            f.retry_after = Some("1".into());
        }
        // The work finishes after the client gave up.
        5 => {
            f.mode = FaultMode::Late;
            f.latency_ms = late;
        }
        // The work is done at once; the answer comes after the timeout.
        6 => {
            f.mode = FaultMode::After;
            f.latency_ms = late;
        }
        // So slow the client gives up before the server starts.
        _ => f.latency_ms = late,
    }
    f
}

fn config(ws: &Workspace) -> String {
    let client = &ws.sandbox.seed().bindid_client_id;
    let users: Vec<String> = (0..IDENTITIES).map(|i| format!("\"u{i}\"")).collect();
    // 16 jobs: six identities get one per configuration, four get one.
    let mut jobs = Vec::new();
    for i in 0..IDENTITIES {
        jobs.push(format!(
            "\"u{i}-web\" = {{ user = \"u{i}\", config = \"web\" }}"
        ));
        if i < 6 {
            jobs.push(format!(
                "\"u{i}-app\" = {{ user = \"u{i}\", config = \"app\" }}"
            ));
        }
    }
    let links: Vec<String> = (0..ACTIVATIONS).map(|i| format!("\"b{i}\"")).collect();
    format!(
        r#"
provider "enroll" {{}}

resource "enroll_identity" "u" {{
  for_each     = toset([{users}])
  username     = "chaos-${{each.key}}"
  display_name = "Chaos ${{each.key}}"
  email        = "${{each.key}}@example.com"
}}

resource "enroll_authenticator_config" "c" {{
  for_each = toset(["web", "app"])
  type     = each.key == "web" ? "hosted_web" : "platform"
}}

resource "enroll_credential_binding_job" "j" {{
  for_each                = {{ {jobs} }}
  identity_id             = enroll_identity.u[each.value.user].id
  authenticator_config_id = enroll_authenticator_config.c[each.value.config].id
}}

resource "enroll_bindid_activation" "b" {{
  for_each   = toset([{links}])
  user_email = "${{each.key}}@example.com"
  client_id  = "{client}"
  alias {{
    type = "email"
  }}
}}
"#,
        users = users.join(", "),
        jobs = jobs.join("\n    "),
        links = links.join(", "),
    )
}

/// (address, values) of every resource of `kind` in the state.
fn in_state(ws: &Workspace, kind: &str) -> Vec<(String, serde_json::Value)> {
    let state = ws.state();
    state
        .pointer("/values/root_module/resources")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == kind)
        .map(|r| {
            (
                r["address"].as_str().unwrap_or_default().to_owned(),
                r["values"].clone(),
            )
        })
        .collect()
}

fn ids_of(resources: &[(String, serde_json::Value)]) -> Result<BTreeSet<String>, String> {
    let mut ids = BTreeSet::new();
    for (address, values) in resources {
        let id = values["id"]
            .as_str()
            .ok_or_else(|| format!("{address} has no id after convergence"))?;
        if !ids.insert(id.to_owned()) {
            return Err(format!("two resources hold {id}"));
        }
    }
    Ok(ids)
}

/// Waits until the server has finished every request a `late` fault was
/// still working on: a duplicate it makes after the check would go unseen.
fn settle(ws: &Workspace) {
    let until = Instant::now() + Duration::from_secs(30);
    while ws.sandbox.sandbox().late_work_in_flight() > 0 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The promises, after the run converged.
fn check_converged(ws: &Workspace) -> Result<(), String> {
    settle(ws);
    let outbox = ws.sandbox.outbox();
    let jobs = ids_of(&in_state(ws, "enroll_credential_binding_job"))?;
    if jobs.len() != 16 {
        return Err(format!("{} jobs in state, not 16", jobs.len()));
    }
    let mut emails: BTreeMap<String, usize> = BTreeMap::new();
    for m in &outbox {
        if let Some(job) = &m.job_id {
            *emails.entry(job.clone()).or_default() += 1;
        }
    }
    if let Some((job, n)) = emails.iter().find(|(_, n)| **n > 1) {
        return Err(format!("job {job} was emailed {n} times"));
    }
    let emailed: BTreeSet<String> = emails.into_keys().collect();
    if emailed != jobs {
        let extra: Vec<_> = emailed.difference(&jobs).collect();
        let missing: Vec<_> = jobs.difference(&emailed).collect();
        return Err(format!(
            "emails and jobs in state differ: emailed but not in state {extra:?}, in state but never emailed {missing:?}"
        ));
    }

    let identities = ids_of(&in_state(ws, "enroll_identity"))?;
    let on_server: BTreeSet<String> = ws
        .sandbox
        .sandbox()
        .identities()
        .iter()
        .filter(|i| {
            i["traits"]["username"]
                .as_str()
                .is_some_and(|u| u.starts_with("chaos-"))
        })
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    if identities.len() != IDENTITIES || on_server != identities {
        return Err(format!(
            "identities: {} in state, {} on the server, equal: {}",
            identities.len(),
            on_server.len(),
            on_server == identities
        ));
    }

    let configs = ids_of(&in_state(ws, "enroll_authenticator_config"))?;
    let configs_on_server: BTreeSet<String> = ws
        .sandbox
        .sandbox()
        .authenticator_configs()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect();
    if configs_on_server != configs {
        return Err(format!(
            "configurations on the server {configs_on_server:?} are not those in state {configs:?}"
        ));
    }

    // BindID has no read API: a lost answer is recorded as `unknown` and
    // never sent again (at most once); one that succeeded was sent once.
    let mut links: BTreeMap<String, usize> = BTreeMap::new();
    for m in outbox.iter().filter(|m| m.job_id.is_none()) {
        *links.entry(m.recipient.to_ascii_lowercase()).or_default() += 1;
    }
    if let Some((to, n)) = links.iter().find(|(_, n)| **n > 1) {
        return Err(format!("{to} got {n} BindID links"));
    }
    let activations = in_state(ws, "enroll_bindid_activation");
    if activations.len() != ACTIVATIONS {
        return Err(format!("{} activations in state", activations.len()));
    }
    for (address, values) in &activations {
        let email = values["user_email"].as_str().unwrap_or_default();
        let sent = links.get(email).copied().unwrap_or(0);
        if values["status"] == "success" && sent != 1 {
            return Err(format!(
                "{address} is `success` but {email} got {sent} links"
            ));
        }
    }
    Ok(())
}

/// After the destroy: no identity or configuration of the run is left,
/// and every job is finished (revoked).
fn check_destroyed(ws: &Workspace) -> Result<(), String> {
    let sb = ws.sandbox.sandbox();
    let left = sb
        .identities()
        .iter()
        .filter(|i| {
            i["traits"]["username"]
                .as_str()
                .is_some_and(|u| u.starts_with("chaos-"))
        })
        .count();
    if left > 0 {
        return Err(format!("{left} identities left after destroy"));
    }
    if !sb.authenticator_configs().is_empty() {
        return Err("configurations left after destroy".into());
    }
    let pending: Vec<String> = sb
        .jobs()
        .iter()
        .filter(|j| {
            !matches!(
                j["state"].as_str(),
                Some("REVOKED" | "COMPLETE" | "EXPIRED")
            )
        })
        .map(|j| format!("{} {}", j["id"], j["state"]))
        .collect();
    if !pending.is_empty() {
        return Err(format!("jobs still pending after destroy: {pending:?}"));
    }
    Ok(())
}

/// One line per diagnostic, for the replay report.
fn summary(name: &str, run: &Run) -> String {
    let mut out = format!("{name}: exit {}", run.code);
    for d in diagnostics(run) {
        out.push_str(&format!(
            "\n    {}: {}",
            d["severity"].as_str().unwrap_or_default(),
            d["summary"].as_str().unwrap_or_default()
        ));
    }
    out
}

struct Outcome {
    applies: usize,
    emails: usize,
    links: usize,
    took: Duration,
}

fn run_seed(seed: u64) -> Result<Outcome, String> {
    let started = Instant::now();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_REQUEST_TIMEOUT", &format!("{TIMEOUT_MS}ms"));
    ws.set_env("ENROLL_MAX_RETRIES", "2");
    ws.set_env("ENROLL_BACKOFF_BASE_MS", "5");
    ws.set_env("ENROLL_BACKOFF_MAX_MS", "40");
    ws.set_env("ENROLL_RETRY_AFTER_CAP_MS", "1000");
    ws.write(&config(&ws));
    let faults: Vec<Fault> = (0..FAULTS_PER_RUN)
        .map(|_| random_fault(&mut rng))
        .collect();
    for f in &faults {
        ws.sandbox.add_fault(f.clone());
    }
    let mut log = Vec::new();
    let fail = |log: &[String], why: String| {
        let schedule: Vec<String> = faults
            .iter()
            .map(|f| serde_json::to_string(f).unwrap_or_default())
            .collect();
        format!(
            "seed {seed}: {why}\nreplay: CHAOS_SEED={seed} cargo test --test chaos\nschedule:\n  {}\nruns:\n  {}",
            schedule.join("\n  "),
            log.join("\n  ")
        )
    };
    let mut applies = 0;
    let mut converged = false;
    for i in 1..=4 {
        if i == 3 {
            ws.sandbox.clear_faults();
        }
        applies = i;
        let run = ws.run(&["apply", "-auto-approve", "-input=false", "-json"]);
        log.push(summary(&format!("apply {i}"), &run));
        if i >= 3 && run.code == 0 {
            let plan = ws.run(&["plan", "-detailed-exitcode", "-input=false", "-json"]);
            log.push(summary("plan", &plan));
            if plan.code == 0 {
                converged = true;
                break;
            }
        }
    }
    if !converged {
        return Err(fail(&log, "did not converge by the fourth apply".into()));
    }
    check_converged(&ws).map_err(|why| fail(&log, why))?;
    let outcome = Outcome {
        applies,
        emails: ws.emails(),
        links: ws
            .sandbox
            .outbox()
            .iter()
            .filter(|m| m.job_id.is_none())
            .count(),
        took: Duration::ZERO,
    };
    let destroy = ws.run(&["destroy", "-auto-approve", "-input=false", "-json"]);
    log.push(summary("destroy", &destroy));
    if destroy.code != 0 {
        return Err(fail(&log, "destroy failed".into()));
    }
    check_destroyed(&ws).map_err(|why| fail(&log, why))?;
    Ok(Outcome {
        took: started.elapsed(),
        ..outcome
    })
}

fn seeds() -> Vec<u64> {
    if let Some(seed) = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return vec![seed];
    }
    let n = std::env::var("CHAOS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEEDS);
    (1..=n).collect()
}

#[test]
fn every_random_schedule_of_faults_converges_with_exactly_one_email_per_job() {
    let seeds = seeds();
    let workers = std::env::var("CHAOS_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2usize)
        .clamp(1, 8);
    let next = AtomicU64::new(0);
    let failures = Mutex::new(Vec::new());
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst) as usize;
                let Some(&seed) = seeds.get(i) else { break };
                match run_seed(seed) {
                    Ok(o) => eprintln!(
                        "chaos | seed {seed} | converged after {} applies | emails {} | BindID links {} | {:.1}s",
                        o.applies,
                        o.emails,
                        o.links,
                        o.took.as_secs_f64()
                    ),
                    Err(report) => {
                        eprintln!("chaos | {report}");
                        failures.lock().unwrap().push(report);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "chaos | {} seeds, {} failed, {:.0}s",
        seeds.len(),
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
