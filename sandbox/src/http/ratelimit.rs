//! One token bucket shared by every vendor endpoint, and the `Retry-After`
//! a limited client is told.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::HeaderValue;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::sync::lock;

#[derive(Default)]
pub(crate) struct RateLimit {
    limiter: Mutex<Option<DefaultDirectRateLimiter>>,
}

impl RateLimit {
    /// `0` turns the limit off. The bucket holds one second's worth of
    /// requests, so a burst of `per_second` passes and the next one waits.
    pub(crate) fn set(&self, per_second: u32) {
        *lock(&self.limiter) =
            NonZeroU32::new(per_second).map(|n| RateLimiter::direct(Quota::per_second(n)));
    }

    /// `Err` carries how long until a request would be let through.
    pub(crate) fn check(&self) -> Result<(), Duration> {
        let limiter = lock(&self.limiter);
        match limiter.as_ref() {
            None => Ok(()),
            Some(limiter) => limiter
                .check()
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }
}

/// `Retry-After` in whole seconds, rounded up so a client that waits that
/// long gets through, and never `0`, which some clients read as "at once".
pub(crate) fn retry_after(wait: Duration) -> HeaderValue {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HeaderValue::from(seconds.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after(Duration::ZERO), "1");
        assert_eq!(retry_after(Duration::from_millis(1_001)), "2");
        assert_eq!(retry_after(Duration::from_secs(3)), "3");
    }
}
