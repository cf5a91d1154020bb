//! Ctrl-C. In a terminal it signals the whole process group, this provider
//! included. Like go-plugin's servers (every Go provider), the provider does
//! not die of it: Terraform lets the requests in flight finish, stores what
//! they made and then stops the provider; dying instead would lose the
//! record of a job whose email already went out, and the next apply would
//! send another. But a long run (an invitation batch of 100,000) should not
//! go on for minutes either: it notes the interrupt here and stops after the
//! batch in flight is recorded.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    // A store to an atomic is async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the handler; call before any thread exists.
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// Whether Ctrl-C reached this process.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
