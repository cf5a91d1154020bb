//! The release package installed the way a user installs it: `scripts/release`
//! packs the provider binary cargo built for this test run, a filesystem
//! mirror serves the zip to a real `terraform init` (no dev_overrides and no
//! `direct {}`, so nothing can reach a registry), and the quickstart applies
//! against an in-process sandbox.

mod common;

use common::{hermetic_command, terraform_bin, Run, PROVIDER_BIN};
use enroll_sandbox::{OutboxKind, SandboxConfig, SandboxHandle};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "terraform-provider-enroll";
const SOURCE: &str = "registry.terraform.io/passwordless/enroll";
// The test crate is the root package, so this is the version the script
// must read out of cargo metadata.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Terraform's name for the host platform, as `terraform version` prints it.
fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

fn entry_name() -> String {
    format!("{NAME}_v{VERSION}{}", std::env::consts::EXE_SUFFIX)
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("start {cmd:?}: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the script on `binary` with `env` set; `epoch` is its
/// SOURCE_DATE_EPOCH (None: the script's default, the last commit's time).
fn release_run(binary: &Path, args: &[&Path], epoch: Option<u64>, env: &[(&str, &str)]) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/release");
    let mut cmd = hermetic_command(script);
    cmd.args(args)
        .env("ENROLL_RELEASE_BINARY", binary)
        .envs(env.iter().copied());
    if let Some(epoch) = epoch {
        cmd.env("SOURCE_DATE_EPOCH", epoch.to_string());
    }
    run(&mut cmd)
}

fn release(binary: &Path, args: &[&Path], epoch: Option<u64>) -> Run {
    let run = release_run(binary, args, epoch, &[]);
    assert_eq!(run.code, 0, "scripts/release failed:\n{}", run.all());
    run
}

/// SHA-256 of some bytes, through coreutils' `sha256sum` (the tool the
/// release itself uses), as lowercase hex.
fn sha256_hex(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = hermetic_command("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum (coreutils) on PATH");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | ((*b as u32) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Terraform's `h1:` package hash of a package holding one file: the
/// SHA-256 of the `sha256sum`-style listing of its files, in base64.
fn h1_hash(file_name: &str, contents: &[u8]) -> String {
    let listing = format!("{}  {file_name}\n", sha256_hex(contents));
    let hex = sha256_hex(listing.as_bytes());
    let digest: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    format!("h1:{}", base64(&digest))
}

#[derive(Debug)]
struct ZipEntry {
    name: String,
    unix_mode: u32,
    /// MS-DOS (date, time) fields, as stored.
    dos_stamp: (usize, usize),
}

/// The entries of a zip, from its central directory.
fn zip_entries(zip: &[u8]) -> Vec<ZipEntry> {
    let u16_at = |i: usize| u16::from_le_bytes([zip[i], zip[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(zip[i..i + 4].try_into().unwrap());
    let eocd = (0..=zip.len().saturating_sub(22))
        .rev()
        .find(|&i| zip[i..i + 4] == [0x50, 0x4b, 0x05, 0x06])
        .expect("a zip's end-of-central-directory record");
    let count = u16_at(eocd + 10);
    let mut at = u32_at(eocd + 16) as usize;
    let mut entries = Vec::new();
    for _ in 0..count {
        assert_eq!(zip[at..at + 4], [0x50, 0x4b, 0x01, 0x02], "central header");
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let name = String::from_utf8(zip[at + 46..at + 46 + name_len].to_vec()).unwrap();
        entries.push(ZipEntry {
            name,
            unix_mode: u32_at(at + 38) >> 16,
            dos_stamp: (u16_at(at + 14), u16_at(at + 12)),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

/// `name => sha256` from a SHA256SUMS file, checking its format on the way.
fn parse_sums(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|line| {
            let (hash, name) = line
                .split_once("  ")
                .unwrap_or_else(|| panic!("not sha256sum format: {line:?}"));
            assert!(
                hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
                "bad hash in {line:?}"
            );
            (name.to_owned(), hash.to_owned())
        })
        .collect()
}

struct Package {
    dir: PathBuf,
    zip: String,
    sums: BTreeMap<String, String>,
}

/// Checks the three release files and returns where they are.
fn check_package(dir: &Path) -> Package {
    let prefix = format!("{NAME}_{VERSION}");
    let zip = format!("{prefix}_{}.zip", platform());
    let manifest = format!("{prefix}_manifest.json");
    let sums_name = format!("{prefix}_SHA256SUMS");

    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut expected = vec![zip.clone(), manifest.clone(), sums_name.clone()];
    expected.sort();
    assert_eq!(files, expected, "release directory");

    let repo_manifest = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform-registry-manifest.json"),
    )
    .unwrap();
    assert_eq!(std::fs::read(dir.join(&manifest)).unwrap(), repo_manifest);

    let sums = parse_sums(&std::fs::read_to_string(dir.join(&sums_name)).unwrap());
    assert_eq!(
        sums.keys().cloned().collect::<Vec<_>>(),
        vec![zip.clone(), manifest.clone()],
        "SHA256SUMS covers the zip and the manifest"
    );
    for (name, hash) in &sums {
        let actual = sha256_hex(&std::fs::read(dir.join(name)).unwrap());
        assert_eq!(&actual, hash, "SHA256SUMS entry for {name}");
    }

    let entries = zip_entries(&std::fs::read(dir.join(&zip)).unwrap());
    assert_eq!(entries.len(), 1, "one file in the zip: {entries:?}");
    assert_eq!(entries[0].name, entry_name());
    assert_eq!(
        entries[0].unix_mode & 0o777,
        0o755,
        "the binary is executable"
    );

    Package {
        dir: dir.to_owned(),
        zip,
        sums,
    }
}

/// A working directory with the quickstart and a CLI config whose only
/// installation method is the filesystem mirror.
struct Project {
    dir: PathBuf,
    cli_config: PathBuf,
    terraform: String,
}

impl Project {
    fn new(root: &Path, name: &str, mirror: &Path) -> Project {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let quickstart = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
        for entry in std::fs::read_dir(quickstart).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tf") {
                std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
            }
        }
        let cli_config = dir.join("terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = {:?}\n    include = [\"{SOURCE}\"]\n  }}\n}}\n",
                mirror.display().to_string()
            ),
        )
        .unwrap();
        Project {
            dir,
            cli_config,
            terraform: terraform_bin(),
        }
    }

    fn terraform(&self, args: &[&str], env: &[(String, String)]) -> Run {
        // The hermetic environment has no TF_DATA_DIR, TF_PLUGIN_CACHE_DIR or
        // TF_REATTACH_PROVIDERS, so only the mirror can supply the provider
        // and terraform keeps its data in this directory.
        let mut cmd = hermetic_command(&self.terraform);
        cmd.args(args)
            .current_dir(&self.dir)
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (k, v)));
        run(&mut cmd)
    }

    fn init(&self) -> Run {
        self.terraform(&["init", "-input=false", "-no-color"], &[])
    }

    fn lock_file(&self) -> String {
        std::fs::read_to_string(self.dir.join(".terraform.lock.hcl")).unwrap_or_default()
    }

    /// The hashes the lock file records for the provider.
    fn locked_hashes(&self) -> Vec<String> {
        let lock = self.lock_file();
        let block = lock
            .split_once(&format!("provider \"{SOURCE}\" {{"))
            .unwrap_or_else(|| panic!("no {SOURCE} in the lock file:\n{lock}"))
            .1;
        let block = &block[..block.find("\n}").unwrap()];
        assert!(
            block.contains(&format!("version = \"{VERSION}\"")),
            "lock file version:\n{lock}"
        );
        block
            .lines()
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| l.starts_with('"') && l.ends_with('"') && l.contains(':'))
            .map(|l| l.trim_matches('"').to_owned())
            .filter(|l| l.starts_with("h1:") || l.starts_with("zh:"))
            .collect()
    }

    fn seed_lock_file(&self, hash: &str) {
        std::fs::write(
            self.dir.join(".terraform.lock.hcl"),
            format!("provider \"{SOURCE}\" {{\n  version = \"{VERSION}\"\n  hashes = [\n    \"{hash}\",\n  ]\n}}\n"),
        )
        .unwrap();
    }

    fn installed_binary(&self) -> PathBuf {
        self.dir
            .join(".terraform/providers")
            .join(SOURCE)
            .join(VERSION)
            .join(platform())
            .join(entry_name())
    }
}

#[test]
fn released_zip_installs_from_a_filesystem_mirror_and_applies_the_quickstart() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    release(Path::new(PROVIDER_BIN), &[Path::new("--out"), &dist], None);
    let pkg = check_package(&dist);
    let zip_sha = pkg.sums[&pkg.zip].clone();
    let binary = std::fs::read(PROVIDER_BIN).unwrap();
    let h1 = h1_hash(&entry_name(), &binary);

    // The packed mirror layout: HOSTNAME/NAMESPACE/TYPE/<release zip>.
    let mirror = tmp.path().join("mirror");
    let slot = mirror.join(SOURCE);
    std::fs::create_dir_all(&slot).unwrap();
    std::fs::copy(pkg.dir.join(&pkg.zip), slot.join(&pkg.zip)).unwrap();

    // First use, no lock file: terraform trusts the package and records the
    // hash of what it unpacked. A filesystem mirror has no signed checksums,
    // so terraform writes no `zh:` hash of its own here.
    let fresh = Project::new(tmp.path(), "fresh", &mirror);
    let init = fresh.init();
    assert_eq!(init.code, 0, "terraform init failed:\n{}", init.all());
    assert!(
        init.stdout
            .contains(&format!("Installed passwordless/enroll v{VERSION}")),
        "terraform init did not install {VERSION}:\n{}",
        init.all()
    );
    assert_eq!(
        fresh.locked_hashes(),
        vec![h1.clone()],
        "{}",
        fresh.lock_file()
    );
    assert!(
        std::fs::read(fresh.installed_binary()).unwrap() == binary,
        "the installed provider is not the binary that was packaged"
    );

    // A lock file pinned to a checksum that is not the package's: terraform
    // must refuse the mirror's zip.
    let wrong = Project::new(tmp.path(), "wrong", &mirror);
    wrong.seed_lock_file(&format!("zh:{}", "0".repeat(64)));
    let init = wrong.init();
    assert_ne!(
        init.code,
        0,
        "init accepted a zip its lock file does not allow:\n{}",
        init.all()
    );
    assert!(
        // Terraform wraps its messages at 78 columns.
        init.all()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("doesn't match any of the checksums previously recorded"),
        "{}",
        init.all()
    );

    // The user's path: pin the release's SHA256SUMS in the lock file, as the
    // registry would, then init, which checks the zip against it and adds h1:.
    let pinned = Project::new(tmp.path(), "pinned", &mirror);
    pinned.seed_lock_file(&format!("zh:{zip_sha}"));
    let init = pinned.init();
    assert_eq!(init.code, 0, "terraform init failed:\n{}", init.all());
    assert!(
        init.stdout
            .contains(&format!("Installed passwordless/enroll v{VERSION}")),
        "{}",
        init.all()
    );
    let mut hashes = pinned.locked_hashes();
    hashes.sort();
    assert_eq!(
        hashes,
        vec![h1, format!("zh:{zip_sha}")],
        "{}",
        pinned.lock_file()
    );

    let sandbox = SandboxHandle::spawn(SandboxConfig::default()).expect("start the sandbox");
    let apply = pinned.terraform(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &sandbox.env(),
    );
    assert_eq!(apply.code, 0, "terraform apply failed:\n{}", apply.all());
    let outbox = sandbox.outbox();
    let mut emails: Vec<&str> = outbox
        .iter()
        .filter(|m| m.kind == OutboxKind::CredentialBindingJob)
        .map(|m| m.recipient.as_str())
        .collect();
    emails.sort();
    let bindid: Vec<&str> = outbox
        .iter()
        .filter(|m| m.kind == OutboxKind::BindidActivation)
        .map(|m| m.recipient.as_str())
        .collect();
    assert_eq!(
        (emails, bindid, outbox.len()),
        (
            vec!["alice@example.com", "bob@example.com"],
            vec!["carol@example.com"],
            3
        ),
        "sandbox outbox after the quickstart; apply said:\n{}",
        apply.all()
    );
}

/// The zip records SOURCE_DATE_EPOCH, not the time of the build or of the
/// run, so two builds of a tag give the same zip and the same `zh:` hash that
/// users pin. Also the positional output-directory form.
#[test]
fn same_binary_and_epoch_give_the_same_zip() {
    // 2023-11-14 22:13:20 UTC, an even second (DOS time has 2 s steps).
    const EPOCH: u64 = 1_700_000_000;
    let dos_stamp = (
        ((2023 - 1980) << 9) | (11 << 5) | 14,
        (22 << 11) | (13 << 5) | (20 / 2),
    );

    let tmp = tempfile::tempdir().unwrap();
    let binary = tmp.path().join("provider");
    std::fs::write(&binary, b"#!/bin/sh\necho not a provider\n").unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    release(&binary, &[&a], Some(EPOCH));
    let file = std::fs::File::options().write(true).open(&binary).unwrap();
    file.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30))
        .unwrap();
    drop(file);
    release(&binary, &[Path::new("--out"), &b], Some(EPOCH));

    let (pa, pb) = (check_package(&a), check_package(&b));
    let zip = std::fs::read(a.join(&pa.zip)).unwrap();
    assert_eq!(zip_entries(&zip)[0].dos_stamp, dos_stamp);
    assert_eq!(pa.sums, pb.sums);
    assert_eq!(zip, std::fs::read(b.join(&pb.zip)).unwrap());
}

const PASSPHRASE: &str = "correct horse battery staple";

/// A throwaway GnuPG home holding one RSA signing key (the Terraform
/// Registry takes RSA and DSA keys) with a passphrase, as a release key
/// has. The agent gpg starts for it is stopped on drop.
struct Keyring {
    home: tempfile::TempDir,
    fingerprint: String,
}

impl Keyring {
    fn new() -> Keyring {
        let home = tempfile::tempdir().expect("a GnuPG home");
        // The agent calibrates the passphrase's key derivation to take a
        // while, 3 s a key here; a test key needs no such protection.
        std::fs::write(home.path().join("gpg-agent.conf"), "s2k-count 65536\n").unwrap();
        let mut ring = Keyring {
            home,
            fingerprint: String::new(),
        };
        let made = ring.gpg(&[
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            PASSPHRASE,
            "--quick-gen-key",
            "enroll release test <release-test@example.invalid>",
            "rsa2048",
            "sign",
            "1d",
        ]);
        assert_eq!(made.code, 0, "gpg could not make a key:\n{}", made.all());
        let listed = ring.gpg(&["--with-colons", "--list-secret-keys"]);
        ring.fingerprint = listed
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_owned())
            .expect("the key's fingerprint");
        ring
    }

    fn home(&self) -> &str {
        self.home.path().to_str().unwrap()
    }

    fn gpg(&self, args: &[&str]) -> Run {
        run(hermetic_command("gpg")
            .arg("--batch")
            .args(args)
            .env("GNUPGHOME", self.home.path()))
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        let _ = hermetic_command("gpgconf")
            .args(["--kill", "all"])
            .env("GNUPGHOME", self.home.path())
            .status();
    }
}

fn gpg_bin_present() {
    let ok = hermetic_command("gpg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "the release signing test needs `gpg`: install Debian's `gnupg` package (scripts/test \
         does)"
    );
}

#[test]
fn every_platforms_checksums_are_signed_with_the_key_named_by_gpg_fingerprint() {
    gpg_bin_present();
    let keys = Keyring::new();
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let out: [&Path; 2] = [Path::new("--out"), &dist];
    // What is zipped does not matter here, and a small file zips at once.
    let binary = tmp.path().join("provider");
    std::fs::write(&binary, b"#!/bin/sh\necho not a provider\n").unwrap();
    // The release workflow: one zip per platform, then the checksums of
    // them all, signed.
    release(&binary, &out, None);
    let windows = [
        out[0],
        out[1],
        Path::new("--platform"),
        Path::new("windows_arm64"),
    ];
    release(&binary, &windows, None);
    let sign = [
        out[0],
        out[1],
        Path::new("--sums-only"),
        Path::new("--sign"),
    ];
    let signed = release_run(
        &binary,
        &sign,
        None,
        &[
            ("GPG_FINGERPRINT", &keys.fingerprint),
            ("GPG_PASSPHRASE", PASSPHRASE),
            ("GNUPGHOME", keys.home()),
        ],
    );
    assert_eq!(signed.code, 0, "scripts/release failed:\n{}", signed.all());
    assert!(
        !signed.all().contains(PASSPHRASE),
        "the passphrase was printed"
    );

    let prefix = format!("{NAME}_{VERSION}");
    let sums = dist.join(format!("{prefix}_SHA256SUMS"));
    let sig = dist.join(format!("{prefix}_SHA256SUMS.sig"));
    let listed = parse_sums(&std::fs::read_to_string(&sums).unwrap());
    let mut expected = vec![
        format!("{prefix}_{}.zip", platform()),
        format!("{prefix}_windows_arm64.zip"),
        format!("{prefix}_manifest.json"),
    ];
    expected.sort();
    assert_eq!(listed.keys().cloned().collect::<Vec<_>>(), expected);
    for (name, hash) in &listed {
        assert_eq!(&sha256_hex(&std::fs::read(dist.join(name)).unwrap()), hash);
    }
    let windows_zip = std::fs::read(dist.join(format!("{prefix}_windows_arm64.zip"))).unwrap();
    assert_eq!(
        zip_entries(&windows_zip)[0].name,
        format!("{NAME}_v{VERSION}.exe")
    );

    // As the registry checks it: with the public key alone.
    let registry = tempfile::tempdir().unwrap();
    let public = keys.gpg(&["--armor", "--export", &keys.fingerprint]);
    assert!(public.stdout.contains("BEGIN PGP PUBLIC KEY BLOCK"));
    let key_file = registry.path().join("release.asc");
    std::fs::write(&key_file, &public.stdout).unwrap();
    let verifier = Keyring {
        home: registry,
        fingerprint: keys.fingerprint.clone(),
    };
    let imported = verifier.gpg(&["--import", key_file.to_str().unwrap()]);
    assert_eq!(imported.code, 0, "{}", imported.all());
    let sums_path = sums.to_str().unwrap();
    let verified = verifier.gpg(&["--verify", sig.to_str().unwrap(), sums_path]);
    assert_eq!(verified.code, 0, "gpg --verify failed:\n{}", verified.all());
    assert!(
        verified.stderr.contains("Good signature"),
        "{}",
        verified.all()
    );

    // And the signature is worth something: one changed byte breaks it.
    let mut tampered = std::fs::read(&sums).unwrap();
    tampered[0] = if tampered[0] == b'0' { b'1' } else { b'0' };
    let tampered_path = tmp.path().join("tampered_SHA256SUMS");
    std::fs::write(&tampered_path, tampered).unwrap();
    let bad = verifier.gpg(&[
        "--verify",
        sig.to_str().unwrap(),
        tampered_path.to_str().unwrap(),
    ]);
    assert_ne!(bad.code, 0, "a changed SHA256SUMS verified:\n{}", bad.all());
    assert!(bad.stderr.contains("BAD signature"), "{}", bad.all());
}

#[test]
fn sign_without_a_key_is_an_error_that_names_gpg_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let args: [&Path; 3] = [Path::new("--out"), tmp.path(), Path::new("--sign")];
    let binary = tmp.path().join("provider");
    std::fs::write(&binary, b"#!/bin/sh\n").unwrap();
    let run = release_run(&binary, &args, None, &[]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("GPG_FINGERPRINT"), "{}", run.all());
}
