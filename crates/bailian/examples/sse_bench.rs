//! Throughput and allocations of the SSE decoder plus the native chunk parser, on a synthetic
//! DashScope stream (incremental, message format, ~40-byte deltas, cumulative usage per event).
//!
//!     cargo run --release -p bailian --example sse_bench [-- EVENTS]
//!
//! Numbers go to docs/PERFORMANCE.md. Allocations are counted by a wrapping global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bailian::parse_native_body;
use bailian::sse::SseDecoder;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: delegates every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was allocated by System with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for realloc on System.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn stream(events: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 1..=events {
        let finish = if i == events { "stop" } else { "null" };
        out.push_str(&format!(
            "id:{i}\nevent:result\n:HTTP_STATUS/200\ndata:{{\"output\":{{\"choices\":[{{\"message\":{{\"content\":\"token number {i} of the reply, 中文\",\"role\":\"assistant\"}},\"finish_reason\":\"{finish}\"}}]}},\"usage\":{{\"total_tokens\":{},\"output_tokens\":{i},\"input_tokens\":20}},\"request_id\":\"5b441aa7-0b9c-9fbc-ae0a-e2b212b71eac\"}}\n\n",
            20 + i
        ));
    }
    out.into_bytes()
}

fn main() {
    let events: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let bytes = stream(events);
    // Network reads arrive in pieces; 4 KiB is a typical TLS record-sized read.
    let reads: Vec<&[u8]> = bytes.chunks(4096).collect();
    for (label, parse) in [("decode only", false), ("decode + parse", true)] {
        let mut best = f64::MAX;
        let mut allocations_per_event = 0.0;
        for _ in 0..5 {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let started = Instant::now();
            let mut decoder = SseDecoder::new();
            let mut seen = 0usize;
            let mut text_bytes = 0usize;
            for read in &reads {
                decoder.push(read);
                while let Some(event) = decoder.next_event() {
                    seen += 1;
                    if parse {
                        let chunk = parse_native_body(&event.data).expect("valid chunk");
                        text_bytes += chunk.delta.len();
                    }
                }
            }
            let elapsed = started.elapsed().as_secs_f64();
            assert_eq!(seen, events);
            std::hint::black_box(text_bytes);
            best = best.min(elapsed);
            allocations_per_event =
                (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / events as f64;
        }
        println!(
            "{label:>15}: {events} events, {:.1} MB, best of 5 {:.3} s → {:.0} events/s, {:.0} MB/s, {:.1} allocations/event",
            bytes.len() as f64 / 1e6,
            best,
            events as f64 / best,
            bytes.len() as f64 / 1e6 / best,
            allocations_per_event
        );
    }
}
