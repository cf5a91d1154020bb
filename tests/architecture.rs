//! The house rules of `src/`, read from the code itself: imports point
//! down the layers (no cycle between modules), resources and data sources
//! receive their clients from `clients.rs` and never reach into the
//! provider, and the API layer knows nothing of Terraform.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, by its path relative to `src/`.
fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("read src/") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src/");
                let text = std::fs::read_to_string(&path).expect("read source");
                out.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    assert!(out.len() > 20, "found only {} files under src/", out.len());
    out
}

/// The code of a file without its unit tests (what stands before its
/// `#[cfg(test)]` module) and without comments.
fn code(text: &str) -> String {
    let before_tests = text.split("\n#[cfg(test)]").next().unwrap_or(text);
    before_tests
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file: `resources/common.rs` → `resources::common`,
/// `api/beyond_identity/mod.rs` → `api::beyond_identity`.
fn module_of(file: &str) -> Vec<String> {
    let trimmed = file.trim_end_matches(".rs");
    let mut parts: Vec<String> = trimmed.split('/').map(str::to_owned).collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The file that holds a module path, when one does: the longest prefix of
/// `path` that is a module (the rest are items in it).
fn file_of(path: &[String], modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n].to_vec()).cloned())
}

/// Paths a file names: `crate::a::b` anywhere in its code, and `super::x`
/// relative to its own module, as absolute module paths.
fn named_paths(file: &str, code: &str) -> Vec<Vec<String>> {
    let own = module_of(file);
    let mut out = Vec::new();
    let ident = |s: &str| -> Vec<String> {
        s.split("::")
            .map(|p| {
                p.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .take_while(|p| !p.is_empty())
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let start = i + "crate::".len();
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        out.push(ident(&code[start..]));
    }
    for (i, _) in code.match_indices("super::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        // `super` of `a/b/mod.rs` (module a::b) and of `a/b.rs` (module
        // a::b) is `a` either way; each further `super::` climbs one more.
        let mut base = own.clone();
        base.pop();
        let mut after = &code[i + "super::".len()..];
        while let Some(rest) = after.strip_prefix("super::") {
            base.pop();
            after = rest;
        }
        let mut rest = ident(after);
        let mut path = base;
        path.append(&mut rest);
        out.push(path);
    }
    out
}

/// Whether `line` names `prefix` as a path start, not inside a longer name.
fn names(line: &str, prefix: &str) -> bool {
    line.match_indices(prefix).any(|(i, _)| {
        !line[..i]
            .chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// Imports between files, where a file names an item of another file.
fn file_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = sources();
    let modules: BTreeMap<Vec<String>, String> =
        files.keys().map(|f| (module_of(f), f.clone())).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in &files {
        let edges = graph.entry(file.clone()).or_default();
        for path in named_paths(file, &code(text)) {
            if let Some(target) = file_of(&path, &modules) {
                if &target != file && target != "lib.rs" {
                    edges.insert(target);
                }
            }
        }
        // A folder's `mod.rs` that calls into a child (`configure::build()`)
        // depends on it; its `mod child;` line alone does not.
        if file.ends_with("mod.rs") {
            let own = module_of(file);
            let c = code(text);
            for (child_path, child) in &modules {
                let Some(name) = child_path.last() else {
                    continue;
                };
                if child_path.len() != own.len() + 1 || !child_path.starts_with(&own) {
                    continue;
                }
                let calls_it = c.lines().any(|l| {
                    let l = l.trim_start();
                    !l.contains(&format!("mod {name};")) && names(l, &format!("{name}::"))
                });
                if calls_it {
                    edges.insert(child.clone());
                }
            }
        }
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let graph = file_graph();
    let into_common = graph
        .values()
        .filter(|e| e.contains("resources/common.rs"))
        .count();
    assert!(into_common >= 4, "the import reader lost track: {graph:#?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle in src/: {}", cycle.join(" -> "));
    }
}

#[test]
fn no_cycle_between_top_level_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, targets) in file_graph() {
        let from = module_of(&file).first().cloned().unwrap_or_default();
        for t in targets {
            let to = module_of(&t).first().cloned().unwrap_or_default();
            if to != from && !to.is_empty() && !from.is_empty() {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("modules import each other: {}", cycle.join(" -> "));
    }
}

#[test]
fn only_the_entry_points_name_the_provider() {
    for (file, text) in sources() {
        if file.starts_with("provider/") || file == "serve.rs" || file == "lib.rs" {
            continue;
        }
        assert!(
            !code(&text).contains("crate::provider"),
            "{file} imports crate::provider; what a resource receives lives in clients.rs"
        );
    }
}

#[test]
fn the_api_layer_knows_nothing_of_terraform() {
    for (file, text) in sources() {
        if !file.starts_with("api/") {
            continue;
        }
        let c = code(&text);
        for forbidden in [
            "tf_provider",
            "crate::resources",
            "crate::models",
            "crate::clients",
            "crate::schema",
        ] {
            assert!(!c.contains(forbidden), "{file} uses {forbidden}");
        }
    }
}

#[test]
fn no_file_holds_more_than_500_lines_of_code() {
    for (file, text) in sources() {
        let before_tests = text.split("\n#[cfg(test)]").next().unwrap_or(&text);
        let lines = before_tests.lines().count();
        assert!(
            lines <= 500,
            "{file} has {lines} lines before its tests; split it by concern"
        );
    }
}
