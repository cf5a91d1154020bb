//! The `enroll-sandbox` binary: banner, env file, signals.

#[path = "../../tests/common/hermetic.rs"]
mod hermetic;

use hermetic::hermetic_command;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

struct Running {
    child: Child,
    env_file: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.env_file);
    }
}

fn start() -> Running {
    let env_file = std::env::temp_dir().join(format!(
        "enroll-sandbox-test-{}-{:?}.env",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&env_file);
    let child = hermetic_command(env!("CARGO_BIN_EXE_enroll-sandbox"))
        .args(["--port", "0", "--env-file"])
        .arg(&env_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    Running { child, env_file }
}

fn wait_for_env_file(running: &Running) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(contents) = std::fs::read_to_string(&running.env_file) {
            return contents;
        }
        assert!(Instant::now() < deadline, "no env file");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn url_of(env_file: &str) -> String {
    env_file
        .lines()
        .find_map(|l| l.strip_prefix("export BEYOND_IDENTITY_API_URL="))
        .expect("API URL exported")
        .to_owned()
}

#[tokio::test]
async fn the_env_file_points_at_a_live_sandbox() {
    let running = start();
    let contents = wait_for_env_file(&running);
    assert_eq!(contents.lines().count(), 11, "{contents}");
    assert!(contents.contains("export BEYOND_IDENTITY_TENANT_ID=000176d94fd7b4d1\n"));
    let url = url_of(&contents);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // No proxy: a user's HTTP_PROXY must not carry a loopback request away.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let seed: serde_json::Value = http
        .get(format!("{url}/_sandbox/seed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seed["realm_id"], "8b1ac7f1e5b7d6c3");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_after_printing_the_banner() {
    let mut running = start();
    wait_for_env_file(&running);
    let status = hermetic_command("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = running.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit:?}");
    let mut banner = String::new();
    running
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut banner)
        .unwrap();
    for expected in [
        "127.0.0.1",
        "alice@example.com",
        "(no email address)",
        "export BINDID_CREDENTIALS_ID=",
    ] {
        assert!(
            banner.contains(expected),
            "{expected} missing from:\n{banner}"
        );
    }
}
