//! Stream updates joined for a slow consumer: consecutive deltas that arrive within a short
//! window go out as one update with their texts joined.
//!
//! A model streams a token at a time, hundreds a second at the emulator's pace; the app hands
//! each update to the page as its own script evaluation from its main thread. The page draws at
//! most once a frame anyway, so one update per kind per frame carries the same text with a
//! fraction of the messages. Nothing is lost or reordered: a delta is held at most one window
//! (a timer sends it if nothing follows), and any other update sends what is held first.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::StreamUpdate;

/// About one frame at 60 Hz.
pub const COALESCE_WINDOW: Duration = Duration::from_millis(16);

type Sink = Box<dyn FnMut(StreamUpdate) + Send>;

struct State {
    sink: Sink,
    held: Option<StreamUpdate>,
    last_sent: Option<Instant>,
    flush_scheduled: bool,
}

impl State {
    fn send(&mut self, update: StreamUpdate) {
        (self.sink)(update);
        self.last_sent = Some(Instant::now());
    }

    fn send_held(&mut self) {
        if let Some(held) = self.held.take() {
            self.send(held);
        }
    }
}

/// Forwards updates to a sink, joining deltas (see the module's note). Needs a Tokio runtime
/// when a delta is held (its timer). Call [`DeltaCoalescer::finish`] when the stream is over.
#[derive(Clone)]
pub struct DeltaCoalescer {
    state: Arc<Mutex<State>>,
    window: Duration,
}

impl DeltaCoalescer {
    pub fn new(sink: impl FnMut(StreamUpdate) + Send + 'static) -> Self {
        Self::with_window(COALESCE_WINDOW, sink)
    }

    pub fn with_window(window: Duration, sink: impl FnMut(StreamUpdate) + Send + 'static) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                sink: Box::new(sink),
                held: None,
                last_sent: None,
                flush_scheduled: false,
            })),
            window,
        }
    }

    /// Takes the next update of the stream.
    pub fn push(&self, update: StreamUpdate) {
        let mut state = self.lock();
        let update = match (state.held.take(), update) {
            (Some(StreamUpdate::Delta { mut text }), StreamUpdate::Delta { text: more }) => {
                text.push_str(&more);
                StreamUpdate::Delta { text }
            }
            (
                Some(StreamUpdate::Reasoning { mut text }),
                StreamUpdate::Reasoning { text: more },
            ) => {
                text.push_str(&more);
                StreamUpdate::Reasoning { text }
            }
            (held, update) => {
                // Another kind: what was held goes first, in order.
                state.held = held;
                state.send_held();
                update
            }
        };
        if !matches!(
            update,
            StreamUpdate::Delta { .. } | StreamUpdate::Reasoning { .. }
        ) {
            state.send(update);
            return;
        }
        let now = Instant::now();
        let due = state.last_sent.map(|sent| sent + self.window);
        match due {
            Some(due) if due > now => {
                state.held = Some(update);
                if !state.flush_scheduled {
                    state.flush_scheduled = true;
                    let shared = Arc::clone(&self.state);
                    tokio::spawn(async move {
                        tokio::time::sleep_until(due).await;
                        let mut state = shared.lock().unwrap_or_else(PoisonError::into_inner);
                        state.flush_scheduled = false;
                        state.send_held();
                    });
                }
            }
            _ => state.send(update),
        }
    }

    /// Sends whatever is still held: the stream is over.
    pub fn finish(&self) {
        self.lock().send_held();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A sink that panicked leaves nothing half-written here: the state stays usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageStatus;

    fn recorder() -> (DeltaCoalescer, Arc<Mutex<Vec<StreamUpdate>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let into = Arc::clone(&sent);
        let coalescer = DeltaCoalescer::new(move |update| into.lock().unwrap().push(update));
        (coalescer, sent)
    }

    fn delta(text: &str) -> StreamUpdate {
        StreamUpdate::Delta { text: text.into() }
    }

    fn reasoning(text: &str) -> StreamUpdate {
        StreamUpdate::Reasoning { text: text.into() }
    }

    fn finished() -> StreamUpdate {
        StreamUpdate::Finished {
            status: MessageStatus::Complete,
            usage: None,
            error: None,
            cost_cny: None,
            finish_reason: None,
        }
    }

    fn describe(updates: &[StreamUpdate]) -> Vec<String> {
        updates
            .iter()
            .map(|u| match u {
                StreamUpdate::Delta { text } => format!("delta:{text}"),
                StreamUpdate::Reasoning { text } => format!("reasoning:{text}"),
                StreamUpdate::Finished { .. } => "finished".into(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn deltas_within_a_window_go_out_as_one_and_the_last_is_sent_by_its_timer() {
        let (coalescer, sent) = recorder();
        coalescer.push(delta("a"));
        // The first goes at once: nothing was sent before it.
        assert_eq!(describe(&sent.lock().unwrap()), ["delta:a"]);
        for text in ["b", "c", "d"] {
            tokio::time::advance(Duration::from_millis(2)).await;
            coalescer.push(delta(text));
        }
        assert_eq!(describe(&sent.lock().unwrap()), ["delta:a"]);
        // Nothing else arrives: the timer sends what is held one window after the last send.
        tokio::time::sleep(COALESCE_WINDOW).await;
        assert_eq!(describe(&sent.lock().unwrap()), ["delta:a", "delta:bcd"]);
        // After a quiet window, a delta goes at once again.
        tokio::time::advance(Duration::from_millis(100)).await;
        coalescer.push(delta("e"));
        assert_eq!(
            describe(&sent.lock().unwrap()),
            ["delta:a", "delta:bcd", "delta:e"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn another_kind_of_update_sends_what_is_held_first() {
        let (coalescer, sent) = recorder();
        coalescer.push(reasoning("think"));
        coalescer.push(reasoning("ing"));
        coalescer.push(delta("Hel"));
        coalescer.push(delta("lo"));
        coalescer.push(finished());
        assert_eq!(
            describe(&sent.lock().unwrap()),
            [
                "reasoning:think",
                "reasoning:ing",
                "delta:Hello",
                "finished"
            ]
        );
        // The timer that was set finds nothing left to send.
        tokio::time::sleep(COALESCE_WINDOW * 2).await;
        assert_eq!(sent.lock().unwrap().len(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn finish_sends_what_is_held() {
        let (coalescer, sent) = recorder();
        coalescer.push(delta("a"));
        coalescer.push(delta("b"));
        coalescer.finish();
        assert_eq!(describe(&sent.lock().unwrap()), ["delta:a", "delta:b"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_fast_stream_keeps_every_character_in_order_with_far_fewer_updates() {
        let (coalescer, sent) = recorder();
        let mut expected_text = String::new();
        let mut expected_thinking = String::new();
        for i in 0..2_000 {
            // Thinking first, then the answer, a token every 2 ms (the emulator's pace in perf.mjs).
            if i < 300 {
                let token = format!("t{i} ");
                expected_thinking.push_str(&token);
                coalescer.push(reasoning(&token));
            } else {
                let token = format!("w{i} ");
                expected_text.push_str(&token);
                coalescer.push(delta(&token));
            }
            tokio::time::advance(Duration::from_millis(2)).await;
        }
        coalescer.push(finished());
        let sent = sent.lock().unwrap();
        let mut text = String::new();
        let mut thinking = String::new();
        let mut seen_text = false;
        for update in sent.iter() {
            match update {
                StreamUpdate::Reasoning { text: t } => {
                    assert!(!seen_text, "thinking after the answer began");
                    thinking.push_str(t);
                }
                StreamUpdate::Delta { text: t } => {
                    seen_text = true;
                    text.push_str(t);
                }
                _ => {}
            }
        }
        assert_eq!(thinking, expected_thinking);
        assert_eq!(text, expected_text);
        assert!(matches!(sent.last(), Some(StreamUpdate::Finished { .. })));
        // 4 s of tokens at one update per 16 ms window (plus the kind change): about 250.
        assert!(sent.len() < 300, "{} updates for 2,000 tokens", sent.len());
    }
}
