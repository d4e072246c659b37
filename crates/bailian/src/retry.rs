use std::time::Duration;

/// How hard the client tries before giving up. Bounded both in attempts and in total time, so a
/// long outage surfaces to the user instead of hanging a request.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts including the first one; 1 disables retries.
    pub max_attempts: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// No retry is started that would end after this much time since the first attempt.
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            total_budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Exponential back-off with "equal jitter": half the delay is fixed, half random, so
    /// clients that failed together do not retry together.
    pub fn backoff(&self, failed_attempt: u32) -> Duration {
        let exponent = failed_attempt.saturating_sub(1).min(16);
        let full = self
            .initial_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// The delay before the next attempt, or `None` when the policy says stop. A server's
    /// `Retry-After` wins over back-off, but never stretches past the total budget.
    pub fn next_delay(
        &self,
        failed_attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if failed_attempt >= self.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(failed_attempt));
        (elapsed + delay <= self.total_budget).then_some(delay)
    }
}

/// Told to the caller before each retry, so a UI can say "retrying in 2 s" and tests can check
/// which delay was chosen.
#[derive(Debug, Clone)]
pub struct RetryNotice {
    /// The attempt about to start (2 for the first retry).
    pub next_attempt: u32,
    pub delay: Duration,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let full = (policy.initial_delay * (1 << (attempt - 1))).min(policy.max_delay);
            let delay = policy.backoff(attempt);
            assert!(
                delay >= full / 2 && delay <= full,
                "attempt {attempt}: {delay:?}"
            );
        }
    }

    #[test]
    fn stops_at_attempt_limit_and_budget() {
        let policy = RetryPolicy::default();
        assert!(policy.next_delay(4, Duration::ZERO, None).is_none());
        assert!(
            policy
                .next_delay(1, Duration::from_secs(29), Some(Duration::from_secs(5)))
                .is_none()
        );
        assert_eq!(
            policy.next_delay(1, Duration::ZERO, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert!(
            RetryPolicy::none()
                .next_delay(1, Duration::ZERO, None)
                .is_none()
        );
    }
}
