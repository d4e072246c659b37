//! Tauri commands: each is one call into the core. Errors cross as `DeskError`, which serializes to
//! `{code, message, dashscopeCode, requestId, retryAfterMs}`.

use desk_core::{
    AppStatus, Conversation, ConversationView, Desk, DeskError, SendOutcome, SendRequest,
    StreamUpdate,
};
use tauri::State;
use tauri::ipc::Channel;

#[tauri::command]
pub fn app_status(desk: State<'_, Desk>) -> AppStatus {
    desk.status()
}

#[tauri::command]
pub async fn start_demo(desk: State<'_, Desk>) -> Result<AppStatus, DeskError> {
    desk.start_demo().await
}

#[tauri::command(async)]
pub fn list_conversations(desk: State<'_, Desk>) -> Result<Vec<Conversation>, DeskError> {
    desk.list_conversations()
}

#[tauri::command(async)]
pub fn get_conversation(
    desk: State<'_, Desk>,
    conversation_id: String,
) -> Result<ConversationView, DeskError> {
    desk.conversation(&conversation_id)
}

/// Streams the reply through `on_event`, a Tauri channel: ordered, pushed, no polling.
#[tauri::command]
pub async fn send_message(
    desk: State<'_, Desk>,
    request: SendRequest,
    on_event: Channel<StreamUpdate>,
) -> Result<SendOutcome, DeskError> {
    desk.send_message(request, |update| drop(on_event.send(update)))
        .await
}

#[tauri::command]
pub fn stop_stream(desk: State<'_, Desk>, assistant_message_id: String) {
    desk.stop_stream(&assistant_message_id);
}
