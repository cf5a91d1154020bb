//! The sandbox itself: seed, clock, data and test controls, shared by the
//! HTTP handlers, the `/_sandbox` control endpoints and `SandboxHandle`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::Notify;

use crate::harness::clock::Clock;
use crate::harness::faults::{Fault, Faults};
use crate::harness::population;
use crate::harness::requests::RequestRecord;
use crate::harness::seed::Seed;
use crate::http::ratelimit::RateLimit;
use crate::ids;
use crate::state::{IdentityRecord, JobState, Store};
use crate::sync::lock;
use crate::ui::outbox::OutboxMessage;

/// A cheap handle to one sandbox's state; clones share it.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    seed: Seed,
    clock: Clock,
    store: Mutex<Store>,
    log: Mutex<Vec<RequestRecord>>,
    faults: Mutex<Faults>,
    rate_limit: RateLimit,
    latency_ms: AtomicU64,
    /// Requests a `late` fault is still working on.
    late_work: AtomicU64,
    /// Tells the batch worker there is new work or a new rate.
    batch_wakeups: Notify,
}

/// Why a job could not be marked complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompleteError {
    NotFound,
    Finished(JobState),
}

impl Sandbox {
    /// `base_url` is the origin the sandbox is reachable at; links in the
    /// outbox point there.
    pub fn new(base_url: impl Into<String>, seed: Seed) -> Sandbox {
        let store = Store::new(&seed);
        Sandbox {
            inner: Arc::new(Inner {
                base_url: base_url.into(),
                seed,
                clock: Clock::default(),
                store: Mutex::new(store),
                log: Mutex::new(Vec::new()),
                faults: Mutex::new(Faults::default()),
                rate_limit: RateLimit::default(),
                latency_ms: AtomicU64::new(0),
                late_work: AtomicU64::new(0),
                batch_wakeups: Notify::new(),
            }),
        }
    }

    pub fn url(&self) -> &str {
        &self.inner.base_url
    }

    pub fn seed(&self) -> &Seed {
        &self.inner.seed
    }

    /// The provider's environment variables that point it at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        let url = self.url();
        let seed = self.seed();
        [
            ("BEYOND_IDENTITY_API_URL", url),
            ("BEYOND_IDENTITY_AUTH_URL", url),
            ("BEYOND_IDENTITY_TENANT_ID", &seed.tenant_id),
            ("BEYOND_IDENTITY_REALM_ID", &seed.realm_id),
            ("BEYOND_IDENTITY_APPLICATION_ID", &seed.application_id),
            ("BEYOND_IDENTITY_CLIENT_ID", &seed.client_id),
            ("BEYOND_IDENTITY_CLIENT_SECRET", &seed.client_secret),
            ("BINDID_ADMIN_URL", url),
            ("BINDID_SIGNIN_URL", url),
            ("BINDID_CREDENTIALS_ID", &seed.bindid_credentials_id),
            ("BINDID_CREDENTIALS_SECRET", &seed.bindid_credentials_secret),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Oldest first.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.store().outbox.clone()
    }

    /// The newest `n` messages, newest first, and how many there are in all.
    pub(crate) fn outbox_newest(&self, n: usize) -> (usize, Vec<OutboxMessage>) {
        let store = self.store();
        let newest = store.outbox.iter().rev().take(n).cloned().collect();
        (store.outbox.len(), newest)
    }

    pub(crate) fn outbox_message(&self, id: &str) -> Option<OutboxMessage> {
        self.store().outbox.iter().find(|m| m.id == id).cloned()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.log).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.inner.log).clear();
    }

    pub fn add_fault(&self, fault: Fault) {
        lock(&self.inner.faults).add(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.inner.faults).clear();
    }

    /// The rules not used up yet.
    pub fn faults(&self) -> Vec<Fault> {
        lock(&self.inner.faults).pending()
    }

    /// Requests per second across all vendor endpoints; `0` turns it off.
    pub fn set_rate_limit(&self, per_second: u32) {
        self.inner.rate_limit.set(per_second);
    }

    /// Added to every vendor request.
    pub fn set_latency(&self, ms: u64) {
        self.inner.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn advance_clock(&self, by: Duration) {
        self.inner.clock.advance(by);
    }

    /// The sandbox clock: real time plus every advance.
    pub fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    pub fn clock_offset(&self) -> Duration {
        self.inner.clock.offset()
    }

    /// Marks a binding job complete as if its user enrolled a passkey; true
    /// when the job is complete afterwards.
    pub fn complete_job(&self, job_id: &str) -> bool {
        self.try_complete_job(job_id).is_ok()
    }

    pub(crate) fn try_complete_job(&self, job_id: &str) -> Result<Value, CompleteError> {
        let now = self.now();
        let mut store = self.store();
        let job = store.jobs.get_mut(job_id).ok_or(CompleteError::NotFound)?;
        match job.state_at(now) {
            JobState::Complete => {}
            state if state.is_finished() => return Err(CompleteError::Finished(state)),
            _ => {
                job.state = JobState::Complete;
                job.credential_id = Some(ids::hex16());
                job.update_time = now;
            }
        }
        Ok(job.view(self.seed(), now))
    }

    /// From now on, BindID activations to `target` report a failed channel.
    pub fn fail_bindid_target(&self, target: &str) {
        self.store()
            .failing_targets
            .insert(target.to_ascii_lowercase());
    }

    /// The job as `GET …/credential-binding-jobs/{id}` returns it.
    pub fn job(&self, job_id: &str) -> Option<Value> {
        let now = self.now();
        let store = self.store();
        store.jobs.get(job_id).map(|j| j.view(self.seed(), now))
    }

    pub fn authenticator_config(&self, id: &str) -> Option<Value> {
        self.store().configs.get(id).map(|c| c.view(self.seed()))
    }

    /// The identity as `GET …/identities/{id}` returns it.
    pub fn identity(&self, id: &str) -> Option<Value> {
        let now = self.now();
        let store = self.store();
        store
            .identities
            .get(id)
            .map(|i| store.identity_view(i, self.seed(), now))
    }

    /// Adds an active identity behind the client's back (e.g. to fill
    /// pages for a pagination test); returns its id.
    pub fn add_identity(&self, username: &str, email: Option<&str>) -> String {
        self.add_identity_made(username, email, Duration::ZERO)
    }

    /// As `add_identity`, created `ago` before the sandbox's now.
    pub fn add_identity_made(&self, username: &str, email: Option<&str>, ago: Duration) -> String {
        let id = ids::hex16();
        let created = self.now() - ago;
        let record =
            IdentityRecord::active(id.clone(), username.to_owned(), username, email, created);
        self.store().identities.insert(id.clone(), record);
        id
    }

    /// Every identity, as `GET …/identities` lists them.
    pub fn identities(&self) -> Vec<Value> {
        let now = self.now();
        let store = self.store();
        store
            .identities
            .values()
            .map(|i| store.identity_view(i, self.seed(), now))
            .collect()
    }

    /// Every authenticator configuration, as the API returns them.
    pub fn authenticator_configs(&self) -> Vec<Value> {
        self.store()
            .configs
            .values()
            .map(|c| c.view(self.seed()))
            .collect()
    }

    /// Every credential binding job of the realm, as the API returns them.
    pub fn jobs(&self) -> Vec<Value> {
        let now = self.now();
        let store = self.store();
        store
            .jobs
            .values()
            .map(|j| j.view(self.seed(), now))
            .collect()
    }

    /// Every batch credential binding job, oldest first, as
    /// `GET …/batch-credential-binding-jobs/{id}` returns them.
    pub fn batches(&self) -> Vec<Value> {
        let store = self.store();
        store
            .batches
            .values()
            .map(|b| b.view(self.seed()))
            .collect()
    }

    /// The batch as `GET …/batch-credential-binding-jobs/{id}` returns it.
    pub fn batch(&self, id: &str) -> Option<Value> {
        self.store().batches.get(id).map(|b| b.view(self.seed()))
    }

    /// Jobs the batch queue makes per second (default 500); `0` makes them
    /// as fast as the sandbox can.
    pub fn set_batch_rate(&self, per_second: u32) {
        self.store().batch_queue.per_second = per_second;
        self.wake_batch_worker();
    }

    pub fn batch_rate(&self) -> u32 {
        self.store().batch_queue.per_second
    }

    /// The most jobs the batch queue holds (default 1000, the API's).
    pub fn set_batch_queue_limit(&self, limit: usize) {
        self.store().batch_queue.limit = limit;
    }

    pub fn batch_queue_limit(&self) -> usize {
        self.store().batch_queue.limit
    }

    /// Jobs of running batches not made yet.
    pub fn batch_queue_len(&self) -> usize {
        self.store().batch_queue.len()
    }

    /// The most jobs the batch queue has held at once since the last reset.
    pub fn batch_queue_high_water(&self) -> usize {
        self.store().batch_queue.high_water()
    }

    /// Adds `count` active identities at once, `{prefix}00001`, … with the
    /// address `{username}@example.com` (numbers whose username is taken
    /// are skipped); their ids in order. `prefix` should be a valid
    /// username start. 10,000 take milliseconds.
    pub fn seed_identities(&self, count: usize, prefix: &str) -> Vec<String> {
        let now = self.now();
        population::add_identities(&mut self.store(), count, prefix, true, now)
    }

    /// As `seed_identities`, with no email address: identities an EMAIL
    /// job must fail for.
    pub fn seed_identities_without_email(&self, count: usize, prefix: &str) -> Vec<String> {
        let now = self.now();
        population::add_identities(&mut self.store(), count, prefix, false, now)
    }

    /// Deletes a config behind the client's back (drift).
    pub fn delete_authenticator_config(&self, id: &str) -> bool {
        self.store().configs.shift_remove(id).is_some()
    }

    /// Back to the seed: no configs, jobs, batches, messages, log, faults,
    /// rate limit, latency or clock offset; the batch rate and queue limit
    /// at their defaults.
    pub fn reset(&self) {
        *self.store() = Store::new(self.seed());
        self.clear_requests();
        self.clear_faults();
        self.set_rate_limit(0);
        self.set_latency(0);
        self.inner.clock.reset();
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        lock(&self.inner.log).push(record);
    }

    pub(crate) fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        lock(&self.inner.faults).take(method, path)
    }

    pub(crate) fn check_rate_limit(&self) -> Result<(), Duration> {
        self.inner.rate_limit.check()
    }

    /// Requests still being worked on by a `late` fault, after their client
    /// may have given up: a test waits for none before it counts emails.
    pub fn late_work_in_flight(&self) -> u64 {
        self.inner.late_work.load(Ordering::SeqCst)
    }

    pub(crate) fn late_work_started(&self) {
        self.inner.late_work.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn late_work_done(&self) {
        self.inner.late_work.fetch_sub(1, Ordering::SeqCst);
    }

    pub(crate) fn wake_batch_worker(&self) {
        self.inner.batch_wakeups.notify_one();
    }

    pub(crate) fn batch_wakeups(&self) -> &Notify {
        &self.inner.batch_wakeups
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.inner.latency_ms.load(Ordering::Relaxed))
    }
}
