//! A hybrid logical clock (Kulkarni et al., 2014): wall-clock milliseconds plus a logical counter,
//! with the device id breaking ties. Its timestamps
//!
//! - never go backwards on one device, even when the wall clock does (NTP steps, a user changing
//!   the time), because the physical part is the maximum ever seen, not the current reading;
//! - order causally related events across devices: after receiving a remote timestamp every local
//!   one is greater, so "last writer wins" never lets an older edit beat a newer one it saw;
//! - stay close to real time, so they remain readable and comparable with wall-clock dates.
//!
//! The clock reading is injected ([`Clock`]) so the rules can be tested deterministically.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::DeviceId;

/// How far ahead of our wall clock a remote timestamp may be before we refuse to adopt it. One
/// device with a wildly wrong clock would otherwise drag every other device's clock into the
/// future for good.
pub const DEFAULT_MAX_DRIFT_MS: u64 = 5 * 60 * 1000;

/// A source of wall-clock milliseconds since the Unix epoch.
pub trait Clock {
    fn now_ms(&self) -> u64;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }
}

/// One hybrid logical timestamp. The derived order (physical, then logical, then device) is the
/// total order used for last-writer-wins; the text form sorts the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    pub physical_ms: u64,
    pub logical: u32,
    pub device: DeviceId,
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Fixed width, so that comparing the text (as SQLite does for `ORDER BY hlc` and `max`)
        // is comparing the timestamps.
        write!(
            f,
            "{:015}.{:010}.{}",
            self.physical_ms, self.logical, self.device
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("{0:?} is not a hybrid logical timestamp")]
    Malformed(String),
    #[error(
        "a remote timestamp is {ahead_ms} ms ahead of this device's clock (more than the {max_drift_ms} ms allowed)"
    )]
    TooFarAhead { ahead_ms: u64, max_drift_ms: u64 },
}

impl FromStr for Hlc {
    type Err = ClockError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || ClockError::Malformed(text.to_owned());
        let mut parts = text.splitn(3, '.');
        let (Some(physical), Some(logical), Some(device)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        if physical.len() != 15 || logical.len() != 10 {
            return Err(malformed());
        }
        Ok(Self {
            physical_ms: physical.parse().map_err(|_| malformed())?,
            logical: logical.parse().map_err(|_| malformed())?,
            device: device.parse().map_err(|_| malformed())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The clock of one device.
#[derive(Debug)]
pub struct HybridClock<C> {
    clock: C,
    device: DeviceId,
    /// The greatest (physical, logical) issued or received so far.
    last: (u64, u32),
    max_drift_ms: u64,
}

impl<C: Clock> HybridClock<C> {
    pub fn new(device: DeviceId, clock: C) -> Self {
        Self {
            clock,
            device,
            last: (0, 0),
            max_drift_ms: DEFAULT_MAX_DRIFT_MS,
        }
    }

    #[must_use]
    pub fn with_max_drift_ms(mut self, max_drift_ms: u64) -> Self {
        self.max_drift_ms = max_drift_ms;
        self
    }

    pub fn device(&self) -> DeviceId {
        self.device
    }

    /// The latest timestamp issued or received, if any.
    pub fn last(&self) -> Option<Hlc> {
        (self.last != (0, 0)).then_some(Hlc {
            physical_ms: self.last.0,
            logical: self.last.1,
            device: self.device,
        })
    }

    /// A timestamp for a local event (or a send): greater than every one issued or received.
    pub fn now(&mut self) -> Hlc {
        let wall = self.clock.now_ms();
        self.last = if wall > self.last.0 {
            (wall, 0)
        } else {
            // The wall clock stood still or went back: keep the physical part, count instead.
            bump(self.last)
        };
        self.stamp()
    }

    /// Takes in a timestamp from elsewhere (a remote op, or one persisted by an earlier run), so
    /// that every later [`Self::now`] is greater than it. A timestamp too far ahead of our wall
    /// clock is refused and leaves the clock unchanged.
    pub fn observe(&mut self, remote: &Hlc) -> Result<Hlc, ClockError> {
        let wall = self.clock.now_ms();
        if remote.physical_ms > wall.saturating_add(self.max_drift_ms) {
            return Err(ClockError::TooFarAhead {
                ahead_ms: remote.physical_ms - wall,
                max_drift_ms: self.max_drift_ms,
            });
        }
        let (last_physical, last_logical) = self.last;
        let physical = wall.max(last_physical).max(remote.physical_ms);
        self.last = if physical == last_physical && physical == remote.physical_ms {
            bump((physical, last_logical.max(remote.logical)))
        } else if physical == last_physical {
            bump(self.last)
        } else if physical == remote.physical_ms {
            bump((remote.physical_ms, remote.logical))
        } else {
            (physical, 0)
        };
        Ok(self.stamp())
    }

    fn stamp(&self) -> Hlc {
        Hlc {
            physical_ms: self.last.0,
            logical: self.last.1,
            device: self.device,
        }
    }
}

/// The next logical tick; on the (practically unreachable) counter overflow, borrow a millisecond
/// rather than wrap, which would break monotonicity.
fn bump((physical, logical): (u64, u32)) -> (u64, u32) {
    match logical.checked_add(1) {
        Some(next) => (physical, next),
        None => (physical.saturating_add(1), 0),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    /// A wall clock the test sets by hand.
    #[derive(Clone, Default)]
    struct FakeClock(Rc<Cell<u64>>);

    impl FakeClock {
        fn set(&self, ms: u64) {
            self.0.set(ms);
        }
    }

    impl Clock for FakeClock {
        fn now_ms(&self) -> u64 {
            self.0.get()
        }
    }

    fn device(n: u8) -> DeviceId {
        DeviceId::from_uuid(uuid::Uuid::from_bytes([n; 16]))
    }

    fn clock_at(ms: u64, n: u8) -> (HybridClock<FakeClock>, FakeClock) {
        let wall = FakeClock::default();
        wall.set(ms);
        (HybridClock::new(device(n), wall.clone()), wall)
    }

    #[test]
    fn follows_the_wall_clock_when_it_moves_forward() {
        let (mut hlc, wall) = clock_at(1_000, 1);
        let first = hlc.now();
        assert_eq!((first.physical_ms, first.logical), (1_000, 0));
        wall.set(2_000);
        let stamp = hlc.now();
        assert_eq!((stamp.physical_ms, stamp.logical), (2_000, 0));
    }

    #[test]
    fn same_millisecond_events_count_up() {
        let (mut hlc, _wall) = clock_at(5_000, 1);
        let stamps: Vec<Hlc> = (0..4).map(|_| hlc.now()).collect();
        assert_eq!(
            stamps
                .iter()
                .map(|s| (s.physical_ms, s.logical))
                .collect::<Vec<_>>(),
            vec![(5_000, 0), (5_000, 1), (5_000, 2), (5_000, 3)]
        );
        assert!(stamps.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn stays_monotonic_when_the_wall_clock_goes_backwards() {
        let (mut hlc, wall) = clock_at(10_000, 1);
        let before = hlc.now();
        wall.set(3_000);
        let after: Vec<Hlc> = (0..3).map(|_| hlc.now()).collect();
        assert!(after.iter().all(|s| *s > before));
        assert!(after.iter().all(|s| s.physical_ms == 10_000));
        assert_eq!(after[2].logical, 3);
        // Once the wall clock passes the old reading again, the counter resets.
        wall.set(10_001);
        let caught_up = hlc.now();
        assert_eq!((caught_up.physical_ms, caught_up.logical), (10_001, 0));
        assert!(caught_up > after[2]);
    }

    #[test]
    fn a_remote_timestamp_ahead_of_ours_pulls_the_clock_forward() {
        let (mut ours, _wall) = clock_at(1_000, 1);
        ours.now();
        let remote = Hlc {
            physical_ms: 1_500,
            logical: 7,
            device: device(2),
        };
        let received = ours.observe(&remote).expect("within drift");
        assert_eq!((received.physical_ms, received.logical), (1_500, 8));
        let next = ours.now();
        assert!(next > remote, "{next} must follow {remote}");
        assert_eq!((next.physical_ms, next.logical), (1_500, 9));
    }

    #[test]
    fn receiving_at_the_same_millisecond_takes_the_larger_counter() {
        let (mut ours, _wall) = clock_at(2_000, 1);
        for _ in 0..3 {
            ours.now();
        }
        let remote = Hlc {
            physical_ms: 2_000,
            logical: 10,
            device: device(2),
        };
        let received = ours.observe(&remote).expect("within drift");
        assert_eq!((received.physical_ms, received.logical), (2_000, 11));
        let behind = Hlc {
            physical_ms: 2_000,
            logical: 1,
            device: device(3),
        };
        let received = ours.observe(&behind).expect("within drift");
        assert_eq!((received.physical_ms, received.logical), (2_000, 12));
    }

    #[test]
    fn an_old_remote_timestamp_does_not_move_the_clock_back() {
        let (mut ours, wall) = clock_at(9_000, 1);
        ours.now();
        wall.set(9_100);
        let remote = Hlc {
            physical_ms: 100,
            logical: 50,
            device: device(2),
        };
        let received = ours.observe(&remote).expect("old is fine");
        assert_eq!((received.physical_ms, received.logical), (9_100, 0));
    }

    #[test]
    fn a_timestamp_far_in_the_future_is_refused_and_changes_nothing() {
        let (mut ours, _wall) = clock_at(1_000, 1);
        ours.now();
        let remote = Hlc {
            physical_ms: 1_000 + DEFAULT_MAX_DRIFT_MS + 1,
            logical: 0,
            device: device(2),
        };
        assert!(matches!(
            ours.observe(&remote),
            Err(ClockError::TooFarAhead { .. })
        ));
        let next = ours.now();
        assert_eq!((next.physical_ms, next.logical), (1_000, 1));
    }

    #[test]
    fn device_breaks_ties_and_text_sorts_like_the_value() {
        let a = Hlc {
            physical_ms: 7,
            logical: 2,
            device: device(1),
        };
        let b = Hlc {
            device: device(2),
            ..a
        };
        let c = Hlc {
            physical_ms: 7,
            logical: 10,
            device: device(0),
        };
        let d = Hlc {
            physical_ms: 1_700_000_000_000,
            logical: 0,
            device: device(0),
        };
        let mut values = vec![d, c, b, a];
        values.sort();
        assert_eq!(values, vec![a, b, c, d]);
        let mut texts: Vec<String> = [d, c, b, a].iter().map(Hlc::to_string).collect();
        texts.sort();
        assert_eq!(texts, values.iter().map(Hlc::to_string).collect::<Vec<_>>());
        for value in values {
            assert_eq!(value.to_string().parse::<Hlc>(), Ok(value));
        }
        assert!("12.3.x".parse::<Hlc>().is_err());
    }

    #[test]
    fn the_counter_never_wraps() {
        assert_eq!(bump((5, u32::MAX)), (6, 0));
    }
}
