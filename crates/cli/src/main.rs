//! `bailian-desk`: chat with Qwen and read the local history from a terminal or a script.
//! Configuration comes from the environment (`DASHSCOPE_API_KEY`, `BAILIAN_BASE_URL`,
//! `BAILIAN_DESK_HOME`), exactly as for the desktop app, and the data is the same.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use desk_core::{Desk, DeskConfig, DeskError, Language, SendRequest, StreamUpdate, advise};

#[derive(Parser)]
#[command(
    name = "bailian-desk",
    version,
    about = "Bailian Desk from the command line"
)]
struct Cli {
    /// Answer from the bundled offline emulator instead of Bailian (no key needed; not Qwen).
    #[arg(long, global = true)]
    demo: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum TranscriptionsAction {
    /// Follow the transcriptions an earlier run left pending or running.
    Resume,
    /// Delete a stored transcription.
    Delete { id: String },
}

#[derive(Subcommand)]
enum Command {
    /// Send a prompt and stream the reply to stdout. A reply that calls tools prints the calls
    /// (exit 0); answer them with `tool-result`.
    Chat {
        /// Model to use (default: the conversation's, or qwen-plus).
        #[arg(long)]
        model: Option<String>,
        /// Continue this conversation instead of starting a new one.
        #[arg(long)]
        conversation: Option<String>,
        /// Chat with a Bailian App (an assistant) by its app id: the model `app:APP_ID`.
        #[arg(long, conflicts_with = "model")]
        app: Option<String>,
        /// Also read the reply aloud (CosyVoice) while it streams, writing the audio to this file
        /// (.mp3, .wav or .pcm).
        #[arg(long, value_name = "FILE")]
        read_aloud: Option<std::path::PathBuf>,
        /// The voice to read with (with --read-aloud).
        #[arg(long, requires = "read_aloud")]
        voice: Option<String>,
        /// Print the reply as one JSON object when it ends (ids, status, finish reason, text,
        /// tool calls with their ids, usage) instead of streaming its text.
        #[arg(long, conflicts_with = "read_aloud")]
        json: bool,
        #[command(flatten)]
        output: tools::OutputArgs,
        /// The prompt; `-` reads it from stdin.
        #[arg(required = true, num_args = 1..)]
        prompt: Vec<String>,
    },
    /// Answer the tool calls of a reply and stream the model's next reply, as `chat` does.
    ToolResult {
        /// The reply that made the calls (its id, printed by `chat`).
        #[arg(long, value_name = "MESSAGE_ID")]
        message: String,
        /// CALL_ID=CONTENT, one per call (repeatable); CONTENT `@FILE` reads the file, `@@…` is
        /// a literal `@…`.
        #[arg(long = "result", value_name = "CALL_ID=CONTENT", required = true)]
        results: Vec<String>,
        /// Print the reply as one JSON object when it ends, as `chat --json` does.
        #[arg(long)]
        json: bool,
    },
    /// Generate images (Wanx / Wan / qwen-image); results are kept in the local store.
    Image {
        #[arg(long)]
        model: Option<String>,
        /// W*H, e.g. 1024*1024.
        #[arg(long)]
        size: Option<String>,
        /// Images in the batch, 1 to 4.
        #[arg(long)]
        n: Option<u32>,
        #[arg(long)]
        seed: Option<u32>,
        /// Also write the images into this folder.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Finish the tasks an earlier run left unfinished, instead of starting one.
        #[arg(long, conflicts_with = "prompt")]
        resume: bool,
        /// The image to edit (with an editing model such as qwen-image-edit).
        #[arg(long, value_name = "FILE", conflicts_with = "resume")]
        input: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(required_unless_present = "resume", num_args = 1..)]
        prompt: Vec<String>,
    },
    /// Embed texts (one per argument) and print the vectors.
    Embed {
        #[arg(long)]
        model: Option<String>,
        /// 64 to 2048 for text-embedding-v3/v4.
        #[arg(long)]
        dimension: Option<u32>,
        #[arg(long)]
        json: bool,
        #[arg(required = true, num_args = 1..)]
        texts: Vec<String>,
    },
    /// Read text aloud (CosyVoice, or Qwen-TTS with --model qwen-tts…) into an audio file.
    Speak {
        /// Where to write the audio.
        #[arg(long, short)]
        out: std::path::PathBuf,
        #[arg(long)]
        voice: Option<String>,
        /// cosyvoice-v2 (default), another CosyVoice model, or qwen-tts / qwen3-tts-flash.
        #[arg(long)]
        model: Option<String>,
        /// mp3, wav or pcm (default: mp3; wav for Qwen-TTS, its only format).
        #[arg(long)]
        format: Option<String>,
        #[arg(long)]
        json: bool,
        /// The text; `-` reads it from stdin.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Transcribe a local audio file (WAV 16-bit mono, PCM, MP3, Opus, AAC, AMR); with --url a
    /// recording Bailian downloads itself (Paraformer file transcription, kept as a job); with
    /// --live audio as it is recorded (`-`, the default, reads raw 16-bit mono PCM from stdin).
    Transcribe {
        #[arg(required_unless_present_any = ["url", "live"])]
        file: Option<std::path::PathBuf>,
        /// A public http(s):// or oss:// URL instead of a local file.
        #[arg(long, conflicts_with = "file")]
        url: Option<String>,
        /// Real-time recognition of raw 16-bit little-endian mono PCM from FILE or stdin (`-`),
        /// or of a WAV file: partial lines on stderr, each settled sentence on stdout as it comes.
        #[arg(long, conflicts_with = "url")]
        live: bool,
        /// The sample rate of raw PCM with --live: 16000 (default) or 8000.
        #[arg(long, default_value_t = 16_000, requires = "live")]
        sample_rate: u32,
        /// The file-transcription model (with --url): paraformer-v2 (default), fun-asr, …
        #[arg(long, requires = "url")]
        model: Option<String>,
        /// Language hints such as zh, en (repeatable).
        #[arg(long = "language")]
        languages: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Transcribe and analyse a meeting recording with Tingwu (a public URL): transcript with
    /// speakers, summary, chapters and action items, kept in the local store.
    Meeting {
        #[arg(required_unless_present = "resume")]
        url: Option<String>,
        /// Finish the meetings an earlier run left unfinished, instead of starting one.
        #[arg(long, conflicts_with = "url")]
        resume: bool,
        #[arg(long)]
        json: bool,
    },
    /// The stored transcriptions by URL, newest first; `resume` follows those an earlier run
    /// left unfinished, `delete ID` removes one.
    Transcriptions {
        #[command(subcommand)]
        action: Option<TranscriptionsAction>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, global = true)]
        json: bool,
    },
    /// The stored meetings, newest first; with an id, that meeting in full.
    Meetings {
        id: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// The models the key can use, with what each can do and costs.
    Models {
        #[arg(long)]
        json: bool,
    },
    /// The API key kept in the OS credential store (or an encrypted key file), per region or workspace.
    Key {
        #[command(subcommand)]
        command: key::KeyCommand,
    },
    /// The usage ledger: every API call with its tokens, units and cost.
    Usage(ledger::UsageArgs),
    /// The monthly budget in CNY (warns at 80 %; blocks or warns at 100 %).
    Budget {
        #[command(subcommand)]
        command: ledger::BudgetCommand,
    },
    /// Write conversations to a JSON (importable) or Markdown file.
    Export(ledger::ExportArgs),
    /// Import a JSON export: adds what is missing, never overwrites.
    Import(ledger::ImportArgs),
    /// Continue a reply that was cut off (its message id from `conversations show`).
    Continue { message_id: String },
    /// Search every message (Chinese and English); matches are marked with [[ ]].
    Search {
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// By meaning (embeddings of the messages indexed with `index`), best first.
        #[arg(long)]
        semantic: bool,
        #[arg(long)]
        json: bool,
    },
    /// Index the messages not indexed yet for `search --semantic` (text-embedding-v4).
    Index {
        /// At most this many messages in this run (newest first); the next run goes on.
        #[arg(long, default_value_t = 10_000)]
        max: usize,
        /// Embedding dimension (64 to 2048; default 512); changing it indexes everything again.
        #[arg(long)]
        dimension: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Bailian Apps used as assistants beside the models (`chat --app APP_ID`).
    Assistants {
        #[command(subcommand)]
        command: semantic::AssistantsCommand,
    },
    /// Back up the history now, into <data dir>/backups.
    Backup {
        #[arg(long)]
        json: bool,
    },
    /// List the backups, newest first.
    Backups {
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup; the current state is saved as a backup first, and the replaced file kept.
    Restore {
        file: std::path::PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Profiles of this computer: create, login, logout, list.
    Profile {
        #[command(subcommand)]
        command: profile::ProfileCommand,
    },
    /// Read the stored conversations.
    Conversations {
        #[command(subcommand)]
        command: ConversationsCommand,
    },
}

#[derive(Subcommand)]
enum ConversationsCommand {
    /// Newest first.
    List {
        #[arg(long)]
        json: bool,
    },
    /// One conversation with its messages.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

mod key;
mod ledger;
mod live;
mod media;
mod profile;
mod semantic;
mod tools;

/// An error already explained to the user on stderr.
struct Reported;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let home = DeskConfig::from_env().ok().map(|config| config.home);
    if let Err(error) = desk_core::logging::init(home.as_deref(), "error") {
        eprintln!("warning: {error}");
    }
    if let Command::Key { command } = &cli.command {
        return key::run(command);
    }
    if let Command::Profile { command } = cli.command {
        return match profile::run(command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                report(&error);
                ExitCode::FAILURE
            }
        };
    }
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Desk(error)) => {
            report(&error);
            ExitCode::FAILURE
        }
        Err(Failure::Reported(Reported)) => ExitCode::FAILURE,
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
        // Like clap's own usage errors.
        Err(Failure::Usage(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

enum Failure {
    Desk(DeskError),
    Reported(Reported),
    Other(anyhow::Error),
    /// A flag's value is malformed (a tools file, a `--result`): nothing was sent or stored.
    Usage(anyhow::Error),
}

impl From<DeskError> for Failure {
    fn from(error: DeskError) -> Self {
        Failure::Desk(error)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::Other(error)
    }
}

fn report(error: &DeskError) {
    let mut line = format!("error [{}]: {}", error.code.as_str(), error.message);
    if let Some(request_id) = &error.request_id {
        line.push_str(&format!(" (request id {request_id})"));
    }
    eprintln!("{line}");
    // The doctor's advice, in the terminal's language.
    let advice = advise(error, error.host.as_deref());
    let text = advice.text(Language::from_env());
    eprintln!("  {} {}", text.title, text.action);
}

async fn run(cli: Cli) -> Result<(), Failure> {
    // Restoring replaces the database file, so it happens before anything opens it.
    if let Command::Restore { file, json } = &cli.command {
        let report = profile::restore(DeskConfig::from_env()?, file)?;
        if *json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).context("writing JSON")?
            );
        } else {
            if let Some(snapshot) = &report.snapshot {
                eprintln!(
                    "the state before the restore was saved as {}",
                    snapshot.display()
                );
            }
            if let Some(aside) = &report.replaced_file {
                eprintln!("the replaced database file is kept at {}", aside.display());
            }
            println!("restored {}", file.display());
        }
        return Ok(());
    }
    let desk = profile::open_desk(DeskConfig::from_env()?)?;
    if cli.demo {
        desk.start_demo().await?;
        eprintln!("offline demo: replies come from the local Bailian emulator, not from Qwen");
    }
    let mut command = cli.command;
    // `--app ID` is the model `app:ID`: the assistant answers through the chat path.
    if let Command::Chat { model, app, .. } = &mut command
        && let Some(id) = app.take()
    {
        *model = Some(format!("app:{}", id.trim()));
    }
    match command {
        Command::Chat {
            model,
            conversation,
            read_aloud: Some(out),
            voice,
            output,
            prompt,
            ..
        } => {
            let params = tools::chat_params(&desk, &output, conversation.as_deref()).await?;
            let request = SendRequest {
                conversation_id: conversation,
                prompt: read_argument_text(prompt)?,
                model,
                params,
                ..SendRequest::default()
            };
            media::chat_read_aloud(&desk, request, &out, voice.as_deref()).await
        }
        Command::Chat {
            model,
            conversation,
            json,
            output,
            prompt,
            ..
        } => {
            let params = tools::chat_params(&desk, &output, conversation.as_deref()).await?;
            chat(&desk, model, conversation, params, prompt, json).await
        }
        Command::ToolResult {
            message,
            results,
            json,
        } => {
            let results = tools::parse_results(&results).map_err(Failure::Usage)?;
            let mut printer = StreamPrinter::new(json);
            let result = desk
                .submit_tool_results(&message, results, |update| printer.show(update))
                .await;
            printer.finish(result)
        }
        Command::Meeting { url, resume, json } => media::meeting(&desk, url, resume, json).await,
        Command::Meetings { id, limit, json } => media::meetings(&desk, id, limit, json),
        Command::Transcriptions {
            action,
            limit,
            json,
        } => match action {
            None => media::transcriptions(&desk, limit, json),
            Some(TranscriptionsAction::Resume) => media::resume_transcriptions(&desk, json).await,
            Some(TranscriptionsAction::Delete { id }) => media::delete_transcription(&desk, &id),
        },
        Command::Continue { message_id } => continue_reply(&desk, &message_id).await,
        Command::Search {
            query,
            limit,
            json,
            semantic: true,
        } => semantic::search(&desk, &query.join(" "), limit, json).await,
        Command::Index {
            max,
            dimension,
            json,
        } => semantic::index(&desk, max, dimension, json).await,
        Command::Assistants { command } => semantic::assistants(&desk, command),
        Command::Search {
            query, limit, json, ..
        } => {
            let hits = desk.search(&query.join(" "), limit)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&hits).context("writing JSON")?
                );
            } else {
                for hit in hits {
                    let snippet = hit
                        .snippet
                        .replace(desk_core::HIGHLIGHT_START, "[[")
                        .replace(desk_core::HIGHLIGHT_END, "]]");
                    println!(
                        "{}  {}  {}",
                        hit.conversation_id, hit.conversation_title, snippet
                    );
                }
            }
            Ok(())
        }
        Command::Backup { json } => {
            let path = desk.backup_now()?;
            if json {
                println!("{}", serde_json::json!({ "path": path }));
            } else {
                println!("{}", path.display());
            }
            Ok(())
        }
        Command::Backups { json } => {
            let backups = desk.backups()?;
            if json {
                let list: Vec<_> = backups
                    .iter()
                    .map(|b| serde_json::json!({ "path": b.path, "createdAt": b.created_at, "sizeBytes": b.size_bytes }))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).context("writing JSON")?
                );
            } else {
                for b in backups {
                    println!("{}  {} bytes", b.path.display(), b.size_bytes);
                }
            }
            Ok(())
        }
        Command::Restore { .. } => Ok(()),
        Command::Embed {
            model,
            dimension,
            json,
            texts,
        } => {
            let embeddings = desk.embed(texts, model.as_deref(), dimension).await?;
            if json {
                let value = serde_json::json!({
                    "vectors": embeddings.vectors,
                    "totalTokens": embeddings.total_tokens,
                    "requestId": embeddings.request_id,
                });
                println!("{}", serde_json::to_string(&value).context("writing JSON")?);
            } else {
                for vector in &embeddings.vectors {
                    let head: Vec<String> =
                        vector.iter().take(4).map(|v| format!("{v:.4}")).collect();
                    println!("[{}, …] ({} dimensions)", head.join(", "), vector.len());
                }
                eprintln!("{} tokens", embeddings.total_tokens);
            }
            Ok(())
        }
        Command::Image {
            model,
            size,
            n,
            seed,
            out,
            resume,
            input,
            json,
            prompt,
        } => {
            let progress = |view: &desk_core::ImageTaskView| {
                let stored = view.images.iter().filter(|i| i.status == "stored").count();
                eprintln!(
                    "image task {}: {} ({stored} stored)",
                    view.task.id, view.task.status
                );
            };
            let views = if resume {
                desk.resume_image_tasks(progress).await?
            } else {
                let job = desk_core::ImageJob {
                    model,
                    prompt: read_argument_text(prompt)?,
                    size,
                    n,
                    seed,
                    negative_prompt: None,
                    input_image: input.as_deref().map(semantic::input_image).transpose()?,
                    input_image_id: None,
                };
                vec![desk.create_image(job, progress).await?]
            };
            if let Some(dir) = &out {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                for image in views
                    .iter()
                    .flat_map(|v| &v.images)
                    .filter(|i| i.status == "stored")
                {
                    let (mime, bytes) = desk.image_data(&image.id)?;
                    let extension = mime.rsplit('/').next().unwrap_or("bin");
                    let path = dir.join(format!("{}-{}.{extension}", image.task, image.position));
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&views).context("writing JSON")?
                );
            } else {
                for view in &views {
                    println!("{} {} {}", view.task.id, view.task.status, view.task.prompt);
                    for image in &view.images {
                        match &image.error_code {
                            None => {
                                println!("  #{} stored ({} bytes)", image.position, image.bytes)
                            }
                            Some(code) => println!(
                                "  #{} failed: {code} {}",
                                image.position,
                                image.error_message.as_deref().unwrap_or("")
                            ),
                        }
                    }
                }
            }
            Ok(())
        }
        Command::Speak {
            out,
            voice,
            model,
            format,
            json,
            text,
        } => {
            let text = read_argument_text(text)?;
            let format = format.unwrap_or_else(|| {
                desk_core::speech::default_speech_format(model.as_deref()).into()
            });
            let mut audio = Vec::new();
            eprintln!("speaking {} characters…", text.chars().count());
            let summary = desk
                .speak_with_model(
                    &text,
                    model.as_deref(),
                    voice.as_deref(),
                    &format,
                    |bytes| {
                        audio.extend_from_slice(bytes);
                        eprint!(".");
                    },
                )
                .await?;
            eprintln!();
            std::fs::write(&out, &audio).with_context(|| format!("writing {}", out.display()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&summary).context("writing JSON")?
                );
            } else {
                println!(
                    "{} bytes of {} audio written to {}",
                    summary.audio_bytes,
                    summary.format,
                    out.display()
                );
            }
            Ok(())
        }
        Command::Transcribe {
            url: Some(url),
            model,
            languages,
            json,
            ..
        } => media::transcribe_url(&desk, &url, model.as_deref(), languages, json).await,
        Command::Transcribe {
            live: true,
            file,
            sample_rate,
            languages,
            json,
            ..
        } => live::transcribe(&desk, file, sample_rate, languages, json).await,
        Command::Transcribe {
            file: Some(file),
            languages,
            json,
            ..
        } => {
            eprintln!("transcribing {}…", file.display());
            let transcript = desk
                .transcribe_file(&file, languages, |sentence| {
                    eprintln!("  [{:>6} ms] {}", sentence.begin_ms, sentence.text);
                })
                .await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&transcript).context("writing JSON")?
                );
            } else {
                println!("{}", transcript.text);
            }
            Ok(())
        }
        // clap requires one of the two.
        Command::Transcribe { .. } => Err(anyhow::anyhow!("give an audio file or --url").into()),
        Command::Models { json } => {
            let models = desk.models().await?;
            let mut stdout = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut stdout, &models).context("writing JSON")?;
                writeln!(stdout).context("writing to stdout")?;
            } else {
                for m in models {
                    let price = match m.price.map(|p| p.price) {
                        Some(bailian::registry::Price::PerThousandTokens { input, output }) => {
                            format!("¥{input}/¥{output} per 1K tokens")
                        }
                        Some(other) => format!("{other:?}"),
                        None => "price unknown".to_owned(),
                    };
                    let flags = [
                        (m.stream_only, "stream-only"),
                        (m.single_turn, "single-turn"),
                        (m.tools, "tools"),
                        (m.search, "search"),
                        (!m.known, "not in registry"),
                    ]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, name)| *name)
                    .collect::<Vec<_>>()
                    .join(", ");
                    writeln!(
                        stdout,
                        "{:<24} {:<8} {:<28} {}",
                        m.id, m.family, price, flags
                    )
                    .context("writing to stdout")?;
                }
            }
            Ok(())
        }
        // Handled in `main` before the desk is opened.
        Command::Key { command } => match key::run(&command) {
            ExitCode::SUCCESS => Ok(()),
            _ => Err(Failure::Reported(Reported)),
        },
        Command::Usage(args) => ledger::usage(&desk, args),
        Command::Budget { command } => ledger::budget(&desk, command),
        Command::Export(args) => ledger::export(&desk, args),
        Command::Import(args) => ledger::import(&desk, args),
        Command::Profile { .. } => Ok(()),
        Command::Conversations { command } => {
            let mut stdout = std::io::stdout().lock();
            match command {
                ConversationsCommand::List { json } => {
                    let conversations = desk.list_conversations()?;
                    if json {
                        serde_json::to_writer_pretty(&mut stdout, &conversations)
                            .context("writing JSON")?;
                        writeln!(stdout).context("writing to stdout")?;
                    } else {
                        for c in conversations {
                            writeln!(
                                stdout,
                                "{}  {:>4} msgs  {}  ({})",
                                c.id, c.message_count, c.title, c.model
                            )
                            .context("writing to stdout")?;
                        }
                    }
                }
                ConversationsCommand::Show { id, json } => {
                    let view = desk.conversation(&id)?;
                    if json {
                        serde_json::to_writer_pretty(&mut stdout, &view).context("writing JSON")?;
                        writeln!(stdout).context("writing to stdout")?;
                    } else {
                        writeln!(stdout, "# {}", view.conversation.title)
                            .context("writing to stdout")?;
                        for m in view.messages {
                            let demo = if m.demo { " (demo)" } else { "" };
                            writeln!(
                                stdout,
                                "\n[{}{} · {}]\n{}",
                                m.role.as_str(),
                                demo,
                                m.status.as_str(),
                                m.content
                            )
                            .context("writing to stdout")?;
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

/// Words from the command line, or stdin when the only word is `-`.
fn read_argument_text(words: Vec<String>) -> anyhow::Result<String> {
    if words == ["-"] {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading stdin")?;
        Ok(text)
    } else {
        Ok(words.join(" "))
    }
}

async fn chat(
    desk: &Desk,
    model: Option<String>,
    conversation: Option<String>,
    params: Option<desk_core::ChatParams>,
    prompt: Vec<String>,
    json: bool,
) -> Result<(), Failure> {
    let request = SendRequest {
        conversation_id: conversation,
        prompt: read_argument_text(prompt)?,
        model,
        params,
        ..SendRequest::default()
    };
    let mut printer = StreamPrinter::new(json);
    let result = desk
        .send_message(request, |update| printer.show(update))
        .await;
    printer.finish(result)
}

/// `bailian-desk continue MESSAGE_ID`: the rest of a reply that was cut off.
async fn continue_reply(desk: &Desk, message_id: &str) -> Result<(), Failure> {
    let mut printer = StreamPrinter::default();
    let result = desk
        .continue_reply(message_id, |update| printer.show(update))
        .await;
    printer.finish(result)
}

/// Streams a reply's text to stdout as it arrives; its thinking, search sources and retries go
/// to stderr, so `> answer.txt` keeps only the answer. Tool calls are the answer when a reply
/// makes them: they go to stdout, with how to answer them on stderr. With `--json` nothing
/// streams; one JSON object describes the reply at the end.
#[derive(Default)]
struct StreamPrinter {
    write_failed: Option<std::io::Error>,
    /// Reasoning is being printed on stderr and its line is still open.
    thinking: bool,
    json: bool,
    /// What `--json` prints, and what the tool-call hint names.
    reply_id: Option<String>,
    text: String,
    calls: Vec<desk_core::ToolCall>,
    tool_messages: Vec<String>,
    /// How many of the thread's oldest messages the request left out (its context window).
    context_left_out: usize,
    finished: Option<serde_json::Value>,
}

impl StreamPrinter {
    fn new(json: bool) -> Self {
        Self {
            json,
            ..Self::default()
        }
    }

    /// Ends the reasoning's stderr line before anything else is printed.
    fn end_thinking(&mut self) {
        if std::mem::take(&mut self.thinking) {
            let dim_end = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                "\x1b[0m"
            } else {
                ""
            };
            eprintln!("{dim_end}");
        }
    }

    fn show(&mut self, update: StreamUpdate) {
        if !matches!(update, StreamUpdate::Reasoning { .. }) {
            self.end_thinking();
        }
        match update {
            StreamUpdate::Reasoning { text } => {
                let mut stderr = std::io::stderr();
                if !self.thinking {
                    self.thinking = true;
                    // Dimmed on a terminal, labelled everywhere.
                    let dim = if std::io::IsTerminal::is_terminal(&stderr) {
                        "\x1b[2m"
                    } else {
                        ""
                    };
                    let _ = write!(stderr, "{dim}thinking: ");
                }
                let _ = stderr
                    .write_all(text.as_bytes())
                    .and_then(|()| stderr.flush());
            }
            StreamUpdate::SearchSources { sources } => {
                eprintln!("sources:");
                for source in sources {
                    let site = source
                        .site_name
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default();
                    eprintln!("  [{}] {}{site} {}", source.index, source.title, source.url);
                }
            }
            StreamUpdate::ToolCalls { calls } => {
                self.calls = calls;
            }
            StreamUpdate::Delta { text } if self.json => self.text.push_str(&text),
            StreamUpdate::Delta { text } => {
                let mut stdout = std::io::stdout();
                if let Err(e) = stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    self.write_failed.get_or_insert(e);
                }
            }
            StreamUpdate::Retrying {
                attempt,
                delay_ms,
                reason,
            } => {
                eprintln!("retrying (attempt {attempt}) in {delay_ms} ms: {reason}");
            }
            StreamUpdate::Started {
                conversation_id,
                assistant_message,
                tool_messages,
                context_left_out,
                ..
            } => {
                tracing::debug!(%conversation_id, "reply started");
                self.note_context_left_out(context_left_out);
                self.reply_id = Some(assistant_message.id.clone());
                self.tool_messages = tool_messages
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| m.id)
                    .collect();
            }
            StreamUpdate::Resumed {
                conversation_id,
                assistant_message,
                context_left_out,
            } => {
                tracing::debug!(%conversation_id, "reply resumed");
                self.note_context_left_out(context_left_out);
                self.text = assistant_message.content.clone();
                self.reply_id = Some(assistant_message.id.clone());
            }
            StreamUpdate::Finished {
                status,
                usage,
                error,
                cost_cny,
                finish_reason,
            } => {
                self.finished = Some(serde_json::json!({
                    "status": status,
                    "finishReason": finish_reason,
                    "usage": usage,
                    "costCny": cost_cny,
                    "contextLeftOut": self.context_left_out,
                    "error": error.map(|e| serde_json::json!({"code": e.code, "message": e.message})),
                }));
            }
        }
    }

    /// A thread longer than the model's context is sent as its newest messages: said on stderr
    /// (the answer on stdout stays clean), and in `--json`'s object.
    fn note_context_left_out(&mut self, left_out: usize) {
        self.context_left_out = left_out;
        if left_out > 0 && !self.json {
            eprintln!(
                "note: the {left_out} oldest messages of this conversation were not sent: it is longer than the model can read at once"
            );
        }
    }

    /// The tool calls a reply ended with, on stdout, and how to answer them on stderr.
    fn show_calls(&mut self) {
        if self.calls.is_empty() {
            return;
        }
        let mut stdout = std::io::stdout();
        for call in &self.calls {
            if let Err(e) = writeln!(
                stdout,
                "tool call {}: {}({})",
                call.id, call.name, call.arguments
            ) {
                self.write_failed.get_or_insert(e);
            }
        }
        let reply = self.reply_id.as_deref().unwrap_or("MESSAGE_ID");
        let results: Vec<String> = self
            .calls
            .iter()
            .map(|c| format!("--result {}=…", c.id))
            .collect();
        eprintln!(
            "answer with: bailian-desk tool-result --message {reply} {}",
            results.join(" ")
        );
    }

    fn finish(mut self, result: Result<desk_core::SendOutcome, DeskError>) -> Result<(), Failure> {
        if self.json {
            return self.finish_json(result);
        }
        // End the streamed text with a newline even when it broke off, so the error starts a line.
        let _ = writeln!(std::io::stdout());
        self.show_calls();
        if let Some(error) = self.write_failed {
            return Err(anyhow::Error::new(error)
                .context("writing the reply to stdout")
                .into());
        }
        match result {
            Ok(outcome) => {
                eprintln!("conversation {}", outcome.conversation_id);
                if let Some(budget) = &outcome.budget {
                    eprintln!("warning: {}", ledger::describe(budget));
                }
                Ok(())
            }
            Err(error) => {
                report(&error);
                Err(Failure::Reported(Reported))
            }
        }
    }

    /// `--json`: the reply as one object on stdout (also for a reply that failed after it was
    /// stored, with its error); a request refused before anything was stored prints nothing.
    fn finish_json(self, result: Result<desk_core::SendOutcome, DeskError>) -> Result<(), Failure> {
        let conversation_id = result.as_ref().ok().map(|o| o.conversation_id.clone());
        if let Some(reply_id) = &self.reply_id {
            let mut object = serde_json::json!({
                "conversationId": conversation_id,
                "messageId": reply_id,
                "content": self.text,
                "toolCalls": self.calls,
                "toolMessageIds": self.tool_messages,
            });
            if let (Some(map), Some(serde_json::Value::Object(finished))) =
                (object.as_object_mut(), self.finished)
            {
                map.extend(finished);
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&object).context("writing JSON")?
            );
        }
        match result {
            Ok(outcome) => {
                if let Some(budget) = &outcome.budget {
                    eprintln!("warning: {}", ledger::describe(budget));
                }
                Ok(())
            }
            Err(error) => {
                report(&error);
                Err(Failure::Reported(Reported))
            }
        }
    }
}
