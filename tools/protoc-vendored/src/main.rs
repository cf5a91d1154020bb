//! Runs the protoc binary that the `protoc-bin-vendored` crate ships, so that
//! tf-provider's build script works on a machine with only the Rust toolchain.
use std::process::{exit, Command};

fn main() {
    let protoc = match protoc_bin_vendored::protoc_bin_path() {
        Ok(path) => path,
        Err(err) => {
            eprintln!("protoc-vendored: no bundled protoc for this platform: {err}");
            exit(2);
        }
    };
    let status = Command::new(&protoc)
        .args(std::env::args_os().skip(1))
        .status();
    match status {
        Ok(status) => exit(status.code().unwrap_or(1)),
        Err(err) => {
            eprintln!("protoc-vendored: cannot run {}: {err}", protoc.display());
            exit(2);
        }
    }
}
