//! `max_requests_per_second`: a run stays inside the share of the vendor's
//! rate limit it is given, instead of finding the limit through 429s.

mod common;

use common::{error_on, Workspace};
use std::time::{Duration, Instant};

/// An authenticator configuration and one job for each of `n` new
/// identities, with the provider block `provider`.
fn jobs(ws: &Workspace, n: usize, provider: &str) -> String {
    let ids: Vec<String> = (0..n)
        .map(|i| {
            let name = format!("user{i:02}");
            let id = ws
                .sandbox
                .add_identity(&name, Some(&format!("{name}@example.com")));
            format!("    {name} = \"{id}\"")
        })
        .collect();
    format!(
        r#"{provider}

locals {{
  identities = {{
{}
  }}
}}

resource "enroll_authenticator_config" "c" {{
  type = "hosted_web"
}}

resource "enroll_credential_binding_job" "j" {{
  for_each                = local.identities
  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.c.id
}}
"#,
        ids.join("\n")
    )
}

fn refusals(ws: &Workspace) -> usize {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.status == Some(429))
        .count()
}

#[test]
fn sixty_jobs_at_twenty_a_second_meet_no_429_from_a_host_that_allows_25() {
    let ws = Workspace::new();
    ws.sandbox.set_rate_limit(25);
    ws.write(&jobs(
        &ws,
        60,
        "provider \"enroll\" {\n  max_requests_per_second = 20\n}",
    ));
    let started = Instant::now();
    ws.apply();
    let took = started.elapsed();
    let sent = ws.sandbox.requests().len();
    eprintln!("{sent} requests, {} refused, in {took:?}", refusals(&ws));
    assert_eq!(ws.emails(), 60);
    assert_eq!(refusals(&ws), 0, "the sandbox refused requests");
    // A token, the configuration and 60 jobs, 50 ms apart: at least 3 s of
    // spacing. Without the budget the apply takes about a second.
    assert!(sent >= 62, "{sent} requests");
    let spacing = Duration::from_millis(50) * (sent as u32 - 1);
    assert!(took >= spacing, "{took:?} is faster than the budget allows");
    assert!(took < spacing + Duration::from_secs(7), "{took:?}");
}

#[test]
fn the_budget_is_read_from_the_environment() {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_MAX_REQUESTS_PER_SECOND", "5");
    ws.write(&jobs(&ws, 4, "provider \"enroll\" {}"));
    let started = Instant::now();
    ws.apply();
    // Six requests 200 ms apart.
    assert!(started.elapsed() >= Duration::from_millis(1000));
    assert_eq!(ws.emails(), 4);
}

#[test]
fn a_budget_of_zero_is_refused_on_its_attribute() {
    let ws = Workspace::new();
    ws.write(&jobs(
        &ws,
        1,
        "provider \"enroll\" {\n  max_requests_per_second = 0\n}",
    ));
    let run = ws.plan_json();
    assert_eq!(run.code, 1, "{}", run.all());
    let (code, text) = error_on(&run);
    assert!(code.contains("max_requests_per_second"), "{code}\n{text}");
    assert!(text.contains("greater than 0"), "{text}");
    assert_eq!(ws.request_count(), 0, "nothing may be sent");
}

#[test]
fn an_invalid_budget_in_the_environment_names_the_variable() {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_MAX_REQUESTS_PER_SECOND", "fast");
    ws.write(&jobs(&ws, 1, "provider \"enroll\" {}"));
    let run = ws.plan_json();
    assert_eq!(run.code, 1, "{}", run.all());
    let (_, text) = error_on(&run);
    assert!(text.contains("ENROLL_MAX_REQUESTS_PER_SECOND"), "{text}");
    assert_eq!(ws.request_count(), 0, "nothing may be sent");
}
