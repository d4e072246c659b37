//! The desktop and mobile shell. It opens the core, registers the commands and runs the window;
//! every behaviour lives in `desk-core`, so the CLI and this app cannot drift apart.

mod commands;

use desk_core::{Desk, DeskConfig};

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let home = DeskConfig::from_env().ok().map(|config| config.home);
    if let Err(error) = desk_core::logging::init(home.as_deref(), "info") {
        tracing::warn!(code = error.code.as_str(), %error, "logging to stderr only");
    }
    let desk = match DeskConfig::from_env().and_then(Desk::open) {
        Ok(desk) => desk,
        Err(error) => {
            tracing::error!(code = error.code.as_str(), %error, "cannot open the local store");
            eprintln!("Bailian Desk cannot start: {error}");
            std::process::exit(1);
        }
    };
    let result = tauri::Builder::default()
        .manage(desk)
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::start_demo,
            commands::list_conversations,
            commands::get_conversation,
            commands::send_message,
            commands::stop_stream,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        std::process::exit(1);
    }
}
