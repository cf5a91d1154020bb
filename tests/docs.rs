//! Registry docs, generated from the provider's live schema and the files in
//! `examples/` (the tfplugindocs layout). The test fails when `docs/`
//! differs from what it generates; `UPDATE_DOCS=1 cargo test --test docs`
//! writes them.

mod common;
use common::Workspace;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a resource has no `import.sh`.
fn no_import_reason(resource: &str) -> Option<&'static str> {
    match resource {
        "enroll_bindid_activation" => Some(
            "Import is not supported: BindID has no API to read an activation back, so there is \
             nothing to import. A sent link cannot be recalled either; destroying the resource only \
             removes it from state.",
        ),
        "enroll_credential_binding_batch" => Some(
            "Import is not supported, and not needed: declare the resource with the identities, \
             and the first apply adopts the live links they already hold (made by anyone) instead \
             of sending new ones.",
        ),
        _ => None,
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn type_name(t: &Value) -> String {
    match t {
        Value::String(s) => match s.as_str() {
            "string" => "String".into(),
            "number" => "Number".into(),
            "bool" => "Boolean".into(),
            other => other.to_owned(),
        },
        Value::Array(a) if a.len() == 2 => {
            let outer = match a[0].as_str() {
                Some("list") => "List",
                Some("set") => "Set",
                Some("map") => "Map",
                Some("object") => return "Object".into(),
                _ => "Dynamic",
            };
            format!("{outer} of {}", type_name(&a[1]))
        }
        _ => "Dynamic".into(),
    }
}

fn object_attrs(t: &Value) -> Option<&serde_json::Map<String, Value>> {
    let inner = t.as_array()?.get(1)?;
    let obj = inner.as_array()?;
    (obj.first()?.as_str()? == "object").then(|| obj.get(1)?.as_object())?
}

/// The fields of read-only attributes of object type. Terraform's schema
/// has no place for their descriptions (nested attributes would, but
/// tf-provider 0.2.2 cannot send them), so the docs keep them here.
const OBJECT_FIELDS: [(&str, &[(&str, &str)]); 2] = [
    (
        "channels",
        &[
            (
                "channel_type",
                "How BindID sent the link: `email`, the only channel it has today.",
            ),
            (
                "target",
                "Where BindID sent the link: the user's email address.",
            ),
            (
                "status",
                "BindID's result for this channel: `success` when it accepted the link.",
            ),
        ],
    ),
    // Credential binding jobs as the API returns them.
    (
        "jobs",
        &[
            ("id", "Id of the credential binding job."),
            ("identity_id", "Identity the link was sent to."),
            (
                "authenticator_config_id",
                "Authenticator configuration the link enrolls into.",
            ),
            (
                "delivery_method",
                "How the link was delivered: `EMAIL` or `RETURN`.",
            ),
            (
                "state",
                "State of the job: `LINK_SENT`, `LINK_OPENED`, `REQUEST_DELIVERED`, `COMPLETE`, `EXPIRED`, `FAILED_TO_SEND`, `REVOKED`, or a newer one.",
            ),
            (
                "post_binding_redirect_uri",
                "Where the user is sent after enrolling, if the job names a place.",
            ),
            (
                "credential_id",
                "Credential bound by the job, once the user has enrolled.",
            ),
            (
                "batch_id",
                "Batch credential binding job that made the job, if a batch did.",
            ),
            ("create_time", "When the job was created (RFC 3339)."),
            ("update_time", "When the job last changed (RFC 3339)."),
            ("expire_time", "When the link stops working (RFC 3339)."),
        ],
    ),
];

/// The description of a field of an object-typed attribute; a field without
/// one fails here rather than leaving an empty docs line.
fn object_field_description(attribute: &str, field: &str) -> &'static str {
    let fields: &[(&str, &str)] = OBJECT_FIELDS
        .iter()
        .find(|(name, _)| *name == attribute)
        .map_or(&[], |(_, fields)| fields);
    fields
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, about)| *about)
        .unwrap_or_else(|| {
            panic!(
                "`{attribute}.{field}` has no description: add it to OBJECT_FIELDS in tests/docs.rs"
            )
        })
}

struct Nested {
    anchor: String,
    title: String,
    body: String,
}

fn render_block(block: &Value, prefix: &str, nested: &mut Vec<Nested>) -> String {
    let mut sections: [(&str, Vec<String>); 3] = [
        ("Required", vec![]),
        ("Optional", vec![]),
        ("Read-Only", vec![]),
    ];
    let empty = serde_json::Map::new();
    let attrs = block["attributes"].as_object().unwrap_or(&empty);
    let mut names: Vec<&String> = attrs.keys().collect();
    names.sort();
    for name in names {
        let a = &attrs[name];
        let flag = |k: &str| a[k].as_bool().unwrap_or(false);
        let mut kind = type_name(&a["type"]);
        if flag("sensitive") {
            kind.push_str(", Sensitive");
        }
        let mut line = format!(
            "- `{name}` ({kind}) {}",
            a["description"].as_str().unwrap_or_default()
        );
        if let Some(fields) = object_attrs(&a["type"]) {
            let anchor = format!("nestedatt--{prefix}{name}");
            let _ = write!(line, " (see [below for nested schema](#{anchor}))");
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            let body = keys
                .iter()
                .map(|k| {
                    let about = object_field_description(name, k);
                    format!("- `{k}` ({}) {about}", type_name(&fields[k.as_str()]))
                })
                .collect::<Vec<_>>()
                .join("\n");
            nested.push(Nested {
                anchor,
                title: format!("{prefix}{name}").replace("--", "."),
                body: format!("Read-Only:\n\n{body}"),
            });
        }
        let idx = if flag("required") {
            0
        } else if flag("optional") {
            1
        } else {
            2
        };
        sections[idx].1.push(line);
    }
    let empty = serde_json::Map::new();
    let blocks = block["block_types"].as_object().unwrap_or(&empty);
    let mut bnames: Vec<&String> = blocks.keys().collect();
    bnames.sort();
    for name in bnames {
        let b = &blocks[name];
        let max = b["max_items"]
            .as_u64()
            .map(|m| format!(", Max: {m}"))
            .unwrap_or_default();
        let min = b["min_items"].as_u64().unwrap_or(0);
        let anchor = format!("nestedblock--{prefix}{name}");
        let line = format!(
            "- `{name}` (Block List{max}) {} (see [below for nested schema](#{anchor}))",
            b["block"]["description"].as_str().unwrap_or_default()
        );
        sections[if min > 0 { 0 } else { 1 }].1.push(line);
        let body = render_block(&b["block"], &format!("{prefix}{name}--"), nested);
        nested.push(Nested {
            anchor,
            title: format!("{prefix}{name}").replace("--", "."),
            body,
        });
    }
    sections
        .iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(title, lines)| format!("{title}:\n\n{}", lines.join("\n")))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn render_schema(block: &Value, heading: &str) -> String {
    let mut nested = Vec::new();
    let top = render_block(block, "", &mut nested);
    let mut out = format!(
        "{heading}\n\n{}",
        top.replace("Required:", "### Required")
            .replace("Optional:", "### Optional")
            .replace("Read-Only:", "### Read-Only")
    );
    // Nested schemas in the order tfplugindocs uses: depth first as met.
    nested.sort_by_key(|n| n.title.matches('.').count());
    for n in nested {
        let _ = write!(
            out,
            "\n\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n\n{}",
            n.anchor, n.title, n.body
        );
    }
    out
}

fn code(lang: &str, body: &str) -> String {
    format!("```{lang}\n{}\n```", body.trim_end())
}

fn first_sentence(s: &str) -> &str {
    s.split(". ").next().unwrap_or(s).trim_end_matches('.')
}

/// `resource_schemas` or `data_source_schemas` by name, each with its
/// block: every type the provider serves gets a page.
fn sorted(schemas: &Value) -> Vec<(&str, &Value)> {
    let mut all: Vec<(&str, &Value)> = schemas
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), &v["block"])).collect())
        .unwrap_or_default();
    all.sort_by_key(|(k, _)| *k);
    all
}

fn front_matter(name: &str, kind: &str, description: &str) -> String {
    format!(
        "---\npage_title: \"{name} {kind} - enroll\"\nsubcategory: \"\"\ndescription: |-\n  {}.\n---\n\n",
        first_sentence(description)
    )
}

fn doc_path(dir: &str, name: &str) -> PathBuf {
    root()
        .join("docs")
        .join(dir)
        .join(format!("{}.md", name.trim_start_matches("enroll_")))
}

fn generate(schema: &Value) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let provider_example = read(&root().join("examples/provider/provider.tf"));
    let index = read(&root().join("templates/index.md.tmpl"))
        .replace("{{example}}", &code("terraform", &provider_example))
        .replace(
            "{{schema}}",
            &render_schema(&schema["provider"]["block"], "## Schema"),
        );
    files.push((
        root().join("docs/index.md"),
        index.trim_end().to_owned() + "\n",
    ));

    for (r, block) in sorted(&schema["resource_schemas"]) {
        let description = block["description"].as_str().unwrap_or_default();
        let dir = root().join("examples/resources").join(r);
        let mut page = format!(
            "{}# {r} (Resource)\n\n{description}\n\n## Example Usage\n\n{}\n\n{}\n\n## Import\n\n",
            front_matter(r, "Resource", description),
            code("terraform", &read(&dir.join("resource.tf"))),
            render_schema(block, "## Schema"),
        );
        match no_import_reason(r) {
            Some(reason) => page.push_str(reason),
            None => {
                page.push_str("Import is supported using the following syntax:\n\n");
                page.push_str(&code("shell", &read(&dir.join("import.sh"))));
            }
        }
        files.push((doc_path("resources", r), page + "\n"));
    }

    for (d, block) in sorted(&schema["data_source_schemas"]) {
        let description = block["description"].as_str().unwrap_or_default();
        let example = root()
            .join("examples/data-sources")
            .join(d)
            .join("data-source.tf");
        let page = format!(
            "{}# {d} (Data Source)\n\n{description}\n\n## Example Usage\n\n{}\n\n{}\n",
            front_matter(d, "Data Source", description),
            code("terraform", &read(&example)),
            render_schema(block, "## Schema"),
        );
        files.push((doc_path("data-sources", d), page));
    }
    files
}

#[test]
fn docs_match_the_schema_and_examples() {
    let ws = Workspace::new();
    ws.write("provider \"enroll\" {}\n");
    let run = ws.run(&["providers", "schema", "-json"]).ok();
    let all: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    let schema = all["provider_schemas"]
        .as_object()
        .and_then(|m| m.values().next().cloned())
        .expect("one provider");
    let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, want) in generate(&schema) {
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    // A page whose type is gone is stale too (guides are written by hand).
    let generated: Vec<PathBuf> = generate(&schema).into_iter().map(|(p, _)| p).collect();
    for dir in ["resources", "data-sources"] {
        for entry in std::fs::read_dir(root().join("docs").join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            if !generated.contains(&entry.path()) {
                if update {
                    std::fs::remove_file(entry.path()).unwrap();
                } else {
                    stale.push(entry.path().display().to_string());
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is out of date with the schema or examples: {stale:?}\nRegenerate with: UPDATE_DOCS=1 cargo test --test docs"
    );
}
