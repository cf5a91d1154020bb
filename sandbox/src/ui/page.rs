//! The pages a person opens: the outbox at `/`, and what a sent link leads
//! to. Every value goes through maud, which escapes it.

use std::time::SystemTime;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::outbox::{OutboxKind, OutboxMessage};
use crate::harness::clock::rfc3339;
use crate::sandbox::Sandbox;
use crate::state::{JobRecord, JobState};

/// Seconds between reloads of the outbox page, so a link sent by an apply in
/// another window shows up without touching the browser.
const REFRESH_SECONDS: u32 = 5;

/// The most messages the page shows: after a batch of 10,000 a page of
/// them all would take seconds to build and to render, every reload. The
/// JSON outbox has them all.
const SHOWN: usize = 500;

const CSS: &str = "
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.meta { color: #5b6475; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: #5b6475; padding-bottom: .4rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e2e5eb; vertical-align: top; }
th { font-weight: 600; background: #f5f6f8; }
td.link { word-break: break-all; font-family: ui-monospace, monospace; font-size: 13px; }
td.sent, td.expires { white-space: nowrap; }
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
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    @if refresh { meta http-equiv="refresh" content=(REFRESH_SECONDS); }
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
        OutboxKind::CredentialBindingJob => "Beyond Identity enrollment email",
        OutboxKind::BindidActivation => "BindID activation email",
    }
}

/// `2024-05-01T09:30:00.123456Z` as `2024-05-01 09:30:00 UTC`: the
/// microseconds matter to the API, not to a person reading the page. A value
/// of another shape is shown as it is.
fn readable(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) if rfc3339.ends_with('Z') => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

/// A time cell: readable text, the exact value in `datetime` and on hover.
fn time_cell(value: &str) -> Markup {
    html! { time datetime=(value) title=(value) { (readable(value)) } }
}

/// `GET /`: the links the sandbox sent (the newest 500), newest first,
/// reloaded every few seconds.
pub(crate) fn outbox(sb: &Sandbox) -> Html<String> {
    // The outbox is in sending order; `sent_at` is not used to sort because
    // a clock reset can give a later message an earlier time.
    let (total, messages) = sb.outbox_newest(SHOWN);
    // Every time here comes from `rfc3339`, one fixed-width UTC format, so
    // comparing the strings compares the instants.
    let now = rfc3339(sb.now());
    let seed = sb.seed();
    let caption = match total {
        1 => "1 link sent, newest first".to_owned(),
        n if n <= SHOWN => format!("{n} links sent, newest first"),
        n => format!(
            "{n} links sent; the newest {SHOWN} are shown, newest first (the JSON has them all)"
        ),
    };
    layout(
        "enroll-sandbox outbox",
        true,
        html! {
            h1 { "enroll-sandbox outbox" }
            p.meta {
                "Links sent through " (sb.url()) " · tenant " (seed.tenant_id)
                " · realm " (seed.realm_id) " · sandbox time " (time_cell(&now))
                " · refreshes every " (REFRESH_SECONDS) " seconds · "
                a href="/_sandbox/outbox" { "JSON" }
            }
            @if messages.is_empty() {
                p.empty { "Nothing has been sent yet. Enrollment and activation links will appear here as soon as they are sent." }
            } @else {
                table #outbox {
                    caption { (caption) }
                    thead {
                        tr {
                            th scope="col" { "Recipient" }
                            th scope="col" { "Kind" }
                            th scope="col" { "Link" }
                            th scope="col" { "Sent" }
                            th scope="col" { "Expires" }
                        }
                    }
                    tbody {
                        @for m in &messages {
                            @let expired = m.expire_time <= now;
                            tr.message id=(format!("message-{}", m.id)) {
                                td.recipient { (m.recipient) }
                                td.kind { (kind_label(m.kind)) }
                                td.link { a href=(m.link) { (m.link) } }
                                td.sent { (time_cell(&m.sent_at)) }
                                td.expires.expired[expired] {
                                    (time_cell(&m.expire_time))
                                    @if expired { " (expired)" }
                                }
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
                tr { th { "Expires" } td { (time_cell(&rfc3339(job.template.expire_time))) } }
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
                tr { th { "Sent" } td { (time_cell(&message.sent_at)) } }
                tr { th { "Expires" } td { (time_cell(&message.expire_time)) } }
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
    use std::time::Duration;

    use super::*;
    use crate::harness::requests::Vendor;
    use crate::harness::seed::Seed;

    fn sandbox() -> Sandbox {
        Sandbox::new("http://127.0.0.1:1", Seed::default())
    }

    /// Records a message as the vendor handlers do, sent now on the sandbox
    /// clock and good for `lifetime`.
    fn send(sb: &Sandbox, kind: OutboxKind, recipient: &str, link: &str, lifetime: Duration) {
        let now = sb.now();
        let id = format!("{:016x}", sb.outbox().len());
        sb.store().outbox.push(OutboxMessage {
            id,
            vendor: match kind {
                OutboxKind::CredentialBindingJob => Vendor::BeyondIdentity,
                OutboxKind::BindidActivation => Vendor::Bindid,
            },
            kind,
            recipient: recipient.to_owned(),
            link: link.to_owned(),
            sent_at: rfc3339(now),
            expire_time: rfc3339(now + lifetime),
            job_id: None,
            identity_id: None,
        });
    }

    fn page(sb: &Sandbox) -> String {
        let Html(page) = outbox(sb);
        page
    }

    const DAY: Duration = Duration::from_secs(86_400);

    #[test]
    fn the_empty_outbox_says_so() {
        let page = page(&sandbox());
        assert!(page.contains("Nothing has been sent yet"));
        assert!(page.contains(r#"http-equiv="refresh" content="5""#));
        assert!(!page.contains("<table"), "no empty table: {page}");
    }

    #[test]
    fn the_page_is_a_whole_html5_document() {
        let page = page(&sandbox());
        assert!(
            page.starts_with("<!DOCTYPE html><html lang=\"en\"><head>"),
            "{page}"
        );
        assert!(page.contains(r#"<meta charset="utf-8">"#));
        assert!(page.contains("<title>enroll-sandbox outbox</title>"));
        assert!(page.contains("<style>"));
        assert!(page.ends_with("</body></html>"));
    }

    #[test]
    fn each_message_is_a_row_newest_first() {
        let sb = sandbox();
        send(
            &sb,
            OutboxKind::CredentialBindingJob,
            "alice@example.com",
            "http://127.0.0.1:1/alice",
            DAY,
        );
        sb.advance_clock(Duration::from_secs(90));
        send(
            &sb,
            OutboxKind::BindidActivation,
            "carol@example.com",
            "http://127.0.0.1:1/carol",
            DAY,
        );
        let page = page(&sb);
        let carol = page.find("carol@example.com").expect("carol is listed");
        let alice = page.find("alice@example.com").expect("alice is listed");
        assert!(carol < alice, "the newest message comes first: {page}");
        assert!(page.contains("2 links sent, newest first"));
        for header in ["Recipient", "Kind", "Link", "Sent", "Expires"] {
            assert!(page.contains(&format!(r#"<th scope="col">{header}</th>"#)));
        }
        assert!(page.contains(
            r#"<td class="link"><a href="http://127.0.0.1:1/alice">http://127.0.0.1:1/alice</a></td>"#
        ));
        assert!(page.contains(r#"<td class="kind">Beyond Identity enrollment email</td>"#));
        assert!(page.contains(r#"<td class="kind">BindID activation email</td>"#));
        let message = &sb.outbox()[0];
        assert!(page.contains(&format!(
            r#"<td class="sent"><time datetime="{0}" title="{0}">{1}</time></td>"#,
            message.sent_at,
            readable(&message.sent_at)
        )));
        assert!(page.contains(&format!(r#"<time datetime="{}""#, message.expire_time)));
        assert!(!page.contains("(expired)"));
    }

    #[test]
    fn a_large_outbox_shows_only_the_newest_messages() {
        let sb = sandbox();
        for n in 0..SHOWN + 2 {
            let link = format!("http://127.0.0.1:1/{n}");
            send(
                &sb,
                OutboxKind::CredentialBindingJob,
                "u@example.com",
                &link,
                DAY,
            );
        }
        let page = page(&sb);
        assert_eq!(page.matches(r#"<tr class="message""#).count(), SHOWN);
        assert!(
            page.contains("502 links sent; the newest 500 are shown"),
            "{page}"
        );
        assert!(page.contains(r#"href="http://127.0.0.1:1/501""#));
        assert!(!page.contains(r#"href="http://127.0.0.1:1/1""#));
    }

    #[test]
    fn a_link_past_its_expiry_is_marked_expired() {
        let sb = sandbox();
        send(
            &sb,
            OutboxKind::CredentialBindingJob,
            "alice@example.com",
            "http://127.0.0.1:1/alice",
            Duration::from_secs(60),
        );
        assert!(!page(&sb).contains("(expired)"));
        sb.advance_clock(Duration::from_secs(61));
        let page = page(&sb);
        assert!(page.contains(r#"<td class="expires expired">"#), "{page}");
        assert!(page.contains(" (expired)</td>"));
    }

    #[test]
    fn what_the_api_was_sent_is_escaped() {
        let sb = sandbox();
        send(
            &sb,
            OutboxKind::BindidActivation,
            "<script>alert(1)</script>@example.com",
            "http://127.0.0.1:1/x?a=1&b=\"><script>",
            DAY,
        );
        let page = page(&sb);
        assert!(!page.contains("<script>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;@example.com"));
        assert!(page.contains(r#"href="http://127.0.0.1:1/x?a=1&amp;b=&quot;&gt;&lt;script&gt;""#));
    }

    #[test]
    fn times_read_without_microseconds() {
        assert_eq!(
            readable("2024-05-01T09:30:00.123456Z"),
            "2024-05-01 09:30:00 UTC"
        );
        assert_eq!(readable("2024-05-01T09:30:00Z"), "2024-05-01 09:30:00 UTC");
        assert_eq!(readable("soon"), "soon");
    }
}
