//! The realm's batch queue at work: makes the queued jobs, oldest batch
//! first, at the configured rate, on a task of its own so that batches go
//! on while no request is in flight (`serve` starts it and stops it).

use std::time::{Duration, SystemTime};

use tokio::time::{sleep, Instant};

use super::job_template::{issue, NewJob};
use crate::sandbox::Sandbox;
use crate::state::{DeliveryMethod, IdentityError, JobTemplate, Store};

/// The most identities worked through under one hold of the state lock, so
/// requests are served between chunks even at an unlimited rate.
const CHUNK: usize = 500;

/// The rate as a running count since the pace was set: a loaded machine
/// that falls behind catches up, and an idle queue earns no credit.
struct Pace {
    since: Instant,
    per_second: u32,
    made: u64,
}

impl Pace {
    fn new(per_second: u32) -> Pace {
        Pace {
            since: Instant::now(),
            per_second,
            made: 0,
        }
    }

    /// How many jobs are due now.
    fn due(&self) -> usize {
        let owed = self.since.elapsed().as_secs_f64() * f64::from(self.per_second);
        usize::try_from((owed as u64).saturating_sub(self.made)).unwrap_or(usize::MAX)
    }

    /// Until the next job is due.
    fn until_next(&self) -> Duration {
        let at = Duration::from_secs_f64((self.made + 1) as f64 / f64::from(self.per_second));
        at.saturating_sub(self.since.elapsed())
    }
}

pub(crate) async fn run(sb: Sandbox) {
    let mut pace: Option<Pace> = None;
    loop {
        let (idle, per_second) = {
            let store = sb.store();
            (store.batch_queue.is_empty(), store.batch_queue.per_second)
        };
        if idle {
            pace = None;
            sb.batch_wakeups().notified().await;
            continue;
        }
        if per_second == 0 {
            pace = None;
            make_jobs(&sb, CHUNK);
            tokio::task::yield_now().await;
            continue;
        }
        if pace.as_ref().is_none_or(|p| p.per_second != per_second) {
            pace = None;
        }
        let current = pace.get_or_insert_with(|| Pace::new(per_second));
        match current.due() {
            0 => {
                // A new batch or a new rate wakes the worker early.
                tokio::select! {
                    () = sleep(current.until_next()) => {}
                    () = sb.batch_wakeups().notified() => {}
                }
            }
            due => current.made += make_jobs(&sb, due.min(CHUNK)) as u64,
        }
    }
}

/// Works through up to `max` queued identities; how many it did.
fn make_jobs(sb: &Sandbox, max: usize) -> usize {
    let now = sb.now();
    let mut store = sb.store();
    let mut done = 0;
    while done < max && make_next(sb, &mut store, now) {
        done += 1;
    }
    done
}

/// The next queued identity's job, or its error in the batch; false when
/// nothing is queued.
fn make_next(sb: &Sandbox, store: &mut Store, now: SystemTime) -> bool {
    let Some(batch_id) = store.batch_queue.front().map(str::to_owned) else {
        return false;
    };
    let next = store
        .batches
        .get(&batch_id)
        .and_then(|b| Some((b.next_identity()?.to_owned(), b.template.clone())));
    let Some((identity_id, template)) = next else {
        // Not reached: a batch leaves the queue with its last identity, and
        // batches and queue are only ever reset together.
        store.batch_queue.took_one(true);
        return true;
    };
    let outcome = make_job(sb, store, &batch_id, identity_id, template, now);
    let finished = store.batches.get_mut(&batch_id).is_none_or(|batch| {
        batch.record(outcome, now);
        batch.next_identity().is_none()
    });
    store.batch_queue.took_one(finished);
    true
}

/// One job of a batch, made as a single EMAIL create would make it; what
/// would have made that create fail is the identity's error instead.
fn make_job(
    sb: &Sandbox,
    store: &mut Store,
    batch_id: &str,
    identity_id: String,
    template: JobTemplate,
    now: SystemTime,
) -> Result<String, IdentityError> {
    let identity = store
        .identities
        .get(&identity_id)
        .ok_or_else(|| IdentityError::permanent("identity not found"))?;
    let email = identity
        .email()
        .ok_or_else(|| IdentityError::permanent("Identity missing email address"))?
        .to_owned();
    // The config was there when the batch was made; it may have been
    // deleted while the batch waited.
    if let Some(config_id) = &template.authenticator_config_id {
        if !store.configs.contains_key(config_id) {
            return Err(IdentityError::permanent(
                "authenticator configuration not found",
            ));
        }
    }
    let job = NewJob {
        identity_id,
        delivery_method: DeliveryMethod::Email,
        email: Some(email),
        template,
        batch_id: Some(batch_id.to_owned()),
    };
    let (id, _link) = issue(sb, store, job, now);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pace_owes_jobs_by_the_time_passed() {
        let pace = Pace {
            since: Instant::now() - Duration::from_millis(1_500),
            per_second: 10,
            made: 12,
        };
        assert!(pace.due() >= 3, "15 owed after 1.5 s, 12 made");
        let caught_up = Pace {
            made: 1_000,
            ..pace
        };
        assert_eq!(caught_up.due(), 0);
        assert!(caught_up.until_next() > Duration::from_secs(90));
    }
}
