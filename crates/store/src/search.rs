//! Full-text search over messages (FTS5, trigram tokenizer; see `migrations/0002_*.sql` for why
//! trigram).
//!
//! Highlights are marked with the control characters STX (`\u{2}`, [`HIGHLIGHT_START`]) and ETX
//! (`\u{3}`, [`HIGHLIGHT_END`]) rather than `[[`/`]]` or HTML: they never occur in chat text (code
//! in a reply may well contain `[[`), and keeping HTML out of the store forces the UI to escape the
//! snippet first and only then turn the markers into `<mark>`.

use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;

use crate::{MessageRole, Result, Store, parse_role};

pub const HIGHLIGHT_START: char = '\u{2}';
pub const HIGHLIGHT_END: char = '\u{3}';

/// The trigram tokenizer cannot match anything shorter.
const TRIGRAM: usize = 3;
/// A snippet's length in tokens; a trigram token starts at every character, so this is about the
/// number of characters shown. FTS5's maximum.
const SNIPPET_TOKENS: i64 = 64;
/// Characters of context before the first match in a fallback snippet, and in all.
const FALLBACK_BEFORE: usize = 20;
const FALLBACK_CHARS: usize = 64;
/// At most this many results, whatever the caller asks.
const MAX_LIMIT: usize = 500;
/// Queries too short for the index scan messages newest first, but only this many: a rare pair of
/// characters would otherwise read the whole history on every keystroke. A scan reads about a
/// million short messages a second on the reference machine, so a rare pair costs up to ~50 ms;
/// a common one stops as soon as `limit` messages matched. Two-character words are most Chinese
/// words, so this window is a trade-off: the lasting fix is a bigram index (see
/// `docs/PERFORMANCE.md`).
pub const FALLBACK_SCAN_ROWS: i64 = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub message_id: String,
    pub conversation_id: String,
    pub conversation_title: String,
    pub role: MessageRole,
    /// Text around the match, matches between [`HIGHLIGHT_START`] and [`HIGHLIGHT_END`].
    pub snippet: String,
    pub created_at: i64,
}

/// `term` as an FTS5 string: inside double quotes every character is literal (`*`, `OR`, `-`,
/// `:`, parentheses…), and a double quote is written twice.
fn fts_string(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `term` as a LIKE pattern matching it anywhere, with `\` escaping LIKE's own wildcards.
fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

impl Store {
    /// Messages containing every whitespace-separated term of `query` (case-insensitive for
    /// Latin letters), newest first. Nothing in `query` is search syntax. Terms of three or more
    /// characters use the full-text index; a query made only of shorter terms scans the latest
    /// messages with LIKE instead. Messages without text and replies still streaming are left out.
    ///
    /// Newest first rather than by relevance: BM25 over trigrams ranks poorly (it scores letter
    /// triples, not words) and must score every match, which for a common word is most of the
    /// history; in rowid order FTS5 stops after `limit` matches.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let limit = limit.min(MAX_LIMIT);
        let terms: Vec<&str> = query.split_whitespace().collect();
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let (long, short): (Vec<&str>, Vec<&str>) =
            terms.iter().partition(|t| t.chars().count() >= TRIGRAM);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        if long.is_empty() {
            self.search_by_scan(&short, limit)
        } else {
            self.search_by_index(&long, &short, limit)
        }
    }

    fn search_by_index(&self, long: &[&str], short: &[&str], limit: i64) -> Result<Vec<SearchHit>> {
        let expression = long
            .iter()
            .map(|t| fts_string(t))
            .collect::<Vec<_>>()
            .join(" ");
        let mut values = vec![Value::Text(expression), Value::Integer(limit)];
        let mut filters = String::new();
        for term in short {
            values.push(Value::Text(like_pattern(term)));
            filters.push_str(&format!(
                " AND messages_fts.content LIKE ?{} ESCAPE '\\'",
                values.len()
            ));
        }
        // The limit applies inside, on the FTS table in rowid order, so FTS5 stops early; the
        // snippet must be computed there too, in the query that runs MATCH.
        let sql = format!(
            "SELECT m.id, m.conversation_id, c.title, m.role, hit.snippet, m.created_at \
             FROM (SELECT rowid AS local_id, \
                          snippet(messages_fts, 0, char(2), char(3), '…', {SNIPPET_TOKENS}) AS snippet \
                   FROM messages_fts WHERE messages_fts MATCH ?1{filters} \
                   ORDER BY rowid DESC LIMIT ?2) AS hit \
             JOIN messages m ON m.local_id = hit.local_id \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE c.deleted_at IS NULL \
             ORDER BY m.local_id DESC"
        );
        self.hits(&sql, values, |snippet| snippet)
    }

    fn search_by_scan(&self, terms: &[&str], limit: i64) -> Result<Vec<SearchHit>> {
        let mut values = vec![Value::Integer(limit), Value::Integer(FALLBACK_SCAN_ROWS)];
        let mut filters = String::new();
        for term in terms {
            values.push(Value::Text(like_pattern(term)));
            filters.push_str(&format!(
                " AND m.content LIKE ?{} ESCAPE '\\'",
                values.len()
            ));
        }
        let sql = format!(
            "SELECT m.id, m.conversation_id, c.title, m.role, m.content, m.created_at \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.local_id > (SELECT COALESCE(MAX(local_id), 0) FROM messages) - ?2 \
               AND m.content <> '' AND m.status <> 'streaming' AND m.role <> 'tool' AND c.deleted_at IS NULL{filters} \
             ORDER BY m.local_id DESC LIMIT ?1"
        );
        self.hits(&sql, values, |content| highlight(&content, terms))
    }

    /// Runs a search query whose columns are (id, conversation id, title, role, text,
    /// created_at) and turns the text column into the snippet with `snippet_of`.
    fn hits(
        &self,
        sql: &str,
        values: Vec<Value>,
        snippet_of: impl Fn(String) -> String,
    ) -> Result<Vec<SearchHit>> {
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map(params_from_iter(values), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (message_id, conversation_id, conversation_title, role, text, created_at) = row?;
            Ok(SearchHit {
                message_id,
                conversation_id,
                conversation_title,
                role: parse_role(role)?,
                snippet: snippet_of(text),
                created_at,
            })
        })
        .collect()
    }
}

/// A window of `content` around the first match of any term, every match inside it marked. Case
/// is folded for ASCII only, as SQLite's LIKE does; ASCII folding keeps byte offsets, so offsets
/// found in the folded text are valid in the original.
fn highlight(content: &str, terms: &[&str]) -> String {
    let folded = content.to_ascii_lowercase();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for term in terms {
        let needle = term.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = folded[from..].find(&needle) {
            let start = from + found;
            ranges.push((start, start + needle.len()));
            from = start + needle.len();
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    let first = merged.first().map_or(0, |r| r.0);
    let boundaries: Vec<usize> = content
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(content.len()))
        .collect();
    let first_char = boundaries.partition_point(|&b| b < first);
    let start_char = first_char.saturating_sub(FALLBACK_BEFORE);
    let end_char = (start_char + FALLBACK_CHARS).min(boundaries.len() - 1);
    let (start, end) = (boundaries[start_char], boundaries[end_char]);

    let mut snippet = String::new();
    if start > 0 {
        snippet.push('…');
    }
    let mut at = start;
    for (match_start, match_end) in merged {
        if match_end <= start || match_start >= end {
            continue;
        }
        let (s, e) = (match_start.max(start), match_end.min(end));
        snippet.push_str(&content[at..s]);
        snippet.push(HIGHLIGHT_START);
        snippet.push_str(&content[s..e]);
        snippet.push(HIGHLIGHT_END);
        at = e;
    }
    snippet.push_str(&content[at..end]);
    if end < content.len() {
        snippet.push('…');
    }
    snippet
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_never_syntax() {
        assert_eq!(fts_string(r#"a "b" OR c*"#), r#""a ""b"" OR c*""#);
        assert_eq!(like_pattern(r"50%_a\b"), r"%50\%\_a\\b%");
    }

    #[test]
    fn fallback_snippets_mark_every_match_in_the_window() {
        let text = "Ab and aB again";
        assert_eq!(
            highlight(text, &["ab"]),
            "\u{2}Ab\u{3} and \u{2}aB\u{3} again"
        );
        let long = format!("{}模型{}", "字".repeat(40), "尾".repeat(80));
        let snippet = highlight(&long, &["模型"]);
        assert!(snippet.starts_with('…') && snippet.ends_with('…'));
        assert!(snippet.contains("\u{2}模型\u{3}"));
        assert_eq!(
            snippet
                .chars()
                .filter(|c| *c != '\u{2}' && *c != '\u{3}')
                .count(),
            FALLBACK_CHARS + 2
        );
    }
}
