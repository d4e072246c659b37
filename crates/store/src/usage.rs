//! The usage ledger (one row per API call, with its cost), its totals, and the small settings
//! table the budget lives in.
//!
//! The ledger records this device's calls: it is not part of the synced history, so its rows are
//! plain inserts, not ops. Days and months are those of the local time zone (SQLite's
//! `localtime`), as a person reading a bill counts them.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::{Result, Store, StoreError, new_id, now_ms};

/// What kind of call a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    Chat,
    Image,
    SpeechSynthesis,
    SpeechRecognition,
    Embedding,
}

impl UsageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageKind::Chat => "chat",
            UsageKind::Image => "image",
            UsageKind::SpeechSynthesis => "speech_synthesis",
            UsageKind::SpeechRecognition => "speech_recognition",
            UsageKind::Embedding => "embedding",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "chat" => Some(UsageKind::Chat),
            "image" => Some(UsageKind::Image),
            "speech_synthesis" => Some(UsageKind::SpeechSynthesis),
            "speech_recognition" => Some(UsageKind::SpeechRecognition),
            "embedding" => Some(UsageKind::Embedding),
            _ => None,
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageStatus {
    Ok,
    Failed,
    /// Stopped early with part of its result kept (a cut reply, a batch with some images).
    Partial,
}

impl UsageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UsageStatus::Ok => "ok",
            UsageStatus::Failed => "failed",
            UsageStatus::Partial => "partial",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ok" => Some(UsageStatus::Ok),
            "failed" => Some(UsageStatus::Failed),
            "partial" => Some(UsageStatus::Partial),
            _ => None,
        }
    }
}

/// A call to record. `units` is images, characters or seconds, named by `unit`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUsage {
    pub kind: UsageKind,
    pub model: String,
    pub conversation_id: Option<String>,
    pub item_id: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub units: Option<u64>,
    pub unit: Option<&'static str>,
    pub latency_ms: u64,
    pub status: UsageStatus,
    pub error_code: Option<String>,
    pub cost_cny: Option<f64>,
    pub price_as_of: Option<String>,
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    pub id: String,
    pub kind: UsageKind,
    pub model: String,
    pub conversation_id: Option<String>,
    pub item_id: Option<String>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub units: Option<u64>,
    pub unit: Option<String>,
    pub latency_ms: u64,
    pub status: UsageStatus,
    pub error_code: Option<String>,
    pub cost_cny: Option<f64>,
    pub price_as_of: Option<String>,
    pub created_at: i64,
}

/// What totals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageGroup {
    /// The local calendar day, `YYYY-MM-DD`.
    Day,
    Model,
    /// The conversation id; calls outside a conversation are grouped under `""`.
    Conversation,
}

/// The sum of the calls in one group (or in a whole range).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotal {
    pub key: String,
    pub calls: u64,
    pub failed_calls: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub units: u64,
    /// The sum of the known costs.
    pub cost_cny: f64,
    /// Calls whose cost is unknown (no price in the registry): `cost_cny` leaves them out.
    pub unpriced_calls: u64,
}

const USAGE_COLUMNS: &str = "id, kind, model, conversation_id, item_id, input_tokens, output_tokens, units, unit, \
     latency_ms, status, error_code, cost_cny, price_as_of, created_at";

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn as_u64(value: Option<i64>) -> Option<u64> {
    value.map(|v| u64::try_from(v).unwrap_or(0))
}

fn usage_from_row(row: &Row<'_>) -> rusqlite::Result<(UsageRecord, String, String)> {
    Ok((
        UsageRecord {
            id: row.get(0)?,
            kind: UsageKind::Chat,
            model: row.get(2)?,
            conversation_id: row.get(3)?,
            item_id: row.get(4)?,
            input_tokens: as_u64(row.get(5)?),
            output_tokens: as_u64(row.get(6)?),
            units: as_u64(row.get(7)?),
            unit: row.get(8)?,
            latency_ms: as_u64(row.get(9)?).unwrap_or(0),
            status: UsageStatus::Ok,
            error_code: row.get(11)?,
            cost_cny: row.get(12)?,
            price_as_of: row.get(13)?,
            created_at: row.get(14)?,
        },
        row.get(1)?,
        row.get(10)?,
    ))
}

fn checked((mut record, kind, status): (UsageRecord, String, String)) -> Result<UsageRecord> {
    record.kind = UsageKind::parse(&kind).ok_or(StoreError::InvalidValue {
        what: "usage kind",
        value: kind,
    })?;
    record.status = UsageStatus::parse(&status).ok_or(StoreError::InvalidValue {
        what: "usage status",
        value: status,
    })?;
    Ok(record)
}

/// Keys of the settings table the store knows.
pub const SETTING_BUDGET_MONTHLY_CNY: &str = "budget.monthly_cny";
pub const SETTING_BUDGET_AT_LIMIT: &str = "budget.at_limit";

impl Store {
    /// Appends one call to the ledger.
    pub fn record_usage(&self, usage: &NewUsage) -> Result<UsageRecord> {
        let (kind, status) = (usage.kind, usage.status);
        let record = UsageRecord {
            id: new_id(),
            kind,
            model: usage.model.clone(),
            conversation_id: usage.conversation_id.clone(),
            item_id: usage.item_id.clone(),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            units: usage.units,
            unit: usage.unit.map(str::to_owned),
            latency_ms: usage.latency_ms,
            status,
            error_code: usage.error_code.clone(),
            cost_cny: usage.cost_cny.filter(|c| c.is_finite()),
            price_as_of: usage.price_as_of.clone(),
            created_at: now_ms(),
        };
        self.conn().execute(
            &format!("INSERT INTO usage_ledger ({USAGE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
            params![
                record.id,
                kind.as_str(),
                record.model,
                record.conversation_id,
                record.item_id,
                record.input_tokens.map(as_i64),
                record.output_tokens.map(as_i64),
                record.units.map(as_i64),
                record.unit,
                as_i64(record.latency_ms),
                status.as_str(),
                record.error_code,
                record.cost_cny,
                record.price_as_of,
                record.created_at,
            ],
        )?;
        Ok(record)
    }

    /// The ledger rows with `since <= created_at < until` (Unix ms), oldest first.
    pub fn usage_records(&self, since: i64, until: i64) -> Result<Vec<UsageRecord>> {
        let mut statement = self.conn().prepare(&format!(
            "SELECT {USAGE_COLUMNS} FROM usage_ledger WHERE created_at >= ?1 AND created_at < ?2 ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map(params![since, until], usage_from_row)?;
        rows.map(|row| row.map_err(StoreError::from).and_then(checked))
            .collect()
    }

    /// Totals over `since <= created_at < until`, grouped by `group`, in key order.
    pub fn usage_totals(
        &self,
        since: i64,
        until: i64,
        group: UsageGroup,
    ) -> Result<Vec<UsageTotal>> {
        let key = match group {
            UsageGroup::Day => "date(created_at / 1000, 'unixepoch', 'localtime')",
            UsageGroup::Model => "model",
            UsageGroup::Conversation => "COALESCE(conversation_id, '')",
        };
        let mut statement = self.conn().prepare(&format!(
            "SELECT {key} AS k, COUNT(*), SUM(status = 'failed'), COALESCE(SUM(input_tokens), 0), \
                    COALESCE(SUM(output_tokens), 0), COALESCE(SUM(units), 0), COALESCE(SUM(cost_cny), 0.0), \
                    SUM(cost_cny IS NULL) \
             FROM usage_ledger WHERE created_at >= ?1 AND created_at < ?2 GROUP BY k ORDER BY k"
        ))?;
        let rows = statement.query_map(params![since, until], |r| {
            Ok(UsageTotal {
                key: r.get(0)?,
                calls: as_u64(r.get(1)?).unwrap_or(0),
                failed_calls: as_u64(r.get(2)?).unwrap_or(0),
                input_tokens: as_u64(r.get(3)?).unwrap_or(0),
                output_tokens: as_u64(r.get(4)?).unwrap_or(0),
                units: as_u64(r.get(5)?).unwrap_or(0),
                cost_cny: r.get(6)?,
                unpriced_calls: as_u64(r.get(7)?).unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The known cost of the calls over `since <= created_at < until`, in CNY.
    pub fn usage_cost_cny(&self, since: i64, until: i64) -> Result<f64> {
        Ok(self.conn().query_row(
            "SELECT COALESCE(SUM(cost_cny), 0.0) FROM usage_ledger WHERE created_at >= ?1 AND created_at < ?2",
            params![since, until],
            |r| r.get(0),
        )?)
    }

    /// The start of the local calendar month containing `at_ms` and of the next one, Unix ms.
    pub fn local_month_bounds(&self, at_ms: i64) -> Result<(i64, i64)> {
        Ok(self.conn().query_row(
            "SELECT CAST(strftime('%s', ?1 / 1000, 'unixepoch', 'localtime', 'start of month', 'utc') AS INTEGER) * 1000, \
                    CAST(strftime('%s', ?1 / 1000, 'unixepoch', 'localtime', 'start of month', '+1 month', 'utc') AS INTEGER) * 1000",
            params![at_ms],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The start of the local day `YYYY-MM-DD`, Unix ms; `None` when `date` is not a real day.
    pub fn local_day_start_ms(&self, date: &str) -> Result<Option<i64>> {
        // SQLite accepts 2025-02-30 (and rolls it over), so the day is checked against its own
        // normalisation: only a date that comes back unchanged is real.
        let valid: Option<String> = self
            .conn()
            .query_row(
                "SELECT date(?1) WHERE date(?1) = ?1 AND length(?1) = 10",
                params![date],
                |r| r.get(0),
            )
            .optional()?;
        if valid.is_none() {
            return Ok(None);
        }
        Ok(self.conn().query_row(
            "SELECT CAST(strftime('%s', ?1, 'utc') AS INTEGER) * 1000",
            params![date],
            |r| r.get(0),
        )?)
    }

    /// The start of the local day after `YYYY-MM-DD` (the end of that day), Unix ms; `None` when
    /// `date` is not a real day.
    pub fn local_day_end_ms(&self, date: &str) -> Result<Option<i64>> {
        if self.local_day_start_ms(date)?.is_none() {
            return Ok(None);
        }
        Ok(self.conn().query_row(
            "SELECT CAST(strftime('%s', ?1, '+1 day', 'utc') AS INTEGER) * 1000",
            params![date],
            |r| r.get(0),
        )?)
    }

    /// `ms` as local `YYYY-MM-DD HH:MM`.
    pub fn local_time_text(&self, ms: i64) -> Result<String> {
        Ok(self.conn().query_row(
            "SELECT strftime('%Y-%m-%d %H:%M', ?1 / 1000, 'unixepoch', 'localtime')",
            params![ms],
            |r| r.get(0),
        )?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets `key` to `value`, or removes it when `value` is `None`.
    pub fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(value) => self.conn().execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?,
            None => self
                .conn()
                .execute("DELETE FROM settings WHERE key = ?1", params![key])?,
        };
        Ok(())
    }
}
