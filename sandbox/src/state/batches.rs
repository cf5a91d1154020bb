//! Batch credential binding jobs and the realm's batch queue: what a batch
//! asked for, how far it got, and how many of its jobs wait to be made.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::jobs::JobTemplate;
use crate::harness::clock::rfc3339;
use crate::harness::seed::Seed;

/// Jobs made per second when no test says otherwise: a 1000-id batch takes
/// two seconds, slow enough that a client sees `RUNNING` and meets the
/// queue limit, fast enough for the quickstart.
pub(crate) const DEFAULT_BATCH_RATE: u32 = 500;

/// The spec's per-realm limit on jobs waiting in the batch queue.
pub(crate) const DEFAULT_QUEUE_LIMIT: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum BatchState {
    Running,
    Failed,
    PartialSuccess,
    Success,
}

/// An entry of `state_commentary.errors`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct IdentityError {
    pub last_error: String,
    pub failed_permanently: bool,
}

impl IdentityError {
    /// The sandbox never retries: every failure it knows (no such identity,
    /// no email address, no such config) would fail again.
    pub(crate) fn permanent(message: &str) -> IdentityError {
        IdentityError {
            last_error: message.to_owned(),
            failed_permanently: true,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct BatchRecord {
    pub id: String,
    pub identity_ids: Vec<String>,
    /// What each job of the batch is made from. Its `expire_time` is the
    /// spec's read-only "when the credential binding link … will expire":
    /// one time, fixed when the batch is created, which every job of the
    /// batch carries however late the queue makes it.
    pub template: JobTemplate,
    pub state: BatchState,
    pub errors: IndexMap<String, IdentityError>,
    /// The jobs made so far, in the order they were made.
    pub job_ids: Vec<String>,
    /// How many of `identity_ids` have been worked on (a job or an error).
    pub processed: usize,
    pub create_time: SystemTime,
    pub update_time: SystemTime,
}

impl BatchRecord {
    pub(crate) fn new(
        id: String,
        identity_ids: Vec<String>,
        template: JobTemplate,
        now: SystemTime,
    ) -> BatchRecord {
        BatchRecord {
            id,
            identity_ids,
            template,
            state: BatchState::Running,
            errors: IndexMap::new(),
            job_ids: Vec::new(),
            processed: 0,
            create_time: now,
            update_time: now,
        }
    }

    /// The identity whose job is made next; `None` once all are done.
    pub(crate) fn next_identity(&self) -> Option<&str> {
        self.identity_ids.get(self.processed).map(String::as_str)
    }

    /// Records the next identity's outcome; after the last one the batch
    /// leaves `RUNNING` by how many failed.
    pub(crate) fn record(&mut self, outcome: Result<String, IdentityError>, now: SystemTime) {
        let Some(identity_id) = self.next_identity().map(str::to_owned) else {
            return;
        };
        match outcome {
            Ok(job_id) => self.job_ids.push(job_id),
            Err(error) => {
                self.errors.insert(identity_id, error);
            }
        }
        self.processed += 1;
        self.update_time = now;
        if self.processed == self.identity_ids.len() {
            self.state = if self.errors.is_empty() {
                BatchState::Success
            } else if self.job_ids.is_empty() {
                BatchState::Failed
            } else {
                BatchState::PartialSuccess
            };
        }
    }

    pub(crate) fn view(&self, seed: &Seed) -> Value {
        let mut job_template = json!({});
        self.template.write(&mut job_template);
        // An empty map is left out, as protobuf's JSON mapping does: a
        // client must read a batch without errors as `{}`.
        let mut commentary = Map::new();
        if !self.errors.is_empty() {
            let errors: Map<String, Value> = self
                .errors
                .iter()
                .map(|(id, error)| (id.clone(), json!(error)))
                .collect();
            commentary.insert("errors".into(), Value::Object(errors));
        }
        json!({
            "id": self.id,
            "tenant_id": seed.tenant_id,
            "realm_id": seed.realm_id,
            "identity_ids": self.identity_ids,
            "state": self.state,
            "state_commentary": commentary,
            "job_template": job_template,
            "create_time": rfc3339(self.create_time),
            "update_time": rfc3339(self.update_time),
        })
    }
}

/// Why a batch was not queued: the numbers of the API's 429 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueFull {
    pub limit: usize,
    /// Jobs waiting now.
    pub current: usize,
    /// How many jobs too many the batch would have made it.
    pub overage: usize,
    /// Until enough has drained at the current rate.
    pub retry_after: Duration,
}

/// One queue per realm (the sandbox has one realm): the running batches in
/// the order they were submitted, worked through front to back.
#[derive(Debug)]
pub(crate) struct BatchQueue {
    running: VecDeque<String>,
    /// Jobs of running batches not made yet.
    length: usize,
    high_water: usize,
    pub limit: usize,
    /// `0`: as fast as the sandbox can.
    pub per_second: u32,
}

impl Default for BatchQueue {
    fn default() -> Self {
        BatchQueue {
            running: VecDeque::new(),
            length: 0,
            high_water: 0,
            limit: DEFAULT_QUEUE_LIMIT,
            per_second: DEFAULT_BATCH_RATE,
        }
    }
}

impl BatchQueue {
    /// Queues `jobs` more jobs of `batch_id`, or nothing at all when they
    /// would take the queue above its limit.
    pub(crate) fn admit(&mut self, batch_id: &str, jobs: usize) -> Result<(), QueueFull> {
        let total = self.length + jobs;
        if total > self.limit {
            let overage = total - self.limit;
            return Err(QueueFull {
                limit: self.limit,
                current: self.length,
                overage,
                retry_after: self.drain_time(overage),
            });
        }
        self.running.push_back(batch_id.to_owned());
        self.length = total;
        self.high_water = self.high_water.max(total);
        Ok(())
    }

    /// The batch whose jobs are made next.
    pub(crate) fn front(&self) -> Option<&str> {
        self.running.front().map(String::as_str)
    }

    /// One job of the front batch was worked on; `finished` when it was
    /// the batch's last.
    pub(crate) fn took_one(&mut self, finished: bool) {
        self.length = self.length.saturating_sub(1);
        if finished {
            self.running.pop_front();
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.length
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// The most jobs the queue has held at once.
    pub(crate) fn high_water(&self) -> usize {
        self.high_water
    }

    /// How long making `jobs` jobs takes at the current rate.
    fn drain_time(&self, jobs: usize) -> Duration {
        match self.per_second {
            0 => Duration::ZERO,
            rate => Duration::from_secs_f64(jobs as f64 / f64::from(rate)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template() -> JobTemplate {
        JobTemplate {
            authenticator_config_id: Some("c".into()),
            authenticator_config: None,
            post_binding_redirect_uri: None,
            expire_time: SystemTime::UNIX_EPOCH,
        }
    }

    fn batch(ids: &[&str]) -> BatchRecord {
        let ids = ids.iter().map(|s| (*s).to_owned()).collect();
        BatchRecord::new("b".into(), ids, template(), SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn a_batch_ends_by_how_many_failed() {
        let fail = || Err(IdentityError::permanent("no"));
        let mut all_made = batch(&["a", "b"]);
        all_made.record(Ok("j1".into()), SystemTime::UNIX_EPOCH);
        assert_eq!(all_made.state, BatchState::Running);
        all_made.record(Ok("j2".into()), SystemTime::UNIX_EPOCH);
        assert_eq!(all_made.state, BatchState::Success);

        let mut some = batch(&["a", "b"]);
        some.record(Ok("j1".into()), SystemTime::UNIX_EPOCH);
        some.record(fail(), SystemTime::UNIX_EPOCH);
        assert_eq!(some.state, BatchState::PartialSuccess);
        assert!(some.errors.contains_key("b"));

        let mut none = batch(&["a"]);
        none.record(fail(), SystemTime::UNIX_EPOCH);
        assert_eq!(none.state, BatchState::Failed);
    }

    #[test]
    fn a_batch_over_the_limit_is_not_queued() {
        let mut queue = BatchQueue {
            per_second: 100,
            ..BatchQueue::default()
        };
        queue.admit("a", 800).unwrap();
        let full = queue.admit("b", 300).unwrap_err();
        assert_eq!((full.current, full.overage), (800, 100));
        assert_eq!(full.retry_after, Duration::from_secs(1));
        assert_eq!(queue.len(), 800);
        assert_eq!(queue.front(), Some("a"));
        queue.admit("c", 200).unwrap();
        assert_eq!((queue.len(), queue.high_water()), (1000, 1000));
    }

    #[test]
    fn the_queue_works_through_batches_in_order() {
        let mut queue = BatchQueue::default();
        queue.admit("a", 1).unwrap();
        queue.admit("b", 2).unwrap();
        queue.took_one(true);
        assert_eq!(queue.front(), Some("b"));
        queue.took_one(false);
        queue.took_one(true);
        assert!(queue.is_empty());
        assert_eq!((queue.len(), queue.high_water()), (0, 3));
    }
}
