//! Files the user saves from the app (exports, CSV, images) land in one folder, never overwrite
//! one another and never leave that folder.

use desk_core::{Desk, DeskConfig};

#[test]
fn saving_twice_keeps_both_files_and_names_stay_inside_the_folder() {
    let home = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(DeskConfig::at(home.path())).expect("open");
    let downloads = home.path().join("downloads");
    let first = desk
        .save_file_in(&downloads, "usage.csv", b"a,b\n")
        .expect("first");
    let second = desk
        .save_file_in(&downloads, "usage.csv", b"c,d\n")
        .expect("second");
    assert_eq!(first, downloads.join("usage.csv"));
    assert_eq!(second, downloads.join("usage (2).csv"));
    assert_eq!(std::fs::read(&first).expect("read"), b"a,b\n");
    assert_eq!(std::fs::read(&second).expect("read"), b"c,d\n");

    let escaped = desk
        .save_file_in(&downloads, "../../outside.json", b"{}")
        .expect("saved");
    assert_eq!(escaped, downloads.join("outside.json"));
    assert!(!home.path().join("outside.json").exists());

    let refused = desk.save_file("x.txt", "not base64!").expect_err("refused");
    assert_eq!(refused.code, desk_core::ErrorCode::BadRequest);
}
