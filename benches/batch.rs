//! `enroll_credential_binding_batch` at scale: one resource inviting N
//! identities through the batch API, against the sandbox (release build).
//! Run with `cargo bench --bench batch`; docs/performance.md explains the
//! numbers. The configuration reads the ids with
//! `split("\n", trimspace(file("ids.txt")))`. What it measures, in order:
//!
//! 1. N = `BENCH_N` (default 10,000) in one resource, sandbox at its default
//!    batch rate (500 jobs/s) and zero latency: the apply, then a refresh +
//!    plan with no changes as people run it and with `-json` (which Terraform
//!    does not render as a diff): wall time, API requests, provider peak RSS,
//!    CPU split, the state's bytes per identity. Alternated with a bare
//!    client that calls the batch API directly for the same N (one sweep,
//!    batches of 1000 one after the other, each followed to its end, results
//!    read page by page): the limit. `BENCH_RUNS` (default 3) of each;
//!    medians and ratios.
//! 2. `terraform validate` at N/2, N and 2N with the ids read by `split` and
//!    by `jsondecode` (as the e2e tests read them): what one evaluation of
//!    the configuration costs.
//! 3. `BENCH_SMALL_N` (default 1,000) identities: the batch resource, at the
//!    default batch rate and with the sandbox making jobs as fast as it can,
//!    against as many `enroll_credential_binding_job` (`for_each` over the ids,
//!    and `count`), and the
//!    bare client; `BENCH_RUNS` of each, alternated. `0` skips it.
//! 4. `BENCH_HUGE_N` (default 100,000), split by the id's first character
//!    over 16 resources, a file each (one holds about 14,800: size.rs): one apply and the
//!    plans after it, per identity against N, to see what grows faster
//!    than N; a command that fails is reported, not fatal. `0` skips it.
//! 5. `BENCH_LATENCY_MS` (default 50): the N apply and plans with that
//!    latency on every request, once. `0` skips it.
//!
//! The plan as people run it is skipped when Terraform's plan renderer
//! would need more memory than the machine has (18 × N² bytes, below).
//! `ENROLL_BATCH_QUIET_MS` is left at its default (1 s) throughout.
//!
//! A short run (about two minutes):
//! `BENCH_N=2000 BENCH_RUNS=1 BENCH_SMALL_N=200 BENCH_HUGE_N=0 BENCH_LATENCY_MS=0 cargo bench --bench batch`

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/mod.rs"]
mod support;

use common::Workspace;
use enroll_provider::api::auth::TokenSource;
use enroll_provider::api::beyond_identity::authenticator_configs::{
    AuthenticatorConfig, AuthenticatorSettings,
};
use enroll_provider::api::beyond_identity::batches::{JobTemplate, NewBatch, MAX_BATCH};
use enroll_provider::api::beyond_identity::{BeyondIdentity, RealmRef};
use enroll_provider::api::http::{Backoff, HttpClient, HttpSettings};
use enroll_provider::api::{ApiError, Secret};
use enroll_sandbox::{SandboxConfig, SandboxHandle};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{env_num, load, median, secs, time, timed, Cpu, ProviderWatch};

const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];
/// Refresh and plan; with `-detailed-exitcode`, any change fails it.
const PLAN: &[&str] = &["plan", "-input=false", "-detailed-exitcode", "-no-color"];
const PLAN_JSON: &[&str] = &["plan", "-input=false", "-detailed-exitcode", "-json"];
/// The sandbox's default batch rate, jobs per second.
const DEFAULT_RATE: usize = 500;

/// How the configuration reads the ids from a file.
#[derive(Clone, Copy)]
enum Ids {
    /// `split("\n", trimspace(file("ids.txt")))`: a list(string) already.
    Lines,
    /// `jsondecode(file("ids.json"))`, as the e2e tests write it: a tuple,
    /// which Terraform converts to list(string) in time that grows with
    /// the square of its length (go-cty's `convert.unify` sorts the element
    /// types pairwise), once per evaluation.
    Json,
}

impl Ids {
    fn expression(self) -> &'static str {
        match self {
            Ids::Lines => r#"split("\n", trimspace(file("${path.module}/ids.txt")))"#,
            Ids::Json => r#"jsondecode(file("${path.module}/ids.json"))"#,
        }
    }

    fn write(self, ws: &Workspace, ids: &[String]) {
        let (name, text) = match self {
            Ids::Lines => ("ids.txt", ids.join("\n")),
            Ids::Json => ("ids.json", serde_json::to_string(ids).unwrap()),
        };
        std::fs::write(ws.path().join(name), text).unwrap();
    }
}

/// One authenticator configuration, `local.ids`, and `body`.
fn write_config(ws: &Workspace, ids: &[String], how: Ids, body: &str) {
    how.write(ws, ids);
    ws.write(&format!(
        r#"
provider "enroll" {{}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

locals {{
  ids = {}
}}
{body}"#,
        how.expression()
    ));
}

/// The batch resource, inviting every id.
fn batch_config(ws: &Workspace, ids: &[String], how: Ids) {
    let body = r#"
resource "enroll_credential_binding_batch" "all" {
  identity_ids            = local.ids
  authenticator_config_id = enroll_authenticator_config.web.id
}
"#;
    write_config(ws, ids, how, body);
}

/// The ids split by their first character over several batch resources,
/// one file each, as the guide shows: more than one resource's state fits
/// in tf-provider's 4 MiB messages.
fn parts_config(ws: &Workspace, ids: &[String]) {
    let mut parts: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for id in ids {
        parts.entry(id[..1].to_owned()).or_default().push(id);
    }
    common::invite_in_parts(ws, parts);
}

/// One `enroll_credential_binding_job` per id: with `for_each` over the ids
/// (as people write it), or with `count`.
fn jobs_config(ws: &Workspace, ids: &[String], for_each: bool) {
    let body = if for_each {
        r#"
resource "enroll_credential_binding_job" "j" {
  for_each                = toset(local.ids)
  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.web.id
}
"#
    } else {
        r#"
resource "enroll_credential_binding_job" "j" {
  count                   = length(local.ids)
  identity_id             = local.ids[count.index]
  authenticator_config_id = enroll_authenticator_config.web.id
}
"#
    };
    write_config(ws, ids, Ids::Lines, body);
}

/// One Terraform command, measured.
struct Measured {
    wall: Duration,
    requests: usize,
    peak_mib: f64,
    cpu: Cpu,
}

/// Runs a command, measured; `Err` with Terraform's error when it fails.
fn measure(ws: &Workspace, watch: &ProviderWatch, args: &[&str]) -> Result<Measured, String> {
    ws.sandbox.clear_requests();
    watch.reset_peak();
    let before = Cpu::now(watch);
    let (wall, run) = timed(ws, args);
    let cpu = Cpu::since(watch, before);
    if run.code != 0 {
        return Err(format!("failed after {}: {}", secs(wall), error_of(&run)));
    }
    Ok(Measured {
        wall,
        requests: ws.sandbox.requests().len(),
        peak_mib: watch.peak_mib(),
        cpu,
    })
}

/// The first error Terraform printed, on one line.
fn error_of(run: &common::Run) -> String {
    let text = run.all();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.trim_start_matches(['│', '╷', '╵', ' ']).trim())
        .skip_while(|l| !l.starts_with("Error:"))
        .filter(|l| !l.is_empty())
        .take(6)
        .collect();
    lines.join(" ")
}

fn state_file(ws: &Workspace) -> std::path::PathBuf {
    ws.path().join("terraform.tfstate")
}

/// Bytes the state file spends on each of the batch resource's
/// per-identity attributes. The file is JSON indented by two spaces (Go's
/// `MarshalIndent`, which `serde_json`'s pretty printer matches byte for
/// byte): each is the file's size minus its size with that attribute
/// emptied.
fn attribute_bytes(ws: &Workspace) -> Vec<(&'static str, usize)> {
    let text = std::fs::read_to_string(state_file(ws)).unwrap();
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap().len();
    let whole = pretty(&state);
    let at = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["type"] == "enroll_credential_binding_batch")
        .expect("the batch resource in state");
    let mut out = vec![("whole file, reprinted", whole)];
    for (name, empty) in [
        ("identity_ids", serde_json::json!([])),
        ("jobs", serde_json::json!({})),
        ("last_sent_to", serde_json::json!([])),
    ] {
        let mut without = state.clone();
        without["resources"][at]["instances"][0]["attributes"][name] = empty;
        out.push((name, whole - pretty(&without)));
    }
    out
}

/// A working directory whose configuration invites `n` seeded identities
/// in one batch resource.
fn batch_ws(n: usize, rate: Option<u32>, latency_ms: u64, how: Ids) -> Workspace {
    let ws = Workspace::new();
    if let Some(r) = rate {
        ws.sandbox.set_batch_rate(r);
    }
    ws.sandbox.set_latency(latency_ms);
    let ids = ws.sandbox.seed_identities(n, "bench");
    batch_config(&ws, &ids, how);
    ws
}

/// Whether Terraform's plan renderer has the memory for two lists of `n`:
/// it diffs a list attribute through a table of n × n cells (9 bytes
/// each), even when nothing changed (below).
fn renderer_fits(n: usize) -> bool {
    let available_kib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .unwrap_or(0.0);
    18.0 * (n as f64).powi(2) < available_kib * 1024.0 * 0.8
}

/// An apply, and the refresh + plan after it: as people run it, and with
/// `-json`, whose output Terraform does not render as a diff. A plan that
/// failed holds Terraform's error.
struct TfRun {
    apply: Measured,
    /// `None` when the renderer would not fit in memory.
    plan: Option<Result<Measured, String>>,
    plan_json: Result<Measured, String>,
    state_bytes: u64,
    attributes: Vec<(&'static str, usize)>,
}

impl TfRun {
    /// Both plans, which must have worked.
    fn plans(&self) -> (Option<&Measured>, &Measured) {
        let fail = |e: &String| -> ! { panic!("the plan after the apply: {e}") };
        let plan = self
            .plan
            .as_ref()
            .map(|p| p.as_ref().unwrap_or_else(|e| fail(e)));
        (plan, self.plan_json.as_ref().unwrap_or_else(|e| fail(e)))
    }
}

/// The apply (`Err` when it failed), and the plans after it.
fn terraform_run(ws: &Workspace, n: usize, watch: &ProviderWatch) -> Result<TfRun, String> {
    let apply = measure(ws, watch, APPLY)?;
    assert_eq!(ws.emails(), n, "one email per identity");
    let state_bytes = std::fs::metadata(state_file(ws)).unwrap().len();
    let attributes = attribute_bytes(ws);
    let plan = renderer_fits(n).then(|| measure(ws, watch, PLAN));
    let plan_json = measure(ws, watch, PLAN_JSON);
    Ok(TfRun {
        apply,
        plan,
        plan_json,
        state_bytes,
        attributes,
    })
}

/// N `enroll_credential_binding_job`: the apply's wall time.
fn jobs_run(n: usize, for_each: bool) -> Duration {
    let ws = Workspace::new();
    let ids = ws.sandbox.seed_identities(n, "bench");
    jobs_config(&ws, &ids, for_each);
    let wall = time(&ws, APPLY);
    assert_eq!(ws.emails(), n, "one email per identity");
    wall
}

struct BareRun {
    wall: Duration,
    requests: usize,
}

/// The bare client: what an apply does for N new identities, with nothing
/// of Terraform's and none of the provider's bookkeeping. One HTTP client as
/// the provider builds it, the sandbox's API token (no token request).
fn bare_run(n: usize, rate: Option<u32>) -> BareRun {
    let sandbox = SandboxHandle::spawn(SandboxConfig::default()).expect("start the sandbox");
    if let Some(r) = rate {
        sandbox.set_batch_rate(r);
    }
    let ids = sandbox.seed_identities(n, "bench");
    let seed = sandbox.seed();
    let realm = RealmRef {
        tenant_id: seed.tenant_id.clone(),
        realm_id: seed.realm_id.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    sandbox.clear_requests();
    let t = Instant::now();
    let made = runtime.block_on(async {
        let http = HttpClient::new(HttpSettings {
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
            user_agent: "bench".into(),
            backoff: Backoff::default(),
            max_requests_per_second: None,
        })
        .unwrap();
        let tokens = TokenSource::ready(Secret::new(seed.api_token.clone()));
        let url = reqwest::Url::parse(&sandbox.url()).unwrap();
        let api = BeyondIdentity::new(Arc::new(http), url, tokens);
        invite(&api, &realm, &ids).await.expect("the bare client")
    });
    let wall = t.elapsed();
    assert_eq!(made, n, "a job per identity");
    assert_eq!(sandbox.outbox().len(), n, "one email per identity");
    BareRun {
        wall,
        requests: sandbox.requests().len(),
    }
}

/// Makes an authenticator configuration and sends every identity a link;
/// returns how many jobs the batches made. A batch is followed by a look
/// every 50 ms once 90% of the time the last batch took per job has
/// passed (the first batch: from the start); a tighter limit than the
/// provider's back-off, which must also suit a slow real API.
async fn invite(api: &BeyondIdentity, realm: &RealmRef, ids: &[String]) -> Result<usize, ApiError> {
    let config = AuthenticatorConfig {
        id: None,
        tenant_id: None,
        realm_id: None,
        display_name: None,
        config: AuthenticatorSettings::Platform {
            trusted_origins: None,
        },
    };
    let config_id = api
        .create_authenticator_config(realm, &config)
        .await?
        .id
        .unwrap_or_default();
    let template = JobTemplate {
        authenticator_config_id: config_id.clone(),
        post_binding_redirect_uri: None,
    };
    // The sweep: who holds a job of this configuration already.
    let mut held = HashSet::new();
    api.each_job_of_realm(realm, |page| {
        let ours = page
            .into_iter()
            .filter(|j| j.authenticator_config_id.as_deref() == Some(config_id.as_str()));
        held.extend(ours.filter_map(|j| j.identity_id));
    })
    .await?;
    let todo: Vec<String> = ids.iter().filter(|i| !held.contains(*i)).cloned().collect();
    let mut made = 0;
    let mut per_job: Option<Duration> = None;
    for chunk in todo.chunks(MAX_BATCH) {
        let started = Instant::now();
        let new = NewBatch {
            identity_ids: chunk,
            job_template: &template,
        };
        let mut batch = api.create_batch(realm, &new).await?;
        if let Some(d) = per_job {
            tokio::time::sleep(d.mul_f64(chunk.len() as f64 * 0.9)).await;
        }
        while batch.is_running() {
            tokio::time::sleep(Duration::from_millis(50)).await;
            batch = api.get_batch(realm, &batch.id).await?;
        }
        per_job = Some(started.elapsed() / chunk.len() as u32);
        api.each_batch_result(realm, &batch.id, |jobs| made += jobs.len())
            .await?;
    }
    Ok(made)
}

fn median_of<T>(runs: &[T], f: impl Fn(&T) -> Duration) -> Duration {
    median(runs.iter().map(f).collect())
}

fn median_count<T>(runs: &[T], f: impl Fn(&T) -> usize) -> usize {
    let mut v: Vec<usize> = runs.iter().map(f).collect();
    v.sort();
    v[v.len() / 2]
}

fn ratio(a: Duration, b: Duration) -> String {
    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
}

/// Microseconds per identity.
fn per_id(d: Duration, n: usize) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6 / n as f64)
}

/// `terraform validate`: one evaluation of the configuration.
fn validate_time(n: usize, how: Ids) -> Duration {
    let ws = batch_ws(n, None, 0, how);
    time(&ws, &["validate", "-no-color"])
}

/// The gRPC limit of the provider's server (tonic's default, which
/// tf-provider 0.2.2 keeps): Terraform sends the state to the provider,
/// as the state file holds it, in one message (size.rs in the resource).
const GRPC_LIMIT: f64 = 4.0 * 1024.0 * 1024.0;

fn main() {
    // cargo passes `--bench`; nothing to parse.
    let n = env_num("BENCH_N", 10_000).max(2);
    let runs = env_num("BENCH_RUNS", 3).max(1);
    let small = env_num("BENCH_SMALL_N", 1000);
    let huge = env_num("BENCH_HUGE_N", 100_000);
    let latency = env_num("BENCH_LATENCY_MS", 50) as u64;
    let started = Instant::now();
    println!("{}", support::machine());
    println!("load average at the start: {}", load());
    let watch = ProviderWatch::start();

    // 1. N in one resource, against the bare client, alternated.
    let one = terraform_run(&batch_ws(1, None, 0, Ids::Lines), 1, &watch).expect("1 identity");
    println!(
        "\n## {n} identities, default batch rate ({DEFAULT_RATE} jobs/s), zero latency; {runs} runs, alternated\n"
    );
    let tf_run = || {
        let ws = batch_ws(n, None, 0, Ids::Lines);
        let run = terraform_run(&ws, n, &watch).unwrap_or_else(|e| panic!("{n} identities: {e}"));
        run.plans();
        run
    };
    let mut tf = Vec::new();
    let mut bare = Vec::new();
    for r in 0..runs {
        if r % 2 == 0 {
            tf.push(tf_run());
            bare.push(bare_run(n, None));
        } else {
            bare.push(bare_run(n, None));
            tf.push(tf_run());
        }
        let (t, b) = (tf.last().unwrap(), bare.last().unwrap());
        println!(
            "run {}: apply {} ({} requests), {}, bare client {} ({} requests); load {}",
            r + 1,
            secs(t.apply.wall),
            t.apply.requests,
            plans_line(t),
            secs(b.wall),
            b.requests,
            load()
        );
    }
    let apply = median_of(&tf, |t| t.apply.wall);
    let plan_json = median_of(&tf, |t| t.plans().1.wall);
    let floor = median_of(&bare, |b| b.wall);
    let state = median_count(&tf, |t| t.state_bytes as usize);
    let per_identity = (state as f64 - one.state_bytes as f64) / (n - 1) as f64;
    let ideal = Duration::from_secs_f64(n as f64 / DEFAULT_RATE as f64);
    let most = |f: fn(&TfRun) -> Option<f64>| tf.iter().filter_map(f).fold(0.0, f64::max);
    let human = tf.iter().all(|t| t.plan.is_some());
    println!("\n| | median | note |\n|---|---|---|");
    println!(
        "| terraform apply | {} | {} the bare client; {} requests; provider peak RSS {:.1} MiB |",
        secs(apply),
        ratio(apply, floor),
        median_count(&tf, |t| t.apply.requests),
        most(|t| Some(t.apply.peak_mib)),
    );
    if human {
        let plan = median_of(&tf, |t| t.plans().0.unwrap().wall);
        println!(
            "| refresh + plan, no changes | {} | {} the apply; {} requests; provider peak RSS {:.1} MiB |",
            secs(plan),
            ratio(plan, apply),
            median_count(&tf, |t| t.plans().0.unwrap().requests),
            most(|t| t.plans().0.map(|p| p.peak_mib)),
        );
    }
    println!(
        "| the same, `plan -json` | {} | {} the apply; {} requests; provider peak RSS {:.1} MiB |",
        secs(plan_json),
        ratio(plan_json, apply),
        median_count(&tf, |t| t.plans().1.requests),
        most(|t| Some(t.plans().1.peak_mib)),
    );
    println!(
        "| bare client | {} | {} the sandbox's own N/rate = {}; {} requests |",
        secs(floor),
        ratio(floor, ideal),
        secs(ideal),
        median_count(&bare, |b| b.requests)
    );
    println!(
        "| state file | {state} bytes | {per_identity:.1} bytes per identity (1 identity: {} bytes); the provider's 4 MiB gRPC limit is reached at about {:.0} identities |",
        one.state_bytes,
        GRPC_LIMIT / per_identity
    );
    println!("\nstate bytes by attribute (run 1; the file reprinted as Terraform prints it):\n");
    println!("| attribute | bytes | per identity |\n|---|---|---|");
    for (name, bytes) in &tf[0].attributes {
        println!("| {name} | {bytes} | {:.1} |", *bytes as f64 / n as f64);
    }
    println!(
        "\nCPU time (run 1):\n\n| command | terraform | provider processes | sandbox |\n|---|---|---|---|"
    );
    println!("| apply | {} |", tf[0].apply.cpu.cells());
    let (plan, json) = tf[0].plans();
    if let Some(p) = plan {
        println!("| refresh + plan | {} |", p.cpu.cells());
    }
    println!("| plan -json | {} |", json.cpu.cells());

    // How the configuration reads the ids: one evaluation each.
    println!("\n## Reading the ids: `terraform validate` (one evaluation of the configuration)\n");
    println!("| identities | split(file) | jsondecode(file) |\n|---|---|---|");
    // Up to N: one resource holds about 14,800 (size.rs).
    for m in [n / 4, n / 2, n] {
        println!(
            "| {m} | {} | {} |",
            secs(validate_time(m, Ids::Lines)),
            secs(validate_time(m, Ids::Json))
        );
    }

    // 2. The batch resource against single jobs.
    if small > 0 {
        println!("\n## {small} identities: the batch resource against {small} enroll_credential_binding_job; {runs} runs, alternated\n");
        let (mut at_rate, mut fast, mut jobs, mut counted, mut floor) =
            (vec![], vec![], vec![], vec![], vec![]);
        for r in 0..runs {
            // Rotate which goes first.
            for k in 0..5 {
                match (k + r) % 5 {
                    0 => at_rate.push(time(&batch_ws(small, None, 0, Ids::Lines), APPLY)),
                    1 => fast.push(time(&batch_ws(small, Some(0), 0, Ids::Lines), APPLY)),
                    2 => jobs.push(jobs_run(small, true)),
                    3 => counted.push(jobs_run(small, false)),
                    _ => floor.push(bare_run(small, None).wall),
                }
            }
            println!(
                "run {}: batch {} (default rate), {} (no rate), jobs {} (for_each), {} (count), bare client {}; load {}",
                r + 1,
                secs(*at_rate.last().unwrap()),
                secs(*fast.last().unwrap()),
                secs(*jobs.last().unwrap()),
                secs(*counted.last().unwrap()),
                secs(*floor.last().unwrap()),
                load()
            );
        }
        let (at_rate, fast, jobs, counted, floor) = (
            median(at_rate),
            median(fast),
            median(jobs),
            median(counted),
            median(floor),
        );
        println!("\n| apply of {small} | median | jobs / this |\n|---|---|---|");
        println!(
            "| {small} enroll_credential_binding_job, `for_each` over the ids | {} | 1.00x |",
            secs(jobs)
        );
        println!(
            "| {small} enroll_credential_binding_job, `count` | {} | {} |",
            secs(counted),
            ratio(jobs, counted)
        );
        println!(
            "| batch resource, sandbox at {DEFAULT_RATE} jobs/s | {} | {} |",
            secs(at_rate),
            ratio(jobs, at_rate)
        );
        println!(
            "| batch resource, sandbox as fast as it can | {} | {} |",
            secs(fast),
            ratio(jobs, fast)
        );
        println!(
            "| bare client, sandbox at {DEFAULT_RATE} jobs/s | {} | {} |",
            secs(floor),
            ratio(jobs, floor)
        );
    }

    // 3. What grows faster than N.
    if huge > 0 {
        println!("\n## {huge} identities over 16 resources (by the id's first character), default batch rate, zero latency; one run\n");
        let ws = Workspace::new();
        let ids = ws.sandbox.seed_identities(huge, "bench");
        parts_config(&ws, &ids);
        match terraform_run(&ws, huge, &watch) {
            Err(e) => println!("{e}\n(load {})", load()),
            Ok(big) => huge_report(&big, huge, &one, &tf[0], n),
        }
    }

    // 4. With latency, for the record.
    if latency > 0 {
        println!("\n## {n} identities with {latency} ms per request; one run\n");
        let ws = batch_ws(n, None, latency, Ids::Lines);
        match terraform_run(&ws, n, &watch) {
            Err(e) => println!("{e}"),
            Ok(slow) => println!(
                "apply {} ({} requests), {}; load {}",
                secs(slow.apply.wall),
                slow.apply.requests,
                plans_line(&slow),
                load()
            ),
        }
    }
    drop(watch);
    println!(
        "\nload average at the end: {}; the whole benchmark took {}",
        load(),
        secs(started.elapsed())
    );
}

/// What the two plans after an apply took, or how they failed.
fn plans_line(t: &TfRun) -> String {
    let one = |p: &Result<Measured, String>| match p {
        Ok(m) => format!("{} ({} requests)", secs(m.wall), m.requests),
        Err(e) => e.clone(),
    };
    let human = match &t.plan {
        Some(p) => one(p),
        None => "skipped: Terraform's plan renderer would need 18 x N^2 bytes".into(),
    };
    format!("refresh+plan {human}, plan -json {}", one(&t.plan_json))
}

/// The huge run, and per identity against the first run of N.
fn huge_report(big: &TfRun, huge: usize, one: &TfRun, base: &TfRun, n: usize) {
    let per_identity = (big.state_bytes as f64 - one.state_bytes as f64) / (huge - 1) as f64;
    println!(
        "apply {} ({} requests; the sandbox's N/rate is {}), provider peak RSS {:.1} MiB; state {} bytes, {per_identity:.1} per identity; {}; load {}\n",
        secs(big.apply.wall),
        big.apply.requests,
        secs(Duration::from_secs_f64(huge as f64 / DEFAULT_RATE as f64)),
        big.apply.peak_mib,
        big.state_bytes,
        plans_line(big),
        load()
    );
    let json = big.plan_json.as_ref().ok();
    println!("| command | terraform | provider processes | sandbox | provider's share |\n|---|---|---|---|---|");
    for (name, m) in [("apply", Some(&big.apply)), ("plan -json", json)] {
        if let Some(m) = m {
            println!(
                "| {name} | {} | {:.1}% |",
                m.cpu.cells(),
                100.0 * m.cpu.provider_share()
            );
        }
    }
    println!("\nper identity, {n} (run 1) against {huge}:\n");
    println!("| | {n} | {huge} | growth per identity |\n|---|---|---|---|");
    type Row = (&'static str, fn(&TfRun) -> Option<Duration>);
    let rows: [Row; 6] = [
        ("apply, wall", |t| Some(t.apply.wall)),
        ("apply, terraform CPU", |t| Some(t.apply.cpu.terraform())),
        ("apply, provider CPU", |t| Some(t.apply.cpu.provider)),
        ("plan -json, wall", |t| {
            Some(t.plan_json.as_ref().ok()?.wall)
        }),
        ("plan -json, terraform CPU", |t| {
            Some(t.plan_json.as_ref().ok()?.cpu.terraform())
        }),
        ("plan -json, provider CPU", |t| {
            Some(t.plan_json.as_ref().ok()?.cpu.provider)
        }),
    ];
    for (name, f) in rows {
        let (Some(a), Some(b)) = (f(base), f(big)) else {
            continue;
        };
        let growth = (b.as_secs_f64() / huge as f64) / (a.as_secs_f64() / n as f64).max(1e-12);
        println!(
            "| {name} | {} | {} | {growth:.2}x |",
            per_id(a, n),
            per_id(b, huge)
        );
    }
}
