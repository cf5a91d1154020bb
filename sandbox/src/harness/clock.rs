//! The sandbox clock: real time plus an offset that tests move forward, so
//! links, jobs and tokens can expire without waiting.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::sync::lock;

#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: Mutex<Duration>,
}

impl Clock {
    pub(crate) fn now(&self) -> SystemTime {
        SystemTime::now() + *lock(&self.offset)
    }

    pub(crate) fn offset(&self) -> Duration {
        *lock(&self.offset)
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = lock(&self.offset);
        *offset = offset.saturating_add(by);
    }

    pub(crate) fn reset(&self) {
        *lock(&self.offset) = Duration::ZERO;
    }
}

/// RFC 3339 in UTC with microseconds, the precision the Beyond Identity API
/// shows in its examples (`2022-07-11T21:10:33.383828Z`).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_micros(time).to_string()
}
