//! The microphone, for push-to-talk dictation, in the Linux app. WebKitGTK denies any permission
//! request that no one answers, and wry answers none for the app: without this every
//! `getUserMedia` of the page fails with NotAllowedError (tests/microphone.rs shows it). The page
//! is the app's own UI (its CSP loads nothing else), so its requests for an audio input are
//! allowed; a request for a camera or the screen, which the app never makes, is denied. Media
//! capture itself (`enable-media-stream`) is on by default in the WebKitGTK measured here; it is
//! turned on anyway so that dictation does not rest on a version's default.

/// Turns media capture on for `webview` and answers its permission requests as above.
#[cfg(target_os = "linux")]
pub fn enable(webview: &webkit2gtk::WebView) {
    use webkit2gtk::glib::prelude::Cast;
    use webkit2gtk::{
        PermissionRequestExt, SettingsExt, UserMediaPermissionRequest,
        UserMediaPermissionRequestExt, WebViewExt,
    };

    if let Some(settings) = WebViewExt::settings(webview) {
        settings.set_enable_media_stream(true);
    }
    webview.connect_permission_request(|_, request| {
        let Some(media) = request.downcast_ref::<UserMediaPermissionRequest>() else {
            return false;
        };
        if media.is_for_audio_device() && !media.is_for_video_device() {
            tracing::info!("the page asked for the microphone: allowed");
            request.allow();
        } else {
            tracing::warn!("the page asked for a camera or the screen: denied");
            request.deny();
        }
        true
    });
}
