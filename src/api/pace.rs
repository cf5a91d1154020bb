//! Pacing shared by every request of a provider process to one API host.
//!
//! Terraform runs up to ten resource operations at once, each with its own
//! request. When a host answers 429, every one of them has to slow down, not
//! only the one that was refused: a `Retry-After` pauses them all, and when
//! the pause ends they leave one after the other, spaced at the pace the
//! host let requests through before it refused, instead of all at the same
//! instant. Each answer that is not a 429 shortens the gap a little, so the
//! pace climbs back once the host allows more, and pacing ends by itself.
//!
//! Time is passed in, so the rules are tested without sleeping.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Fewer answers than this say little about the host's rate (one slow
/// request, a burst of parallel refusals): the window is kept open across
/// refusals until it holds this many.
const MIN_SAMPLE: u32 = 8;

/// Each answer that got through shortens the gap by this fraction: the gap
/// halves after about 44 answers, so a host that allows more again gets it
/// within a few seconds, and one at its limit refuses rarely.
const RELAX: u32 = 64;

/// Below this the gap is gone: requests leave as Terraform sends them.
const NO_GAP: Duration = Duration::from_millis(1);

/// No host is paced slower than one request a second by a learned gap; a
/// longer wait only comes from the host's own `Retry-After`.
const MAX_GAP: Duration = Duration::from_secs(1);

/// One host's pacing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Lane {
    /// No request leaves before this: the end of a `Retry-After` pause, or
    /// the previous request's slot plus the gap.
    next: Option<Instant>,
    /// Kept between requests while the host limits us; zero when it does not.
    gap: Duration,
    /// Since the last 429 (or the first request): how long, and how many
    /// answers got through.
    window_start: Option<Instant>,
    passed: u32,
    /// The end of the latest `Retry-After` pause.
    paused_until: Option<Instant>,
}

impl Lane {
    /// Takes the next slot: when the request about to be sent may leave.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        self.window_start.get_or_insert(now);
        let at = self.next.map_or(now, |n| n.max(now));
        self.next = Some(at + self.gap);
        at
    }

    /// An answer that was not a 429.
    pub fn passed(&mut self) {
        self.passed = self.passed.saturating_add(1);
        if !self.gap.is_zero() {
            self.gap -= self.gap / RELAX;
            if self.gap < NO_GAP {
                self.gap = Duration::ZERO;
            }
        }
    }

    /// A 429; `pause` is its `Retry-After`, already capped.
    pub fn throttled(&mut self, now: Instant, pause: Option<Duration>) {
        let start = *self.window_start.get_or_insert(now);
        // The window runs from the refusal that ended the previous one, its
        // pause included, to this one: what got through in it is what the
        // host allows. A window with too few answers (a host that lets only
        // a handful through between refusals) goes on into the next one.
        if self.passed >= MIN_SAMPLE {
            let elapsed = now.saturating_duration_since(start);
            self.gap = (elapsed / self.passed).min(MAX_GAP);
            if self.gap < NO_GAP {
                self.gap = Duration::ZERO;
            }
            self.window_start = Some(now);
            self.passed = 0;
        }
        if let Some(pause) = pause {
            let until = now + pause;
            if self.next.is_none_or(|n| n < until) {
                self.next = Some(until);
            }
            if self.paused_until.is_none_or(|p| p < until) {
                self.paused_until = Some(until);
            }
        }
    }

    pub fn gap(&self) -> Duration {
        self.gap
    }

    /// Whether a pause that ends after `slot` began since it was taken.
    pub fn paused_past(&self, slot: Instant) -> bool {
        self.paused_until.is_some_and(|p| p > slot)
    }
}

/// The lanes of every host this process talks to, keyed by `host:port`:
/// a 429 from BindID does not slow Beyond Identity down.
#[derive(Debug, Default)]
pub struct Pacer {
    lanes: Mutex<HashMap<String, Lane>>,
}

impl Pacer {
    fn with<T>(&self, host: &str, f: impl FnOnce(&mut Lane) -> T) -> T {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        match lanes.get_mut(host) {
            Some(lane) => f(lane),
            None => f(lanes.entry(host.to_owned()).or_default()),
        }
    }

    /// Takes this request's slot on `host`.
    pub fn reserve(&self, host: &str, now: Instant) -> Instant {
        self.with(host, |l| l.reserve(now))
    }

    /// Waits for this request's slot on `host`; a 429 that arrives
    /// meanwhile and pauses past the slot sends it to the back of the line.
    pub async fn wait(&self, host: &str) {
        loop {
            let now = Instant::now();
            let at = self.reserve(host, now);
            if at <= now {
                return;
            }
            tokio::time::sleep_until(at.into()).await;
            if !self.with(host, |l| l.paused_past(at)) {
                return;
            }
        }
    }

    pub fn passed(&self, host: &str) {
        self.with(host, Lane::passed);
    }

    pub fn throttled(&self, host: &str, now: Instant, pause: Option<Duration>) {
        self.with(host, |l| l.throttled(now, pause));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// `n` requests sent and answered at `at`.
    fn pass(lane: &mut Lane, at: Instant, n: u32) {
        for _ in 0..n {
            lane.reserve(at);
            lane.passed();
        }
    }

    #[test]
    fn a_host_that_never_refuses_is_never_paced() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        for i in 0..1000 {
            let now = t0 + ms(i / 10);
            assert_eq!(lane.reserve(now), now);
            lane.passed();
        }
        assert_eq!(lane.gap(), Duration::ZERO);
    }

    #[test]
    fn a_retry_after_holds_every_request_until_it_ends() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        lane.throttled(t0 + ms(50), Some(Duration::from_secs(1)));
        // A refusal before anything got through teaches no pace.
        assert_eq!(lane.gap(), Duration::ZERO);
        for i in 0..10 {
            assert_eq!(lane.reserve(t0 + ms(60 + i)), t0 + ms(1050));
        }
        assert_eq!(lane.reserve(t0 + ms(2000)), t0 + ms(2000));
    }

    #[test]
    fn after_a_pause_requests_leave_at_the_pace_the_host_allowed() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        // 50 got through in the second before the refusal: 20 ms apart.
        lane.reserve(t0);
        lane.throttled(t0, Some(Duration::ZERO));
        pass(&mut lane, t0 + ms(500), 50);
        let refused = t0 + ms(1000);
        lane.throttled(refused, Some(Duration::from_secs(1)));
        assert_eq!(lane.gap(), ms(20));
        // Ten parallel workers wake at the end of the pause and are spread.
        let resume = refused + Duration::from_secs(1);
        let slots: Vec<Instant> = (0..10).map(|_| lane.reserve(refused + ms(1))).collect();
        for (i, slot) in slots.iter().enumerate() {
            assert_eq!(*slot, resume + ms(20) * i as u32, "slot {i}");
        }
    }

    #[test]
    fn refusals_of_one_burst_keep_the_pace_and_the_longest_pause() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, 40);
        lane.throttled(t0 + ms(400), Some(Duration::from_secs(1)));
        assert_eq!(lane.gap(), ms(10));
        // The other requests in flight are refused too, a little later.
        lane.throttled(t0 + ms(420), Some(Duration::from_secs(1)));
        lane.throttled(t0 + ms(410), Some(Duration::from_secs(1)));
        assert_eq!(lane.gap(), ms(10));
        assert_eq!(lane.reserve(t0 + ms(430)), t0 + ms(1420));
    }

    #[test]
    fn a_few_answers_teach_no_pace_until_more_come() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, MIN_SAMPLE - 1);
        lane.throttled(t0 + Duration::from_secs(1), Some(ms(100)));
        assert_eq!(lane.gap(), Duration::ZERO);
        // A strict host: a handful between refusals, the window goes on.
        pass(&mut lane, t0 + Duration::from_secs(2), 3);
        lane.throttled(t0 + Duration::from_secs(2), Some(ms(100)));
        assert_eq!(lane.gap(), Duration::from_secs(2) / (MIN_SAMPLE + 2));
    }

    #[test]
    fn a_learned_gap_is_at_most_a_second() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, MIN_SAMPLE);
        lane.throttled(t0 + Duration::from_secs(60), None);
        assert_eq!(lane.gap(), MAX_GAP);
    }

    #[test]
    fn answers_that_get_through_wear_the_gap_away() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, 100);
        lane.throttled(t0 + Duration::from_secs(2), None);
        assert_eq!(lane.gap(), ms(20));
        pass(&mut lane, t0 + Duration::from_secs(3), 45);
        assert!(lane.gap() <= ms(10), "halved after 45: {:?}", lane.gap());
        pass(&mut lane, t0 + Duration::from_secs(4), 200);
        assert_eq!(lane.gap(), Duration::ZERO);
        let later = t0 + Duration::from_secs(10);
        assert_eq!(lane.reserve(later), later);
        assert_eq!(lane.reserve(later), later);
    }

    #[test]
    fn a_request_sent_later_than_its_slot_is_not_held() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, 50);
        lane.throttled(t0 + Duration::from_secs(1), None);
        assert_eq!(lane.gap(), ms(20));
        let late = t0 + Duration::from_secs(5);
        assert_eq!(lane.reserve(late), late);
        assert_eq!(lane.reserve(late), late + ms(20));
    }

    #[test]
    fn a_pause_that_starts_after_a_slot_was_taken_overrides_it() {
        let t0 = Instant::now();
        let mut lane = Lane::default();
        lane.reserve(t0);
        pass(&mut lane, t0, 50);
        lane.throttled(t0 + Duration::from_secs(1), None);
        let slot = lane.reserve(t0 + Duration::from_secs(1));
        let later = lane.reserve(t0 + Duration::from_secs(1));
        assert_eq!(later, slot + ms(20));
        assert!(!lane.paused_past(later));
        lane.throttled(t0 + ms(1010), Some(Duration::from_secs(1)));
        assert!(lane.paused_past(later), "the waiter must take a new slot");
        assert!(lane.reserve(t0 + ms(1020)) >= t0 + ms(2010));
    }

    #[test]
    fn hosts_are_paced_apart() {
        let t0 = Instant::now();
        let pacer = Pacer::default();
        pacer.reserve("a:443", t0);
        pacer.throttled("a:443", t0, Some(Duration::from_secs(30)));
        assert_eq!(pacer.reserve("b:443", t0), t0, "b is not held by a");
        assert_eq!(pacer.reserve("a:443", t0), t0 + Duration::from_secs(30));
    }

    /// Ten workers send `total` requests through one lane to a host that
    /// answers after 50 ms and keeps a token bucket of 50 a second holding
    /// `burst`; a refusal carries `Retry-After` in whole seconds, rounded
    /// up, as the sandbox's does. Time is simulated. With `learn` false the
    /// lane never hears of an answer that got through, so it only pauses:
    /// the behaviour before pacing. Returns the seconds until the last
    /// answer and the number of refusals.
    fn simulate(burst: u32, total: u32, learn: bool) -> (f64, u32) {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        #[derive(PartialEq, Eq, PartialOrd, Ord)]
        enum Step {
            Want,
            Wake(u64),
            Arrive,
        }
        const LATENCY: u64 = 50_000;
        let interval = 20_000u64; // µs between tokens at 50 a second
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        let us = |i: Instant| i.duration_since(t0).as_micros() as u64;
        let mut lane = Lane::default();
        // GCRA: the theoretical arrival time of the next request.
        let mut tat = 0u64;
        let mut events = BinaryHeap::new();
        let mut seq = 0u64;
        let mut push = |events: &mut BinaryHeap<_>, t: u64, step: Step| {
            seq += 1;
            events.push(Reverse((t, seq, step)));
        };
        let (mut to_send, mut refused, mut last) = (total, 0, 0);
        for _ in 0..10 {
            to_send -= 1;
            push(&mut events, 0, Step::Want);
        }
        while let Some(Reverse((t, _, step))) = events.pop() {
            match step {
                Step::Want => {
                    let slot = us(lane.reserve(at(t)));
                    if slot > t {
                        push(&mut events, slot, Step::Wake(slot));
                    } else {
                        push(&mut events, t + LATENCY, Step::Arrive);
                    }
                }
                // As `Pacer::wait`: a pause that began meanwhile wins.
                Step::Wake(slot) if lane.paused_past(at(slot)) => {
                    push(&mut events, t, Step::Want);
                }
                Step::Wake(_) => push(&mut events, t + LATENCY, Step::Arrive),
                Step::Arrive => {
                    let allowed_from = tat.saturating_sub(u64::from(burst - 1) * interval);
                    if t >= allowed_from {
                        tat = tat.max(t) + interval;
                        if learn {
                            lane.passed();
                        }
                        last = t;
                        if to_send > 0 {
                            to_send -= 1;
                            push(&mut events, t, Step::Want);
                        }
                    } else {
                        refused += 1;
                        let retry_after = (allowed_from - t).div_ceil(1_000_000).max(1);
                        let pause = Duration::from_secs(retry_after);
                        lane.throttled(at(t), Some(pause));
                        push(&mut events, t + pause.as_micros() as u64, Step::Want);
                    }
                }
            }
        }
        (last as f64 / 1e6, refused)
    }

    #[test]
    fn parallel_workers_keep_close_to_the_rate_a_host_allows() {
        // Ideal: 1000 requests at 50 a second, 20 s.
        for burst in [50, 10, 5, 1] {
            let (paced, paced_refused) = simulate(burst, 1000, true);
            let (held, held_refused) = simulate(burst, 1000, false);
            eprintln!(
                "bucket of {burst}: paced {paced:.1} s, {paced_refused} refusals; \
                 only held {held:.1} s, {held_refused} refusals"
            );
            if burst == 50 {
                // A bucket of a second's worth refills during the pause.
                assert!(paced <= 21.0 && held <= 21.0, "{paced} {held}");
            } else {
                // A small bucket refills only a little during the pause and
                // ten workers released together empty it at once.
                assert!(paced * 2.0 < held, "{paced} {held}");
                assert!(paced_refused * 5 < held_refused);
            }
        }
        assert!(simulate(5, 1000, true).0 < 50.0);
    }
}
