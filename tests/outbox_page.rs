//! The sandbox's outbox page as a browser shows it: the quickstart is
//! applied, then headless Chromium loads `/` and the DOM it rendered must list
//! every link the sandbox sent, with its recipient, newest first.
//!
//! Chromium is Debian's `chromium` package (`.ci/run` installs it). Without
//! it this test fails: a page nobody rendered proves nothing.

mod common;

use common::{hermetic_command, Workspace};
use enroll_sandbox::{OutboxKind, OutboxMessage};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::thread;
use std::time::{Duration, Instant};

/// A cold start with an empty profile takes about a second here; the margin
/// is for a loaded two-core CI machine, not for a page that never loads.
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(90);

fn on_path(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `$CHROMIUM`, else `chromium` (Debian) or `chromium-browser` (Ubuntu).
fn chromium_bin() -> PathBuf {
    if let Some(wanted) = std::env::var_os("CHROMIUM").filter(|v| !v.is_empty()) {
        let wanted = wanted.to_string_lossy().into_owned();
        return on_path(&wanted)
            .unwrap_or_else(|| panic!("$CHROMIUM is {wanted:?}, which names no file"));
    }
    ["chromium", "chromium-browser"]
        .iter()
        .find_map(|name| on_path(name))
        .expect(
            "the outbox page test needs headless Chromium: install Debian's `chromium` package \
             (`apt-get install --no-install-recommends chromium`, as .ci/run does), or put its \
             path in $CHROMIUM",
        )
}

/// The DOM Chromium built from `url`, as `--dump-dom` serialises it.
fn rendered_dom(url: &str) -> String {
    let bin = chromium_bin();
    let home = tempfile::tempdir().expect("temp dir for Chromium");
    let profile = home.path().join("profile");
    let mut cmd = hermetic_command(&bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-domain-reliability",
        "--disable-breakpad",
        "--metrics-recording-only",
        "--no-pings",
        "--disable-dev-shm-usage",
        // An http_proxy in the environment must not route loopback traffic.
        "--no-proxy-server",
        // Whatever Chromium might look up on its own resolves to nothing, so
        // the only address it can reach is the sandbox's.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg("--dump-dom")
    .arg(url)
    // Crash reports and caches land in the temp dir, not the user's home.
    .env("HOME", home.path())
    .env("XDG_CONFIG_HOME", home.path().join("config"))
    .env("XDG_CACHE_HOME", home.path().join("cache"))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    // Its own process group, so a hung browser goes with all its helpers.
    .process_group(0);

    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let group = child.id() as libc::pid_t;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).map(|_| s)
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for Chromium") {
            break Some(status);
        }
        if started.elapsed() > CHROMIUM_DEADLINE {
            break None;
        }
        thread::sleep(Duration::from_millis(50));
    };
    // Helpers (zygote, crashpad) can outlive the browser and hold the pipes
    // open; the group is Chromium's alone, so this ends only what it started.
    // SAFETY: kill(2) takes no pointers; a negative pid names a group.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let _ = child.wait();
    let dom = out
        .join()
        .expect("stdout reader")
        .expect("Chromium's stdout");
    let log = err.join().expect("stderr reader");
    let tail: String = {
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    };
    match status {
        None => panic!(
            "Chromium did not finish loading {url} within {CHROMIUM_DEADLINE:?}; its log:\n{tail}"
        ),
        Some(s) if !s.success() => panic!("Chromium exited with {s} on {url}; its log:\n{tail}"),
        Some(_) => {}
    }
    eprintln!("Chromium rendered {url} in {:?}", started.elapsed());
    assert!(
        dom.contains("</html>"),
        "Chromium printed no document for {url}:\n{dom}\nits log:\n{tail}"
    );
    dom
}

/// Undoes the escaping Chromium's serialiser applies to text and attributes.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The text of `html` with its tags removed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

/// The inside of the first `<td class="{class}" ...>` in `row`.
fn cell<'a>(row: &'a str, class: &str) -> &'a str {
    let open = format!("<td class=\"{class}");
    let start = row
        .find(&open)
        .unwrap_or_else(|| panic!("no {class} cell in row:\n{row}"));
    let body = &row[start..];
    let body = &body[body.find('>').expect("end of <td>") + 1..];
    &body[..body.find("</td>").expect("</td>")]
}

/// The value of the first `name="..."` attribute in `html`.
fn attr(html: &str, name: &str) -> String {
    let key = format!("{name}=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} attribute in:\n{html}"))
        + key.len();
    let rest = &html[start..];
    unescape(&rest[..rest.find('"').expect("closing quote")])
}

/// One table row as a person reads it.
#[derive(Debug, PartialEq)]
struct Row {
    recipient: String,
    kind: String,
    href: String,
    link_text: String,
    sent: String,
    expires: String,
}

fn rows(dom: &str) -> Vec<Row> {
    let start = dom
        .find("<tbody>")
        .unwrap_or_else(|| panic!("the page has no table body:\n{dom}"));
    let end = dom[start..].find("</tbody>").expect("</tbody>") + start;
    dom[start..end]
        .split("<tr")
        .skip(1)
        .map(|row| {
            let link = cell(row, "link");
            Row {
                recipient: text(cell(row, "recipient")),
                kind: text(cell(row, "kind")),
                href: attr(link, "href"),
                link_text: text(link),
                sent: attr(cell(row, "sent"), "datetime"),
                expires: attr(cell(row, "expires"), "datetime"),
            }
        })
        .collect()
}

fn expected_row(m: &OutboxMessage) -> Row {
    let kind = match m.kind {
        OutboxKind::CredentialBindingJob => "Beyond Identity enrollment email",
        OutboxKind::BindidActivation => "BindID activation email",
    };
    Row {
        recipient: m.recipient.clone(),
        kind: kind.to_owned(),
        href: m.link.clone(),
        link_text: m.link.clone(),
        sent: m.sent_at.clone(),
        expires: m.expire_time.clone(),
    }
}

#[test]
fn chromium_shows_every_quickstart_link_newest_first() {
    // Found before terraform runs, so a missing browser fails at once.
    chromium_bin();
    let ws = Workspace::new();
    let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/main.tf");
    std::fs::copy(&quickstart, ws.path().join("main.tf")).expect("copy the quickstart");
    ws.apply();

    let sent = ws.sandbox.outbox();
    let mut recipients: Vec<&str> = sent.iter().map(|m| m.recipient.as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        ["alice@example.com", "bob@example.com", "carol@example.com"],
        "the quickstart sends two enrollment emails and one BindID activation"
    );

    let dom = rendered_dom(&format!("{}/", ws.sandbox.url()));
    assert!(
        dom.contains("<title>enroll-sandbox outbox</title>"),
        "not the outbox page:\n{dom}"
    );
    assert!(
        dom.contains("3 links sent, newest first"),
        "no count of the links:\n{dom}"
    );
    let expected: Vec<Row> = sent.iter().rev().map(expected_row).collect();
    assert_eq!(rows(&dom), expected, "rendered DOM:\n{dom}");
}
