//! Client-side rate limits per model: requests and tokens per minute, enforced by waiting (a
//! request queues; it never fails because of the local limit), and slowed down after the server
//! says 429, since Bailian's limits are per account and other clients share them (§7.3).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::registry::{RateLimits, lookup};

/// How much of a minute's allowance may go out at once: bursts up to 5 s worth, so a full
/// minute's quota is never spent in the first second (DashScope also limits per second).
const BURST_SECONDS: f64 = 5.0;
/// After a 429 the rate is multiplied by this; each success adds `RECOVERY_STEP` back.
const BACKOFF_FACTOR: f64 = 0.5;
const RECOVERY_STEP: f64 = 0.05;
const MIN_FACTOR: f64 = 0.05;

#[derive(Debug)]
struct Bucket {
    limits: RateLimits,
    /// The share of the configured rate currently used, in (0, 1].
    factor: f64,
    requests: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl Bucket {
    fn new(limits: RateLimits, now: Instant) -> Self {
        let mut bucket = Self {
            limits,
            factor: 1.0,
            requests: 0.0,
            tokens: 0.0,
            refilled_at: now,
        };
        bucket.requests = bucket.request_capacity();
        bucket.tokens = bucket.token_capacity();
        bucket
    }

    fn request_capacity(&self) -> f64 {
        (f64::from(self.limits.rpm) * BURST_SECONDS / 60.0).max(1.0)
    }

    fn token_capacity(&self) -> f64 {
        f64::from(self.limits.tpm) * BURST_SECONDS / 60.0
    }

    fn refill(&mut self, now: Instant) {
        let seconds = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.refilled_at = now;
        self.requests = (self.requests + seconds * f64::from(self.limits.rpm) * self.factor / 60.0)
            .min(self.request_capacity());
        self.tokens = (self.tokens + seconds * f64::from(self.limits.tpm) * self.factor / 60.0)
            .min(self.token_capacity());
    }

    /// Takes one request and `tokens` if available; otherwise how long until they will be.
    fn try_take(&mut self, tokens: f64, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        // A request larger than the whole burst allowance waits for a full bucket instead of forever.
        let tokens = if self.limits.tpm == 0 {
            0.0
        } else {
            tokens.min(self.token_capacity())
        };
        if self.requests >= 1.0 && self.tokens >= tokens {
            self.requests -= 1.0;
            self.tokens -= tokens;
            return Ok(());
        }
        let per_second =
            |per_minute: u32| (f64::from(per_minute) * self.factor / 60.0).max(f64::MIN_POSITIVE);
        let wait_requests = (1.0 - self.requests).max(0.0) / per_second(self.limits.rpm);
        let wait_tokens = if self.limits.tpm == 0 {
            0.0
        } else {
            (tokens - self.tokens).max(0.0) / per_second(self.limits.tpm)
        };
        Err(Duration::from_secs_f64(
            wait_requests.max(wait_tokens).clamp(0.001, 60.0),
        ))
    }
}

/// Shared by every request of a client (or of an app).
#[derive(Debug, Default)]
pub struct RateLimiter {
    overrides: Mutex<HashMap<String, RateLimits>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl RateLimiter {
    /// Limits come from the model registry unless [`RateLimiter::set_limits`] says otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_limits(&self, model: &str, limits: RateLimits) {
        lock(&self.overrides).insert(model.to_owned(), limits);
        lock(&self.buckets).remove(model);
    }

    fn limits_for(&self, model: &str) -> RateLimits {
        lock(&self.overrides)
            .get(model)
            .copied()
            .unwrap_or_else(|| lookup(model).rate_limits)
    }

    /// Waits until `model` may take another request of about `estimated_tokens`.
    pub async fn acquire(&self, model: &str, estimated_tokens: u64) {
        let limits = self.limits_for(model);
        loop {
            let wait = {
                let mut buckets = lock(&self.buckets);
                let now = Instant::now();
                let bucket = buckets
                    .entry(model.to_owned())
                    .or_insert_with(|| Bucket::new(limits, now));
                match bucket.try_take(estimated_tokens as f64, now) {
                    Ok(()) => return,
                    Err(wait) => wait,
                }
            };
            tracing::debug!(
                model,
                wait_ms = wait.as_millis() as u64,
                "rate limit: queued"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// The server said 429: halve this model's pace.
    pub fn throttled(&self, model: &str) {
        if let Some(bucket) = lock(&self.buckets).get_mut(model) {
            bucket.factor = (bucket.factor * BACKOFF_FACTOR).max(MIN_FACTOR);
            bucket.requests = bucket.requests.min(0.0);
            tracing::info!(
                model,
                factor = bucket.factor,
                "rate limit: slowing down after 429"
            );
        }
    }

    /// A request went through: recover some pace, and charge what it really used beyond the estimate.
    pub fn succeeded(&self, model: &str, estimated_tokens: u64, actual_tokens: Option<u64>) {
        if let Some(bucket) = lock(&self.buckets).get_mut(model) {
            bucket.factor = (bucket.factor + RECOVERY_STEP).min(1.0);
            if let Some(actual) = actual_tokens {
                bucket.tokens -= actual.saturating_sub(estimated_tokens) as f64;
            }
        }
    }

    /// The current share of the configured rate, for display and tests.
    pub fn pace(&self, model: &str) -> f64 {
        lock(&self.buckets).get(model).map_or(1.0, |b| b.factor)
    }
}

/// A rough, deliberately high token estimate for a prompt: about one token per CJK character and
/// per three other characters.
pub fn estimate_tokens(text: &str) -> u64 {
    let (cjk, other) = text.chars().fold((0u64, 0u64), |(c, o), ch| {
        if ch as u32 >= 0x2E80 {
            (c + 1, o)
        } else {
            (c, o + 1)
        }
    });
    cjk + other.div_ceil(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(rpm: u32, tpm: u32) -> RateLimiter {
        let limiter = RateLimiter::new();
        limiter.set_limits("m", RateLimits { rpm, tpm });
        limiter
    }

    #[tokio::test(start_paused = true)]
    async fn requests_queue_at_the_configured_pace() {
        // 60 rpm: a burst of 5, then one per second.
        let limiter = limited(60, 0);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire("m", 0).await;
        }
        assert!(
            start.elapsed() < Duration::from_millis(5),
            "the burst goes at once"
        );
        for _ in 0..3 {
            limiter.acquire("m", 0).await;
        }
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(2_990) && elapsed <= Duration::from_millis(3_100),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_are_respected() {
        // 600 tpm = 10 tokens/s, burst of 50 tokens.
        let limiter = limited(10_000, 600);
        let start = Instant::now();
        limiter.acquire("m", 50).await;
        limiter.acquire("m", 20).await;
        let elapsed = start.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1_990) && elapsed <= Duration::from_millis(2_100),
            "{elapsed:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_slows_down_and_successes_recover() {
        let limiter = limited(60, 0);
        limiter.acquire("m", 0).await;
        limiter.throttled("m");
        assert!((limiter.pace("m") - 0.5).abs() < 1e-9);
        let start = Instant::now();
        limiter.acquire("m", 0).await;
        // Half pace: one request per two seconds, and the burst allowance was dropped.
        assert!(
            start.elapsed() >= Duration::from_millis(1_990),
            "{:?}",
            start.elapsed()
        );
        for _ in 0..20 {
            limiter.succeeded("m", 0, None);
        }
        assert!((limiter.pace("m") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn estimates_are_conservative() {
        assert_eq!(estimate_tokens("你好世界"), 4);
        assert_eq!(estimate_tokens("hello world!"), 4);
    }
}
