//! The bad-input matrix: every kind of invalid value the schema can
//! receive is refused at validate or plan time, with a diagnostic on the
//! offending attribute, before a single request reaches the API.
//!
//! Cases of one resource type share one `terraform validate -json`: each
//! case is its own resource block, and the line marked `# <-` is where its
//! one diagnostic must point, so the diagnostics can be told apart.

mod common;
use common::{Run, Workspace};
use serde_json::Value;

/// One invalid configuration: the body of a block, with `# <-` at the end
/// of the line the diagnostic must point at, and a text it must contain.
struct Case {
    name: &'static str,
    body: String,
    expect: &'static str,
}

fn case(name: &'static str, body: impl Into<String>, expect: &'static str) -> Case {
    Case {
        name,
        body: body.into(),
        expect,
    }
}

const MARK: &str = "# <-";

/// `terraform validate -json`'s diagnostics.
fn validate(ws: &Workspace) -> (Run, Vec<Value>) {
    let run = ws.run(&["validate", "-json", "-no-color"]);
    let out: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("validate -json prints JSON ({e}):\n{}", run.all()));
    let diags = out["diagnostics"].as_array().cloned().unwrap_or_default();
    (run, diags)
}

/// Writes one block per case (`header(i)` opens it), runs validate and
/// checks that each case has exactly one error, on its marked line, and
/// that there is no other error.
fn assert_each_refused_on_its_line(
    ws: &Workspace,
    header: impl Fn(usize) -> String,
    cases: &[Case],
) {
    let mut body = String::new();
    for (i, c) in cases.iter().enumerate() {
        assert_eq!(
            c.body.matches(MARK).count(),
            1,
            "case {:?} marks one line",
            c.name
        );
        body.push_str(&format!("{}\n{}\n}}\n\n", header(i), c.body));
    }
    ws.write(&body);
    let text = std::fs::read_to_string(ws.path().join("main.tf")).unwrap();
    let line_of = |c: &Case| {
        let marked = c.body.lines().find(|l| l.contains(MARK)).unwrap();
        text.lines().position(|l| l == marked).unwrap() as u64 + 1
    };

    let (run, diags) = validate(ws);
    assert_eq!(run.code, 1, "{}", run.all());
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == "error").collect();
    let mut problems = Vec::new();
    for c in cases {
        let line = line_of(c);
        let here: Vec<&&Value> = errors
            .iter()
            .filter(|d| d["range"]["start"]["line"].as_u64() == Some(line))
            .collect();
        let said = |d: &Value| format!("{} {}", d["summary"], d["detail"]);
        match here.as_slice() {
            [d] if said(d).contains(c.expect) => {}
            [d] => problems.push(format!(
                "{}: the error on line {line} does not mention {:?}: {}",
                c.name,
                c.expect,
                said(d)
            )),
            [] => problems.push(format!("{}: no error on line {line}", c.name)),
            many => problems.push(format!("{}: {} errors on line {line}", c.name, many.len())),
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nall diagnostics:\n{}",
        problems.join("\n"),
        serde_json::to_string_pretty(&diags).unwrap()
    );
    assert_eq!(
        errors.len(),
        cases.len(),
        "one error per case and no other:\n{}",
        serde_json::to_string_pretty(&diags).unwrap()
    );
    assert_eq!(ws.request_count(), 0, "zero requests");
}

/// `extra` after the required lines it does not set itself: each case
/// breaks one attribute and keeps the others valid.
fn with_required(extra: &str, required: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (name, line) in required {
        if !extra.contains(name) {
            body.push_str(line);
            body.push('\n');
        }
    }
    body + extra
}

fn resource(kind: &'static str) -> impl Fn(usize) -> String {
    move |i| format!("resource \"{kind}\" \"case{i}\" {{")
}

#[test]
fn authenticator_config_refuses_every_invalid_value_on_its_attribute() {
    let ws = Workspace::new();
    let cases = [
        case("type outside the enum", "  type = \"roaming\" # <-", "roaming"),
        case("type in the wrong case", "  type = \"Hosted_Web\" # <-", "Hosted_Web"),
        case("tenant_id with a slash", "  type = \"hosted_web\"\n  tenant_id = \"a/b\" # <-", "slash"),
        case("realm_id with a space", "  type = \"hosted_web\"\n  realm_id = \"r 1\" # <-", "spaces"),
        case("realm_id empty", "  type = \"hosted_web\"\n  realm_id = \"\" # <-", "empty"),
        case(
            "unknown authentication method",
            "  type = \"hosted_web\"\n  authentication_methods = [\n    \"software_passkey\",\n    \"face_id\", # <-\n  ]",
            "face_id",
        ),
        case(
            "duplicate authentication method",
            "  type = \"hosted_web\"\n  authentication_methods = [\n    \"software_passkey\",\n    \"software_passkey\", # <-\n  ]",
            "twice",
        ),
        case(
            "no authentication method for hosted_web",
            "  type = \"hosted_web\"\n  authentication_methods = [] # <-",
            "at least one",
        ),
        case(
            "authentication_methods on platform",
            "  type = \"platform\"\n  authentication_methods = [\"software_passkey\"] # <-",
            "platform",
        ),
        case(
            "relative trusted origin",
            "  type = \"hosted_web\"\n  trusted_origins = [\"/app\"] # <-",
            "/app",
        ),
        case(
            "trusted origin that is no URL",
            "  type = \"hosted_web\"\n  trusted_origins = [\"not a url\"] # <-",
            "not a url",
        ),
        case(
            "invoke_url on hosted_web",
            "  type = \"hosted_web\"\n  invoke_url = \"https://app.example.com\" # <-",
            "only for embedded",
        ),
        case(
            "relative invoke_url",
            "  type = \"embedded\"\n  invoke_url = \"/callback\" # <-",
            "/callback",
        ),
        case(
            "invocation_type on platform",
            "  type = \"platform\"\n  invocation_type = \"manual\" # <-",
            "only for embedded",
        ),
        case(
            "invocation_type outside the enum",
            "  type = \"embedded\"\n  invoke_url = \"https://app.example.com\"\n  invocation_type = \"sometimes\" # <-",
            "sometimes",
        ),
    ];
    assert_each_refused_on_its_line(&ws, resource("enroll_authenticator_config"), &cases);
}

/// `embedded` without `invoke_url`: the attribute is absent, so Terraform
/// points at the block that lacks it.
#[test]
fn embedded_without_invoke_url_is_refused_on_its_block() {
    let ws = Workspace::new();
    let cases = [case(
        "embedded without invoke_url",
        "  type = \"embedded\"\n  display_name = \"x\" # <-",
        "invoke_url",
    )];
    // The block's range starts at its header: mark that instead.
    let header =
        |i: usize| format!("resource \"enroll_authenticator_config\" \"case{i}\" {{ {MARK}");
    let body = format!("{}\n  type = \"embedded\"\n}}\n", header(0));
    ws.write(&body);
    let (run, diags) = validate(&ws);
    assert_eq!(run.code, 1, "{}", run.all());
    let errors: Vec<&Value> = diags.iter().filter(|d| d["severity"] == "error").collect();
    assert_eq!(errors.len(), 1, "{diags:?}");
    assert!(errors[0]["detail"]
        .as_str()
        .unwrap()
        .contains(cases[0].expect));
    assert!(
        errors[0]["snippet"]["code"]
            .as_str()
            .unwrap()
            .contains("enroll_authenticator_config"),
        "{diags:?}"
    );
    assert_eq!(ws.request_count(), 0);
}

#[test]
fn credential_binding_job_refuses_every_invalid_value_on_its_attribute() {
    let ws = Workspace::new();
    let ok = |extra: &str| {
        with_required(
            extra,
            &[
                ("identity_id", "  identity_id = \"a11ce0d9e2b7c401\""),
                (
                    "authenticator_config_id",
                    "  authenticator_config_id = \"cfg\"",
                ),
            ],
        )
    };
    let cases = [
        case(
            "delivery_method outside the enum",
            ok("  delivery_method = \"SMS\" # <-"),
            "SMS",
        ),
        case(
            "delivery_method in lower case",
            ok("  delivery_method = \"email\" # <-"),
            "email",
        ),
        case(
            "identity_id with a slash",
            ok("  identity_id = \"a/b\" # <-"),
            "slash",
        ),
        case(
            "identity_id empty",
            ok("  identity_id = \"\" # <-"),
            "empty",
        ),
        case(
            "authenticator_config_id with a space",
            ok("  authenticator_config_id = \"x y\" # <-"),
            "spaces",
        ),
        case(
            "tenant_id with a slash",
            ok("  tenant_id = \"t/1\" # <-"),
            "slash",
        ),
        case(
            "realm_id with a space",
            ok("  realm_id = \"r 2\" # <-"),
            "spaces",
        ),
        case(
            "relative post_binding_redirect_uri",
            ok("  post_binding_redirect_uri = \"/welcome\" # <-"),
            "/welcome",
        ),
        case(
            "post_binding_redirect_uri of another scheme",
            ok("  post_binding_redirect_uri = \"mailto:a@example.com\" # <-"),
            "mailto",
        ),
        case(
            "post_binding_redirect_uri that is no URL",
            ok("  post_binding_redirect_uri = \"not a url\" # <-"),
            "not a url",
        ),
        case(
            "resend_before_expiry that is no duration",
            ok("  resend_before_expiry = \"soon\" # <-"),
            "soon",
        ),
        case(
            "zero resend_before_expiry",
            ok("  resend_before_expiry = \"0s\" # <-"),
            "longer than zero",
        ),
        case(
            "resend_before_expiry longer than any link lives",
            ok("  resend_before_expiry = \"1000d\" # <-"),
            "longer than a year",
        ),
    ];
    assert_each_refused_on_its_line(&ws, resource("enroll_credential_binding_job"), &cases);
}

#[test]
fn identity_refuses_every_invalid_value_on_its_attribute() {
    let ws = Workspace::new();
    let ok = |extra: &str| {
        with_required(
            extra,
            &[
                ("display_name", "  display_name = \"QA Bot\""),
                ("username", "  username = \"qa\""),
            ],
        )
    };
    let long = "x".repeat(65);
    let cases = [
        case(
            "username with a slash",
            ok("  username = \"qa/bot\" # <-"),
            "qa/bot",
        ),
        case("username empty", ok("  username = \"\" # <-"), "empty"),
        case(
            "username too long",
            ok(&format!("  username = \"{long}\" # <-")),
            "at most 64",
        ),
        case(
            "display_name with a forbidden character",
            ok("  display_name = \"QA <Bot>\" # <-"),
            "QA <Bot>",
        ),
        case(
            "email without a domain",
            ok("  email = \"qa@\" # <-"),
            "qa@",
        ),
        case(
            "email with a space",
            ok("  email = \"q a@example.com\" # <-"),
            "q a@",
        ),
        case(
            "status outside the enum",
            ok("  status = \"disabled\" # <-"),
            "disabled",
        ),
        case(
            "status in upper case",
            ok("  status = \"ACTIVE\" # <-"),
            "ACTIVE",
        ),
        case(
            "tenant_id with a slash",
            ok("  tenant_id = \"t/1\" # <-"),
            "slash",
        ),
        case(
            "realm_id with a space",
            ok("  realm_id = \"r 2\" # <-"),
            "spaces",
        ),
    ];
    assert_each_refused_on_its_line(&ws, resource("enroll_identity"), &cases);
}

#[test]
fn data_sources_refuse_every_invalid_lookup_on_its_attribute() {
    let ws = Workspace::new();
    let cases = [
        case(
            "two lookup keys",
            "  id = \"i\"\n  username = \"bob\" # <-",
            "exactly one",
        ),
        case("id with a slash", "  id = \"a/b\" # <-", "slash"),
        case(
            "email that is no address",
            "  email = \"bob\" # <-",
            "email",
        ),
        case("username with a slash", "  username = \"a/b\" # <-", "a/b"),
    ];
    assert_each_refused_on_its_line(
        &ws,
        |i| format!("data \"enroll_identity\" \"case{i}\" {{"),
        &cases,
    );
    let cases = [case(
        "config id with a space",
        "  id = \"x y\" # <-",
        "spaces",
    )];
    assert_each_refused_on_its_line(
        &ws,
        |i| format!("data \"enroll_authenticator_config\" \"case{i}\" {{"),
        &cases,
    );
    let cases = [
        case(
            "identity_id with a slash",
            "  identity_id = \"a/b\" # <-",
            "slash",
        ),
        case(
            "authenticator_config_id with a space",
            "  authenticator_config_id = \"x y\" # <-",
            "spaces",
        ),
        case("tenant_id empty", "  tenant_id = \"\" # <-", "empty"),
        case(
            "a state in lower case",
            "  states = [\"LINK_SENT\", \"complete\"] # <-",
            "upper case",
        ),
        case(
            "something that is no state",
            "  states = [\"not enrolled\"] # <-",
            "not enrolled",
        ),
    ];
    assert_each_refused_on_its_line(
        &ws,
        |i| format!("data \"enroll_credential_binding_jobs\" \"case{i}\" {{"),
        &cases,
    );
}

#[test]
fn bindid_activation_refuses_every_invalid_value_on_its_attribute() {
    let ws = Workspace::new();
    let client = ws.sandbox.seed().bindid_client_id.clone();
    let client_line = format!("  client_id = \"{client}\"");
    let ok = |extra: &str| {
        with_required(
            extra,
            &[
                ("user_email", "  user_email = \"a@example.com\""),
                ("client_id", &client_line),
                ("alias", "  alias {\n    type = \"email\"\n  }"),
            ],
        )
    };
    let cases = [
        case("email without @", ok("  user_email = \"nobody\" # <-"), "nobody"),
        case("email without a dotted domain", ok("  user_email = \"a@b\" # <-"), "a@b"),
        case("email with a space", ok("  user_email = \"a b@example.com\" # <-"), "a b@"),
        case("email with two @", ok("  user_email = \"a@@example.com\" # <-"), "a@@"),
        case("blank client_id", ok("  client_id = \"  \" # <-"), "client_id"),
        case(
            "verification outside the enum",
            ok("  verifications = [\"ts.bindid.iac.sms\"] # <-"),
            "ts.bindid.iac.sms",
        ),
        case("scope outside the enum", ok("  scopes = [\"address\"] # <-"), "address"),
        case(
            "alias type outside the enum",
            ok("  alias {\n    type = \"phone\" # <-\n  }"),
            "phone",
        ),
        case(
            "alias value with type email",
            ok("  alias {\n    type  = \"email\"\n    value = \"x\" # <-\n  }"),
            "only used",
        ),
        case(
            "relative completion link",
            ok("  completion_message {\n    text = \"Done\"\n    link {\n      redirect_uri = \"/home\" # <-\n      label = \"Home\"\n    }\n  }"),
            "/home",
        ),
        case("link_validity that is no duration", ok("  link_validity = \"soon\" # <-"), "soon"),
        case("zero link_validity", ok("  link_validity = \"0s\" # <-"), "longer than zero"),
        case("negative link_validity", ok("  link_validity = \"-5m\" # <-"), "-5m"),
        // Would overflow expire_time when the link is sent (a panic before
        // this was refused).
        case("absurd link_validity", ok("  link_validity = \"100000y\" # <-"), "longer than a year"),
    ];
    assert_each_refused_on_its_line(&ws, resource("enroll_bindid_activation"), &cases);
}

/// Invalid provider settings in HCL, one aliased provider block per case,
/// all judged by one `terraform validate`.
#[test]
fn provider_settings_refuse_every_invalid_value_on_its_attribute() {
    let ws = Workspace::new();
    let bi = |line: &str| format!("  beyond_identity {{\n    {line} # <-\n  }}");
    let bd = |line: &str| format!("  bindid {{\n    {line} # <-\n  }}");
    let cases = [
        case("unknown region", bi("region = \"mars\""), "mars"),
        case("region in the wrong case", bi("region = \"EU\""), "EU"),
        case(
            "unknown environment",
            bd("environment = \"staging\""),
            "staging",
        ),
        case(
            "http api_url off loopback",
            bi("api_url = \"http://api.example.com\""),
            "not loopback",
        ),
        case(
            "http auth_url off loopback",
            bi("auth_url = \"http://10.0.0.1\""),
            "not loopback",
        ),
        case(
            "http auth_url on a name that only starts like localhost",
            bi("auth_url = \"http://localhost.example.com\""),
            "not loopback",
        ),
        case(
            "http admin_url on a name that only looks like 127.0.0.1",
            bd("admin_url = \"http://127.0.0.1.example.com\""),
            "not loopback",
        ),
        case(
            "http signin_url on ::2",
            bd("signin_url = \"http://[::2]:8080\""),
            "not loopback",
        ),
        case(
            "api_url of another scheme",
            bi("api_url = \"ftp://localhost\""),
            "ftp",
        ),
        case(
            "api_url that is no URL",
            bi("api_url = \"not a url\""),
            "not a valid URL",
        ),
        case(
            "request_timeout that is no duration",
            "  request_timeout = \"soon\" # <-",
            "soon",
        ),
        case(
            "zero request_timeout",
            "  request_timeout = \"0s\" # <-",
            "longer than zero",
        ),
        case("negative max_retries", "  max_retries = -1 # <-", "-1"),
        case("too many max_retries", "  max_retries = 11 # <-", "11"),
    ];
    // Terraform validates a provider block only when something uses it.
    assert_each_refused_on_its_line(
        &ws,
        |i| {
            format!(
                "resource \"enroll_authenticator_config\" \"case{i}\" {{\n  provider = enroll.case{i}\n  type     = \"hosted_web\"\n}}\n\
                 provider \"enroll\" {{\n  alias = \"case{i}\""
            )
        },
        &cases,
    );
}

/// Invalid settings from the environment are judged when the provider is
/// configured (plan), and the diagnostic names the variable.
#[test]
fn invalid_environment_settings_are_refused_at_plan_naming_the_variable() {
    let cases = [
        ("BEYOND_IDENTITY_REGION", "mars"),
        ("BINDID_ENVIRONMENT", "staging"),
        ("BEYOND_IDENTITY_API_URL", "http://api.example.com"),
        ("BEYOND_IDENTITY_AUTH_URL", "https://"),
        ("BINDID_ADMIN_URL", "http://192.168.0.10"),
        ("BINDID_SIGNIN_URL", "ftp://127.0.0.1"),
        ("ENROLL_REQUEST_TIMEOUT", "soon"),
        ("ENROLL_MAX_RETRIES", "many"),
        ("ENROLL_MAX_RETRIES", "11"),
    ];
    for (var, value) in cases {
        let mut ws = Workspace::new();
        ws.set_env(var, value);
        ws.write("provider \"enroll\" {}\nresource \"enroll_authenticator_config\" \"web\" {\n  type = \"hosted_web\"\n}\n");
        let plan = ws.plan();
        assert_eq!(plan.code, 1, "{var}={value}:\n{}", plan.all());
        assert!(
            plan.all().contains(var),
            "{var}={value} is named:\n{}",
            plan.all()
        );
        assert_eq!(ws.request_count(), 0, "{var}={value}: zero requests");
    }
}

/// Missing credentials fail at plan, naming the argument and the variable.
#[test]
fn missing_credentials_are_refused_at_plan_naming_argument_and_variable() {
    let job = "provider \"enroll\" {}\nresource \"enroll_credential_binding_job\" \"j\" {\n  identity_id = \"a11ce0d9e2b7c401\"\n  authenticator_config_id = \"cfg\"\n}\n";
    let activation = "provider \"enroll\" {}\nresource \"enroll_bindid_activation\" \"a\" {\n  user_email = \"a@example.com\"\n  client_id = \"c\"\n  alias {\n    type = \"email\"\n  }\n}\n";
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            job,
            "BEYOND_IDENTITY_APPLICATION_ID",
            &["application_id", "BEYOND_IDENTITY_APPLICATION_ID"],
        ),
        (
            job,
            "BEYOND_IDENTITY_CLIENT_ID",
            &["client_id", "BEYOND_IDENTITY_CLIENT_ID"],
        ),
        (
            job,
            "BEYOND_IDENTITY_TENANT_ID",
            &["tenant_id", "BEYOND_IDENTITY_TENANT_ID"],
        ),
        (
            activation,
            "BINDID_CREDENTIALS_ID",
            &["credentials_id", "BINDID_CREDENTIALS_ID"],
        ),
        (
            activation,
            "BINDID_CREDENTIALS_SECRET",
            &[
                "credentials_secret",
                "BINDID_CREDENTIALS_SECRET",
                "access_token",
            ],
        ),
    ];
    for (tf, unset, named) in cases {
        let mut ws = Workspace::new();
        ws.set_env(unset, "");
        ws.write(tf);
        let plan = ws.plan();
        assert_eq!(plan.code, 1, "without {unset}:\n{}", plan.all());
        for n in named {
            assert!(
                plan.all().contains(n),
                "without {unset}, {n} is named:\n{}",
                plan.all()
            );
        }
        assert_eq!(ws.request_count(), 0, "without {unset}: zero requests");
    }
}

/// Import IDs of the wrong shape are refused with the accepted shapes,
/// before any request.
#[test]
fn import_ids_of_the_wrong_shape_are_refused_before_any_request() {
    let ws = Workspace::new();
    ws.write(
        "provider \"enroll\" {}\nresource \"enroll_authenticator_config\" \"web\" {\n  type = \"hosted_web\"\n}\nresource \"enroll_credential_binding_job\" \"j\" {\n  identity_id = \"a11ce0d9e2b7c401\"\n  authenticator_config_id = \"cfg\"\n}\nresource \"enroll_identity\" \"u\" {\n  username = \"u\"\n  display_name = \"U\"\n}\n",
    );
    let cases = [
        (
            "enroll_authenticator_config.web",
            "a/b",
            "tenant_id/realm_id/id",
        ),
        (
            "enroll_authenticator_config.web",
            "a/b/c/d",
            "tenant_id/realm_id/id",
        ),
        (
            "enroll_authenticator_config.web",
            "a//c",
            "tenant_id/realm_id/id",
        ),
        (
            "enroll_authenticator_config.web",
            "/",
            "tenant_id/realm_id/id",
        ),
        ("enroll_identity.u", "a/b", "tenant_id/realm_id/id"),
        ("enroll_identity.u", "t/r/", "tenant_id/realm_id/id"),
        (
            "enroll_credential_binding_job.j",
            "onlyone",
            "identity_id/job_id",
        ),
        (
            "enroll_credential_binding_job.j",
            "a/b/c",
            "identity_id/job_id",
        ),
        (
            "enroll_credential_binding_job.j",
            "a/b/c/d/e",
            "identity_id/job_id",
        ),
        (
            "enroll_credential_binding_job.j",
            "a//b",
            "identity_id/job_id",
        ),
        (
            "enroll_credential_binding_job.j",
            "t/ /i/j",
            "identity_id/job_id",
        ),
    ];
    for (address, id, shape) in cases {
        let run = ws.run(&["import", "-no-color", "-input=false", address, id]);
        assert_eq!(run.code, 1, "{address} {id:?}:\n{}", run.all());
        assert!(
            run.all().contains(shape),
            "{address} {id:?}:\n{}",
            run.all()
        );
        assert_eq!(ws.request_count(), 0, "{address} {id:?}: zero requests");
    }
}
