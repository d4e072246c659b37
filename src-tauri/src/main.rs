// Keeps a console window from opening beside the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    bailian_desk_app_lib::rendering::choose_before_webkit_starts();
    bailian_desk_app_lib::run();
}
