//! The error contract crosses a language boundary: the UI lists the codes it can translate in
//! `ui/src/api/types.ts` (its i18n test then requires a text for each). This keeps both lists equal.

use desk_core::ErrorCode;

#[test]
fn the_ui_knows_exactly_the_core_error_codes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/api/types.ts");
    let source = std::fs::read_to_string(path).expect("ui/src/api/types.ts");
    let start = source
        .find("ERROR_CODES = [")
        .expect("the ERROR_CODES list");
    let end = start + source[start..].find("] as const").expect("end of the list");
    let mut ui: Vec<&str> = source[start..end].split('\'').skip(1).step_by(2).collect();
    let mut core: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    ui.sort_unstable();
    core.sort_unstable();
    assert_eq!(
        ui, core,
        "ui/src/api/types.ts ERROR_CODES must match desk_core::ErrorCode::ALL"
    );
}

/// The commands the UI calls (`call`/`profileCall` in ui/src/api/desk.ts) are exactly the ones the
/// app registers (src-tauri/src/lib.rs): a renamed or forgotten command fails here, not in a user's
/// hands.
#[test]
fn the_ui_calls_exactly_the_commands_the_app_registers() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let desk_ts = std::fs::read_to_string(format!("{root}/ui/src/api/desk.ts")).expect("desk.ts");
    let mut ui: Vec<String> = desk_ts
        .split("all<")
        .skip(1)
        .filter_map(|rest| rest.split_once(">('"))
        // `call<T>(command: string…` (the definitions) has no literal name on its line.
        .filter(|(type_args, _)| !type_args.contains('\n'))
        .map(|(_, tail)| tail)
        .filter_map(|tail| tail.split_once('\'').map(|(name, _)| name.to_owned()))
        .collect();
    let lib_rs =
        std::fs::read_to_string(format!("{root}/src-tauri/src/lib.rs")).expect("src-tauri lib.rs");
    let start = lib_rs.find("generate_handler![").expect("the handler list");
    let end = start + lib_rs[start..].find(']').expect("end of the list");
    let mut app: Vec<String> = lib_rs[start..end]
        .split("commands::")
        .skip(1)
        .map(|s| s.trim().trim_end_matches(',').trim().to_owned())
        .collect();
    ui.sort_unstable();
    ui.dedup();
    app.sort_unstable();
    assert!(ui.len() > 40, "found only {ui:?}");
    assert_eq!(
        ui, app,
        "ui/src/api/desk.ts and src-tauri/src/lib.rs must list the same commands"
    );
}

/// Search snippets mark matches with two control characters; the UI must split on the same ones.
#[test]
fn the_ui_splits_snippets_on_the_markers_the_store_writes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/api/types.ts");
    let source = std::fs::read_to_string(path).expect("ui/src/api/types.ts");
    let marker = |name: &str| -> char {
        let line = source
            .lines()
            .find(|l| l.starts_with(&format!("export const {name} = ")))
            .unwrap_or_else(|| panic!("{name} in types.ts"));
        let escape = line
            .split("'\\u")
            .nth(1)
            .and_then(|rest| rest.get(..4))
            .unwrap_or_else(|| panic!("a \\uXXXX escape in {line}"));
        u32::from_str_radix(escape, 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or_else(|| panic!("a code point in {line}"))
    };
    assert_eq!(marker("HIGHLIGHT_START"), desk_core::HIGHLIGHT_START);
    assert_eq!(marker("HIGHLIGHT_END"), desk_core::HIGHLIGHT_END);
}
