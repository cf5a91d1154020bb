//! A provider never outlives the terraform that started it. A CI runner's
//! timeout ends terraform with SIGKILL, which gives it no chance to stop its
//! providers; they must notice by themselves and exit within a second,
//! instead of lingering, reparented to init, for good.
//!
//! Linux only: the processes of the run are found through /proc.
#![cfg(target_os = "linux")]

mod common;

use common::{identity_id, Workspace};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Pids of the provider processes whose environment holds `marker`.
fn providers_with(marker: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
            continue;
        };
        let is_provider = std::fs::read_link(entry.path().join("exe"))
            .is_ok_and(|exe| exe.to_string_lossy().contains("terraform-provider-enroll"));
        let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
        let marked = environ
            .split(|b| *b == 0)
            .any(|var| var == marker.as_bytes());
        if is_provider && marked && alive(pid) {
            pids.push(pid);
        }
    }
    pids
}

/// Running, not gone and not a zombie waiting for init to reap it.
fn alive(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // "pid (comm) S ...": the state follows the last ')'.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    !matches!(state, Some("Z") | Some("X") | None)
}

#[test]
fn no_provider_outlives_a_terraform_killed_mid_apply() {
    let mut ws = Workspace::new();
    let marker = format!("ENROLL_TEST_RUN={}", uuid::Uuid::new_v4());
    let (name, value) = marker.split_once('=').unwrap();
    ws.set_env(name, value);
    let alice = identity_id(&ws, "alice");
    let jobs: String = (0..10)
        .map(|i| {
            format!(
                "resource \"enroll_credential_binding_job\" \"j{i}\" {{\n  identity_id = \"{alice}\"\n  authenticator_config_id = enroll_authenticator_config.c.id\n  triggers = {{ n = \"{i}\" }}\n}}\n"
            )
        })
        .collect();
    ws.write(&format!(
        "provider \"enroll\" {{}}\nresource \"enroll_authenticator_config\" \"c\" {{\n  type = \"hosted_web\"\n}}\n{jobs}"
    ));
    // Every answer takes two seconds: the apply is still sending when
    // terraform is killed.
    ws.sandbox.set_latency(2_000);

    let mut terraform = ws
        .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start terraform");
    // Mid-apply: the authenticator configuration was answered and the jobs
    // are in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    let providers = loop {
        let providers = providers_with(&marker);
        if ws.requests_matching("POST", "/credential-binding-jobs") > 0 && !providers.is_empty() {
            break providers;
        }
        assert!(
            terraform.try_wait().unwrap().is_none(),
            "terraform ended before it was killed"
        );
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(20));
    };

    terraform.kill().expect("SIGKILL terraform");
    terraform.wait().expect("reap terraform");
    let killed = Instant::now();
    let mut left = providers.clone();
    while !left.is_empty() && killed.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(10));
        left.retain(|pid| alive(*pid));
    }
    let after = killed.elapsed();
    // Anything of this run still alive, found afresh: a provider started
    // just before the kill is not missed.
    let mut survivors = providers_with(&marker);
    survivors.extend(left);
    survivors.sort_unstable();
    survivors.dedup();
    for pid in &survivors {
        // SAFETY: kill(2) takes no pointers; these are this run's providers.
        unsafe { libc::kill(*pid as libc::pid_t, libc::SIGKILL) };
    }
    assert!(
        survivors.is_empty(),
        "provider processes {survivors:?} of the killed terraform were still running 2 s later"
    );
    eprintln!(
        "{} provider process(es) exited {:?} after terraform was killed",
        providers.len(),
        after
    );
}
