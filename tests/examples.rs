//! The examples are what users copy: they must be `terraform fmt`-clean,
//! valid against the provider's live schema, and the `terraform test`
//! example must pass both against mocks and against a real API (the
//! sandbox). Everything runs through the dev override, never `terraform
//! init`.

mod common;
use common::{hermetic_command, output_of, terraform_bin, Run, Workspace};
use std::path::{Path, PathBuf};

const REQUIRED_PROVIDERS: &str = "terraform {\n  required_providers {\n    enroll = {\n      source = \"passwordless/enroll\"\n    }\n  }\n}\n";

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .any(|e| e.path().is_file() && e.path().extension().is_some_and(|x| x == "tf"))
}

/// Every directory under `examples/` with `.tf` files of its own: each is
/// one Terraform module.
fn example_modules() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        if has_tf_files(dir) {
            found.push(dir.to_owned());
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && !is_hidden(p))
            .collect();
        children.sort();
        for child in children {
            walk(&child, found);
        }
    }
    let mut found = Vec::new();
    walk(&examples(), &mut found);
    found
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Copies a module (and its `tests/`), leaving out anything a local run may
/// have left behind (`.terraform/`, state).
fn copy_module(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read example dir") {
        let path = entry.expect("dir entry").path();
        if is_hidden(&path) {
            continue;
        }
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_module(&path, &target);
        } else if !path.to_string_lossy().contains(".tfstate") {
            std::fs::copy(&path, &target).expect("copy example file");
        }
    }
}

fn relative(dir: &Path) -> String {
    dir.strip_prefix(examples())
        .map(|p| format!("examples/{}", p.display()))
        .unwrap_or_else(|_| dir.display().to_string())
}

#[test]
fn examples_are_terraform_fmt_clean() {
    let run = output_of(
        hermetic_command(terraform_bin())
            .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
            .arg(examples()),
    );
    assert_eq!(
        run.code,
        0,
        "`terraform fmt -check -recursive examples` found unformatted files; run \
         `terraform fmt -recursive examples`:\n{}",
        run.all()
    );
}

#[test]
fn every_example_validates_against_the_provider_schema() {
    let modules = example_modules();
    // Discovery must not come back empty-handed and pass vacuously: the
    // provider example is the one tfplugindocs itself requires.
    assert!(
        modules.contains(&examples().join("provider")),
        "found no examples/provider among {modules:?}"
    );
    let first = Workspace::new();
    let mut failures = Vec::new();
    for dir in &modules {
        let ws = Workspace::with_sandbox_of(&first);
        copy_module(dir, ws.path());
        // The tfplugindocs snippets (provider/, resources/*, data-sources/*)
        // leave out the requirement; without it `enroll` would mean
        // hashicorp/enroll, which the dev override does not cover.
        let declares = std::fs::read_dir(ws.path())
            .expect("read workspace")
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
            .any(|e| {
                std::fs::read_to_string(e.path())
                    .is_ok_and(|text| text.contains("\"passwordless/enroll\""))
            });
        if !declares {
            std::fs::write(
                ws.path().join("zz_required_providers.tf"),
                REQUIRED_PROVIDERS,
            )
            .expect("write the provider requirement");
        }
        let run = ws.run(&["validate", "-no-color"]);
        if run.code != 0 {
            failures.push(format!("{}:\n{}", relative(dir), run.all()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples fail `terraform validate`:\n\n{}",
        failures.len(),
        modules.len(),
        failures.join("\n")
    );
}

/// `(passed, failed)` from the summary line `terraform test` ends with:
/// `Success! 3 passed, 0 failed.` (`, 1 skipped` when some were skipped).
fn test_summary(run: &Run) -> Option<(usize, usize)> {
    let line = run.stdout.lines().rev().find(|l| l.contains(" passed, "))?;
    let count = |word: &str| -> Option<usize> {
        let before = line.split(word).next()?.trim_end();
        before.rsplit([' ', ',']).next()?.parse().ok()
    };
    Some((count(" passed")?, count(" failed")?))
}

/// How many `run` blocks a test file holds: all must pass, none be skipped.
fn run_blocks(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .unwrap_or_else(|e| panic!("read {}: {e}", file.display()))
        .lines()
        .filter(|l| l.starts_with("run \""))
        .count()
}

fn terraform_test(ws: &Workspace, file: &str) -> (Run, usize) {
    let example = examples().join("terraform-test");
    copy_module(&example, ws.path());
    let runs = run_blocks(&example.join(file));
    assert!(runs > 0, "{file} has no run blocks");
    let run = ws.run(&["test", "-no-color", &format!("-filter={file}")]);
    (run, runs)
}

#[test]
fn terraform_test_example_passes_with_the_mock_provider() {
    let ws = Workspace::new();
    let (run, runs) = terraform_test(&ws, "tests/mock.tftest.hcl");
    assert_eq!(
        (run.code, test_summary(&run)),
        (0, Some((runs, 0))),
        "expected all {runs} mock runs to pass:\n{}",
        run.all()
    );
    // The provider could reach the sandbox (its variables are set), so no
    // request proves the mocks stood in for every call.
    assert_eq!(
        ws.request_count(),
        0,
        "the mock tests reached the API: {:?}",
        ws.sandbox.requests()
    );
}

#[test]
fn terraform_test_example_passes_against_the_sandbox() {
    let ws = Workspace::new();
    let (run, runs) = terraform_test(&ws, "tests/sandbox.tftest.hcl");
    assert_eq!(
        (run.code, test_summary(&run)),
        (0, Some((runs, 0))),
        "expected all {runs} sandbox runs to pass:\n{}",
        run.all()
    );
    let posts = |suffix: &str| {
        ws.sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with(suffix))
            .count()
    };
    let created = posts("/credential-binding-jobs");
    assert!(created > 0, "the sandbox tests sent no link");
    // terraform test destroys what it made, and a replaced or destroyed job
    // is revoked: no link the tests made still works afterwards.
    assert_eq!(
        posts(":revoke"),
        created,
        "every job the tests created should be revoked by the end"
    );
}

#[test]
fn test_summary_reads_terraforms_last_line() {
    let run = |stdout: &str| Run {
        code: 0,
        stdout: stdout.into(),
        stderr: String::new(),
    };
    assert_eq!(
        test_summary(&run(
            "  run \"a\"... pass\n\nSuccess! 3 passed, 0 failed.\n"
        )),
        Some((3, 0))
    );
    assert_eq!(
        test_summary(&run("Failure! 12 passed, 1 failed, 2 skipped.\n")),
        Some((12, 1))
    );
    assert_eq!(test_summary(&run("Error: no tests\n")), None);
}
