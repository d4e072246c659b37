//! `usage`, `budget`, `export` and `import`: the usage ledger, the monthly budget, and moving
//! conversations in and out as files.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use desk_core::{AtLimit, BudgetLevel, BudgetStatus, Desk, UsageGroup};

use super::Failure;

#[derive(Args)]
pub struct UsageArgs {
    #[arg(long)]
    json: bool,
    /// First day included, YYYY-MM-DD (local time).
    #[arg(long)]
    since: Option<String>,
    /// Last day included, YYYY-MM-DD (local time).
    #[arg(long)]
    until: Option<String>,
    /// Totals per day, model or conversation instead of one line per call.
    #[arg(long, value_enum)]
    by: Option<By>,
    /// Also write the calls of the range to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    Day,
    Model,
    Conversation,
}

#[derive(Subcommand)]
pub enum BudgetCommand {
    /// Set the monthly budget in CNY; a warning comes at 80 %.
    Set {
        /// CNY per calendar month.
        cny: f64,
        /// At 100 %, refuse every paid call before it is sent.
        #[arg(long, conflicts_with = "warn")]
        block: bool,
        /// At 100 %, only warn (the default, unless --block was set before).
        #[arg(long)]
        warn: bool,
    },
    /// This month's spending against the budget.
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Markdown,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Only this conversation (default: all).
    #[arg(long)]
    conversation: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    format: ExportFormat,
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct ImportArgs {
    /// A JSON export of Bailian Desk.
    file: PathBuf,
    #[arg(long)]
    json: bool,
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value).context("writing JSON")?;
    writeln!(stdout).context("writing to stdout")?;
    Ok(())
}

fn cost(value: Option<f64>) -> String {
    value.map_or_else(|| "?".to_owned(), |c| format!("¥{c:.6}"))
}

pub fn usage(desk: &Desk, args: UsageArgs) -> Result<(), Failure> {
    let since = args
        .since
        .as_deref()
        .map(|d| desk.day_start_ms(d))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|d| desk.day_end_ms(d))
        .transpose()?;
    if let Some(path) = &args.csv {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let rows = desk.usage_csv(since, until, std::io::BufWriter::new(file))?;
        eprintln!("{rows} calls written to {}", path.display());
    }
    match args.by {
        Some(by) => {
            let group = match by {
                By::Day => UsageGroup::Day,
                By::Model => UsageGroup::Model,
                By::Conversation => UsageGroup::Conversation,
            };
            let totals = desk.usage_totals(since, until, group)?;
            if args.json {
                print_json(
                    &serde_json::json!({ "by": group, "since": since, "until": until, "totals": totals }),
                )?;
            } else {
                for t in totals {
                    let key = if t.key.is_empty() { "-" } else { &t.key };
                    let unpriced = if t.unpriced_calls > 0 {
                        format!(" (+{} unpriced)", t.unpriced_calls)
                    } else {
                        String::new()
                    };
                    println!(
                        "{key:<38} {:>5} calls {:>8} in {:>8} out {:>6} units  ¥{:.6}{unpriced}",
                        t.calls, t.input_tokens, t.output_tokens, t.units, t.cost_cny
                    );
                }
            }
        }
        None => {
            let records = desk.usage_records(since, until)?;
            if args.json {
                let total: f64 = records.iter().filter_map(|r| r.cost_cny).sum();
                print_json(&serde_json::json!({
                    "since": since,
                    "until": until,
                    "records": records,
                    "totalCostCny": total,
                }))?;
            } else {
                for r in records {
                    println!(
                        "{}  {:<18} {:<22} {:<7} in {:>7} out {:>7} units {:>6} {:>7} ms  {}{}",
                        r.id,
                        r.kind.as_str(),
                        r.model,
                        r.status.as_str(),
                        r.input_tokens.map_or("-".into(), |n| n.to_string()),
                        r.output_tokens.map_or("-".into(), |n| n.to_string()),
                        r.units.map_or("-".into(), |n| n.to_string()),
                        r.latency_ms,
                        cost(r.cost_cny),
                        r.error_code.map(|c| format!("  [{c}]")).unwrap_or_default(),
                    );
                }
            }
        }
    }
    Ok(())
}

/// One line on the budget, for `budget show` and after a chat.
pub fn describe(status: &BudgetStatus) -> String {
    match status.monthly_cny {
        None => format!("no budget set; ¥{:.4} spent this month", status.spent_cny),
        Some(budget) => {
            let state = match status.level {
                BudgetLevel::Exceeded => "budget reached",
                BudgetLevel::Warning => "over 80% of the budget",
                _ => "within budget",
            };
            format!(
                "¥{:.4} of ¥{budget:.2} spent this month ({:.0}%, {state}; at 100%: {})",
                status.spent_cny,
                status.fraction.unwrap_or(1.0) * 100.0,
                status.at_limit.as_str()
            )
        }
    }
}

pub fn budget(desk: &Desk, command: BudgetCommand) -> Result<(), Failure> {
    match command {
        BudgetCommand::Set { cny, block, warn } => {
            let at_limit = if block {
                AtLimit::Block
            } else if warn {
                AtLimit::Warn
            } else {
                desk.budget()?.at_limit
            };
            let status = desk.set_budget(Some(cny), at_limit)?;
            println!("{}", describe(&status));
        }
        BudgetCommand::Show { json } => {
            let status = desk.budget()?;
            if json {
                print_json(&status)?;
            } else {
                println!("{}", describe(&status));
            }
        }
    }
    Ok(())
}

pub fn export(desk: &Desk, args: ExportArgs) -> Result<(), Failure> {
    let text = match args.format {
        ExportFormat::Json => desk.export_json(args.conversation.as_deref())?,
        ExportFormat::Markdown => desk.export_markdown(args.conversation.as_deref())?,
    };
    std::fs::write(&args.out, text).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("exported to {}", args.out.display());
    Ok(())
}

pub fn import(desk: &Desk, args: ImportArgs) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let report = desk.import_json(&text)?;
    if args.json {
        print_json(&report)?;
    } else {
        println!(
            "{} conversations and {} messages added; {} conversations and {} messages were already here",
            report.conversations_added,
            report.messages_added,
            report.conversations_skipped,
            report.messages_skipped
        );
    }
    Ok(())
}
