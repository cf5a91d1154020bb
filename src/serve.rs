//! Process start-up: the environment tf-provider needs, the runtime, and
//! the plugin server.

use crate::api::http::Backoff;
use crate::provider::EnrollProvider;
use std::process::ExitCode;
use std::time::Duration;

/// Backoff bounds; `ENROLL_BACKOFF_BASE_MS` / `ENROLL_BACKOFF_MAX_MS` shrink
/// them so the fault tests run in milliseconds. Not a user setting.
fn backoff_from_env() -> Backoff {
    let ms = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
    };
    let d = Backoff::default();
    Backoff {
        base: ms("ENROLL_BACKOFF_BASE_MS").unwrap_or(d.base),
        max: ms("ENROLL_BACKOFF_MAX_MS").unwrap_or(d.max),
        retry_after_cap: ms("ENROLL_RETRY_AFTER_CAP_MS").unwrap_or(d.retry_after_cap),
    }
}

/// Serves the provider until Terraform stops it.
pub fn run() -> ExitCode {
    // tf-provider attaches a captured backtrace to every diagnostic when
    // RUST_BACKTRACE is set; users would see stack frames in `terraform
    // plan`. RUST_LIB_BACKTRACE=0 turns capture off for std::backtrace while
    // panics keep theirs. Set before any thread exists.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    #[cfg(unix)]
    crate::handshake::install();
    crate::interrupt::install();
    crate::parent_watch::exit_when_orphaned();

    // One thread: the provider waits on Terraform and on HTTP answers and
    // uses ~3% of the CPU of an apply; worker threads bought no time and
    // cost two threads and ~0.4 MiB per process (docs/performance.md).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-enroll: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(tf_provider::serve(
        "enroll",
        EnrollProvider::with_backoff(backoff_from_env()),
    ));
    #[cfg(unix)]
    crate::linger::release(crate::linger::RELEASE_WITHIN);
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-enroll: {e:#}");
            ExitCode::FAILURE
        }
    }
}
