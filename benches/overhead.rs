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

use common::{identity_id, Workspace};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
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

/// Samples every provider process while the benchmark runs: the peak
/// resident set (VmHWM) and the CPU time each one used, so a run can say
/// how much of its CPU went to the provider and how much to Terraform.
struct ProviderWatch {
    done: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Seen {
    peak_kib: u64,
    /// CPU time of each provider process, as last sampled.
    cpu_ns: HashMap<u32, u64>,
}

impl ProviderWatch {
    fn start() -> ProviderWatch {
        let done = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (d, s) = (done.clone(), seen.clone());
        let thread = std::thread::spawn(move || {
            // Pids already known not to be a provider: a scan then costs
            // one directory listing, not a readlink per process.
            let mut others = HashSet::new();
            while !d.load(Ordering::Relaxed) {
                sample(&mut others, &s);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        ProviderWatch {
            done,
            seen,
            thread: Some(thread),
        }
    }

    fn peak_mib(&self) -> f64 {
        self.seen.lock().unwrap().peak_kib as f64 / 1024.0
    }

    /// CPU time of every provider process seen so far.
    fn cpu(&self) -> Duration {
        Duration::from_nanos(self.seen.lock().unwrap().cpu_ns.values().sum())
    }
}

impl Drop for ProviderWatch {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn sample(others: &mut HashSet<u32>, seen: &Mutex<Seen>) {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if others.contains(&pid) {
            continue;
        }
        let p = e.path();
        let exe = std::fs::read_link(p.join("exe"))
            .map(|x| x.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !exe.contains("terraform-provider-enroll") {
            // Terraform's children are terraform until they exec the
            // provider; only other programs are skipped for good.
            if !exe.contains("terraform") {
                others.insert(pid);
            }
            continue;
        }
        let hwm = std::fs::read_to_string(p.join("status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
        // Nanoseconds on a CPU, per thread (schedstat's first field): exact,
        // where /proc/PID/stat counts 10 ms ticks.
        let ns = std::fs::read_dir(p.join("task")).ok().map(|tasks| {
            tasks
                .flatten()
                .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
                .filter_map(|s| s.split(' ').next()?.parse::<u64>().ok())
                .sum::<u64>()
        });
        let mut seen = seen.lock().unwrap();
        if let Some(kib) = hwm {
            seen.peak_kib = seen.peak_kib.max(kib);
        }
        if let Some(ns) = ns {
            // Threads that ended took their time with them: keep the most.
            let e = seen.cpu_ns.entry(pid).or_default();
            *e = (*e).max(ns);
        }
    }
}

/// CPU time of this process (the in-process sandbox) and of the processes
/// it waited for (terraform, which waits for its provider processes).
fn rusage(who: i32) -> Duration {
    // SAFETY: getrusage writes into the struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

#[derive(Clone, Copy)]
struct Cpu {
    children: Duration,
    sandbox: Duration,
    provider: Duration,
}

impl Cpu {
    fn now(watch: &ProviderWatch) -> Cpu {
        Cpu {
            children: rusage(libc::RUSAGE_CHILDREN),
            sandbox: rusage(libc::RUSAGE_SELF),
            provider: watch.cpu(),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            children: self.children.saturating_sub(before.children),
            sandbox: self.sandbox.saturating_sub(before.sandbox),
            provider: self.provider.saturating_sub(before.provider),
        }
    }
}

struct Timings {
    apply: Vec<Duration>,
    plan: Vec<Duration>,
    destroy: Vec<Duration>,
}

fn time(ws: &Workspace, args: &[&str]) -> Duration {
    let t = Instant::now();
    let run = ws.run(args);
    let wall = t.elapsed();
    assert_eq!(run.code, 0, "terraform {args:?} failed:\n{}", run.all());
    wall
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
    let tf_version = common::hermetic_command(common::terraform_bin())
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

    let watch = ProviderWatch::start();
    let mut cpu_lines = Vec::new();
    let mut apply_floor = HashMap::new();
    for &n in &sizes {
        let ws = Workspace::new();
        ws.write(&jobs_config(&ws, n));
        let before = Cpu::now(&watch);
        let enroll = cycle(&ws, runs);
        // The sampler may not have seen the last moments of the last
        // provider process yet.
        std::thread::sleep(Duration::from_millis(50));
        let cpu = Cpu::now(&watch).since(before);
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
        let terraform = cpu.children.saturating_sub(cpu.provider);
        let total = (cpu.children + cpu.sandbox).as_secs_f64().max(1e-9);
        cpu_lines.push(format!(
            "| {n} | {} ({:.0}%) | {} ({:.0}%) | {} ({:.0}%) |",
            secs(terraform),
            100.0 * terraform.as_secs_f64() / total,
            secs(cpu.provider),
            100.0 * cpu.provider.as_secs_f64() / total,
            secs(cpu.sandbox),
            100.0 * cpu.sandbox.as_secs_f64() / total,
        ));
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
