//! What the benchmarks share: medians, knobs from the environment, the
//! machine line, timing a Terraform command, and watching the provider
//! processes (peak RSS, CPU time) so a run can split its CPU between
//! Terraform, the provider and the in-process sandbox. Included by each
//! bench with `#[path]`, next to `tests/common`.

#![allow(dead_code)]

use crate::common::{self, Workspace};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn secs(d: Duration) -> String {
    format!("{:.3}s", d.as_secs_f64())
}

pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` has them.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Cores and Terraform's version, the first line every report prints.
pub fn machine() -> String {
    let tf_version = common::hermetic_command(common::terraform_bin())
        .arg("version")
        .output()
        .unwrap();
    format!(
        "machine: {} cores; {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        String::from_utf8_lossy(&tf_version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    )
}

/// Runs a terraform command; its wall time and what it printed.
pub fn timed(ws: &Workspace, args: &[&str]) -> (Duration, common::Run) {
    let t = Instant::now();
    let run = ws.run(args);
    (t.elapsed(), run)
}

/// Runs a terraform command that must succeed; its wall time.
pub fn time(ws: &Workspace, args: &[&str]) -> Duration {
    let (wall, run) = timed(ws, args);
    assert_eq!(run.code, 0, "terraform {args:?} failed:\n{}", run.all());
    wall
}

/// Samples every process of this build's provider while the benchmark
/// runs (not another checkout's, whose tests may share the machine): the peak
/// resident set (VmHWM) and the CPU time each one used, so a run can say
/// how much of its CPU went to the provider and how much to Terraform.
pub struct ProviderWatch {
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
    pub fn start() -> ProviderWatch {
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

    pub fn peak_mib(&self) -> f64 {
        self.seen.lock().unwrap().peak_kib as f64 / 1024.0
    }

    /// Forgets the peak seen so far, to measure the next command alone.
    pub fn reset_peak(&self) {
        self.seen.lock().unwrap().peak_kib = 0;
    }

    /// CPU time of every provider process seen so far.
    pub fn cpu(&self) -> Duration {
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
        // Only this build's provider: other checkouts' tests may run
        // theirs meanwhile.
        if exe != common::PROVIDER_BIN {
            // Terraform's children are terraform until they exec the
            // provider; only other programs are skipped for good.
            if !exe.contains("terraform") || exe.contains("terraform-provider") {
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

/// CPU time so far: of Terraform and its providers (the children this
/// process waited for), of this process (the sandbox, and the sampling),
/// and of the provider processes alone.
#[derive(Clone, Copy)]
pub struct Cpu {
    children: Duration,
    sandbox: Duration,
    pub provider: Duration,
}

impl Cpu {
    pub fn now(watch: &ProviderWatch) -> Cpu {
        Cpu {
            children: rusage(libc::RUSAGE_CHILDREN),
            sandbox: rusage(libc::RUSAGE_SELF),
            provider: watch.cpu(),
        }
    }

    /// What was used since `before`. The sampler may not have seen the
    /// last moments of the last provider process yet: give it a moment.
    pub fn since(watch: &ProviderWatch, before: Cpu) -> Cpu {
        std::thread::sleep(Duration::from_millis(50));
        let now = Cpu::now(watch);
        Cpu {
            children: now.children.saturating_sub(before.children),
            sandbox: now.sandbox.saturating_sub(before.sandbox),
            provider: now.provider.saturating_sub(before.provider),
        }
    }

    pub fn terraform(&self) -> Duration {
        self.children.saturating_sub(self.provider)
    }

    /// The provider's share of all the CPU time.
    pub fn provider_share(&self) -> f64 {
        self.provider.as_secs_f64() / (self.children + self.sandbox).as_secs_f64().max(1e-9)
    }

    /// `terraform (%) | provider processes (%) | sandbox (%)`, table cells.
    pub fn cells(&self) -> String {
        let total = (self.children + self.sandbox).as_secs_f64().max(1e-9);
        let cell = |d: Duration| format!("{} ({:.0}%)", secs(d), 100.0 * d.as_secs_f64() / total);
        format!(
            "{} | {} | {}",
            cell(self.terraform()),
            cell(self.provider),
            cell(self.sandbox)
        )
    }
}
