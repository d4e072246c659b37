//! Profiles from the terminal. While no profile has a password the CLI works exactly as before
//! (the first-use profile, no login). Once profiles are protected, every command runs as a
//! profile: the session `profile login` kept in the OS keychain, or the profile and password
//! asked for on the terminal. Passwords are never arguments (the process list shows those).

use std::io::IsTerminal;
use std::sync::Arc;

use desk_core::{Desk, DeskConfig, DeskError, Device, ErrorCode, Profile};

/// Names the profile to run as, instead of being asked.
pub const ENV_PROFILE: &str = "BAILIAN_DESK_PROFILE";

#[derive(clap::Subcommand)]
pub enum ProfileCommand {
    /// Create a profile (the first one protects this computer and becomes its admin; later ones
    /// need the admin's session). The password is asked for, or read from stdin.
    Create { name: String },
    /// Log in and keep the session in the OS keychain for later commands.
    Login {
        /// The profile's name (default: BAILIAN_DESK_PROFILE, or asked).
        #[arg(long)]
        profile: Option<String>,
    },
    /// End the kept session.
    Logout,
    /// The profiles of this computer.
    List {
        #[arg(long)]
        json: bool,
    },
}

fn input_error(what: &str, error: std::io::Error) -> DeskError {
    DeskError::new(
        ErrorCode::BadRequest,
        format!("cannot read {what}: {error}"),
    )
}

/// A password from the terminal without echo, or the first line of stdin in a pipe.
fn read_password(prompt: &str) -> Result<String, DeskError> {
    if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| input_error("the password", e))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| input_error("the password", e))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn find_profile(device: &Device, name: Option<String>) -> Result<Profile, DeskError> {
    let profiles = device.status()?.profiles;
    let name = match name.or_else(|| std::env::var(ENV_PROFILE).ok()) {
        Some(name) => name,
        None if profiles.len() == 1 => profiles[0].name.clone(),
        None if std::io::stderr().is_terminal() && std::io::stdin().is_terminal() => {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            eprint!("Profile ({}): ", names.join(", "));
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| input_error("the profile", e))?;
            line.trim().to_owned()
        }
        None => {
            return Err(DeskError::new(
                ErrorCode::SessionRequired,
                format!("name the profile with --profile or {ENV_PROFILE}"),
            ));
        }
    };
    profiles
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            DeskError::new(
                ErrorCode::ProfileNotFound,
                format!("no profile is named {name:?}"),
            )
        })
}

fn login(device: &Device, profile: Option<String>) -> Result<String, DeskError> {
    let profile = find_profile(device, profile)?;
    let password = read_password(&format!("Password for {}: ", profile.name))?;
    Ok(device.login(&profile.id, Some(&password))?.token)
}

/// The session to run this command with: the kept one (refreshed), else a login on the terminal.
fn session(device: &Device) -> Result<String, DeskError> {
    if let Some(kept) = device.kept_session() {
        match device.refresh(&kept) {
            Ok(grant) => {
                device.keep_session(&grant.token);
                return Ok(grant.token);
            }
            Err(error) => tracing::info!(code = error.code.as_str(), "the kept session ended"),
        }
    }
    if std::io::stdin().is_terminal() {
        return login(device, None);
    }
    Err(DeskError::new(
        ErrorCode::SessionRequired,
        "this computer's profiles are protected: run `bailian-desk profile login` first",
    ))
}

/// The `Desk` this command works on: the first-use profile's while the device is unprotected,
/// otherwise the logged-in profile's.
pub fn open_desk(config: DeskConfig) -> Result<Arc<Desk>, DeskError> {
    let device = Device::open(config)?;
    if let Some(desk) = device.unprotected_desk()? {
        return Ok(desk);
    }
    let token = session(&device)?;
    device.desk(&token)
}

/// Restores a backup over the database of the profile this command runs as, before anything
/// opens it. A protected profile restores only its own backups.
pub fn restore(
    config: DeskConfig,
    backup: &std::path::Path,
) -> Result<desk_core::RestoreReport, DeskError> {
    let device = Device::open(config)?;
    if !device.status()?.protected {
        return desk_core::backups::restore(device.config(), backup);
    }
    let token = session(&device)?;
    device.restore_backup(&token, backup)
}

pub fn run(command: ProfileCommand) -> Result<(), DeskError> {
    let device = Device::open(DeskConfig::from_env()?)?;
    match command {
        ProfileCommand::Create { name } => {
            let protected = device.status()?.protected;
            let admin = if protected {
                Some(session(&device)?)
            } else {
                None
            };
            let password = read_password(&format!("New password for {name}: "))?;
            if std::io::stdin().is_terminal() && read_password("Repeat the password: ")? != password
            {
                return Err(DeskError::new(
                    ErrorCode::InvalidProfile,
                    "the two passwords differ; nothing was changed",
                ));
            }
            let profile = device.create_profile(admin.as_deref(), &name, &password)?;
            println!("created profile {} ({:?})", profile.name, profile.role);
            Ok(())
        }
        ProfileCommand::Login { profile } => {
            let token = login(&device, profile)?;
            if device.keep_session(&token) {
                eprintln!("logged in; the session is kept in the OS keychain until it idles out");
            } else {
                eprintln!(
                    "logged in, but there is no OS keychain to keep the session: each command will ask for the password"
                );
            }
            Ok(())
        }
        ProfileCommand::Logout => {
            if let Some(token) = device.kept_session() {
                device.logout(&token)?;
            }
            device.forget_kept_session();
            eprintln!("logged out");
            Ok(())
        }
        ProfileCommand::List { json } => {
            let status = device.status()?;
            if json {
                let text = serde_json::to_string_pretty(&status).map_err(|e| {
                    DeskError::new(ErrorCode::Internal, format!("writing JSON: {e}"))
                })?;
                println!("{text}");
            } else {
                for profile in status.profiles {
                    let lock = if profile.has_password {
                        ""
                    } else {
                        " (no password)"
                    };
                    println!("{}  {:?}{}", profile.name, profile.role, lock);
                }
            }
            Ok(())
        }
    }
}
