//! The microphone, for push-to-talk dictation, in the Linux app. WebKitGTK ships with media
//! capture off (its `enable-media-stream` setting) and denies any permission request that no one
//! answers, and wry does neither for the app: without this the page has no
//! `navigator.mediaDevices` and dictation says it is not supported here. The page is the app's
//! own UI (its CSP loads nothing else), so its requests for an audio input are allowed; a request
//! for a camera or the screen, which the app never makes, is denied.

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
