//! Brute-force protection: the wait before the next login attempt on a profile.

use std::time::Duration;

/// Failures allowed before any wait: typos should not cost anything.
const FREE_FAILURES: u32 = 3;
const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// The wait after `failures` consecutive failed logins: none for the first three, then 1 s, 2 s,
/// 4 s … up to five minutes.
pub fn delay_after_failures(failures: u32) -> Duration {
    if failures < FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES).min(16);
    Duration::from_secs(1u64 << doublings).min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_three_failures_and_is_capped() {
        let waits: Vec<u64> = (0..14).map(|n| delay_after_failures(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(delay_after_failures(u32::MAX), LONGEST_WAIT);
    }
}
