//! The usage ledger and the monthly budget.
//!
//! Every API call (chat, image task, speech, embedding) records one ledger row with what it
//! consumed and, when the registry has a CNY price for the model, what it cost with the price's
//! date. The budget is a monthly CNY amount: at [`BUDGET_WARN_FRACTION`] of it callers are warned
//! (`SendOutcome::budget`, [`Desk::budget`]); at 100 % calls are either refused before anything is
//! sent (`at_limit = block`, error `budget_exceeded`) or only warned about (`warn`). Months and
//! days are local calendar ones. Demo calls are recorded at no cost.

use std::io::Write;
use std::time::Instant;

use bailian::registry::{Price, lookup};
use desk_store::{
    NewUsage, SETTING_BUDGET_AT_LIMIT, SETTING_BUDGET_MONTHLY_CNY, UsageGroup, UsageKind,
    UsageRecord, UsageStatus, UsageTotal,
};
use serde::{Deserialize, Serialize};

use crate::desk::Desk;
use crate::error::{DeskError, ErrorCode};

/// The share of the budget at which callers are warned.
pub const BUDGET_WARN_FRACTION: f64 = 0.8;

/// What happens when the month's spending reaches the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtLimit {
    /// Refuse every paid call before it is sent, with `budget_exceeded`.
    Block,
    /// Keep going; report the budget as exceeded.
    Warn,
}

impl AtLimit {
    pub fn as_str(self) -> &'static str {
        match self {
            AtLimit::Block => "block",
            AtLimit::Warn => "warn",
        }
    }
}

/// Where this month's spending stands against the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetLevel {
    /// No budget is set.
    Unset,
    Ok,
    /// At least [`BUDGET_WARN_FRACTION`] of the budget is spent.
    Warning,
    /// The budget is spent.
    Exceeded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetStatus {
    pub monthly_cny: Option<f64>,
    pub at_limit: AtLimit,
    /// The known cost of this month's calls (calls without a price are not counted).
    pub spent_cny: f64,
    /// `spent / budget`, when a budget is set.
    pub fraction: Option<f64>,
    pub level: BudgetLevel,
    /// This month, as Unix ms: `[month_start, month_end)`.
    pub month_start: i64,
    pub month_end: i64,
}

impl BudgetStatus {
    /// Whether the caller should be told (80 % reached, or over in warn mode).
    pub fn needs_notice(&self) -> bool {
        matches!(self.level, BudgetLevel::Warning | BudgetLevel::Exceeded)
    }
}

/// The cost of a call and the date of the price used. Demo calls cost nothing; a model without a
/// CNY price has an unknown cost.
pub(crate) fn cost_of(
    model: &str,
    demo: bool,
    compute: impl FnOnce(Price) -> Option<f64>,
) -> (Option<f64>, Option<String>) {
    if demo {
        return (Some(0.0), None);
    }
    match lookup(model).price {
        Some(quote) => match compute(quote.price) {
            Some(cost) => (Some(cost), Some(quote.as_of.to_owned())),
            None => (None, None),
        },
        None => (None, None),
    }
}

/// The cost of `input`/`output` tokens.
pub(crate) fn token_cost(
    model: &str,
    demo: bool,
    input: u64,
    output: u64,
) -> (Option<f64>, Option<String>) {
    cost_of(model, demo, |price| match price {
        Price::PerThousandTokens {
            input: i,
            output: o,
        } => Some((input as f64 * i + output as f64 * o) / 1000.0),
        _ => None,
    })
}

/// The cost of `units` images, characters or seconds, whichever the model is priced in.
pub(crate) fn unit_cost(model: &str, demo: bool, units: u64) -> (Option<f64>, Option<String>) {
    cost_of(model, demo, |price| match price {
        Price::PerImage { cny } => Some(cny * units as f64),
        Price::PerTenThousandChars { cny } => Some(cny * units as f64 / 10_000.0),
        Price::PerSecond { cny } => Some(cny * units as f64),
        Price::PerThousandTokens { .. } => None,
    })
}

/// Errors raised before any request left this machine. DashScope's own errors always carry its
/// code; a `bad_request` without one is ours.
fn refused_locally(error: &DeskError) -> bool {
    match error.code {
        ErrorCode::EmptyPrompt
        | ErrorCode::MissingApiKey
        | ErrorCode::BudgetExceeded
        | ErrorCode::UnsupportedByModel => true,
        ErrorCode::BadRequest => error.dashscope_code.is_none(),
        _ => false,
    }
}

/// The ledger row of a speech or embedding call from its outcome (see [`Desk::record_call`]);
/// `None` for a call refused before anything was sent. A free function so a task that outlives
/// the call (live recognition) can record through its own handle on the store.
pub(crate) fn call_usage(
    kind: UsageKind,
    model: &str,
    unit: &'static str,
    started: Instant,
    outcome: Result<Option<u64>, &DeskError>,
    demo: bool,
) -> Option<NewUsage> {
    if let Err(error) = &outcome
        && refused_locally(error)
    {
        return None;
    }
    let tokens = kind == UsageKind::Embedding;
    let units = outcome.as_ref().ok().copied().flatten();
    let (cost_cny, price_as_of) = match (tokens, units, &outcome) {
        (true, Some(n), _) => token_cost(model, demo, n, 0),
        (false, Some(n), _) => unit_cost(model, demo, n),
        (true, None, Err(_)) => token_cost(model, demo, 0, 0),
        (false, None, Err(_)) => unit_cost(model, demo, 0),
        (_, None, Ok(_)) => (None, None),
    };
    Some(NewUsage {
        kind,
        model: model.to_owned(),
        conversation_id: None,
        item_id: None,
        input_tokens: if tokens { units } else { None },
        output_tokens: None,
        units: if tokens { None } else { units },
        unit: if tokens { None } else { Some(unit) },
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        status: if outcome.is_ok() {
            UsageStatus::Ok
        } else {
            UsageStatus::Failed
        },
        error_code: outcome.err().map(|e| e.code.as_str().to_owned()),
        cost_cny,
        price_as_of,
    })
}

fn storage(error: impl std::fmt::Display) -> DeskError {
    DeskError::new(ErrorCode::Storage, error.to_string())
}

impl Desk {
    /// Records one call in the ledger. A failure to record is logged, never turned into a failure
    /// of the call itself (its result is already stored).
    pub(crate) fn record_usage(&self, usage: NewUsage) {
        if let Err(error) = self.store().record_usage(&usage) {
            tracing::warn!(%error, kind = usage.kind.as_str(), model = %usage.model, "could not record usage");
        }
    }

    /// Records a speech or embedding call from its outcome: `Ok(units)` (images, characters,
    /// seconds or, for embeddings, input tokens) or the error. Calls refused before anything was
    /// sent (empty text, no key, spent budget, a file the model cannot take) are not calls and
    /// are not recorded.
    pub(crate) fn record_call(
        &self,
        kind: UsageKind,
        model: &str,
        unit: &'static str,
        started: Instant,
        outcome: Result<Option<u64>, &DeskError>,
    ) {
        let demo = self.connection().is_ok_and(|c| c.demo);
        if let Some(usage) = call_usage(kind, model, unit, started, outcome, demo) {
            self.record_usage(usage);
        }
    }

    /// This month's spending against the budget.
    pub fn budget(&self) -> Result<BudgetStatus, DeskError> {
        let store = self.store();
        let monthly_cny = store
            .setting(SETTING_BUDGET_MONTHLY_CNY)?
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0);
        let at_limit = match store.setting(SETTING_BUDGET_AT_LIMIT)?.as_deref() {
            Some("block") => AtLimit::Block,
            _ => AtLimit::Warn,
        };
        let (month_start, month_end) = store.local_month_bounds(desk_store::now_ms())?;
        let spent_cny = store.usage_cost_cny(month_start, month_end)?;
        let fraction = monthly_cny.map(|budget| {
            if budget > 0.0 {
                spent_cny / budget
            } else {
                f64::INFINITY
            }
        });
        let level = match fraction {
            None => BudgetLevel::Unset,
            Some(f) if f >= 1.0 => BudgetLevel::Exceeded,
            Some(f) if f >= BUDGET_WARN_FRACTION => BudgetLevel::Warning,
            Some(_) => BudgetLevel::Ok,
        };
        Ok(BudgetStatus {
            monthly_cny,
            at_limit,
            spent_cny,
            fraction: fraction.filter(|f| f.is_finite()),
            level,
            month_start,
            month_end,
        })
    }

    /// Sets (or, with `None`, removes) the monthly budget in CNY and what happens at 100 %.
    pub fn set_budget(
        &self,
        monthly_cny: Option<f64>,
        at_limit: AtLimit,
    ) -> Result<BudgetStatus, DeskError> {
        if let Some(cny) = monthly_cny
            && !(cny.is_finite() && cny >= 0.0)
        {
            return Err(DeskError::new(
                ErrorCode::BadRequest,
                format!("a budget must be a non-negative amount of CNY, not {cny}"),
            ));
        }
        {
            let store = self.store();
            store.set_setting(
                SETTING_BUDGET_MONTHLY_CNY,
                monthly_cny.map(|c| c.to_string()).as_deref(),
            )?;
            store.set_setting(SETTING_BUDGET_AT_LIMIT, Some(at_limit.as_str()))?;
        }
        tracing::info!(?monthly_cny, at_limit = at_limit.as_str(), "budget set");
        self.budget()
    }

    /// Refuses with `budget_exceeded` when the budget is spent and set to block. Called before
    /// anything is stored or sent.
    pub(crate) fn check_budget(&self, demo: bool) -> Result<(), DeskError> {
        if demo {
            return Ok(());
        }
        let status = self.budget()?;
        if status.level == BudgetLevel::Exceeded && status.at_limit == AtLimit::Block {
            tracing::warn!(
                spent = status.spent_cny,
                budget = ?status.monthly_cny,
                "budget exceeded; call refused"
            );
            return Err(DeskError::new(
                ErrorCode::BudgetExceeded,
                format!(
                    "this month's spending ¥{:.4} has reached the budget of ¥{:.2}; nothing was sent",
                    status.spent_cny,
                    status.monthly_cny.unwrap_or(0.0)
                ),
            ));
        }
        Ok(())
    }

    /// The budget, when the caller should hear about it; errors reading it are logged.
    pub(crate) fn budget_notice(&self) -> Option<BudgetStatus> {
        match self.budget() {
            Ok(status) => status.needs_notice().then_some(status),
            Err(error) => {
                tracing::warn!(%error, "could not read the budget");
                None
            }
        }
    }

    /// The ledger rows with `since <= createdAt < until` (Unix ms; `None` is unbounded), oldest first.
    pub fn usage_records(
        &self,
        since: Option<i64>,
        until: Option<i64>,
    ) -> Result<Vec<UsageRecord>, DeskError> {
        Ok(self
            .store()
            .usage_records(since.unwrap_or(i64::MIN), until.unwrap_or(i64::MAX))?)
    }

    /// Totals per day, model or conversation over a range (as [`Desk::usage_records`]).
    pub fn usage_totals(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        group: UsageGroup,
    ) -> Result<Vec<UsageTotal>, DeskError> {
        Ok(self.store().usage_totals(
            since.unwrap_or(i64::MIN),
            until.unwrap_or(i64::MAX),
            group,
        )?)
    }

    /// The known cost of this calendar month's calls, in CNY.
    pub fn month_cost_cny(&self) -> Result<f64, DeskError> {
        Ok(self.budget()?.spent_cny)
    }

    /// Writes the ledger rows of a range as CSV (a header, then one line per call); returns the
    /// number of rows.
    pub fn usage_csv(
        &self,
        since: Option<i64>,
        until: Option<i64>,
        out: impl Write,
    ) -> Result<usize, DeskError> {
        let records = self.usage_records(since, until)?;
        let mut writer = csv::Writer::from_writer(out);
        for record in &records {
            writer.serialize(record).map_err(storage)?;
        }
        if records.is_empty() {
            writer
                .write_record([
                    "id",
                    "kind",
                    "model",
                    "conversationId",
                    "itemId",
                    "inputTokens",
                    "outputTokens",
                    "units",
                    "unit",
                    "latencyMs",
                    "status",
                    "errorCode",
                    "costCny",
                    "priceAsOf",
                    "createdAt",
                ])
                .map_err(storage)?;
        }
        writer.flush().map_err(storage)?;
        Ok(records.len())
    }

    /// The end of the local day `YYYY-MM-DD` (the start of the next), Unix ms: an inclusive
    /// `until` day as an exclusive bound.
    pub fn day_end_ms(&self, date: &str) -> Result<i64, DeskError> {
        self.store().local_day_end_ms(date)?.ok_or_else(|| {
            DeskError::new(
                ErrorCode::BadRequest,
                format!("{date:?} is not a date of the form YYYY-MM-DD"),
            )
        })
    }

    /// The start of the local day `YYYY-MM-DD`, Unix ms.
    pub fn day_start_ms(&self, date: &str) -> Result<i64, DeskError> {
        self.store().local_day_start_ms(date)?.ok_or_else(|| {
            DeskError::new(
                ErrorCode::BadRequest,
                format!("{date:?} is not a date of the form YYYY-MM-DD"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_come_from_the_registry_with_their_date() {
        let (cost, as_of) = token_cost("qwen-plus", false, 1000, 500);
        assert!(cost.is_some_and(|c| c > 0.0));
        assert!(as_of.is_some());
        assert_eq!(token_cost("qwen-max", false, 1, 1), (None, None));
        assert_eq!(token_cost("qwen-plus", true, 1000, 500), (Some(0.0), None));
        let (per_image, _) = unit_cost("qwen-image-plus", false, 2);
        assert!(per_image.is_some_and(|c| (c - 0.4).abs() < 1e-9));
        assert_eq!(
            unit_cost("wanx2.1-t2i-turbo", false, 2),
            (None, None),
            "no price: unknown"
        );
        assert_eq!(unit_cost("qwen-plus", false, 2), (None, None));
    }
}
