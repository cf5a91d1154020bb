//! The pages a person opens: the outbox at `/`, and what a sent link leads
//! to. Every value goes through maud, which escapes it.

use std::time::SystemTime;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::clock::rfc3339;
use crate::outbox::{OutboxKind, OutboxMessage};
use crate::sandbox::Sandbox;
use crate::state::{JobRecord, JobState};

const CSS: &str = "
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.meta { color: #5b6475; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e2e5eb; vertical-align: top; }
th { font-weight: 600; background: #f5f6f8; }
td.link { word-break: break-all; font-family: ui-monospace, monospace; font-size: 13px; }
.expired { color: #a23a3a; }
.empty { padding: 2rem; background: #f5f6f8; border-radius: 6px; }
button { font: inherit; padding: .4rem 1rem; cursor: pointer; }
";

fn layout(title: &str, refresh: bool, content: Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    @if refresh { meta http-equiv="refresh" content="5"; }
                    title { (title) }
                    style { (PreEscaped(CSS)) }
                }
                body { (content) }
            }
        }
        .into_string(),
    )
}

fn kind_label(kind: OutboxKind) -> &'static str {
    match kind {
        OutboxKind::CredentialBindingJob => "Beyond Identity enrollment",
        OutboxKind::BindidActivation => "BindID registration",
    }
}

/// `GET /`: newest first, refreshed every five seconds.
pub(crate) fn outbox(sb: &Sandbox) -> Html<String> {
    let mut messages = sb.outbox();
    messages.reverse();
    let now = rfc3339(sb.now());
    let seed = sb.seed();
    layout(
        "enroll-sandbox outbox",
        true,
        html! {
            h1 { "enroll-sandbox outbox" }
            p.meta {
                "Links sent through " (sb.url()) " · tenant " (seed.tenant_id)
                " · realm " (seed.realm_id) " · sandbox time " (now)
            }
            @if messages.is_empty() {
                p.empty { "Nothing has been sent yet. Enrollment and registration links will appear here as soon as they are sent." }
            } @else {
                table {
                    thead { tr { th { "Recipient" } th { "Kind" } th { "Link" } th { "Sent" } th { "Expires" } } }
                    tbody {
                        @for m in &messages {
                            tr {
                                td { (m.recipient) }
                                td { (kind_label(m.kind)) }
                                td.link { a href=(m.link) { (m.link) } }
                                td { (m.sent_at) }
                                td.expired[m.expire_time <= now] { (m.expire_time) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// What a Beyond Identity enrollment link opens: the job, and a button that
/// plays the user enrolling a passkey.
pub(crate) fn job_link(job: &JobRecord, recipient: &str, now: SystemTime) -> Html<String> {
    let state = job.state_at(now);
    let state_name = serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    layout(
        "Enroll a passkey",
        false,
        html! {
            h1 { "Enroll a passkey" }
            p.meta { "Beyond Identity credential binding job " (job.id) " for " (recipient) }
            table {
                tr { th { "State" } td { (state_name) } }
                tr { th { "Expires" } td { (rfc3339(job.expire_time)) } }
            }
            @if state.is_finished() {
                p { "This link can no longer be used." }
            } @else {
                form method="post" action=(format!("/_sandbox/jobs/{}/complete", job.id)) {
                    p { button type="submit" { "Enroll (mark the job COMPLETE)" } }
                }
            }
            @if state == JobState::Complete { p { "Enrolled." } }
            p { a href="/" { "Back to the outbox" } }
        },
    )
}

/// What a BindID registration link opens.
pub(crate) fn message(message: &OutboxMessage) -> Html<String> {
    layout(
        kind_label(message.kind),
        false,
        html! {
            h1 { (kind_label(message.kind)) }
            table {
                tr { th { "Recipient" } td { (message.recipient) } }
                tr { th { "Sent" } td { (message.sent_at) } }
                tr { th { "Expires" } td { (message.expire_time) } }
            }
            p { "The sandbox has no BindID registration flow behind this link." }
            p { a href="/" { "Back to the outbox" } }
        },
    )
}

pub(crate) fn invalid_link() -> Response {
    let page = layout(
        "Invalid link",
        false,
        html! {
            h1 { "This link is not valid" }
            p { a href="/" { "Back to the outbox" } }
        },
    );
    (StatusCode::NOT_FOUND, page).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn the_empty_outbox_says_so() {
        let sb = Sandbox::new("http://127.0.0.1:1", Seed::default());
        let Html(page) = outbox(&sb);
        assert!(page.contains("Nothing has been sent yet"));
        assert!(page.contains(r#"http-equiv="refresh" content="5""#));
    }
}
