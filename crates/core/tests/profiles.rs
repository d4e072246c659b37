//! Profiles on one computer, through the device facade the app and the CLI use: who may do what
//! (the authorization matrix), and that no session reaches another profile's data.

mod common;

use bailian_emulator::RunningEmulator;
use desk_core::{DeskConfig, DeskError, Device, ErrorCode, PasswordPolicy, Role, SendRequest};

use common::emulator_config;

const CHEAP: PasswordPolicy = PasswordPolicy {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

fn ask(prompt: &str) -> SendRequest {
    serde_json::from_value(serde_json::json!({
        "conversationId": null, "prompt": prompt, "model": null
    }))
    .expect("request")
}

fn code<T: std::fmt::Debug>(result: Result<T, DeskError>) -> ErrorCode {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(error) => error.code,
    }
}

/// A protected device with an admin (Ada) and two members (Bo, Cy), each with one conversation.
struct Household {
    device: Device,
    admin: String,
    bo: String,
    cy: String,
    bo_conversation: String,
    cy_conversation: String,
    _home: tempfile::TempDir,
    _emulator: RunningEmulator,
}

async fn household() -> Household {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let device =
        Device::open_with_policy(emulator_config(home.path(), emulator.base_url(), 2), CHEAP)
            .expect("device");
    let status = device.status().expect("status");
    assert!(!status.protected);
    let first = status.profiles[0].id.clone();
    device
        .create_profile(None, "Ada", "admin-password")
        .expect("claim");
    let admin = device
        .login(&first, Some("admin-password"))
        .expect("login")
        .token;
    device
        .create_profile(Some(&admin), "Bo", "bo-password")
        .expect("Bo");
    device
        .create_profile(Some(&admin), "Cy", "cy-password")
        .expect("Cy");
    let profiles = device.status().expect("status").profiles;
    let id_of = |name: &str| {
        profiles
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.id.clone())
            .expect("profile")
    };
    let bo = device
        .login(&id_of("Bo"), Some("bo-password"))
        .expect("Bo logs in")
        .token;
    let cy = device
        .login(&id_of("Cy"), Some("cy-password"))
        .expect("Cy logs in")
        .token;
    let bo_conversation = device
        .desk(&bo)
        .expect("Bo's desk")
        .send_message(ask("Bo's secret plan"), |_| {})
        .await
        .expect("Bo sends")
        .conversation_id;
    let cy_conversation = device
        .desk(&cy)
        .expect("Cy's desk")
        .send_message(ask("Cy's diary"), |_| {})
        .await
        .expect("Cy sends")
        .conversation_id;
    Household {
        device,
        admin,
        bo,
        cy,
        bo_conversation,
        cy_conversation,
        _home: home,
        _emulator: emulator,
    }
}

#[tokio::test]
async fn members_reach_only_their_own_conversations_usage_and_search() {
    let h = household().await;
    let bo = h.device.desk(&h.bo).expect("Bo");
    let cy = h.device.desk(&h.cy).expect("Cy");
    let admin = h.device.desk(&h.admin).expect("admin");

    let ids = |desk: &desk_core::Desk| -> Vec<String> {
        desk.list_conversations()
            .expect("list")
            .into_iter()
            .map(|c| c.id)
            .collect()
    };
    assert_eq!(ids(&bo), vec![h.bo_conversation.clone()]);
    assert_eq!(ids(&cy), vec![h.cy_conversation.clone()]);
    assert!(
        ids(&admin).is_empty(),
        "the admin does not see members' chats either"
    );

    assert_eq!(
        code(bo.conversation(&h.cy_conversation)),
        ErrorCode::ConversationNotFound
    );
    assert_eq!(
        code(admin.conversation(&h.bo_conversation)),
        ErrorCode::ConversationNotFound
    );
    assert!(bo.search("diary", 10).expect("search").is_empty());
    let cy_hits = cy.search("diary", 10).expect("search");
    assert!(!cy_hits.is_empty());
    assert!(
        cy_hits
            .iter()
            .all(|hit| hit.conversation_id == h.cy_conversation)
    );
    let bo_calls = bo.usage_records(None, None).expect("usage");
    assert!(!bo_calls.is_empty());
    assert!(
        bo_calls
            .iter()
            .all(|r| r.conversation_id.as_deref() == Some(h.bo_conversation.as_str())),
        "Bo's ledger holds Bo's calls only: {bo_calls:?}"
    );
    assert!(admin.usage_records(None, None).expect("usage").is_empty());
    // Each profile's data is a folder of its own.
    assert_ne!(bo.config().home, cy.config().home);
    assert!(
        bo.config()
            .home
            .starts_with(h.device.config().home.join("profiles"))
    );
}

#[tokio::test]
async fn the_authorization_matrix() {
    let h = household().await;
    let profiles = h.device.status().expect("status").profiles;
    let cy_id = profiles
        .iter()
        .find(|p| p.name == "Cy")
        .map(|p| p.id.clone())
        .expect("Cy");
    let admin_id = profiles
        .iter()
        .find(|p| p.role == Role::Admin)
        .map(|p| p.id.clone())
        .expect("admin");

    // No session, a forged one, a made-up one: every profile call is refused.
    let forged = format!("{}x", h.bo);
    for token in ["", "not-a-token", forged.as_str()] {
        assert_eq!(
            code(h.device.desk(token)),
            ErrorCode::SessionRequired,
            "{token:?}"
        );
        assert_eq!(
            code(h.device.list_backups(token)),
            ErrorCode::SessionRequired
        );
        let expected = if token.is_empty() {
            ErrorCode::Forbidden // no session at all: only the admin may create profiles
        } else {
            ErrorCode::SessionRequired
        };
        assert_eq!(
            code(h.device.create_profile(Some(token), "Eve", "eve-password")),
            expected
        );
    }

    // Managing profiles and device settings: the admin only.
    assert_eq!(
        code(h.device.create_profile(None, "Eve", "eve-password")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(h.device.create_profile(Some(&h.bo), "Eve", "eve-password")),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(h.device.remove_profile(&h.bo, &cy_id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(h.device.set_idle_lock(&h.bo, 60)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(h.device.remove_profile(&h.admin, &admin_id)),
        ErrorCode::Forbidden
    );
    h.device
        .set_idle_lock(&h.admin, 30)
        .expect("the admin sets the idle lock");

    // Another profile's backups cannot be restored over one's own.
    let cy_backup = h
        .device
        .desk(&h.cy)
        .expect("Cy")
        .backup_now()
        .expect("backup");
    assert_eq!(
        code(h.device.restore_backup(&h.bo, &cy_backup)),
        ErrorCode::Forbidden
    );

    // A wrong password, then the admin removes the profile: its data and sessions are gone.
    assert_eq!(
        code(h.device.login(&cy_id, Some("forgotten"))),
        ErrorCode::WrongPassword
    );
    let cy_home = h.device.desk(&h.cy).expect("Cy").config().home.clone();
    assert!(cy_home.exists());
    h.device
        .remove_profile(&h.admin, &cy_id)
        .expect("the admin removes Cy");
    assert!(!cy_home.exists(), "Cy's folder is deleted with the profile");
    assert_eq!(code(h.device.desk(&h.cy)), ErrorCode::SessionExpired);
    assert_eq!(
        code(h.device.login(&cy_id, Some("cy-password"))),
        ErrorCode::ProfileNotFound
    );
    // Logging out ends a session at once.
    h.device.logout(&h.bo).expect("logout");
    assert_eq!(code(h.device.desk(&h.bo)), ErrorCode::SessionExpired);
}

#[tokio::test]
async fn an_unprotected_device_needs_no_login_until_a_password_is_set() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let device =
        Device::open_with_policy(emulator_config(home.path(), emulator.base_url(), 2), CHEAP)
            .expect("device");
    let desk = device
        .unprotected_desk()
        .expect("open")
        .expect("first use needs no login");
    assert_eq!(
        desk.config().home,
        home.path(),
        "the first profile keeps the device folder"
    );
    let conversation = desk
        .send_message(ask("before profiles"), |_| {})
        .await
        .expect("send")
        .conversation_id;
    let first = device.status().expect("status").profiles[0].id.clone();
    let open_session = device
        .login(&first, None)
        .expect("passwordless login")
        .token;
    device
        .create_profile(Some(&open_session), "Ada", "admin-password")
        .expect("claim");
    assert!(device.unprotected_desk().expect("status").is_none());
    assert_eq!(code(device.desk(&open_session)), ErrorCode::SessionExpired);
    assert_eq!(code(device.login(&first, None)), ErrorCode::WrongPassword);
    let token = device
        .login(&first, Some("admin-password"))
        .expect("login")
        .token;
    // The history of first use is the admin's.
    device
        .desk(&token)
        .expect("desk")
        .conversation(&conversation)
        .expect("kept");
}

#[tokio::test]
async fn repeated_wrong_passwords_make_the_next_login_wait() {
    let h = household().await;
    let profiles = h.device.status().expect("status").profiles;
    let bo_id = profiles
        .iter()
        .find(|p| p.name == "Bo")
        .map(|p| p.id.clone())
        .expect("Bo");
    for _ in 0..3 {
        assert_eq!(
            code(h.device.login(&bo_id, Some("guess"))),
            ErrorCode::WrongPassword
        );
    }
    let refused = h
        .device
        .login(&bo_id, Some("bo-password"))
        .expect_err("throttled");
    assert_eq!(refused.code, ErrorCode::LoginThrottled);
    assert!(
        refused
            .retry_after_ms
            .is_some_and(|ms| ms > 0 && ms <= 1000)
    );
}

#[tokio::test]
async fn without_a_keychain_each_profile_keeps_its_key_in_a_file_locked_by_its_password() {
    let emulator = RunningEmulator::start_local().await.expect("emulator");
    let home = tempfile::tempdir().expect("tempdir");
    let mut config = emulator_config(home.path(), emulator.base_url(), 2);
    config.api_key = None;
    config.vault = desk_core::VaultSetting::File {
        path: home.path().join("keys.json"),
        password: None,
    };
    let device = Device::open_with_policy(config, CHEAP).expect("device");
    let first = device.status().expect("status").profiles[0].id.clone();
    device
        .create_profile(None, "Ada", "admin-password")
        .expect("claim");
    let admin = device
        .login(&first, Some("admin-password"))
        .expect("login")
        .token;
    device
        .create_profile(Some(&admin), "Bo", "bo-password")
        .expect("Bo");
    let bo_id = device
        .status()
        .expect("status")
        .profiles
        .into_iter()
        .find(|p| p.name == "Bo")
        .expect("Bo")
        .id;
    let bo = device
        .login(&bo_id, Some("bo-password"))
        .expect("login")
        .token;
    let planted = "sk-planted-bo-0123456789abcdef";
    let status = device
        .desk(&bo)
        .expect("desk")
        .set_api_key("cn-beijing", planted)
        .expect("set key");
    assert!(status.configured);
    let bo_file = home.path().join("profiles").join(&bo_id).join("keys.json");
    let bytes = std::fs::read(&bo_file).expect("Bo's own key file");
    assert!(!String::from_utf8_lossy(&bytes).contains(planted));
    // The admin's session does not unlock Bo's key.
    assert!(
        !device
            .desk(&admin)
            .expect("admin")
            .api_key_status()
            .configured
    );

    device
        .change_password(&bo, Some("bo-password"), "bo-new-password")
        .expect("change");
    assert!(
        desk_vault_opens(&bo_file, "bo-password").is_err(),
        "the old password no longer opens the file"
    );
    assert!(desk_vault_opens(&bo_file, "bo-new-password").is_ok());
    assert!(device.desk(&bo).expect("desk").api_key_status().configured);
}

fn desk_vault_opens(path: &std::path::Path, password: &str) -> Result<(), String> {
    let secret = desk_vault::Secret::new(password).map_err(|e| e.to_string())?;
    desk_vault::FileStore::open(path, secret)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_profile_chooses_its_region_and_workspace_unless_the_environment_did() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut config = DeskConfig::at(home.path());
    config.vault = desk_core::VaultSetting::Memory;
    let device = Device::open_with_policy(config, CHEAP).expect("device");
    let first = device.status().expect("status").profiles[0].id.clone();
    let token = device.login(&first, None).expect("login").token;

    let chosen = device
        .set_endpoint(&token, "ap-southeast-1", Some("ws-42"))
        .expect("choose");
    assert_eq!(chosen.region.as_deref(), Some("ap-southeast-1"));
    assert_eq!(chosen.workspace.as_deref(), Some("ws-42"));
    assert_eq!(
        chosen.base_url,
        "https://ws-42.ap-southeast-1.maas.aliyuncs.com"
    );
    assert_eq!(chosen.key_slot, "ws:ws-42");
    let desk = device.desk(&token).expect("desk");
    desk.set_api_key("ws:ws-42", "sk-workspace-key-0123456789")
        .expect("set key");
    assert!(
        desk.api_key_status().configured,
        "the chosen slot's key is the one used"
    );
    let statuses = desk.api_key_statuses();
    let slots: Vec<&str> = statuses.iter().map(|s| s.slot.as_str()).collect();
    assert_eq!(
        slots,
        ["cn-beijing", "ap-southeast-1", "us-east-1", "ws:ws-42"]
    );
    assert!(statuses[3].configured && !statuses[0].configured);

    // Survives a restart of the app.
    drop(desk);
    drop(device);
    let mut config = DeskConfig::at(home.path());
    config.vault = desk_core::VaultSetting::Memory;
    let device = Device::open_with_policy(config, CHEAP).expect("device");
    let token = device.login(&first, None).expect("login").token;
    let desk = device.desk(&token).expect("desk");
    assert_eq!(desk.endpoint_choice().key_slot, "ws:ws-42");

    assert_eq!(
        code(device.set_endpoint(&token, "moon-1", None)),
        ErrorCode::BadRequest
    );
    // An endpoint set by the environment wins and cannot be changed from the app.
    drop(desk);
    drop(device);
    let mut config = DeskConfig::at(home.path());
    config.endpoint_from_env = true;
    let device = Device::open_with_policy(config, CHEAP).expect("device");
    let token = device.login(&first, None).expect("login").token;
    assert_eq!(
        device
            .desk(&token)
            .expect("desk")
            .endpoint_choice()
            .base_url,
        "https://dashscope.aliyuncs.com"
    );
    assert_eq!(
        code(device.set_endpoint(&token, "us-east-1", None)),
        ErrorCode::BadRequest
    );
}
