//! The provider's overhead against Terraform's own limit, `terraform_data`,
//! measured side by side in one run; plus start-up, memory and throughput
//! under a rate limit. Run with `cargo bench --bench overhead`.
//!
//! `BENCH_SIZES=1,100` and `BENCH_RUNS=3` shorten a run.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{identity_id, Workspace};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

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

/// Peak resident set of any running provider process, sampled until `done`.
fn watch_rss(done: std::sync::Arc<std::sync::atomic::AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak_kib = 0u64;
        while !done.load(std::sync::atomic::Ordering::Relaxed) {
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    let p = e.path();
                    let is_provider = std::fs::read_link(p.join("exe"))
                        .map(|x| x.to_string_lossy().contains("terraform-provider-enroll"))
                        .unwrap_or(false);
                    if !is_provider {
                        continue;
                    }
                    if let Ok(status) = std::fs::read_to_string(p.join("status")) {
                        for line in status.lines() {
                            if let Some(v) = line.strip_prefix("VmHWM:") {
                                let kib: u64 =
                                    v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                                peak_kib = peak_kib.max(kib);
                            }
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        peak_kib
    })
}

struct Timings {
    apply: Vec<Duration>,
    plan: Vec<Duration>,
    destroy: Vec<Duration>,
}

fn time(ws: &Workspace, args: &[&str]) -> Duration {
    let t = Instant::now();
    ws.run(args).ok();
    t.elapsed()
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

fn handshake_time(runs: usize) -> Duration {
    let mut all = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut child = Command::new(common::PROVIDER_BIN)
            .env(
                "TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            )
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

fn main() {
    // cargo passes `--bench`; nothing to parse.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let tf_version = Command::new(common::terraform_bin())
        .arg("version")
        .output()
        .unwrap();
    println!(
        "machine: {} cores; {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        String::from_utf8_lossy(&tf_version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    println!("medians of {runs} runs; sandbox at zero latency\n");
    println!("| N | command | enroll_credential_binding_job | terraform_data | ratio |");
    println!("|---|---|---|---|---|");

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rss = watch_rss(done.clone());
    for &n in &sizes {
        let ws = Workspace::new();
        ws.write(&jobs_config(&ws, n));
        let enroll = cycle(&ws, runs);
        let base = Workspace::new();
        base.write(&data_config(n));
        let data = cycle(&base, runs);
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
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = rss.join().unwrap_or(0);

    println!(
        "\nprovider start to handshake line: {} (median of 20)",
        secs(handshake_time(20))
    );
    println!("provider peak RSS: {:.1} MiB", peak as f64 / 1024.0);

    // Throughput under a rate limit: 1000 jobs, 50 requests/s, 50 ms each.
    let n = 1000;
    let ws = Workspace::new();
    ws.sandbox.set_rate_limit(50);
    ws.sandbox.set_latency(50);
    ws.write(&jobs_config(&ws, n));
    let t = Instant::now();
    let run = ws.run(&["apply", "-auto-approve", "-input=false", "-json"]);
    let wall = t.elapsed();
    let errors = common::diagnostics(&run)
        .iter()
        .filter(|d| d["severity"] == "error")
        .count();
    let ideal = Duration::from_secs_f64((n + 1) as f64 / 50.0);
    let throttled = ws
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count();
    println!(
        "\nrate-limited apply of {n} jobs (50 req/s, 50 ms latency): {} against ideal {} = {:.2}x; exit {}; {} errors; {} answers were 429; {} emails",
        secs(wall),
        secs(ideal),
        wall.as_secs_f64() / ideal.as_secs_f64(),
        run.code,
        errors,
        throttled,
        ws.emails()
    );
}
