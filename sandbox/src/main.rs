//! `enroll-sandbox [--port N] [--env-file PATH]`: serves the sandbox on
//! 127.0.0.1 until SIGINT or SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use enroll_sandbox::{serve, Sandbox, Seed};
use tokio::net::TcpListener;

const USAGE: &str = "usage: enroll-sandbox [--port N] [--env-file PATH]

Serves fake Beyond Identity and Transmit BindID APIs on http://127.0.0.1:N
(N = 0, the default, picks a free port). The outbox of sent links is at /.
--env-file PATH  also write the provider's `export VAR=value` lines to PATH";

struct Args {
    port: u16,
    env_file: Option<PathBuf>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>> {
    let mut parsed = Args {
        port: 0,
        env_file: None,
    };
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .with_context(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let raw = value()?;
                parsed.port = raw
                    .parse()
                    .with_context(|| format!("--port: {raw:?} is not a port number"))?;
            }
            "--env-file" => parsed.env_file = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Ok(None),
            other => bail!("unknown argument {other:?}\n\n{USAGE}"),
        }
    }
    Ok(Some(parsed))
}

/// Single-quoted for the shell when the value needs it.
fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-:/@%+=,".contains(c));
    if plain && !value.is_empty() {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

fn export_lines(sandbox: &Sandbox) -> String {
    sandbox
        .env()
        .iter()
        .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
        .collect()
}

fn banner(sandbox: &Sandbox) -> String {
    let seed: &Seed = sandbox.seed();
    let mut out = format!(
        "enroll-sandbox listening on {url}\n\
         outbox page:  {url}/\n\
         \n\
         Beyond Identity\n  tenant_id       {}\n  realm_id        {}\n  application_id  {}\n  client_id       {}\n  client_secret   {}\n  api_token       {}\n\
         \n\
         identities\n",
        seed.tenant_id,
        seed.realm_id,
        seed.application_id,
        seed.client_id,
        seed.client_secret,
        seed.api_token,
        url = sandbox.url(),
    );
    for identity in &seed.identities {
        let email = identity.email.as_deref().unwrap_or("(no email address)");
        out.push_str(&format!(
            "  {}  {:<6} {email}\n",
            identity.id, identity.username
        ));
    }
    out.push_str(&format!(
        "\nTransmit BindID\n  credentials_id      {}\n  credentials_secret  {}\n  client_id           {}\n\n",
        seed.bindid_credentials_id, seed.bindid_credentials_secret, seed.bindid_client_id,
    ));
    out.push_str(&export_lines(sandbox));
    out
}

/// Written whole and renamed into place, so a script that waits for the
/// file never reads half of it.
fn write_env_file(path: &Path, contents: &str) -> Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, contents)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Registers the handlers at once, before the banner and the env file tell
/// anyone the sandbox is up: a SIGTERM sent the moment the file appears must
/// stop it cleanly, not kill it with the default disposition.
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

async fn run(args: Args) -> Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    let url = format!("http://{}", listener.local_addr()?);
    let sandbox = Sandbox::new(url, Seed::default());
    let stop = shutdown_signal()?;
    print!("{}", banner(&sandbox));
    if let Some(path) = &args.env_file {
        write_env_file(path, &export_lines(&sandbox))?;
    }
    serve(listener, sandbox, stop).await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("enroll-sandbox: {e:#}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("enroll-sandbox: {e:#}");
            ExitCode::FAILURE
        }
    }
}
