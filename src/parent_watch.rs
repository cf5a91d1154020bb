//! A provider exits when Terraform is gone.
//!
//! Terraform stops its providers when it ends normally, but a SIGKILL (a CI
//! runner's timeout, the OOM killer) gives it no chance: its providers were
//! reparented to init and kept running for good. Nothing tells a process
//! that its parent died, so a thread watches `getppid()`: once it is no
//! longer the process that started us, the provider exits.
//!
//! Not `prctl(PR_SET_PDEATHSIG)`: it fires when the parent *thread* that
//! forked us exits, and Terraform is a Go program whose runtime may end the
//! OS thread that happened to start a provider while Terraform is alive
//! (golang/go#27505), which would kill a provider in the middle of an apply.
//! Polling also works on every Unix, not only Linux.

use std::time::Duration;

/// How often the parent is checked: a provider is gone within this much of
/// Terraform, at the cost of one `getppid` per tick.
const POLL: Duration = Duration::from_millis(100);

/// Starts the watch. Does nothing when the parent is already init (the
/// provider was started as a daemon or orphaned before it got here).
pub fn exit_when_orphaned() {
    #[cfg(unix)]
    {
        // SAFETY: getppid has no preconditions and cannot fail.
        let parent = unsafe { libc::getppid() };
        if parent <= 1 {
            return;
        }
        // A small stack: the thread only sleeps and makes one syscall.
        let watch = std::thread::Builder::new()
            .name("parent-watch".into())
            .stack_size(64 * 1024)
            .spawn(move || loop {
                std::thread::sleep(POLL);
                // SAFETY: as above.
                if unsafe { libc::getppid() } != parent {
                    // Whoever would read our answers is gone; nothing is
                    // left to record, and stderr is a closed pipe.
                    std::process::exit(1);
                }
            });
        if let Err(e) = watch {
            crate::logging::warn(
                "serve",
                "cannot watch the parent process; this provider will not exit by itself if Terraform is killed",
                &[("error", e.to_string().into())],
            );
        }
    }
}
