//! The provider's schema, as Terraform reads it, against the product
//! contract (DESIGN.md): names, kinds, sensitivity, descriptions.

mod common;
use common::Workspace;
use serde_json::Value;

fn schema() -> Value {
    let ws = Workspace::new();
    ws.write("provider \"enroll\" {}\n");
    let run = ws.run(&["providers", "schema", "-json"]).ok();
    let all: Value = serde_json::from_str(&run.stdout).expect("schema JSON");
    all["provider_schemas"]
        .as_object()
        .and_then(|m| m.values().next().cloned())
        .expect("one provider")
}

/// (name, required, optional, computed, sensitive)
type Expect<'a> = (&'a str, bool, bool, bool, bool);

fn check_block(what: &str, block: &Value, expected: &[Expect]) {
    let attrs = block["attributes"].as_object().expect("attributes");
    for (name, required, optional, computed, sensitive) in expected {
        let a = attrs
            .get(*name)
            .unwrap_or_else(|| panic!("{what}: attribute {name} is missing"));
        let flag = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(false);
        assert_eq!(flag("required"), *required, "{what}.{name} required");
        assert_eq!(flag("optional"), *optional, "{what}.{name} optional");
        assert_eq!(flag("computed"), *computed, "{what}.{name} computed");
        assert_eq!(flag("sensitive"), *sensitive, "{what}.{name} sensitive");
    }
    for (name, a) in attrs {
        let d = a["description"].as_str().unwrap_or_default();
        assert!(
            d.len() > 15 && d.ends_with('.'),
            "{what}.{name} needs a real sentence as description, has {d:?}"
        );
    }
}

#[test]
fn provider_schema_matches_the_contract() {
    let s = schema();
    let p = &s["provider"]["block"];
    check_block(
        "provider",
        p,
        &[
            ("request_timeout", false, true, false, false),
            ("max_retries", false, true, false, false),
        ],
    );
    let bi = &p["block_types"]["beyond_identity"];
    assert_eq!(bi["max_items"], 1);
    check_block(
        "beyond_identity",
        &bi["block"],
        &[
            ("region", false, true, false, false),
            ("api_url", false, true, false, false),
            ("auth_url", false, true, false, false),
            ("tenant_id", false, true, false, false),
            ("realm_id", false, true, false, false),
            ("api_token", false, true, false, true),
            ("application_id", false, true, false, false),
            ("client_id", false, true, false, false),
            ("client_secret", false, true, false, true),
        ],
    );
    let bd = &p["block_types"]["bindid"];
    assert_eq!(bd["max_items"], 1);
    check_block(
        "bindid",
        &bd["block"],
        &[
            ("environment", false, true, false, false),
            ("admin_url", false, true, false, false),
            ("signin_url", false, true, false, false),
            ("credentials_id", false, true, false, false),
            ("credentials_secret", false, true, false, true),
            ("access_token", false, true, false, true),
        ],
    );
}

#[test]
fn authenticator_config_schema_matches_the_contract() {
    let s = schema();
    let r = &s["resource_schemas"]["enroll_authenticator_config"]["block"];
    check_block(
        "enroll_authenticator_config",
        r,
        &[
            ("id", false, false, true, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("type", true, false, false, false),
            ("display_name", false, true, true, false),
            ("trusted_origins", false, true, true, false),
            ("authentication_methods", false, true, true, false),
            ("invoke_url", false, true, false, false),
            ("invocation_type", false, true, true, false),
        ],
    );
}

#[test]
fn credential_binding_job_schema_matches_the_contract() {
    let s = schema();
    let r = &s["resource_schemas"]["enroll_credential_binding_job"]["block"];
    check_block(
        "enroll_credential_binding_job",
        r,
        &[
            ("identity_id", true, false, false, false),
            ("authenticator_config_id", true, false, false, false),
            ("delivery_method", false, true, true, false),
            ("post_binding_redirect_uri", false, true, false, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("triggers", false, true, false, false),
            ("resend_when_expired", false, true, true, false),
            ("resend_before_expiry", false, true, false, false),
            ("revoke_on_destroy", false, true, true, false),
            ("id", false, false, true, false),
            ("state", false, false, true, false),
            ("create_time", false, false, true, false),
            ("update_time", false, false, true, false),
            ("expire_time", false, false, true, false),
            ("credential_id", false, false, true, false),
            ("credential_binding_link", false, false, true, true),
        ],
    );
}

#[test]
fn bindid_activation_schema_matches_the_contract() {
    let s = schema();
    let r = &s["resource_schemas"]["enroll_bindid_activation"]["block"];
    check_block(
        "enroll_bindid_activation",
        r,
        &[
            ("user_email", true, false, false, false),
            ("client_id", true, false, false, false),
            ("verifications", false, true, true, false),
            ("scopes", false, true, true, false),
            ("confirmed_user", false, true, true, false),
            ("custom_message", false, true, false, false),
            ("secondary_completion_message", false, true, false, false),
            ("link_validity", false, true, true, false),
            ("triggers", false, true, false, false),
            ("resend_when_expired", false, true, true, false),
            ("id", false, false, true, false),
            ("status", false, false, true, false),
            ("sent_at", false, false, true, false),
            ("expire_time", false, false, true, false),
            ("channels", false, false, true, false),
        ],
    );
    let alias = &r["block_types"]["alias"];
    assert_eq!(alias["max_items"], 1);
    check_block(
        "alias",
        &alias["block"],
        &[
            ("type", true, false, false, false),
            ("value", false, true, false, false),
        ],
    );
    let cm = &r["block_types"]["completion_message"];
    check_block(
        "completion_message",
        &cm["block"],
        &[("text", true, false, false, false)],
    );
    let link = &cm["block"]["block_types"]["link"];
    check_block(
        "link",
        &link["block"],
        &[
            ("redirect_uri", true, false, false, false),
            ("label", true, false, false, false),
        ],
    );
}

#[test]
fn identity_resource_and_data_sources_match_the_contract() {
    let s = schema();
    let names = |k: &str| {
        let mut v: Vec<String> = s[k].as_object().unwrap().keys().cloned().collect();
        v.sort();
        v
    };
    assert_eq!(
        names("resource_schemas"),
        [
            "enroll_authenticator_config",
            "enroll_bindid_activation",
            "enroll_credential_binding_batch",
            "enroll_credential_binding_job",
            "enroll_identity"
        ]
    );
    assert_eq!(
        names("data_source_schemas"),
        [
            "enroll_authenticator_config",
            "enroll_credential_binding_jobs",
            "enroll_identity"
        ]
    );
    check_block(
        "enroll_identity",
        &s["resource_schemas"]["enroll_identity"]["block"],
        &[
            ("id", false, false, true, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("display_name", true, false, false, false),
            ("username", true, false, false, false),
            ("email", false, true, false, false),
            ("status", false, true, true, false),
            ("enrollment_status", false, false, true, false),
            ("create_time", false, false, true, false),
            ("update_time", false, false, true, false),
        ],
    );
    check_block(
        "data.enroll_identity",
        &s["data_source_schemas"]["enroll_identity"]["block"],
        &[
            ("id", false, true, true, false),
            ("username", false, true, true, false),
            ("email", false, true, true, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("display_name", false, false, true, false),
            ("status", false, false, true, false),
            ("enrollment_status", false, false, true, false),
        ],
    );
    check_block(
        "data.enroll_authenticator_config",
        &s["data_source_schemas"]["enroll_authenticator_config"]["block"],
        &[
            ("id", true, false, false, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("type", false, false, true, false),
            ("display_name", false, false, true, false),
            ("trusted_origins", false, false, true, false),
            ("authentication_methods", false, false, true, false),
            ("invoke_url", false, false, true, false),
            ("invocation_type", false, false, true, false),
        ],
    );
}

#[test]
fn credential_binding_jobs_data_source_matches_the_contract() {
    let s = schema();
    let d = &s["data_source_schemas"]["enroll_credential_binding_jobs"]["block"];
    check_block(
        "data.enroll_credential_binding_jobs",
        d,
        &[
            ("identity_id", false, true, false, false),
            ("authenticator_config_id", false, true, false, false),
            ("states", false, true, false, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("id", false, false, true, false),
            ("jobs", false, false, true, false),
        ],
    );
    assert_eq!(
        d["attributes"]["states"]["type"],
        serde_json::json!(["set", "string"])
    );
    let fields = &d["attributes"]["jobs"]["type"][1][1];
    let mut names: Vec<&str> = fields
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "authenticator_config_id",
            "batch_id",
            "create_time",
            "credential_id",
            "delivery_method",
            "expire_time",
            "id",
            "identity_id",
            "post_binding_redirect_uri",
            "state",
            "update_time"
        ]
    );
    assert_eq!(d["attributes"]["jobs"]["type"][0], "list");
}

#[test]
fn the_batch_resource_matches_the_contract() {
    let s = schema();
    let block = &s["resource_schemas"]["enroll_credential_binding_batch"]["block"];
    check_block(
        "enroll_credential_binding_batch",
        block,
        &[
            ("id", false, false, true, false),
            ("identity_ids", true, false, false, false),
            ("authenticator_config_id", true, false, false, false),
            ("post_binding_redirect_uri", false, true, false, false),
            ("tenant_id", false, true, true, false),
            ("realm_id", false, true, true, false),
            ("triggers", false, true, false, false),
            ("resend_when_expired", false, true, true, false),
            ("resend_before_expiry", false, true, false, false),
            ("revoke_on_destroy", false, true, true, false),
            ("jobs", false, false, true, false),
            ("last_sent_to", false, false, true, false),
            ("failures", false, false, true, false),
            ("enrolled_count", false, false, true, false),
            ("pending_count", false, false, true, false),
            ("expired_count", false, false, true, false),
        ],
    );
    let attrs = &block["attributes"];
    // Each identity's entry holds these three and nothing else: the state's
    // size is the lever on Terraform's own cost.
    assert_eq!(
        attrs["jobs"]["type"],
        serde_json::json!(["map", ["object", {"expire_time": "string", "id": "string", "state": "string"}]])
    );
    assert_eq!(
        attrs["identity_ids"]["type"],
        serde_json::json!(["list", "string"])
    );
    assert_eq!(
        attrs["last_sent_to"]["type"],
        serde_json::json!(["list", "string"])
    );
    assert_eq!(
        attrs["failures"]["type"],
        serde_json::json!(["map", "string"])
    );
}
