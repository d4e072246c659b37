//! How often WebKit's web process measures its own memory on Linux. WebKitGTK does it on the
//! page's main thread, every 30 s by default, by reading and parsing `/proc/self/smaps`: sampled
//! with `perf` in the release app holding a 10,000-message thread, each reading took 39–52 ms
//! (about 30 ms of it the kernel walking the process's page tables, so it grows with memory),
//! and it was the task over 50 ms that a streaming reply still met in a third to a half of the
//! replies (docs/PERFORMANCE.md, "Session 11"). The measurement only acts once the web process
//! passes a third of min(3 GB, RAM) (it then drops caches) or several GB (it ends the process);
//! low memory on the whole system reaches WebKit by another path that this leaves alone. So the
//! app asks for the measurement every [`POLL_INTERVAL`] instead.
//!
//! The interval is a construct-only property of `WebKitWebContext`, and wry builds its context
//! without it and offers no way to pass it. So the class's `constructor` is wrapped once, before
//! the first context: a context constructed without memory-pressure settings gets these; one
//! given settings by its creator keeps them.

use std::time::Duration;

/// Every five minutes instead of every 30 s: a streaming reply (10–30 s) now meets the
/// measurement about one time in 20 instead of one in two, and a web process that outgrows its
/// limit is still noticed within minutes.
pub const POLL_INTERVAL: Duration = Duration::from_secs(300);

#[cfg(target_os = "linux")]
mod webkitgtk {
    use std::ffi::c_uint;
    use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
    use std::sync::{Mutex, OnceLock};
    use std::time::Duration;

    use webkit2gtk::ffi as webkit_ffi;
    use webkit2gtk::glib::{ffi::GType, gobject_ffi, prelude::StaticType, translate::IntoGlib};

    type Constructor = unsafe extern "C" fn(
        GType,
        c_uint,
        *mut gobject_ffi::GObjectConstructParam,
    ) -> *mut gobject_ffi::GObject;

    /// What the first install found, so a second one reports the same without touching the class.
    static INSTALLED: Mutex<Option<Result<(), &'static str>>> = Mutex::new(None);
    static WEBKIT_CONSTRUCTOR: OnceLock<Constructor> = OnceLock::new();
    /// The class's `memory-pressure-settings` property, compared by address in the constructor.
    static SETTINGS_PROPERTY: AtomicPtr<gobject_ffi::GParamSpec> =
        AtomicPtr::new(std::ptr::null_mut());
    /// Lives as long as the process: every context made without settings copies it.
    static SETTINGS: AtomicPtr<webkit_ffi::WebKitMemoryPressureSettings> =
        AtomicPtr::new(std::ptr::null_mut());
    static CONTEXTS_GIVEN_SETTINGS: AtomicUsize = AtomicUsize::new(0);

    /// GObject passes every construct-only property here, the ones nobody set holding a fresh
    /// copy of their default (NULL for this boxed one), which is safe to replace.
    unsafe extern "C" fn construct_with_poll_interval(
        type_: GType,
        n_params: c_uint,
        params: *mut gobject_ffi::GObjectConstructParam,
    ) -> *mut gobject_ffi::GObject {
        let settings = SETTINGS.load(Ordering::Acquire);
        let property = SETTINGS_PROPERTY.load(Ordering::Acquire);
        if !params.is_null() && !settings.is_null() && !property.is_null() {
            // SAFETY: GObject hands `n_params` initialised entries, each with a valid pspec and value.
            let params = unsafe { std::slice::from_raw_parts_mut(params, n_params as usize) };
            for param in params.iter_mut().filter(|param| param.pspec == property) {
                // SAFETY: the value holds this property's boxed type (checked at install);
                // setting it copies `settings`, and GObject frees the copy after construction.
                unsafe {
                    if gobject_ffi::g_value_get_boxed(param.value).is_null() {
                        gobject_ffi::g_value_set_boxed(param.value, settings.cast());
                        CONTEXTS_GIVEN_SETTINGS.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
        match WEBKIT_CONSTRUCTOR.get() {
            // SAFETY: the constructor the class had, called with the arguments GObject gave.
            Some(constructor) => unsafe { constructor(type_, n_params, params) },
            None => std::ptr::null_mut(),
        }
    }

    /// Wraps the class's constructor, once; says why not when WebKit's class is not as expected.
    pub fn install(poll_interval: Duration) -> Result<(), &'static str> {
        let mut installed = INSTALLED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *installed.get_or_insert_with(|| {
            // SAFETY: WebKitGTK and GObject calls on the app's main thread before any web context
            // exists. The class reference is kept for the process's life, so the class (and the
            // constructor written into it) is never finalised.
            unsafe {
                let class = gobject_ffi::g_type_class_ref(
                    webkit2gtk::WebContext::static_type().into_glib(),
                )
                .cast::<gobject_ffi::GObjectClass>();
                let property = gobject_ffi::g_object_class_find_property(
                    class,
                    c"memory-pressure-settings".as_ptr(),
                );
                if property.is_null()
                    || (*property).value_type
                        != webkit_ffi::webkit_memory_pressure_settings_get_type()
                {
                    return Err("WebKitWebContext has no memory-pressure-settings property");
                }
                let Some(constructor) = (*class).constructor else {
                    return Err("WebKitWebContext has no constructor to wrap");
                };
                let settings = webkit_ffi::webkit_memory_pressure_settings_new();
                webkit_ffi::webkit_memory_pressure_settings_set_poll_interval(
                    settings,
                    poll_interval.as_secs_f64(),
                );
                SETTINGS.store(settings, Ordering::Release);
                SETTINGS_PROPERTY.store(property, Ordering::Release);
                let _ = WEBKIT_CONSTRUCTOR.set(constructor);
                (*class).constructor = Some(construct_with_poll_interval);
                Ok(())
            }
        })
    }

    pub fn contexts_given_settings() -> usize {
        CONTEXTS_GIVEN_SETTINGS.load(Ordering::Relaxed)
    }

    /// The interval the settings given to contexts hold, in seconds (None before install).
    pub fn poll_interval_given() -> Option<f64> {
        let settings = SETTINGS.load(Ordering::Acquire);
        // SAFETY: `settings` is the leaked, never-freed object made at install.
        (!settings.is_null()).then(|| unsafe {
            webkit_ffi::webkit_memory_pressure_settings_get_poll_interval(settings)
        })
    }
}

/// Call once, on the thread that runs the app (GTK's main thread), before the first window opens
/// (its web context is made with the settings). It initialises WebKit's classes.
pub fn install() {
    #[cfg(target_os = "linux")]
    match webkitgtk::install(POLL_INTERVAL) {
        Ok(()) => tracing::info!(
            seconds = POLL_INTERVAL.as_secs(),
            "WebKit's web process will measure its memory at this interval"
        ),
        Err(why) => tracing::warn!(
            why,
            "WebKit's web process keeps its own memory-poll interval"
        ),
    }
}

/// How many web contexts were made with these settings (the tests).
#[cfg(target_os = "linux")]
pub fn contexts_given_settings() -> usize {
    webkitgtk::contexts_given_settings()
}

/// The interval the settings given to web contexts hold, in seconds (the tests).
#[cfg(target_os = "linux")]
pub fn poll_interval_given() -> Option<f64> {
    webkitgtk::poll_interval_given()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use webkit2gtk::{MemoryPressureSettings, WebContext};

    use super::{POLL_INTERVAL, contexts_given_settings, install, poll_interval_given};

    #[test]
    fn a_context_made_without_settings_gets_the_poll_interval_and_one_given_settings_keeps_them() {
        gtk::init().expect("GTK needs a display: run the tests under xvfb-run");
        install();
        assert_eq!(poll_interval_given(), Some(POLL_INTERVAL.as_secs_f64()));
        let before = contexts_given_settings();
        let _plain = WebContext::builder().build();
        assert_eq!(contexts_given_settings(), before + 1);

        let mut own = MemoryPressureSettings::new();
        own.set_poll_interval(7.0);
        let _chosen = WebContext::builder().memory_pressure_settings(&own).build();
        assert_eq!(contexts_given_settings(), before + 1);
    }
}
