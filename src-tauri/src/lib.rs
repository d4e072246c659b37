//! The desktop and mobile shell. It opens the core, registers the commands and runs the window;
//! every behaviour lives in `desk-core`, so the CLI and this app cannot drift apart.

mod commands;
pub mod media_capture;
pub mod memory_poll;
pub mod rendering;

use desk_core::{DeskConfig, Device};
use tauri::Manager;

fn refuse_to_start(error: &desk_core::DeskError) -> ! {
    tracing::error!(code = error.code.as_str(), %error, "cannot start");
    eprintln!("Bailian Desk cannot start: {error}");
    std::process::exit(1);
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let config = DeskConfig::from_env();
    let home = config.as_ref().ok().map(|config| config.home.clone());
    if let Err(error) = desk_core::logging::init(home.as_deref(), "info") {
        tracing::warn!(code = error.code.as_str(), %error, "logging to stderr only");
    }
    rendering::log_choice();
    let device = match config.and_then(Device::open) {
        Ok(device) => device,
        Err(error) => refuse_to_start(&error),
    };
    memory_poll::install();
    // Open the first-use profile now, so a damaged database is found at start. The app still
    // opens: its first screen offers the latest backup instead of an empty history.
    if let Err(error) = device.unprotected_desk() {
        tracing::error!(code = error.code.as_str(), %error, "the history database cannot be opened");
        eprintln!("Bailian Desk: {error}");
    }
    let result = tauri::Builder::default()
        .manage(device)
        .setup(|app| {
            if let Some(window) = app.get_webview_window("main") {
                window.with_webview(|webview| {
                    #[cfg(target_os = "linux")]
                    media_capture::enable(&webview.inner());
                    #[cfg(not(target_os = "linux"))]
                    let _ = webview;
                })?;
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::device_status,
            commands::create_profile,
            commands::login,
            commands::logout,
            commands::refresh_session,
            commands::change_password,
            commands::remove_profile,
            commands::set_idle_lock,
            commands::app_status,
            commands::start_demo,
            commands::list_models,
            commands::list_conversations,
            commands::get_conversation,
            commands::update_conversation,
            commands::trash_conversation,
            commands::restore_conversation,
            commands::purge_conversation,
            commands::delete_message,
            commands::send_message,
            commands::regenerate_reply,
            commands::continue_reply,
            commands::submit_tool_results,
            commands::stop_stream,
            commands::attachment_data,
            commands::search,
            commands::usage_totals,
            commands::usage_csv,
            commands::budget_status,
            commands::set_budget,
            commands::api_key_status,
            commands::set_api_key,
            commands::remove_api_key,
            commands::api_key_statuses,
            commands::endpoint,
            commands::set_endpoint,
            commands::test_connection,
            commands::create_image,
            commands::list_image_tasks,
            commands::resume_image_tasks,
            commands::image_data,
            commands::transcribe_audio,
            commands::speak,
            commands::send_message_read_aloud,
            commands::regenerate_reply_read_aloud,
            commands::continue_reply_read_aloud,
            commands::transcribe_url,
            commands::resume_transcriptions,
            commands::list_transcriptions,
            commands::delete_transcription,
            commands::start_live_transcription,
            commands::push_live_audio,
            commands::finish_live_transcription,
            commands::cancel_live_transcription,
            commands::transcribe_meeting,
            commands::resume_meetings,
            commands::list_meetings,
            commands::get_meeting,
            commands::list_assistants,
            commands::add_assistant,
            commands::remove_assistant,
            commands::semantic_search,
            commands::semantic_status,
            commands::index_semantic,
            commands::image_input_data,
            commands::list_backups,
            commands::backup_now,
            commands::restore_backup,
            commands::export_data,
            commands::import_data,
            commands::get_settings,
            commands::update_settings,
            commands::save_file,
            commands::logs_folder,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        std::process::exit(1);
    }
}
