//! `enroll_credential_binding_batch`: real terraform against the sandbox's
//! batch API. Every case ends with exactly one email per identity that
//! should have one, and a plan right after the apply that is empty.

mod common;
use common::Workspace;
use std::collections::BTreeMap;

fn fast_ws() -> Workspace {
    let mut ws = Workspace::new();
    ws.set_env("ENROLL_BACKOFF_BASE_MS", "5");
    ws.set_env("ENROLL_BACKOFF_MAX_MS", "40");
    ws.set_env("ENROLL_BATCH_QUIET_MS", "200");
    ws.sandbox.set_batch_rate(0);
    ws
}

/// Writes the ids to a text file, one a line, and a configuration that
/// invites them. `split` makes a list(string) at once; `jsondecode` would
/// make a tuple, which Terraform converts to a list in time that grows with
/// the square of its length (100,000 ids: 92 s, against 0.4 s).
fn invite(ws: &Workspace, ids: &[String], extra: &str) {
    std::fs::write(ws.path().join("ids.txt"), ids.join("\n")).unwrap();
    ws.write(&format!(
        r#"
provider "enroll" {{}}

resource "enroll_authenticator_config" "web" {{
  type = "hosted_web"
}}

resource "enroll_credential_binding_batch" "all" {{
  identity_ids            = split("\n", file("${{path.module}}/ids.txt"))
  authenticator_config_id = enroll_authenticator_config.web.id
  {extra}
}}
"#
    ));
}

/// Emails per identity.
fn emails_by_identity(ws: &Workspace) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in ws.sandbox.outbox() {
        if let Some(i) = m.identity_id {
            *out.entry(i).or_default() += 1;
        }
    }
    out
}

#[test]
fn a_create_of_500_emails_each_identity_once() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(500, "five");
    invite(&ws, &ids, "");
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 500);
    assert!(emails.values().all(|n| *n == 1));
    let state = ws.resource("enroll_credential_binding_batch.all").unwrap();
    assert_eq!(state["jobs"].as_object().unwrap().len(), 500);
    assert_eq!(state["pending_count"], 500);
    assert_eq!(state["last_sent_to"].as_array().unwrap().len(), 500);
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
    ws.destroy();
    let jobs = ws.sandbox.jobs();
    assert_eq!(jobs.len(), 500);
    assert!(
        jobs.iter().all(|j| j["state"] == "REVOKED"),
        "destroy revokes every unfinished job"
    );
}

/// Batch creates the realm's full queue refused with a 429.
fn queue_refusals(ws: &Workspace) -> usize {
    ws.sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/batch-credential-binding-jobs") && r.status == Some(429))
        .count()
}

fn batch_state(ws: &Workspace) -> serde_json::Value {
    ws.resource("enroll_credential_binding_batch.all")
        .expect("the batch resource is in state")
}

fn job_of(state: &serde_json::Value, identity: &str) -> String {
    state["jobs"][identity]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[track_caller]
fn assert_plan_empty(ws: &Workspace) {
    let plan = ws.plan();
    assert_eq!(
        plan.code,
        0,
        "the plan right after is empty:\n{}",
        plan.all()
    );
}

/// Five identities already hold a link made outside Terraform (here, by
/// single-job resources of another configuration): they are adopted, and
/// only the other 45 are emailed.
#[test]
fn identities_that_already_hold_a_live_link_are_adopted_not_emailed() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(50, "adopt");
    invite(&ws, &ids[..1], "");
    ws.apply();
    let config = ws.resource("enroll_authenticator_config.web").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = Workspace::with_sandbox_of(&ws);
    let singles: Vec<String> = ids[1..6]
        .iter()
        .enumerate()
        .map(|(n, id)| {
            format!(
                "resource \"enroll_credential_binding_job\" \"j{n}\" {{\n  identity_id = \"{id}\"\n  authenticator_config_id = \"{config}\"\n}}\n"
            )
        })
        .collect();
    other.write(&format!("provider \"enroll\" {{}}\n{}", singles.join("\n")));
    other.apply();
    assert_eq!(ws.emails(), 6);

    invite(&ws, &ids, "");
    let plan = ws.plan_json();
    assert_eq!(plan.code, 2);
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 50, "every identity has a link");
    assert!(
        emails.values().all(|n| *n == 1),
        "and exactly one: {emails:?}"
    );
    let state = batch_state(&ws);
    for (n, id) in ids[1..6].iter().enumerate() {
        let single = other
            .resource(&format!("enroll_credential_binding_job.j{n}"))
            .unwrap();
        assert_eq!(
            job_of(&state, id),
            single["id"].as_str().unwrap(),
            "adopted"
        );
    }
    let sent: Vec<&str> = state["last_sent_to"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        sent.len(),
        44,
        "the 44 new ones (one was sent by the first apply)"
    );
    assert_plan_empty(&ws);
}

/// Adding 50 and removing 20 ids changes the resource in place: the added
/// ones are emailed, the removed ones' links revoked, nobody else touched.
#[test]
fn adding_and_removing_ids_sends_to_the_added_and_revokes_the_removed() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(150, "grow");
    invite(&ws, &ids[..100], "");
    ws.apply();
    let before = batch_state(&ws);
    let kept = &ids[20..100];
    let mut next: Vec<String> = kept.to_vec();
    next.extend_from_slice(&ids[100..150]);
    invite(&ws, &next, "");
    let plan = ws.run(&["plan", "-no-color", "-input=false"]);
    assert!(plan.all().contains("update in-place"), "{}", plan.all());
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 150);
    assert!(emails.values().all(|n| *n == 1));
    for id in &ids[..20] {
        let job = job_of(&before, id);
        assert_eq!(ws.sandbox.job(&job).unwrap()["state"], "REVOKED", "{id}");
    }
    let after = batch_state(&ws);
    for id in kept {
        assert_eq!(job_of(&after, id), job_of(&before, id), "untouched");
    }
    let sent = after["last_sent_to"].as_array().unwrap().len();
    assert_eq!(sent, 50);
    assert_plan_empty(&ws);
}

/// Eight days later the links have expired. One person enrolled before:
/// with `resend_when_expired`, only the others get a new link.
#[test]
fn expired_links_are_resent_only_to_those_who_have_not_enrolled() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(20, "later");
    invite(&ws, &ids, "resend_when_expired = true");
    ws.apply();
    let first = batch_state(&ws);
    assert!(ws.sandbox.complete_job(&job_of(&first, &ids[0])));
    ws.sandbox
        .advance_clock(std::time::Duration::from_secs(8 * 24 * 3600));
    let plan = ws.plan();
    assert_eq!(plan.code, 2, "19 links to renew:\n{}", plan.all());
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails[&ids[0]], 1, "the enrolled one is left alone");
    for id in &ids[1..] {
        assert_eq!(emails[id], 2, "{id}: its expired link, then a new one");
    }
    let state = batch_state(&ws);
    assert_eq!(state["enrolled_count"], 1);
    assert_eq!(state["pending_count"], 19);
    assert_eq!(state["last_sent_to"].as_array().unwrap().len(), 19);
    assert_plan_empty(&ws);
}

/// 2,500 identities go out in batches; the realm's queue never holds more
/// than its limit of 1000, and nothing fails.
#[test]
fn twenty_five_hundred_identities_never_overfill_the_queue() {
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(5000);
    let ids = ws.sandbox.seed_identities(2500, "many");
    invite(&ws, &ids, "");
    let run = ws.apply();
    assert!(
        !run.all().contains("got no enrollment link"),
        "{}",
        run.all()
    );
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 2500);
    assert!(emails.values().all(|n| *n == 1));
    assert!(ws.sandbox.batch_queue_high_water() <= 1000);
    assert_eq!(batch_state(&ws)["failures"], serde_json::json!({}));
    assert_plan_empty(&ws);
}

/// A queue that takes only 300 at a time: a 429 says how much room is
/// left, and the batches shrink to fit. No failure, one email each.
#[test]
fn a_full_queue_shrinks_the_batches_to_the_room_it_states() {
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(3000);
    ws.sandbox.set_batch_queue_limit(300);
    let ids = ws.sandbox.seed_identities(1200, "room");
    invite(&ws, &ids, "");
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 1200);
    assert!(emails.values().all(|n| *n == 1));
    assert!(ws.sandbox.batch_queue_high_water() <= 300);
    let refused = queue_refusals(&ws);
    assert!(refused > 0, "the queue was full at least once");
    assert_plan_empty(&ws);
}

/// Resources applied side by side share the realm's queue of 1000: each
/// waits for room instead of drawing 429s, and every identity gets one
/// email.
#[test]
fn resources_side_by_side_wait_their_turn_for_the_queue() {
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(4000);
    let ids = ws.sandbox.seed_identities(4000, "side");
    let parts = ids.chunks(1000).enumerate();
    common::invite_in_parts(
        &ws,
        parts.map(|(n, part)| (n.to_string(), part.iter().map(String::as_str).collect())),
    );
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 4000);
    assert!(emails.values().all(|n| *n == 1));
    assert!(ws.sandbox.batch_queue_high_water() <= 1000);
    let refused = queue_refusals(&ws);
    assert_eq!(refused, 0, "no 429: the resources took turns");
    let plan = ws.run(&["plan", "-input=false", "-detailed-exitcode", "-no-color"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
}

/// Two or three resources of one run that list the same identity for the
/// same configuration email it once: the first to take it sends, the
/// others adopt that link (read from each identity's list for a few, from
/// a sweep for many), and all record the same job.
#[test]
fn identities_listed_by_two_resources_are_emailed_once() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(600, "overlap");
    let part = |r: std::ops::Range<usize>| ids[r].iter().map(String::as_str).collect::<Vec<_>>();
    // a and b share 10 identities; c shares 200 with a and 10 with b.
    common::invite_in_parts(
        &ws,
        [
            ("a".to_owned(), part(0..300)),
            ("b".to_owned(), part(290..600)),
            ("c".to_owned(), part(100..400)),
        ],
    );
    let run = ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 600);
    let twice: Vec<_> = emails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "emailed more than once: {twice:?}\n{}",
        run.all()
    );
    // Which resource sends first is Terraform's choice; the others adopt,
    // and say so either way.
    assert!(
        run.all().contains("listed by another batch resource")
            || run.all().contains("already had a link"),
        "{}",
        run.all()
    );
    let mut job_of: BTreeMap<String, String> = BTreeMap::new();
    for name in ["a", "b", "c"] {
        let state = ws
            .resource(&format!(
                "enroll_credential_binding_batch.part[\"parts/{name}.txt\"]"
            ))
            .unwrap();
        for (identity, job) in state["jobs"].as_object().unwrap() {
            let id = job["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: {identity} has no job"));
            let first = job_of
                .entry(identity.clone())
                .or_insert_with(|| id.to_owned());
            assert_eq!(first, id, "{identity}: one job in every resource");
        }
    }
    assert_eq!(job_of.len(), 600);
    assert_plan_empty(&ws);
}

/// The batch create's answer is lost after the server queued it: the jobs
/// it made are found by their batch id; nobody is emailed twice.
#[test]
fn a_lost_batch_answer_never_leads_to_a_second_email() {
    for mode in [
        enroll_sandbox::FaultMode::After,
        enroll_sandbox::FaultMode::DropAfter,
    ] {
        let ws = fast_ws();
        let ids = ws.sandbox.seed_identities(300, "lost");
        invite(&ws, &ids, "");
        ws.sandbox.add_fault(enroll_sandbox::Fault {
            method: Some("POST".into()),
            path_contains: Some("/batch-credential-binding-jobs".into()),
            status: Some(500),
            mode,
            ..enroll_sandbox::Fault::default()
        });
        ws.apply();
        let emails = emails_by_identity(&ws);
        assert_eq!(emails.len(), 300, "{mode:?}");
        assert!(emails.values().all(|n| *n == 1), "{mode:?}");
        assert_eq!(
            ws.sandbox.batches().len(),
            1,
            "{mode:?}: never queued twice"
        );
        assert_plan_empty(&ws);
    }
}

/// `triggers` changed: everyone who has not enrolled gets a new link, their
/// old one revoked first; the one who enrolled is left alone.
#[test]
fn changed_triggers_resend_to_everyone_not_enrolled() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(30, "trig");
    invite(&ws, &ids, "triggers = { wave = \"1\" }");
    ws.apply();
    let first = batch_state(&ws);
    assert!(ws.sandbox.complete_job(&job_of(&first, &ids[0])));
    invite(&ws, &ids, "triggers = { wave = \"2\" }");
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails[&ids[0]], 1);
    for id in &ids[1..] {
        assert_eq!(emails[id], 2, "{id}");
        let old = job_of(&first, id);
        assert_eq!(ws.sandbox.job(&old).unwrap()["state"], "REVOKED", "{id}");
    }
    let state = batch_state(&ws);
    assert_eq!(state["pending_count"], 29);
    assert_plan_empty(&ws);
}

/// An identity without an email address cannot be sent a link: a warning
/// names it, `failures` holds the API's reason, the others are sent, and
/// later plans stay empty (the failure is permanent) but repeat the warning.
#[test]
fn an_identity_without_email_is_a_warning_and_a_failure_not_an_error() {
    let ws = fast_ws();
    let mut ids = ws.sandbox.seed_identities(10, "mail");
    let no_mail = ws.sandbox.seed_identities_without_email(1, "nomail");
    ids.extend(no_mail.clone());
    invite(&ws, &ids, "");
    let run = ws.apply();
    assert!(
        run.all().contains("got no enrollment link"),
        "{}",
        run.all()
    );
    assert!(run.all().contains(&no_mail[0]), "names it:\n{}", run.all());
    assert_eq!(emails_by_identity(&ws).len(), 10);
    let state = batch_state(&ws);
    assert!(state["failures"][&no_mail[0]]
        .as_str()
        .unwrap()
        .contains("email"));
    let plan = ws.plan();
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.all().contains("cannot be sent a link"),
        "{}",
        plan.all()
    );
}

/// Bad input is refused at validate, before any request.
#[test]
fn bad_input_is_refused_at_validate_with_no_request() {
    let ws = fast_ws();
    let big: Vec<String> = (0..100_001).map(|n| format!("id{n}")).collect();
    // More than tf-provider's 4 MiB messages carry once in state.
    let too_many: Vec<String> = (0..16_000).map(|n| format!("{n:016x}")).collect();
    for (ids, extra, fragment) in [
        (vec![String::new()], "", "identity_ids"),
        (big, "", "100001 identities"),
        (
            too_many,
            "",
            "16000 identities would make this resource's state",
        ),
        (
            vec!["abc".to_owned()],
            "resend_before_expiry = \"soon\"",
            "resend_before_expiry",
        ),
    ] {
        invite(&ws, &ids, extra);
        ws.sandbox.clear_requests();
        let run = ws.run(&["validate", "-no-color"]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(run.all().contains(fragment), "{fragment}:\n{}", run.all());
        assert_eq!(ws.request_count(), 0);
    }
}

/// A long apply says how far it got at INFO: `sent 1000/2000`.
#[test]
fn a_long_apply_logs_its_progress_at_info() {
    let mut ws = fast_ws();
    let log = ws.path().join("provider.log");
    ws.set_env("TF_LOG_PROVIDER", "INFO");
    ws.set_env("TF_LOG_PATH", log.to_str().unwrap());
    ws.sandbox.set_batch_rate(5000);
    let ids = ws.sandbox.seed_identities(2000, "log");
    invite(&ws, &ids, "");
    ws.apply();
    let text = std::fs::read_to_string(&log).expect("the log");
    let ours: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("enroll"))
        .take(40)
        .collect();
    assert!(text.contains("sent 1000/2000"), "{}", ours.join("\n"));
    assert!(text.contains("sent 2000/2000"), "{text}");
}

/// Terraform is killed (SIGKILL, as a CI runner's timeout does) in the
/// middle of sending 3000 links: nothing was recorded. The next apply finds
/// what the killed run sent (and waits for its batch still running), sends
/// the rest, and nobody gets a second email.
#[test]
fn a_killed_apply_is_finished_by_the_next_without_a_second_email() {
    use std::time::{Duration, Instant};
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(1000);
    let ids = ws.sandbox.seed_identities(3000, "kill");
    invite(&ws, &ids, "");
    let mut child = ws
        .command(&["apply", "-auto-approve", "-input=false", "-no-color"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start terraform");
    let deadline = Instant::now() + Duration::from_secs(120);
    while ws.emails() < 1200 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL terraform");
    let _ = child.wait();
    let sent = ws.emails();
    assert!(sent < 3000, "killed half-way ({sent} sent)");
    assert!(
        ws.resource("enroll_credential_binding_batch.all").is_none(),
        "nothing recorded"
    );

    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 3000, "everyone has a link");
    let twice: Vec<_> = emails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{} emailed twice: {twice:?}", twice.len());
    assert_plan_empty(&ws);
    eprintln!(
        "batch | killed after {sent} emails; the second apply sent {}",
        3000 - sent
    );
}

/// Ctrl-C in a terminal reaches Terraform and the provider: the provider
/// stops after the batch in flight, the state records everyone sent so
/// far, and the next apply sends the rest, nobody twice.
#[test]
fn ctrl_c_stops_after_the_batch_in_flight_and_loses_no_record() {
    use std::os::unix::process::CommandExt;
    use std::time::{Duration, Instant};
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(1000);
    let ids = ws.sandbox.seed_identities(5000, "ctrlc");
    invite(&ws, &ids, "");
    // A file, not a pipe: the plan of 5000 ids fills a pipe nobody reads.
    let out_path = ws.path().join("apply.out");
    let out_file = std::fs::File::create(&out_path).unwrap();
    let mut cmd = ws.command(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    // Terraform's log of the run: what the provider printed is the only
    // witness if it dies or the connection breaks.
    let log_path = ws.path().join("terraform.log");
    cmd.env("TF_LOG", "debug")
        .env("TF_LOG_PATH", &log_path)
        .stdout(out_file.try_clone().unwrap())
        .stderr(out_file)
        .process_group(0);
    let child = cmd.spawn().expect("start terraform");
    let deadline = Instant::now() + Duration::from_secs(120);
    while ws.emails() < 1500 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let group = format!("-{}", child.id());
    let killed = common::hermetic_command("kill")
        .args(["-INT", "--", &group])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let mut child = child;
    child.wait().expect("terraform exits");
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('+'))
        .collect::<Vec<_>>()
        .join("\n");
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let provider_lines: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("provider")
                || l.contains("panic")
                || l.contains("Stop")
                || l.contains("rpc error")
        })
        .collect();
    let text = format!(
        "{text}\n--- provider lines of terraform.log (last 120):\n{}",
        provider_lines[provider_lines.len().saturating_sub(120)..].join("\n")
    );
    let sent = ws.emails();
    assert!(sent < 5000, "stopped early ({sent} sent):\n{text}");
    let state = ws
        .resource("enroll_credential_binding_batch.all")
        .unwrap_or_else(|| panic!("the batch resource is in state ({sent} sent):\n{text}"));
    let recorded = state["jobs"]
        .as_object()
        .unwrap()
        .values()
        .filter(|j| j["id"].is_string())
        .count();
    assert_eq!(recorded, sent, "every link sent is recorded:\n{text}");

    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 5000);
    assert!(emails.values().all(|n| *n == 1));
    assert_plan_empty(&ws);
    eprintln!("batch | Ctrl-C after {sent} emails; recorded {recorded}");
}

/// The guide's review step: a saved plan names exactly who will be
/// emailed, readable with `terraform show -json`.
#[test]
fn a_saved_plan_names_who_will_be_emailed() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(13, "review");
    invite(&ws, &ids[..10], "");
    ws.apply();
    invite(&ws, &ids, "");
    let plan = ws.run(&["plan", "-detailed-exitcode", "-input=false", "-out=tfplan"]);
    assert_eq!(plan.code, 2, "{}", plan.all());
    let show = ws.run(&["show", "-json", "tfplan"]).ok();
    let doc: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let change = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "enroll_credential_binding_batch")
        .unwrap();
    let mut planned: Vec<String> = change["change"]["after"]["last_sent_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    planned.sort();
    let mut added = ids[10..].to_vec();
    added.sort();
    assert_eq!(planned, added);
    assert_eq!(ws.emails(), 10, "a plan sends nothing");
    ws.run(&["apply", "-input=false", "tfplan"]).ok();
    assert_eq!(ws.emails(), 13);
    assert_plan_empty(&ws);
}

/// A refresh reads the set's own batches when the realm holds many more
/// jobs than the set (another team's 2,000 here), not the realm's list.
#[test]
fn a_refresh_reads_its_batches_when_the_realm_is_much_larger() {
    let ws = fast_ws();
    ws.sandbox.set_batch_rate(5000);
    let others = Workspace::with_sandbox_of(&ws);
    let their_ids = ws.sandbox.seed_identities(2000, "theirs");
    invite(&others, &their_ids, "");
    others.apply();
    let ours = ws.sandbox.seed_identities(300, "ours");
    invite(&ws, &ours, "");
    ws.apply();
    ws.sandbox.clear_requests();
    assert_plan_empty(&ws);
    let realm_pages = ws.requests_matching("GET", "/identities/-/credential-binding-jobs");
    let result_pages = ws.requests_matching("GET", ":listResults");
    assert_eq!(realm_pages, 0, "the realm's 2,300 jobs are not swept");
    assert!(
        (2..=4).contains(&result_pages),
        "{result_pages} result pages"
    );
}

/// A batch create that failed before the server queued anything (a 502
/// with nothing made): not sent blind in that apply, which fails since
/// nobody got a link; the next apply sends each one link.
#[test]
fn a_batch_lost_before_it_was_queued_is_sent_once_by_the_next_apply() {
    let ws = fast_ws();
    let ids = ws.sandbox.seed_identities(100, "before");
    invite(&ws, &ids, "");
    ws.sandbox.add_fault(enroll_sandbox::Fault {
        method: Some("POST".into()),
        path_contains: Some("/batch-credential-binding-jobs".into()),
        status: Some(502),
        ..enroll_sandbox::Fault::default()
    });
    let run = ws.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("No enrollment link could be sent"),
        "{}",
        run.all()
    );
    assert_eq!(ws.emails(), 0);
    ws.apply();
    let emails = emails_by_identity(&ws);
    assert_eq!(emails.len(), 100);
    assert!(emails.values().all(|n| *n == 1));
    assert_plan_empty(&ws);
}
