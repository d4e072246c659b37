//! How WebKitGTK draws the window on Linux. Without a GPU, WebKit's compositing mode runs on
//! software OpenGL (llvmpipe): measured here, a reply streaming into a long thread drew 14–16
//! frames a second with ~150 gaps over 50 ms per stream, against ~68 frames a second and 2 such
//! gaps with compositing off, and ~280 MB less memory (docs/PERFORMANCE.md). So when the machine
//! has no GPU render node, compositing is turned off before WebKit starts, unless the person set
//! `WEBKIT_DISABLE_COMPOSITING_MODE` themselves (`0` keeps it on).

use std::sync::atomic::{AtomicBool, Ordering};

const COMPOSITING_SWITCH: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

static TURNED_OFF_HERE: AtomicBool = AtomicBool::new(false);

/// Whether to turn compositing off: only when nobody chose, and no GPU can render.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn turn_compositing_off(already_chosen: bool, gpu_render_node: bool) -> bool {
    !already_chosen && !gpu_render_node
}

#[cfg(target_os = "linux")]
fn gpu_render_node() -> bool {
    std::fs::read_dir("/dev/dri")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Call first thing in `main`, while the process has one thread (it sets an environment variable).
pub fn choose_before_webkit_starts() {
    #[cfg(target_os = "linux")]
    if turn_compositing_off(
        std::env::var_os(COMPOSITING_SWITCH).is_some(),
        gpu_render_node(),
    ) {
        // SAFETY: called at the top of `main`, before any other thread exists to read the environment.
        unsafe { std::env::set_var(COMPOSITING_SWITCH, "1") };
        TURNED_OFF_HERE.store(true, Ordering::Relaxed);
    }
}

/// Logs the choice once logging is set up.
pub fn log_choice() {
    if TURNED_OFF_HERE.load(Ordering::Relaxed) {
        tracing::info!(
            "no GPU render node: WebKit compositing turned off (set {COMPOSITING_SWITCH}=0 to keep it)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::turn_compositing_off;

    #[test]
    fn compositing_is_turned_off_only_without_a_gpu_and_without_a_choice() {
        assert!(turn_compositing_off(false, false));
        assert!(!turn_compositing_off(false, true));
        assert!(!turn_compositing_off(true, false));
        assert!(!turn_compositing_off(true, true));
    }
}
