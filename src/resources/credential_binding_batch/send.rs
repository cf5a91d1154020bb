//! Sending links to many identities: batches of at most 1000, never more
//! than the realm's queue takes (a 429 says how much room is left), each
//! followed until it leaves `RUNNING` and its results read page by page. A
//! batch whose answer is lost is never sent again: what it made is found by
//! its jobs, and what cannot be found is left for the next apply.

use super::ledger::{Found, Ledger};
use crate::api::beyond_identity::batches::{Batch, JobTemplate, NewBatch, MAX_BATCH};
use crate::api::beyond_identity::{BeyondIdentity, RealmRef};
use crate::api::ApiError;
use crate::logging;
use crate::resources::unresolved::settle_time;
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::{Semaphore, SemaphorePermit};

const MODULE: &str = "credential_binding_batch";

/// Clocks of client and server may disagree by a few seconds.
const CLOCK_SLACK: time::Duration = time::Duration::seconds(60);
/// Longest wait between two looks at a running batch.
const MAX_POLL: Duration = Duration::from_secs(2);
/// The smallest room worth a batch when the queue holds others' jobs: a
/// few slots are left for a moment later rather than spent on a batch each.
const MIN_ROOM: usize = 100;
/// How long a full queue is waited for before the rest is left for the
/// next apply.
const QUEUE_PATIENCE: Duration = Duration::from_secs(15 * 60);

/// Why an identity got no link from this apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Failure {
    pub message: String,
    /// The API gave up on it (`failed_permanently`).
    pub permanent: bool,
}

#[derive(Debug, Default)]
pub(super) struct Sent {
    /// The job each identity was sent.
    pub made: BTreeMap<String, Found>,
    pub failed: BTreeMap<String, Failure>,
    /// Requests the server answered with an error for the whole batch:
    /// shown once, not once per identity.
    pub errors: Vec<String>,
}

/// Turns an identity list into links. `slots` is this process's share of
/// the realm's queue, one permit a job. `is_interrupted` is asked between
/// batches: Ctrl-C stops the run after the batch in flight is recorded.
pub(super) async fn send(
    api: &BeyondIdentity,
    realm: &RealmRef,
    slots: &Semaphore,
    template: &JobTemplate,
    identities: Vec<String>,
    is_interrupted: impl Fn() -> bool,
) -> Sent {
    let total = identities.len();
    let mut queue: VecDeque<String> = identities.into();
    let mut out = Sent::default();
    let mut room = MAX_BATCH;
    let mut pace = Pace::default();
    let mut full_since: Option<Instant> = None;
    while !queue.is_empty() {
        if is_interrupted() {
            let rest = queue.len();
            for i in queue.drain(..) {
                out.failed
                    .insert(i, transient("not sent: the apply was interrupted"));
            }
            logging::warn(
                MODULE,
                "interrupted; the rest is left for the next apply",
                &[("left", rest.into())],
            );
            break;
        }
        let n = room.min(queue.len()).max(1);
        // Never closed, so never an error.
        let Ok(permit) = slots.acquire_many(n as u32).await else {
            break;
        };
        if is_interrupted() {
            // Ctrl-C came while a sibling held the queue: send nothing more.
            continue;
        }
        let chunk: Vec<String> = queue.drain(..n).collect();
        let started = api.now();
        let sent_at = Instant::now();
        let made = api
            .create_batch(
                realm,
                &NewBatch {
                    identity_ids: &chunk,
                    job_template: template,
                },
            )
            .await;
        match made {
            Ok(batch) => {
                full_since = None;
                room = MAX_BATCH;
                finish(api, realm, batch, permit, &chunk, &mut pace, &mut out).await;
            }
            Err(e) if e.status() == Some(429) => {
                drop(permit);
                // Nothing was queued. Send what fits now, or wait for room.
                for i in chunk.into_iter().rev() {
                    queue.push_front(i);
                }
                let waited = full_since.get_or_insert_with(Instant::now).elapsed();
                if waited > QUEUE_PATIENCE {
                    fail_all(
                        &mut out,
                        queue.drain(..),
                        "not sent: the realm's queue stayed full",
                    );
                    out.errors.push(e.detail());
                    break;
                }
                match queue_room(&e) {
                    Some(r) if r > 0 && r >= queue.len().min(MIN_ROOM) => room = r,
                    _ => {
                        let wait = retry_after(&e);
                        logging::info(
                            MODULE,
                            "the realm's queue is full; waiting",
                            &[("wait_ms", (wait.as_millis() as u64).into())],
                        );
                        tokio::time::sleep(wait).await;
                    }
                }
                continue;
            }
            Err(e) if e.ambiguous() => {
                logging::warn(
                    MODULE,
                    "a batch's answer was lost; looking for what it made",
                    &[("error", e.to_string().into())],
                );
                let settle = settle_time(sent_at.elapsed());
                after_lost(
                    api, realm, template, &chunk, started, settle, &e, permit, &mut pace, &mut out,
                )
                .await;
            }
            Err(e) => {
                fail_all(&mut out, chunk.iter().cloned(), &e.detail());
                out.errors.push(e.detail());
            }
        }
        let done = total - queue.len();
        logging::info(
            MODULE,
            &format!("sent {done}/{total}"),
            &[("sent", done.into()), ("total", total.into())],
        );
    }
    out
}

/// The room `RateLimit-Remaining` gives, at most a full batch.
fn queue_room(e: &ApiError) -> Option<usize> {
    match e {
        ApiError::Status(s) => s.rate_limit_remaining.map(|r| (r as usize).min(MAX_BATCH)),
        _ => None,
    }
}

fn retry_after(e: &ApiError) -> Duration {
    match e {
        ApiError::Status(s) => s.retry_after.unwrap_or(Duration::from_secs(1)),
        _ => Duration::from_secs(1),
    }
    .clamp(Duration::from_millis(100), Duration::from_secs(60))
}

fn transient(message: &str) -> Failure {
    Failure {
        message: message.to_owned(),
        permanent: false,
    }
}

fn fail_all(out: &mut Sent, ids: impl Iterator<Item = String>, message: &str) {
    for i in ids {
        out.failed.insert(i, transient(message));
    }
}

/// How long a batch of `n` takes, learned from the last one.
#[derive(Default)]
struct Pace {
    per_second: Option<f64>,
}

impl Pace {
    /// Just before the batch should be done, once the rate is known.
    fn first_look(&self, n: usize) -> Duration {
        match self.expected(n) {
            Some(d) => d.mul_f64(0.95),
            None => Duration::from_millis(100),
        }
        .clamp(Duration::from_millis(50), MAX_POLL * 10)
    }

    /// A twentieth of the expected time; before the rate is known, a quarter
    /// of the time waited so far, so a look comes at most 25% late.
    fn next_look(&self, waited: Duration, n: usize) -> Duration {
        match self.expected(n) {
            Some(d) => d / 20,
            None => waited / 4,
        }
        .clamp(Duration::from_millis(50), MAX_POLL)
    }

    fn expected(&self, n: usize) -> Option<Duration> {
        let rate = self.per_second.filter(|r| *r > 0.0)?;
        Some(Duration::from_secs_f64(n as f64 / rate))
    }

    /// Learns from a batch of `n` that took `took`: the server's own account
    /// when it has one (our looks come late), else what we saw.
    fn learn(&mut self, n: usize, took: Duration) {
        if n >= 50 && !took.is_zero() {
            self.per_second = Some(n as f64 / took.as_secs_f64());
        }
    }
}

/// Follows a batch until it leaves `RUNNING`.
async fn follow(
    api: &BeyondIdentity,
    realm: &RealmRef,
    mut batch: Batch,
    n: usize,
    pace: &mut Pace,
) -> Result<Batch, ApiError> {
    let started = Instant::now();
    let mut wait = pace.first_look(n);
    while batch.is_running() {
        tokio::time::sleep(wait).await;
        batch = api.get_batch(realm, &batch.id).await?;
        wait = pace.next_look(started.elapsed(), n);
    }
    let seen = started.elapsed();
    pace.learn(n, batch.took().map_or(seen, |t| t.min(seen)));
    Ok(batch)
}

/// Follows a batch to its end and records, for each identity of `chunk`,
/// its job or why it has none.
async fn finish(
    api: &BeyondIdentity,
    realm: &RealmRef,
    batch: Batch,
    permit: SemaphorePermit<'_>,
    chunk: &[String],
    pace: &mut Pace,
    out: &mut Sent,
) {
    let id = batch.id.clone();
    let followed = follow(api, realm, batch, chunk.len(), pace).await;
    // Its jobs have left the queue (or it is lost track of): room for the
    // next batch while this one's results are read.
    drop(permit);
    let done = match followed {
        Ok(b) => b,
        Err(e) => {
            // The batch exists and will make its jobs: not sent again; the
            // next apply's sweep adopts them.
            fail_all(out, chunk.iter().cloned(), &lost_track(&id));
            out.errors.push(e.detail());
            return;
        }
    };
    let wanted: HashSet<&str> = chunk.iter().map(String::as_str).collect();
    let mut made = BTreeMap::new();
    let read = api
        .each_batch_result(realm, &id, |jobs| {
            for job in jobs {
                if let Some(i) = job
                    .identity_id
                    .clone()
                    .filter(|i| wanted.contains(i.as_str()))
                {
                    made.insert(i, Found::of(job));
                }
            }
        })
        .await;
    if let Err(e) = read {
        fail_all(out, chunk.iter().cloned(), &lost_track(&id));
        out.errors.push(e.detail());
        return;
    }
    for (i, error) in done.errors() {
        if wanted.contains(i.as_str()) && !made.contains_key(i) {
            out.failed.insert(
                i.clone(),
                Failure {
                    message: error.last_error.clone(),
                    permanent: error.failed_permanently,
                },
            );
        }
    }
    for i in chunk {
        if let Some(job) = made.remove(i) {
            out.made.insert(i.clone(), job);
        } else if !out.failed.contains_key(i) {
            out.failed.insert(i.clone(), transient(&lost_track(&id)));
        }
    }
}

fn lost_track(batch: &str) -> String {
    format!(
        "not known whether a link was sent: batch {batch} was made but could not be followed; the next apply adopts its job or sends one"
    )
}

/// A batch create whose answer was lost. Its jobs carry its id: look for
/// jobs of the chunk made since the attempt, giving the server time to
/// start (twice, `settle` apart); found, follow that batch to the end.
/// Not found: the chunk is not sent again in this apply.
#[allow(clippy::too_many_arguments)]
async fn after_lost(
    api: &BeyondIdentity,
    realm: &RealmRef,
    template: &JobTemplate,
    chunk: &[String],
    started: OffsetDateTime,
    settle: Duration,
    lost: &ApiError,
    permit: SemaphorePermit<'_>,
    pace: &mut Pace,
    out: &mut Sent,
) {
    let set: HashSet<&str> = chunk.iter().map(String::as_str).collect();
    let since = started - CLOCK_SLACK;
    for _ in 0..2 {
        tokio::time::sleep(settle).await;
        let Ok(ledger) = Ledger::sweep(api, realm, &template.authenticator_config_id, &set).await
        else {
            continue;
        };
        let batches: BTreeSet<String> = chunk
            .iter()
            .flat_map(|i| ledger.of(i))
            .filter(|j| {
                j.create_time
                    .as_deref()
                    .and_then(crate::resources::renewal::parse_time)
                    .is_some_and(|t| t >= since)
            })
            .filter_map(|j| j.batch_id.clone())
            .collect();
        if let Some(id) = batches.into_iter().next() {
            match api.get_batch(realm, &id).await {
                Ok(batch) => return finish(api, realm, batch, permit, chunk, pace, out).await,
                Err(_) => break,
            }
        }
    }
    let message = format!(
        "not known whether a link was sent: the batch's answer was lost ({lost}); the next apply adopts its job or sends one"
    );
    fail_all(out, chunk.iter().cloned(), &message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_follow_the_learned_rate() {
        let mut pace = Pace::default();
        let ms = Duration::from_millis;
        assert_eq!(pace.first_look(1000), ms(100));
        // Unknown rate: a quarter of the time waited, at least 50 ms.
        assert_eq!(pace.next_look(ms(100), 1000), ms(50));
        assert_eq!(pace.next_look(ms(1000), 1000), ms(250));
        assert_eq!(pace.next_look(ms(60_000), 1000), MAX_POLL);
        pace.learn(1000, Duration::from_secs(2));
        assert_eq!(pace.first_look(1000), ms(1900));
        assert_eq!(pace.next_look(ms(1900), 1000), ms(100));
        pace.learn(10, Duration::from_secs(100));
        assert_eq!(
            pace.first_look(1000),
            ms(1900),
            "small batches teach nothing"
        );
    }

    #[test]
    fn a_full_queue_tells_the_room_left() {
        let mut e = ApiError::from_response("POST", "/", 429, b"{}", Some(Duration::from_secs(3)));
        if let ApiError::Status(s) = &mut e {
            s.rate_limit_remaining = Some(200);
        }
        assert_eq!(queue_room(&e), Some(200));
        assert_eq!(retry_after(&e), Duration::from_secs(3));
    }
}
