//! The request budget (`max_requests_per_second`): a token bucket per API
//! host (`host:port`), shared by every resource of this provider process,
//! so a run stays within the share of a vendor's rate limit a team gives it
//! instead of learning the limit from 429s.
//!
//! It composes with the pacer (`pace.rs`): the budget limits what we send,
//! the pacer reacts to what the host says. A request first waits for the
//! pacer (a `Retry-After` pause, the learned gap), then for a token, and is
//! sent at once, so the budget holds at the moment it leaves.
//!
//! The bucket holds one token: requests leave evenly spaced, `1/rate`
//! apart, and no second ever carries more than the budget, even after a
//! quiet spell (a bucket that saved up a second's worth could send twice
//! the budget within one second). The GCRA of the `governor` crate keeps
//! the arithmetic exact for fractional rates too (`0.5`: one every 2 s).

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use std::time::Duration;

/// The highest budget accepted: no vendor allows more, and it keeps the
/// spacing at least 100 µs.
pub const MAX_PER_SECOND: f64 = 10_000.0;

/// One bucket per `host:port`.
type PerHost<C> =
    RateLimiter<String, HashMapStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Requests a second to each host, or no limit.
pub struct Budget<C: Clock = DefaultClock> {
    limiter: Option<PerHost<C>>,
}

impl Budget {
    /// `None`: no limit beyond the pacer's reaction to 429s.
    pub fn new(per_second: Option<f64>) -> Budget {
        Budget::with_clock(per_second, DefaultClock::default())
    }

    /// Waits until a request to `host` fits the budget and takes its token.
    pub async fn wait(&self, host: &str) {
        while let Err(wait) = self.take(host) {
            tokio::time::sleep(wait).await;
        }
    }
}

impl<C: Clock> Budget<C> {
    pub fn with_clock(per_second: Option<f64>, clock: C) -> Budget<C> {
        let limiter = per_second
            .and_then(period)
            .and_then(Quota::with_period)
            .map(|quota| RateLimiter::hashmap_with_clock(quota, clock));
        Budget { limiter }
    }

    /// Takes a token for `host` now, or says how long until one is there.
    pub fn take(&self, host: &str) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter
            .check_key(&host.to_owned())
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

/// The spacing of a budget; `None` for a rate no bucket can hold.
fn period(per_second: f64) -> Option<Duration> {
    (per_second.is_finite() && per_second > 0.0 && per_second <= MAX_PER_SECOND)
        .then(|| Duration::from_secs_f64(1.0 / per_second))
}

/// Checks a budget a user gave, for the provider's settings.
pub fn check_per_second(per_second: f64) -> Result<f64, String> {
    if period(per_second).is_some() {
        Ok(per_second)
    } else {
        Err(format!(
            "{per_second} is not a number of requests a second greater than 0 and at most {MAX_PER_SECOND}; leave it unset for no limit"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn budget(per_second: f64) -> (Budget<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (Budget::with_clock(Some(per_second), clock.clone()), clock)
    }

    #[test]
    fn without_a_budget_nothing_waits() {
        let b = Budget::with_clock(None, FakeRelativeClock::default());
        for _ in 0..10_000 {
            assert_eq!(b.take("api:443"), Ok(()));
        }
    }

    #[test]
    fn requests_leave_evenly_spaced_at_the_budget() {
        let (b, clock) = budget(20.0);
        assert_eq!(b.take("api:443"), Ok(()));
        assert_eq!(b.take("api:443"), Err(ms(50)));
        clock.advance(ms(30));
        assert_eq!(b.take("api:443"), Err(ms(20)));
        clock.advance(ms(20));
        assert_eq!(b.take("api:443"), Ok(()));
    }

    #[test]
    fn no_second_carries_more_than_the_budget() {
        let (b, clock) = budget(20.0);
        // A quiet spell saves nothing up: the bucket holds one token.
        clock.advance(Duration::from_secs(10));
        let mut sent = 0;
        for _ in 0..1000 {
            if b.take("api:443").is_ok() {
                sent += 1;
            }
            clock.advance(ms(1));
        }
        // 1000 ms of tries, one every millisecond: 20 a second.
        assert_eq!(sent, 20);
    }

    #[test]
    fn each_host_has_its_own_bucket() {
        let (b, _clock) = budget(1.0);
        assert_eq!(b.take("api-us.beyondidentity.com:443"), Ok(()));
        assert_eq!(b.take("admin.bindid.io:443"), Ok(()));
        assert!(b.take("api-us.beyondidentity.com:443").is_err());
        assert!(b.take("127.0.0.1:8080").is_ok());
    }

    #[test]
    fn a_fractional_budget_spaces_requests_seconds_apart() {
        let (b, clock) = budget(0.5);
        assert_eq!(b.take("api:443"), Ok(()));
        assert_eq!(b.take("api:443"), Err(Duration::from_secs(2)));
        clock.advance(Duration::from_secs(2));
        assert_eq!(b.take("api:443"), Ok(()));
    }

    #[test]
    fn only_positive_finite_budgets_are_accepted() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, MAX_PER_SECOND * 2.0] {
            assert!(check_per_second(bad).is_err(), "{bad}");
        }
        for good in [0.01, 1.0, 20.0, MAX_PER_SECOND] {
            assert_eq!(check_per_second(good), Ok(good));
        }
    }

    #[tokio::test]
    async fn waiting_workers_share_one_bucket() {
        // Ten requests at 100 a second on the real clock: nine gaps of 10 ms.
        let b = std::sync::Arc::new(Budget::new(Some(100.0)));
        let started = std::time::Instant::now();
        let workers: Vec<_> = (0..10)
            .map(|_| {
                let b = b.clone();
                tokio::spawn(async move { b.wait("api:443").await })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        let took = started.elapsed();
        assert!(took >= ms(90), "{took:?}");
        assert!(took < ms(1000), "{took:?}");
    }
}
