//! `bailian-emulator --listen 127.0.0.1:0`: prints the address it listens on as its first line.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use bailian_emulator::{DEFAULT_API_KEY, EmulatorConfig, RunningEmulator};
use clap::Parser;

#[derive(Parser)]
#[command(
    version,
    about = "A local Bailian (DashScope) server for tests and offline demos"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// An API key to accept (repeatable).
    #[arg(long = "api-key", default_values_t = [DEFAULT_API_KEY.to_owned()])]
    api_keys: Vec<String>,
    /// Pause between streamed events, in milliseconds.
    #[arg(long, default_value_t = 0)]
    token_delay_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let config = EmulatorConfig {
        api_keys: args.api_keys,
        token_delay: Duration::from_millis(args.token_delay_ms),
    };
    let emulator = RunningEmulator::start(config, args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", emulator.addr())?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}
