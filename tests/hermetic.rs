//! The suite passes in a real user's shell: this test binary exports what a
//! user of the provider has (vendor credentials, provider settings, Terraform
//! settings) into its own environment before anything runs, and the
//! end-to-end case must still apply, plan and destroy against the sandbox.
//! Each value would break the run, or leave a trace that is checked, if it
//! reached terraform or the provider.

mod common;

use common::hermetic::is_scrubbed;
use common::{hermetic_command, Workspace};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where the leaked settings would make terraform write, if they leaked.
struct Traces {
    _dir: tempfile::TempDir,
    data_dir: PathBuf,
    plugin_cache: PathBuf,
    log_path: PathBuf,
}

/// Exports the user's settings into this process once; every test here
/// calls it first, so no test runs without them.
fn users_shell() -> &'static Traces {
    static TRACES: OnceLock<Traces> = OnceLock::new();
    TRACES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let traces = Traces {
            data_dir: dir.path().join("tf-data"),
            plugin_cache: dir.path().join("plugin-cache"),
            log_path: dir.path().join("terraform.log"),
            _dir: dir,
        };
        std::fs::create_dir_all(&traces.plugin_cache).unwrap();
        let user_rc = traces.plugin_cache.with_file_name("user.terraformrc");
        std::fs::write(&user_rc, "plugin_cache_dir = \"/nonexistent\"\n").unwrap();
        let exported: Vec<(&str, String)> = vec![
            // A real tenant's credentials: the provider prefers a token
            // over the sandbox's client credentials, and would get a 401.
            ("BEYOND_IDENTITY_REGION", "eu".into()),
            ("BEYOND_IDENTITY_API_URL", "https://api-eu.beyondidentity.com".into()),
            ("BEYOND_IDENTITY_AUTH_URL", "https://auth-eu.beyondidentity.com".into()),
            ("BEYOND_IDENTITY_TENANT_ID", "00011c5b2fbb7e1d".into()),
            ("BEYOND_IDENTITY_REALM_ID", "7f5a0c9d1e2b3a44".into()),
            ("BEYOND_IDENTITY_API_TOKEN", "eyJhbGciOiJSUzI1NiIsImtpZCI6InVzZXIifQ.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl".into()),
            ("BEYOND_IDENTITY_APPLICATION_ID", "2f1e5d7c-0b9a-4c3d-8e6f-1a2b3c4d5e6f".into()),
            ("BEYOND_IDENTITY_CLIENT_ID", "Xq2mPz7vLk9wRt4yBn6c".into()),
            ("BEYOND_IDENTITY_CLIENT_SECRET", "s3cr3t-Jd8fK2lQ9zX4vB7nM1pW6rT0yU5iO3eA".into()),
            // A production BindID account with a ready token: preferred over
            // the sandbox's credentials secret, and refused by the sandbox.
            ("BINDID_ENVIRONMENT", "production".into()),
            ("BINDID_ADMIN_URL", "https://admin.bindid.io".into()),
            ("BINDID_SIGNIN_URL", "https://signin.identity.security".into()),
            ("BINDID_CREDENTIALS_ID", "9c1d2e3f.prod_creds.tid_acme.bindid.io".into()),
            ("BINDID_CREDENTIALS_SECRET", "Zx8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0Gf9Ed".into()),
            ("BINDID_ACCESS_TOKEN", "eyJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJiaW5kaWQifQ.dG9rZW4".into()),
            // Provider settings: no request can finish in a nanosecond, and
            // one request every 50 s would stall the apply.
            ("ENROLL_REQUEST_TIMEOUT", "1ns".into()),
            ("ENROLL_MAX_RETRIES", "0".into()),
            ("ENROLL_MAX_REQUESTS_PER_SECOND", "0.02".into()),
            // Terraform settings a user or a CI runner has.
            ("TF_CLI_CONFIG_FILE", user_rc.display().to_string()),
            ("TF_DATA_DIR", traces.data_dir.display().to_string()),
            ("TF_PLUGIN_CACHE_DIR", traces.plugin_cache.display().to_string()),
            ("TF_WORKSPACE", "production".into()),
            ("TF_CLI_ARGS", "-lock-timeout=5m".into()),
            ("TF_CLI_ARGS_plan", "-var-file=production.tfvars".into()),
            ("TF_CLI_ARGS_apply", "-var-file=production.tfvars".into()),
            ("TF_VAR_invitees", r#"{"mallory@example.com" = "a11ce0d9e2b7c401"}"#.into()),
            ("TF_LOG", "TRACE".into()),
            ("TF_LOG_PROVIDER", "DEBUG".into()),
            ("TF_LOG_PATH", traces.log_path.display().to_string()),
            (
                "TF_REATTACH_PROVIDERS",
                r#"{"registry.terraform.io/passwordless/enroll":{"Protocol":"grpc","ProtocolVersion":6,"Pid":1,"Test":true,"Addr":{"Network":"unix","String":"/nonexistent/plugin.sock"}}}"#.into(),
            ),
            // A proxy that answers nothing: reqwest would send the
            // provider's loopback requests there.
            ("HTTP_PROXY", "http://127.0.0.1:9".into()),
            ("http_proxy", "http://127.0.0.1:9".into()),
            ("HTTPS_PROXY", "http://127.0.0.1:9".into()),
        ];
        for (name, value) in exported {
            // Edition 2021; every test here starts by calling this, so no
            // other thread of this binary reads the environment meanwhile.
            std::env::set_var(name, value);
        }
        traces
    })
}

fn quickstart(ws: &Workspace) {
    let main = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/main.tf");
    std::fs::copy(main, ws.path().join("main.tf")).expect("copy the quickstart");
}

#[test]
fn the_quickstart_applies_plans_clean_and_destroys_in_a_users_shell() {
    let traces = users_shell();
    let ws = Workspace::new();
    quickstart(&ws);

    let apply = ws.apply();
    assert!(
        !apply.all().contains("[TRACE]"),
        "TF_LOG reached terraform:\n{}",
        apply.all()
    );
    assert_eq!(
        ws.recipients(),
        ["alice@example.com", "bob@example.com", "carol@example.com"],
        "TF_VAR_invitees reached terraform"
    );

    let plan = ws.plan();
    assert_eq!(
        plan.code,
        0,
        "plan after apply is not empty:\n{}",
        plan.all()
    );
    ws.destroy();

    for (what, path) in [
        ("TF_DATA_DIR", &traces.data_dir),
        ("TF_LOG_PATH", &traces.log_path),
    ] {
        assert!(
            !path.exists(),
            "{what} reached terraform: {}",
            path.display()
        );
    }
    let cached = std::fs::read_dir(&traces.plugin_cache).unwrap().count();
    assert_eq!(cached, 0, "TF_PLUGIN_CACHE_DIR reached terraform");
}

#[test]
fn started_processes_see_none_of_the_users_settings() {
    users_shell();
    let out = hermetic_command("env")
        .env("ENROLL_SET_BY_THE_TEST", "1")
        .output()
        .expect("run env");
    assert!(out.status.success());
    let env = String::from_utf8_lossy(&out.stdout);
    let leaked: Vec<&str> = env
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| is_scrubbed(k.as_ref()) && *k != "ENROLL_SET_BY_THE_TEST")
        .filter(|k| !["TF_IN_AUTOMATION", "TF_INPUT"].contains(k))
        .collect();
    assert!(leaked.is_empty(), "leaked into a child: {leaked:?}");
    assert!(env.contains("ENROLL_SET_BY_THE_TEST=1"), "{env}");
    // The user's settings are there to leak: this process has them.
    assert!(std::env::var_os("BEYOND_IDENTITY_API_TOKEN").is_some());
}
