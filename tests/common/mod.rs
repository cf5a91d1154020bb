//! End-to-end harness: the real `terraform` binary, the provider binary
//! cargo built for this test run (through a `dev_overrides` CLI config, no
//! `terraform init`), and an in-process sandbox on a loopback port.

#![allow(dead_code)]

pub mod hermetic;
pub use hermetic::hermetic_command;

use enroll_sandbox::{SandboxConfig, SandboxHandle};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

pub const PROVIDER_BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-enroll");

/// Fails loudly when terraform is missing: an e2e test that silently skips
/// proves nothing.
pub fn terraform_bin() -> String {
    let bin = std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".into());
    let ok = hermetic_command(&bin)
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "the end-to-end tests need the `terraform` CLI (1.5 or newer) on PATH, or its path in \
         $TERRAFORM; install it and run the tests again"
    );
    bin
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "terraform failed:\n{}", self.all());
        self
    }
}

/// One Terraform working directory wired to one sandbox.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub sandbox: Arc<SandboxHandle>,
    terraform: String,
    cli_config: PathBuf,
    extra_env: Vec<(String, String)>,
}

impl Workspace {
    pub fn new() -> Workspace {
        let sandbox = SandboxHandle::spawn(SandboxConfig::default()).expect("start the sandbox");
        Self::with_sandbox(Arc::new(sandbox))
    }

    pub fn with_sandbox(sandbox: Arc<SandboxHandle>) -> Workspace {
        let terraform = terraform_bin();
        let dir = tempfile::tempdir().expect("temp dir");
        let bin_dir = Path::new(PROVIDER_BIN)
            .parent()
            .expect("provider binary has a directory");
        let cli_config = dir.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"passwordless/enroll\" = {:?}\n  }}\n  direct {{}}\n}}\n",
                bin_dir.display().to_string()
            ),
        )
        .expect("write CLI config");
        Workspace {
            dir,
            sandbox,
            terraform,
            cli_config,
            extra_env: Vec::new(),
        }
    }

    /// A second working directory (empty state) on the same sandbox.
    pub fn with_sandbox_of(other: &Workspace) -> Workspace {
        Self::with_sandbox(other.sandbox.clone())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf`: the provider requirement plus `body`.
    pub fn write(&self, body: &str) {
        let text = format!(
            "terraform {{\n  required_providers {{\n    enroll = {{ source = \"passwordless/enroll\" }}\n  }}\n}}\n\n{body}\n"
        );
        std::fs::write(self.path().join("main.tf"), text).expect("write main.tf");
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.into(), value.into()));
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = hermetic_command(&self.terraform);
        cmd.args(args)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("NO_COLOR", "1");
        for (k, v) in self.sandbox.env() {
            cmd.env(k, v);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        output_of(&mut self.command(args))
    }

    #[track_caller]
    pub fn apply(&self) -> Run {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .ok()
    }

    /// `plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error.
    pub fn plan(&self) -> Run {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    #[track_caller]
    pub fn destroy(&self) -> Run {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .ok()
    }

    /// The state as `terraform show -json` prints it.
    #[track_caller]
    pub fn state(&self) -> serde_json::Value {
        let run = self.run(&["show", "-json", "-no-color"]).ok();
        serde_json::from_str(&run.stdout).expect("show -json prints JSON")
    }

    /// Attribute values of the resource at `address`, or None.
    #[track_caller]
    pub fn resource(&self, address: &str) -> Option<serde_json::Value> {
        find_resource(&self.state(), address)
    }

    /// Requests the sandbox received from the provider (not the harness).
    pub fn request_count(&self) -> usize {
        self.sandbox.requests().len()
    }
}

/// Runs `cmd` to the end and keeps what it printed.
pub fn output_of(cmd: &mut Command) -> Run {
    Run::from(cmd.output().expect("run terraform"))
}

pub fn find_resource(state: &serde_json::Value, address: &str) -> Option<serde_json::Value> {
    let resources = state.pointer("/values/root_module/resources")?.as_array()?;
    resources
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| r["values"].clone())
}

/// Writes each part's ids to `parts/<name>.txt` and a configuration with a
/// batch resource per file (`for_each = fileset(...)`), as the guide splits
/// a set too large for one resource.
pub fn invite_in_parts<'a>(
    ws: &Workspace,
    parts: impl IntoIterator<Item = (String, Vec<&'a str>)>,
) {
    let dir = ws.path().join("parts");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, ids) in parts {
        std::fs::write(dir.join(format!("{name}.txt")), ids.join("\n")).unwrap();
    }
    ws.write(
        r#"
provider "enroll" {}

resource "enroll_authenticator_config" "web" {
  type = "hosted_web"
}

resource "enroll_credential_binding_batch" "part" {
  for_each                = fileset(path.module, "parts/*.txt")
  identity_ids            = sort(split("\n", trimspace(file("${path.module}/${each.value}"))))
  authenticator_config_id = enroll_authenticator_config.web.id
}
"#,
    );
}

/// The seeded identity with this username.
pub fn identity_id(ws: &Workspace, username: &str) -> String {
    ws.sandbox
        .seed()
        .identities
        .iter()
        .find(|i| i.username == username)
        .map(|i| i.id.clone())
        .unwrap_or_else(|| panic!("no seeded identity {username}"))
}

/// Diagnostics from a `-json` run: (severity, summary, detail, snippet code).
pub fn diagnostics(run: &Run) -> Vec<serde_json::Value> {
    // `validate -json` prints one document; the other commands, one
    // message per line.
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&run.stdout) {
        if let Some(diags) = doc["diagnostics"].as_array() {
            return diags.clone();
        }
    }
    run.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "diagnostic")
        .map(|v| v["diagnostic"].clone())
        .collect()
}

/// The first error diagnostic's source line (where Terraform points), its
/// summary and detail, for asserting which attribute an error is on.
#[track_caller]
pub fn error_on(run: &Run) -> (String, String) {
    let diags = diagnostics(run);
    let e = diags
        .iter()
        .find(|d| d["severity"] == "error")
        .unwrap_or_else(|| panic!("no error diagnostic in:\n{}", run.all()));
    let code = e["snippet"]["code"].as_str().unwrap_or_default().to_owned();
    let text = format!(
        "{}\n{}",
        e["summary"].as_str().unwrap_or_default(),
        e["detail"].as_str().unwrap_or_default()
    );
    (code, text)
}

impl Workspace {
    pub fn plan_json(&self) -> Run {
        self.run(&["plan", "-json", "-input=false", "-detailed-exitcode"])
    }

    pub fn apply_json(&self) -> Run {
        self.run(&["apply", "-json", "-input=false", "-auto-approve"])
    }

    /// Who the sandbox sent a link to, sorted.
    pub fn recipients(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .sandbox
            .outbox()
            .into_iter()
            .map(|m| m.recipient)
            .collect();
        all.sort();
        all
    }

    /// Emails (credential binding jobs) the sandbox sent.
    pub fn emails(&self) -> usize {
        self.sandbox
            .outbox()
            .iter()
            .filter(|m| m.job_id.is_some())
            .count()
    }

    pub fn requests_matching(&self, method: &str, path_contains: &str) -> usize {
        self.sandbox
            .requests()
            .iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .count()
    }
}
