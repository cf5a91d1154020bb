//! Process start-up: the environment tf-provider needs, the runtime, and
//! the plugin server.

use crate::provider::EnrollProvider;
use std::process::ExitCode;

/// Serves the provider until Terraform stops it.
pub fn run() -> ExitCode {
    // tf-provider attaches a captured backtrace to every diagnostic when
    // RUST_BACKTRACE is set; users would see stack frames in `terraform
    // plan`. RUST_LIB_BACKTRACE=0 turns capture off for std::backtrace while
    // panics keep theirs. Set before any thread exists.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-enroll: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(tf_provider::serve("enroll", EnrollProvider::new())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("terraform-provider-enroll: {e:#}");
            ExitCode::FAILURE
        }
    }
}
