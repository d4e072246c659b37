//! Faults the emulator can be told to produce, per request (`X-Emulator-Fault` header) or for the
//! next N requests (`POST /emulator/faults`). Both use one spec: comma-separated `key=value`
//! items, e.g. `status=429,retry_after=1` or `cut_after=3` or `no_blank_lines`.

use serde::Serialize;

pub const FAULT_HEADER: &str = "x-emulator-fault";

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Fault {
    /// Answer with this HTTP status and the documented DashScope error body for it.
    pub status: Option<u16>,
    /// Overrides the DashScope error code (for `status` and `error_after`).
    pub code: Option<String>,
    pub message: Option<String>,
    /// Sent as `Retry-After` (seconds) with an error status.
    pub retry_after: Option<u32>,
    /// Abort the connection after this many stream events (a network drop mid-stream).
    pub cut_after: Option<u32>,
    /// Send an error event inside the HTTP 200 stream after this many events; on the speech
    /// WebSocket, `task-failed` after this many results, while audio is still streaming.
    pub error_after: Option<u32>,
    /// Omit the blank line between native SSE events, as older gateways do.
    pub no_blank_lines: bool,
    /// Wait this long before the response starts.
    pub first_byte_delay_ms: Option<u64>,
    /// Wait this long between stream events (overrides the emulator's default pace).
    pub token_delay_ms: Option<u64>,
    /// An async task submitted with this fault ends `FAILED` with this code.
    pub task_fail: Option<String>,
    /// This many images of a task's batch fail while the rest succeed.
    pub partial_fail: Option<u32>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid fault spec item {item:?}: {reason}")]
pub struct FaultSpecError {
    pub item: String,
    pub reason: &'static str,
}

impl Fault {
    pub fn parse(spec: &str) -> Result<Self, FaultSpecError> {
        let mut fault = Fault::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            let err = |reason| FaultSpecError {
                item: item.to_owned(),
                reason,
            };
            let number = |v: Option<&str>| -> Result<u64, FaultSpecError> {
                v.ok_or_else(|| err("needs a value"))?
                    .parse()
                    .map_err(|_| err("not a number"))
            };
            let small = |v: Option<&str>| -> Result<u32, FaultSpecError> {
                u32::try_from(number(v)?).map_err(|_| err("too large"))
            };
            match key {
                "status" => {
                    let status =
                        u16::try_from(number(value)?).map_err(|_| err("not an HTTP status"))?;
                    if !(400..=599).contains(&status) {
                        return Err(err("status must be 400..=599"));
                    }
                    fault.status = Some(status);
                }
                "code" => fault.code = Some(value.ok_or_else(|| err("needs a value"))?.to_owned()),
                "message" => {
                    fault.message = Some(value.ok_or_else(|| err("needs a value"))?.to_owned())
                }
                "retry_after" => fault.retry_after = Some(small(value)?),
                "cut_after" => fault.cut_after = Some(small(value)?),
                "error_after" => fault.error_after = Some(small(value)?),
                "no_blank_lines" => fault.no_blank_lines = true,
                "first_byte_delay_ms" => fault.first_byte_delay_ms = Some(number(value)?),
                "token_delay_ms" => fault.token_delay_ms = Some(number(value)?),
                "task_fail" => {
                    fault.task_fail = Some(value.ok_or_else(|| err("needs a value"))?.to_owned())
                }
                "partial_fail" => fault.partial_fail = Some(small(value)?),
                _ => return Err(err("unknown fault")),
            }
        }
        Ok(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_switch() {
        let f = Fault::parse("status=429, retry_after=2,code=Throttling.RateQuota").expect("valid");
        assert_eq!(
            (f.status, f.retry_after, f.code.as_deref()),
            (Some(429), Some(2), Some("Throttling.RateQuota"))
        );
        let f = Fault::parse("cut_after=3,no_blank_lines,first_byte_delay_ms=50,error_after=1")
            .expect("valid");
        assert_eq!(
            (
                f.cut_after,
                f.no_blank_lines,
                f.first_byte_delay_ms,
                f.error_after
            ),
            (Some(3), true, Some(50), Some(1))
        );
        assert_eq!(
            Fault::parse("").expect("empty is no fault"),
            Fault::default()
        );
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(Fault::parse("status=200").is_err());
        assert!(Fault::parse("status").is_err());
        assert!(Fault::parse("cut_after=x").is_err());
        assert!(Fault::parse("explode").is_err());
    }
}
