//! Secrets stay secret: TLS certificates are always verified, and no
//! credential, issued token or enrollment link reaches a TRACE log,
//! terraform's output or a diagnostic.

mod common;
use common::{identity_id, Run, Workspace};
use enroll_sandbox::Fault;
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A TLS server on a loopback port with a self-signed certificate for
/// 127.0.0.1 and localhost. It counts connections and handshakes that
/// completed (a client that verifies certificates completes none).
struct SelfSignedServer {
    port: u16,
    connections: Arc<AtomicUsize>,
    handshakes: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SelfSignedServer {
    fn start() -> SelfSignedServer {
        let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("make a certificate");
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.key_pair.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, h, s) = (connections.clone(), handshakes.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            // Bounded: stops when told, or after two minutes at most.
            let deadline = Instant::now() + Duration::from_secs(120);
            while !s.load(Ordering::Relaxed) && Instant::now() < deadline {
                let Ok((tcp, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                };
                c.fetch_add(1, Ordering::Relaxed);
                let _ = tcp.set_nonblocking(false);
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                let mut tls = rustls::StreamOwned::new(conn, tcp);
                let mut buf = [0u8; 512];
                // A read drives the handshake; it fails when the client
                // rejects the certificate.
                if tls.read(&mut buf).is_ok() && !tls.conn.is_handshaking() {
                    h.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        SelfSignedServer {
            port,
            connections,
            handshakes,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }
}

impl Drop for SelfSignedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn a_self_signed_certificate_is_refused_with_a_clear_message() {
    let server = SelfSignedServer::start();
    let mut ws = Workspace::new();
    for var in [
        "BEYOND_IDENTITY_API_URL",
        "BEYOND_IDENTITY_AUTH_URL",
        "BINDID_ADMIN_URL",
        "BINDID_SIGNIN_URL",
    ] {
        ws.set_env(var, &server.url());
    }
    ws.write(
        r#"
provider "enroll" {}
resource "enroll_authenticator_config" "web" {
  type = "hosted_web"
}
"#,
    );
    let started = Instant::now();
    let run = ws.run(&["apply", "-auto-approve", "-no-color"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(
        out.to_lowercase().contains("certificate"),
        "the error names the certificate:\n{out}"
    );
    assert!(
        out.contains("access token"),
        "and what was being done:\n{out}"
    );
    assert!(
        server.connections.load(Ordering::Relaxed) >= 1,
        "it was tried"
    );
    assert_eq!(
        server.handshakes.load(Ordering::Relaxed),
        0,
        "no TLS session was ever established"
    );
    assert_eq!(
        server.connections.load(Ordering::Relaxed),
        1,
        "an untrusted certificate is not retried: it will not change"
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert_eq!(ws.request_count(), 0, "nothing reached the sandbox");
}

/// Everything a person or a log collector could read from one run.
fn texts(run: &Run, log: &std::path::Path) -> Vec<(String, String)> {
    vec![
        ("terraform stdout".into(), run.stdout.clone()),
        ("terraform stderr".into(), run.stderr.clone()),
        (
            format!("log {}", log.display()),
            std::fs::read_to_string(log).unwrap_or_default(),
        ),
    ]
}

#[track_caller]
fn assert_nothing_leaks(texts: &[(String, String)], secrets: &[(&str, String)]) {
    for (where_, text) in texts {
        for (what, secret) in secrets {
            assert!(
                !secret.is_empty() && !text.contains(secret.as_str()),
                "{what} leaked into {where_}"
            );
        }
        assert!(
            !text.contains("Bearer "),
            "an authorization header leaked into {where_}"
        );
        assert!(
            !text.contains("Basic "),
            "a Basic authorization header leaked into {where_}"
        );
        assert!(
            !text.contains("access_token\":") && !text.contains("access_token\\\":"),
            "a token answer leaked into {where_}"
        );
    }
}

/// Both token flows at TRACE (terraform's own logging and the provider's):
/// Beyond Identity client credentials and BindID credentials, each first
/// handed a token the API then refuses (so the refresh path is logged too),
/// plus a RETURN job whose link lives in state.
#[test]
fn trace_logs_output_and_diagnostics_carry_no_secret() {
    let mut ws = Workspace::new();
    let log = |n: usize| ws_path(&ws, &format!("trace-{n}.log"));
    let first_log = log(1);
    let second_log = log(2);
    ws.set_env("TF_LOG", "TRACE");
    let alice = identity_id(&ws, "alice");
    let client = ws.sandbox.seed().bindid_client_id.clone();
    let seed = ws.sandbox.seed().clone();
    let bi = format!(
        r#"
provider "enroll" {{}}
resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}
resource "enroll_credential_binding_job" "mail" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
}}
resource "enroll_credential_binding_job" "link" {{
  identity_id             = "{alice}"
  authenticator_config_id = enroll_authenticator_config.web.id
  delivery_method         = "RETURN"
}}
"#
    );
    let bindid = format!(
        r#"
resource "enroll_bindid_activation" "zed" {{
  user_email = "zed@example.com"
  client_id  = "{client}"
  alias {{
    type = "email"
  }}
}}
"#
    );
    // Tokens the endpoints hand out first; the API refuses them, so the
    // provider uses each in a request, then fetches a real one.
    let bi_token = "issued-bi-token-4f1d9a7c".to_owned();
    let bindid_token = "issued-bindid-token-8e2b6c31".to_owned();
    let issued = |token: &str, path: &str| Fault {
        method: Some("POST".into()),
        path_contains: Some(path.into()),
        status: Some(200),
        body: Some(serde_json::json!({
            "access_token": token, "token_type": "Bearer", "expires_in": 3600
        })),
        ..Fault::default()
    };

    ws.write(&bi);
    ws.sandbox.add_fault(issued(&bi_token, "/applications/"));
    ws.set_env("TF_LOG_PATH", first_log.to_str().unwrap());
    let first = ws.run(&["apply", "-auto-approve", "-no-color"]).ok();

    ws.write(&format!("{bi}\n{bindid}"));
    ws.sandbox.add_fault(issued(&bindid_token, "/token"));
    ws.set_env("TF_LOG_PATH", second_log.to_str().unwrap());
    let second = ws.run(&["apply", "-auto-approve", "-no-color"]).ok();

    let refused = ws
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.status == Some(401))
        .count();
    assert_eq!(refused, 2, "each issued token was used once and refused");
    let log_text = std::fs::read_to_string(&first_log).unwrap();
    assert!(
        log_text.contains("[TRACE]") && log_text.contains("provider.enroll.http"),
        "TRACE reached terraform and the provider's lines are in it"
    );

    let link = ws.resource("enroll_credential_binding_job.link").unwrap()
        ["credential_binding_link"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut secrets = vec![
        (
            "the Beyond Identity client secret",
            seed.client_secret.clone(),
        ),
        (
            "the BindID credentials secret",
            seed.bindid_credentials_secret.clone(),
        ),
        ("an issued Beyond Identity token", bi_token.clone()),
        ("an issued BindID token", bindid_token.clone()),
        ("a RETURN link", link.clone()),
    ];
    for m in ws.sandbox.outbox() {
        secrets.push(("a sent link", m.link.clone()));
        if let Some((_, token)) = m.link.split_once("token=") {
            secrets.push(("a link token", token.to_owned()));
        }
    }
    let mut all = texts(&first, &first_log);
    all.extend(texts(&second, &second_log));
    assert_nothing_leaks(&all, &secrets);

    // Diagnostics: ready tokens the APIs refuse end in errors, whose text
    // must not quote the token either.
    let mut bad = Workspace::with_sandbox_of(&ws);
    let failing_log = ws_path(&bad, "trace-failing.log");
    let ready_bi = "ready-bi-token-0d5e7f92".to_owned();
    let ready_bindid = "ready-bindid-token-71c3aa08".to_owned();
    bad.set_env("TF_LOG", "TRACE");
    bad.set_env("TF_LOG_PATH", failing_log.to_str().unwrap());
    bad.set_env("BEYOND_IDENTITY_API_TOKEN", &ready_bi);
    bad.set_env("BINDID_ACCESS_TOKEN", &ready_bindid);
    bad.write(&format!("{bi}\n{bindid}"));
    let failing = bad.run(&["apply", "-auto-approve", "-json"]);
    assert_eq!(failing.code, 1, "{}", failing.all());
    let diags = common::diagnostics(&failing);
    assert!(diags.len() >= 2, "one error per vendor: {diags:?}");
    let diag_text = serde_json::to_string(&diags).unwrap();
    assert!(diag_text.contains("401"), "{diag_text}");
    secrets.push(("a ready Beyond Identity token", ready_bi));
    secrets.push(("a ready BindID token", ready_bindid));
    let mut all = texts(&failing, &failing_log);
    all.push(("diagnostics".into(), diag_text));
    assert_nothing_leaks(&all, &secrets);
}

fn ws_path(ws: &Workspace, name: &str) -> std::path::PathBuf {
    ws.path().join(name)
}
