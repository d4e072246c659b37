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
