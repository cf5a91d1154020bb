//! `scripts/sandbox`, the README's "try your own configuration" step: the
//! sandbox stays up, its env file points a terraform in another shell at it
//! and at the provider, the outbox page answers, and Ctrl-C stops it all.

mod common;

use common::{hermetic_command, terraform_bin, Run, PROVIDER_BIN};
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// `cargo test --workspace` builds enroll-sandbox beside the provider (the
/// sandbox's own tests run it); the script is given both, so the test never
/// rebuilds what the other tests are running.
fn bin_dir() -> PathBuf {
    let dir = Path::new(PROVIDER_BIN).parent().unwrap().to_owned();
    assert!(
        dir.join("enroll-sandbox").is_file(),
        "no enroll-sandbox binary in {}: run the whole suite (`cargo test --workspace`, as \
         scripts/test does) or `cargo build -p enroll-sandbox` first",
        dir.display()
    );
    dir
}

/// The running script; Ctrl-C (SIGINT to its process group) when dropped.
struct Script {
    child: Child,
}

impl Script {
    fn interrupt(&self) {
        // SAFETY: kill(2) takes no pointers; the group is the script's own.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGINT) };
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.interrupt();
            let _ = self.child.wait();
        }
    }
}

/// A GET on loopback: (status line, body).
fn get(url: &str) -> (String, String) {
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = std::net::TcpStream::connect(host).expect("connect to the sandbox");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[test]
fn a_kept_sandbox_serves_a_users_own_configuration_until_ctrl_c() {
    let terraform = terraform_bin();
    let tmp = tempfile::tempdir().unwrap();
    let state_dir = tmp.path().join("sandbox");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sandbox");
    let mut cmd = hermetic_command(&script);
    cmd.arg("--dir")
        .arg(&state_dir)
        .env("ENROLL_BIN_DIR", bin_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // A shell that starts a job in the background without job control (as
    // `cmd &` in a script, or some CI runners, do) makes it ignore SIGINT,
    // its children inherit that, and a script cannot trap an ignored
    // signal. Ctrl-C in a terminal finds the default disposition: start
    // the script with it.
    // SAFETY: signal(2) is async-signal-safe; nothing else runs in between.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    let mut running = Script {
        child: cmd.spawn().expect("start scripts/sandbox"),
    };

    let env_file = state_dir.join("env");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !env_file.exists() {
        if let Some(status) = running.child.try_wait().unwrap() {
            let mut err = String::new();
            let _ = running
                .child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err);
            panic!("scripts/sandbox exited with {status}:\n{err}");
        }
        assert!(
            Instant::now() < deadline,
            "scripts/sandbox wrote no env file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let env = std::fs::read_to_string(&env_file).unwrap();
    let url = env
        .lines()
        .find_map(|l| l.strip_prefix("export BEYOND_IDENTITY_API_URL="))
        .expect("the API URL is exported")
        .to_owned();
    assert!(env.contains("export TF_CLI_CONFIG_FILE="), "{env}");

    // The user's own configuration, in a directory of their own, planned and
    // applied by a shell that sourced the env file, as the README says.
    let config = tmp.path().join("my-config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("main.tf"),
        r#"terraform {
  required_providers {
    enroll = { source = "passwordless/enroll" }
  }
}

provider "enroll" {}

resource "enroll_authenticator_config" "mine" {
  type = "hosted_web"
}

resource "enroll_credential_binding_job" "alice" {
  identity_id             = "a11ce0d9e2b7c401"
  authenticator_config_id = enroll_authenticator_config.mine.id
}

resource "enroll_bindid_activation" "carol" {
  user_email = "carol@example.com"
  client_id  = "3d70edce.sandbox_client.tid_sandbox.bindid.io"
  alias {
    type = "email"
  }
}
"#,
    )
    .unwrap();
    // The other shell belongs to a user of the real vendors: their ready
    // tokens, which the provider prefers, must not reach the sandbox.
    let shell = |args: &[&str]| -> Run {
        let out = hermetic_command("bash")
            .env(
                "BEYOND_IDENTITY_API_TOKEN",
                "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl",
            )
            .env("BINDID_ACCESS_TOKEN", "eyJhbGciOiJFUzI1NiJ9.e30.dG9rZW4")
            .arg("-c")
            .arg(". \"$0\" && exec \"$@\"")
            .arg(&env_file)
            .arg(&terraform)
            .arg(format!("-chdir={}", config.display()))
            .args(args)
            .output()
            .expect("run bash");
        Run::from(out)
    };
    let plan = shell(&["plan", "-input=false", "-no-color"]);
    assert_eq!(plan.code, 0, "terraform plan failed:\n{}", plan.all());
    let apply = shell(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(apply.code, 0, "terraform apply failed:\n{}", apply.all());

    let (status, page) = get(&format!("{url}/"));
    assert!(status.contains(" 200"), "outbox page: {status}");
    for recipient in ["alice@example.com", "carol@example.com"] {
        assert!(page.contains(recipient), "outbox page:\n{page}");
    }

    running.interrupt();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = running.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut printed = String::new();
    running
        .child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert!(status.success(), "exit status {status}:\n{printed}");
    for expected in [
        format!("Outbox page (every link it \"sent\"): {url}/"),
        format!(". {}", env_file.display()),
        "export TF_CLI_CONFIG_FILE=".to_owned(),
        "export BEYOND_IDENTITY_CLIENT_SECRET=".to_owned(),
    ] {
        assert!(
            printed.contains(&expected),
            "{expected:?} not in:\n{printed}"
        );
    }
    assert!(!env_file.exists(), "the env file outlived the sandbox");
    let address = url.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(address).is_err(),
        "the sandbox still answers at {url} after Ctrl-C"
    );
}
