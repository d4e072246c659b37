//! Server-sent-events decoding tuned to DashScope's gateway.
//!
//! A generic SSE parser (one event per blank-line-terminated block, `data:` lines joined with `\n`)
//! breaks on DashScope: older gateways omit the blank line between events, which would glue several
//! JSON documents into one "event". Like the official Python SDK 1.x (`_handle_stream`), every `data:`
//! line is therefore dispatched as one whole event, carrying the `event:` type, `id:` and the
//! `:HTTP_STATUS/<n>` comment seen since the previous dispatch.

/// One decoded event: the payload of a single `data:` line and the fields that preceded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    /// The `event:` field; DashScope sends `result` for chunks and `error` for in-stream errors.
    pub event: Option<String>,
    /// The status from a `:HTTP_STATUS/<n>` comment line, when the gateway sent one.
    pub http_status: Option<u16>,
    pub data: String,
}

impl SseEvent {
    pub fn is_error(&self) -> bool {
        self.event.as_deref() == Some("error")
    }
}

/// Incremental decoder: feed it bytes as they arrive, take complete events out.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    /// Start of the first unconsumed byte in `buffer`; compacted lazily to avoid shifting per line.
    consumed: usize,
    fields: PendingFields,
}

/// Fields seen since the last dispatched `data:` line.
#[derive(Debug, Default)]
struct PendingFields {
    id: Option<String>,
    event: Option<String>,
    http_status: Option<u16>,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if self.consumed > 0 && self.consumed == self.buffer.len() {
            self.buffer.clear();
            self.consumed = 0;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete event, or `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        while let Some(line_end) = self.buffer[self.consumed..]
            .iter()
            .position(|&b| b == b'\n')
        {
            let start = self.consumed;
            let end = start + line_end;
            self.consumed = end + 1;
            let mut line = &self.buffer[start..end];
            if let Some(stripped) = line.strip_suffix(b"\r") {
                line = stripped;
            }
            if let Some(event) = self.fields.take_line(line) {
                self.compact();
                return Some(event);
            }
        }
        self.compact();
        None
    }

    /// Bytes received after the last complete line: a stream that ends here was cut mid-line.
    pub fn has_partial_line(&self) -> bool {
        self.buffer[self.consumed..]
            .iter()
            .any(|b| !b.is_ascii_whitespace())
    }

    /// A final line without a trailing newline still counts when the body ends cleanly.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if self.consumed >= self.buffer.len() {
            return None;
        }
        let rest = std::mem::take(&mut self.buffer);
        let line = &rest[self.consumed..];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        self.consumed = 0;
        self.fields.take_line(line)
    }

    fn compact(&mut self) {
        if self.consumed > 64 * 1024 {
            self.buffer.drain(..self.consumed);
            self.consumed = 0;
        }
    }
}

impl PendingFields {
    fn take_line(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            return None;
        }
        let line = String::from_utf8_lossy(line);
        if let Some(comment) = line.strip_prefix(':') {
            if let Some(status) = comment.trim().strip_prefix("HTTP_STATUS/") {
                self.http_status = status.trim().parse().ok();
            }
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => Some(SseEvent {
                id: self.id.take(),
                event: self.event.take(),
                http_status: self.http_status.take(),
                data: value.to_owned(),
            }),
            "id" => {
                self.id = Some(value.to_owned());
                None
            }
            "event" => {
                self.event = Some(value.to_owned());
                None
            }
            "status" => {
                self.http_status = value.trim().parse().ok();
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &str) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new();
        decoder.push(input.as_bytes());
        let mut events = Vec::new();
        while let Some(event) = decoder.next_event() {
            events.push(event);
        }
        events.extend(decoder.finish());
        events
    }

    #[test]
    fn dashscope_framing_without_spaces() {
        let events = decode_all("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"a\":1}\n\n");
        assert_eq!(
            events,
            vec![SseEvent {
                id: Some("1".into()),
                event: Some("result".into()),
                http_status: Some(200),
                data: "{\"a\":1}".into(),
            }]
        );
    }

    #[test]
    fn events_without_blank_lines_stay_separate() {
        let events = decode_all(
            "id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"n\":1}\nid:2\nevent:result\n:HTTP_STATUS/200\ndata:{\"n\":2}\n",
        );
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].id.as_deref(), Some("2"));
        assert_eq!(events[1].data, "{\"n\":2}");
    }

    #[test]
    fn openai_framing_with_space_and_crlf() {
        let events = decode_all("data: {\"x\":1}\r\n\r\ndata: [DONE]\r\n\r\n");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].data, "{\"x\":1}");
        assert_eq!(events[1].data, "[DONE]");
        assert_eq!(events[0].event, None);
    }

    #[test]
    fn bytes_split_anywhere_give_the_same_events() {
        let input = "id:1\nevent:error\n:HTTP_STATUS/400\ndata:{\"code\":\"InvalidParameter\",\"message\":\"中文\"}\n\n";
        let whole = decode_all(input);
        for split in 1..input.len() {
            let mut decoder = SseDecoder::new();
            decoder.push(&input.as_bytes()[..split]);
            let mut events = Vec::new();
            while let Some(e) = decoder.next_event() {
                events.push(e);
            }
            decoder.push(&input.as_bytes()[split..]);
            while let Some(e) = decoder.next_event() {
                events.push(e);
            }
            assert_eq!(events, whole, "split at {split}");
        }
        assert!(whole[0].is_error());
        assert_eq!(whole[0].http_status, Some(400));
    }

    #[test]
    fn partial_line_is_reported() {
        let mut decoder = SseDecoder::new();
        decoder.push(b"data:{\"a\":1}\n\ndata:{\"trunc");
        assert!(decoder.next_event().is_some());
        assert!(decoder.next_event().is_none());
        assert!(decoder.has_partial_line());
    }
}
