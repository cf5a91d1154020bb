//! The plugin binary Terraform starts. Everything lives in the library.

fn main() -> std::process::ExitCode {
    enroll_provider::run()
}
