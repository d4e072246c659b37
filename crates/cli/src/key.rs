//! `bailian-desk key set|status|remove`: the key is read from stdin, never from an argument (which
//! other users can see in the process list and the shell keeps in its history), and only its masked
//! label is ever printed.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use desk_core::{Desk, DeskConfig, DeskError, ENV_KEY_FILE_PASSWORD, ErrorCode, VaultSetting};

use super::report;

#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// Store the API key read from stdin (e.g. `bailian-desk key set < key.txt`, or paste it).
    Set {
        #[command(flatten)]
        target: KeyTarget,
    },
    /// Whether a key is configured, with its masked label (sk-…a1b2).
    Status {
        #[command(flatten)]
        target: KeyTarget,
        #[arg(long)]
        json: bool,
    },
    /// Forget the stored key.
    Remove {
        #[command(flatten)]
        target: KeyTarget,
    },
}

#[derive(clap::Args)]
pub struct KeyTarget {
    /// The region the key belongs to (default: BAILIAN_REGION or cn-beijing).
    #[arg(long, conflicts_with = "workspace")]
    region: Option<String>,
    /// The workspace id the key belongs to.
    #[arg(long)]
    workspace: Option<String>,
    /// Keep keys in this encrypted key file (argon2id + XChaCha20-Poly1305) instead of the OS
    /// credential store, for machines without one; the password comes from
    /// BAILIAN_DESK_KEY_FILE_PASSWORD, or is asked for (no echo) on a terminal. Without PATH:
    /// <data dir>/keys.json.
    #[arg(long, value_name = "PATH", num_args = 0..=1, default_missing_value = "")]
    key_file: Option<PathBuf>,
}

pub fn run(command: &KeyCommand) -> ExitCode {
    match execute(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

fn open(target: &KeyTarget) -> Result<Arc<Desk>, DeskError> {
    let mut config = DeskConfig::from_env()?;
    if let Some(region) = &target.region {
        config.key_slot = region.trim().to_owned();
    }
    if let Some(workspace) = &target.workspace {
        config.key_slot = format!("ws:{}", workspace.trim());
    }
    if let Some(path) = &target.key_file {
        let path = if path.as_os_str().is_empty() {
            config.home.join("keys.json")
        } else {
            path.clone()
        };
        let password = std::env::var(ENV_KEY_FILE_PASSWORD)
            .ok()
            .and_then(|p| desk_core::keys::Secret::new(&p).ok());
        config.vault = VaultSetting::File { path, password };
    }
    let desk = super::profile::open_desk(config.clone())?;
    // A key file with no password from the environment nor from the profile's login: ask for it
    // on the terminal. Elsewhere (scripts, pipes) the error names the variable.
    let VaultSetting::File {
        path,
        password: None,
    } = &desk.config().vault
    else {
        return Ok(desk);
    };
    if !std::io::stdin().is_terminal() {
        return Ok(desk);
    }
    let typed = ask_key_file_password(path)?;
    if let VaultSetting::File { password, .. } = &mut config.vault {
        *password = Some(typed);
    }
    drop(desk);
    super::profile::open_desk(config)
}

/// The key file's password from the terminal, without echo; asked twice for a new file, so a typo
/// cannot lock the key away. Failures are `key_file_locked`, whose advice names the variable.
fn ask_key_file_password(path: &Path) -> Result<desk_core::keys::Secret, DeskError> {
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| {
            DeskError::new(
                ErrorCode::KeyFileLocked,
                format!("cannot read the key file password: {e}"),
            )
        })
    };
    let mut typed = vec![read(&format!(
        "Password for the key file {}: ",
        path.display()
    ))?];
    if !path.exists() && !typed[0].trim().is_empty() {
        typed.push(read("Repeat the password: ")?);
    }
    let result = if typed[0].trim().is_empty() {
        Err(DeskError::new(
            ErrorCode::KeyFileLocked,
            "the key file password is empty",
        ))
    } else if typed.iter().any(|again| *again != typed[0]) {
        Err(DeskError::new(
            ErrorCode::KeyFileLocked,
            "the two passwords differ; nothing was changed",
        ))
    } else {
        desk_core::keys::Secret::new(&typed[0])
            .map_err(|e| DeskError::new(ErrorCode::KeyFileLocked, e.to_string()))
    };
    // Overwrite the copies read from the terminal.
    for text in &mut typed {
        text.replace_range(.., &"\0".repeat(text.len()));
    }
    result
}

fn execute(command: &KeyCommand) -> Result<(), DeskError> {
    match command {
        KeyCommand::Set { target } => {
            let desk = open(target)?;
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("Paste the API key, then press Enter and Ctrl-D:");
            }
            let mut key = String::new();
            std::io::stdin().read_to_string(&mut key).map_err(|e| {
                DeskError::new(
                    ErrorCode::BadRequest,
                    format!("cannot read the key from stdin: {e}"),
                )
            })?;
            let slot = desk.config().key_slot.clone();
            let result = desk.set_api_key(&slot, &key);
            // Overwrite the copy read from stdin.
            key.replace_range(.., &"\0".repeat(key.len()));
            let status = result.inspect_err(|error| {
                if error.code == ErrorCode::KeyStoreUnavailable && target.key_file.is_none() {
                    eprintln!(
                        "No OS credential store here; nothing was saved. To keep the key in an encrypted file instead:\n  bailian-desk key set --key-file [PATH]   (asks for its password; scripts set {ENV_KEY_FILE_PASSWORD})"
                    );
                }
            })?;
            println!(
                "stored the key {} for {}",
                status_label(&status),
                status.slot
            );
            Ok(())
        }
        KeyCommand::Status { target, json } => {
            let desk = open(target)?;
            let status = desk.api_key_status();
            // Without a usable store (a wrong key-file password, no keychain) "not configured"
            // is a guess, not an answer: print what is known, then fail so scripts notice.
            let unknown = status.store_error.clone().filter(|_| !status.configured);
            if *json {
                let text = serde_json::to_string_pretty(&status)
                    .map_err(|e| DeskError::new(ErrorCode::Internal, e.to_string()))?;
                println!("{text}");
            } else if status.configured {
                println!(
                    "{}: configured {} (from {})",
                    status.slot,
                    status_label(&status),
                    serde_json::to_value(status.source)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
            } else {
                println!("{}: not configured", status.slot);
            }
            unknown.map_or(Ok(()), Err)
        }
        KeyCommand::Remove { target } => {
            let desk = open(target)?;
            let slot = desk.config().key_slot.clone();
            if desk.remove_api_key(&slot)? {
                println!("removed the key for {slot}");
            } else {
                println!("no key was stored for {slot}");
            }
            Ok(())
        }
    }
}

fn status_label(status: &desk_core::ApiKeyStatus) -> &str {
    status.label.as_deref().unwrap_or("")
}
