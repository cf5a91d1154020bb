//! The provider's overhead against Terraform's own limit, `terraform_data`,
//! measured side by side in one run; where the CPU time goes (Terraform,
//! the provider processes, the in-process sandbox); start-up, memory, and
//! throughput under a rate limit. Run with `cargo bench --bench overhead`.
//!
//! `BENCH_SIZES=1,100` and `BENCH_RUNS=3` shorten a run; `BENCH_RATE_RUNS`
//! (default 3) sets how many rate-limited applies the median is taken of.
//! docs/performance.md explains the numbers.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/mod.rs"]
mod support;

use common::{identity_id, Workspace};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{env_num, median, secs, time, Cpu, ProviderWatch};

fn jobs_config(ws: &Workspace, n: usize) -> String {
    let alice = identity_id(ws, "alice");
    format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "j" {{
  count                   = {n}
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
  triggers                = {{ n = count.index }}
}}
"#
    )
}

fn data_config(n: usize) -> String {
    format!("resource \"terraform_data\" \"d\" {{\n  count = {n}\n  input = count.index\n}}\n")
}

struct Timings {
    apply: Vec<Duration>,
    plan: Vec<Duration>,
    destroy: Vec<Duration>,
}

fn cycle(ws: &Workspace, runs: usize) -> Timings {
    let mut t = Timings {
        apply: vec![],
        plan: vec![],
        destroy: vec![],
    };
    for _ in 0..runs {
        t.apply
            .push(time(ws, &["apply", "-auto-approve", "-input=false"]));
        t.plan.push(time(ws, &["plan", "-input=false"]));
        t.destroy
            .push(time(ws, &["destroy", "-auto-approve", "-input=false"]));
    }
    t
}

/// Start to handshake line, as Terraform starts the provider: with
/// `PLUGIN_CLIENT_CERT` set, so the provider makes its TLS key first.
fn handshake_time(runs: usize) -> Duration {
    let client = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("a client certificate");
    let mut all = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut child = common::hermetic_command(common::PROVIDER_BIN)
            .env(
                "TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            )
            .env("PLUGIN_CLIENT_CERT", client.cert.pem())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the provider");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        all.push(t.elapsed());
        assert!(line.starts_with("1|6|tcp|"), "handshake line: {line:?}");
        let _ = child.kill();
        let _ = child.wait();
    }
    median(all)
}

struct RateRun {
    wall: Duration,
    errors: usize,
    throttled: usize,
    requests: usize,
    emails: usize,
    code: i32,
}

/// One apply of `n` jobs against a sandbox that allows 50 requests a
/// second and answers each after 50 ms.
fn rate_limited(n: usize) -> RateRun {
    let ws = Workspace::new();
    ws.sandbox.set_rate_limit(50);
    ws.sandbox.set_latency(50);
    ws.write(&jobs_config(&ws, n));
    let t = Instant::now();
    let run = ws.run(&["apply", "-auto-approve", "-input=false", "-json"]);
    let wall = t.elapsed();
    let requests = ws.sandbox.requests();
    RateRun {
        wall,
        errors: common::diagnostics(&run)
            .iter()
            .filter(|d| d["severity"] == "error")
            .count(),
        throttled: requests.iter().filter(|r| r.status == Some(429)).count(),
        requests: requests.len(),
        emails: ws.emails(),
        code: run.code,
    }
}

fn main() {
    // cargo passes `--bench`; nothing to parse.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs = env_num("BENCH_RUNS", 5).max(1);
    let rate_runs = env_num("BENCH_RATE_RUNS", 3);
    println!("{}", support::machine());
    println!("medians of {runs} runs; sandbox at zero latency\n");
    println!("| N | command | enroll_credential_binding_job | terraform_data | ratio |");
    println!("|---|---|---|---|---|");

    let watch = ProviderWatch::start();
    let mut cpu_lines = Vec::new();
    let mut apply_floor = HashMap::new();
    for &n in &sizes {
        let ws = Workspace::new();
        ws.write(&jobs_config(&ws, n));
        let before = Cpu::now(&watch);
        let enroll = cycle(&ws, runs);
        let cpu = Cpu::since(&watch, before);
        let base = Workspace::new();
        base.write(&data_config(n));
        let data = cycle(&base, runs);
        apply_floor.insert(n, median(enroll.apply.clone()));
        for (name, a, b) in [
            ("apply", enroll.apply, data.apply),
            ("plan", enroll.plan, data.plan),
            ("destroy", enroll.destroy, data.destroy),
        ] {
            let (a, b) = (median(a), median(b));
            println!(
                "| {n} | {name} | {} | {} | {:.2}x |",
                secs(a),
                secs(b),
                a.as_secs_f64() / b.as_secs_f64()
            );
        }
        cpu_lines.push(format!("| {n} | {} |", cpu.cells()));
    }
    println!(
        "\nCPU time of the {runs} enroll apply+plan+destroy cycles of each N \
         (the sandbox column includes this benchmark's own sampling):\n"
    );
    println!("| N | terraform | provider processes | sandbox |");
    println!("|---|---|---|---|");
    for line in cpu_lines {
        println!("{line}");
    }
    let peak = watch.peak_mib();
    drop(watch);

    println!(
        "\nprovider start to handshake line (TLS key included): {} (median of 20)",
        secs(handshake_time(20))
    );
    println!("provider peak RSS: {peak:.1} MiB");

    // Throughput under a rate limit: 1000 jobs, 50 requests/s, 50 ms each.
    let n = 1000;
    if rate_runs == 0 {
        return;
    }
    let ideal = Duration::from_secs_f64(n as f64 / 50.0);
    println!(
        "\nrate-limited apply of {n} jobs (50 req/s, 50 ms latency), ideal {n}/50 = {}:",
        secs(ideal)
    );
    let mut walls = Vec::new();
    for _ in 0..rate_runs {
        let r = rate_limited(n);
        println!(
            "  {} = {:.2}x ideal; exit {}; {} errors; {} requests, {} answered 429; {} emails",
            secs(r.wall),
            r.wall.as_secs_f64() / ideal.as_secs_f64(),
            r.code,
            r.errors,
            r.requests,
            r.throttled,
            r.emails
        );
        walls.push(r.wall);
    }
    let wall = median(walls);
    println!(
        "  median {} = {:.2}x ideal",
        secs(wall),
        wall.as_secs_f64() / ideal.as_secs_f64()
    );
    if let Some(floor) = apply_floor.get(&n) {
        println!(
            "  (the same apply with no latency and no limit took {} above: Terraform's own floor)",
            secs(*floor)
        );
    }
}
