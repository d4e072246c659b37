//! `search --semantic`, `index`, `assistants` and `image --input`: semantic search over the
//! history, Bailian Apps as assistants, and the image to edit.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;
use desk_core::{Desk, NewAttachment};

use crate::{Failure, Reported, report};

#[derive(Subcommand)]
pub enum AssistantsCommand {
    /// The assistants (Bailian Apps) beside the models.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Add an app by its id (from the Bailian console), or rename it.
    Add {
        app_id: String,
        /// The name shown for it.
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove an app from the list (its conversations stay).
    Remove { app_id: String },
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, value).context("writing JSON")?;
    writeln!(stdout).context("writing to stdout")?;
    Ok(())
}

/// `bailian-desk search --semantic QUERY`: messages closest in meaning, best first.
pub async fn search(desk: &Desk, query: &str, limit: usize, json: bool) -> Result<(), Failure> {
    let hits = desk.semantic_search(query, limit).await?;
    if json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        let status = desk.semantic_index_status()?;
        if status.indexed == 0 {
            eprintln!("nothing is indexed yet: run `bailian-desk index` first");
        }
    }
    for hit in hits {
        let snippet = hit.snippet.replace('\n', " ");
        println!(
            "{}  {:.3}  {}  {}",
            hit.conversation_id, hit.score, hit.conversation_title, snippet
        );
    }
    Ok(())
}

/// `bailian-desk index`: embeds the messages not indexed yet.
pub async fn index(
    desk: &Desk,
    max: usize,
    dimension: Option<u32>,
    json: bool,
) -> Result<(), Failure> {
    if let Some(dimension) = dimension {
        desk.set_semantic_dimension(dimension)?;
    }
    let report_of_run = desk.index_for_semantic_search(max).await?;
    if json {
        print_json(&report_of_run)?;
    } else {
        println!(
            "embedded {} messages in {} calls ({} tokens); {} indexed, {} pending ({} at {} dimensions)",
            report_of_run.embedded,
            report_of_run.requests,
            report_of_run.tokens,
            report_of_run.indexed,
            report_of_run.pending,
            report_of_run.model,
            report_of_run.dimension
        );
    }
    match &report_of_run.error {
        // What was embedded is kept; the next run goes on from there.
        Some(error) => {
            report(error);
            Err(Failure::Reported(Reported))
        }
        None => Ok(()),
    }
}

pub fn assistants(desk: &Desk, command: AssistantsCommand) -> Result<(), Failure> {
    match command {
        AssistantsCommand::List { json } => {
            let list = desk.assistants()?;
            if json {
                return print_json(&list);
            }
            for assistant in list {
                println!("{}  {}", assistant.model, assistant.name);
            }
        }
        AssistantsCommand::Add { app_id, name, json } => {
            let assistant = desk.add_assistant(&app_id, &name.join(" "))?;
            if json {
                return print_json(&assistant);
            }
            println!("{}  {}", assistant.model, assistant.name);
        }
        AssistantsCommand::Remove { app_id } => {
            if !desk.remove_assistant(&app_id)? {
                eprintln!("no assistant {app_id} was listed");
                return Err(Failure::Reported(Reported));
            }
        }
    }
    Ok(())
}

/// The image file to edit, as the core takes it (its bytes decide its type).
pub fn input_image(path: &std::path::Path) -> Result<NewAttachment, Failure> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(NewAttachment::from_bytes(&bytes))
}
