//! Meetings (Tingwu), transcription by URL (stored jobs) and reading a reply aloud while it
//! streams: progress on stderr, results on stdout (`--json` for scripts).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use desk_core::{Desk, Meeting, MeetingRecord, SendRequest, TranscriptionJob};

use crate::{Failure, Reported, StreamPrinter, report};

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).context("writing JSON")?
    );
    Ok(())
}

/// `mm:ss` (or `h:mm:ss`) of a position in a recording.
fn clock(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

fn progress(record: &MeetingRecord) {
    eprintln!("meeting {}: {}", record.id, record.status);
}

fn print_meeting(meeting: &Meeting) {
    let record = &meeting.record;
    println!("{} {} {}", record.id, record.status, record.file_url);
    if let Some(code) = &record.error_code {
        println!(
            "  failed: {code} {} {}",
            record.dashscope_code.as_deref().unwrap_or(""),
            record.error_message.as_deref().unwrap_or("")
        );
    }
    if let Some(summary) = &record.summary {
        println!("\nSummary\n  {summary}");
    }
    if !record.keywords.is_empty() {
        println!("\nKeywords\n  {}", record.keywords.join(", "));
    }
    if !meeting.chapters.is_empty() {
        println!("\nChapters");
        for chapter in &meeting.chapters {
            println!("  [{}] {}", clock(chapter.begin_ms), chapter.title);
            if let Some(summary) = &chapter.summary {
                println!("         {summary}");
            }
        }
    }
    if !meeting.actions.is_empty() {
        println!("\nAction items");
        for action in &meeting.actions {
            match action.begin_ms {
                Some(ms) => println!("  - [{}] {}", clock(ms), action.text),
                None => println!("  - {}", action.text),
            }
        }
    }
    if !meeting.sentences.is_empty() {
        println!("\nTranscript");
        for sentence in &meeting.sentences {
            let speaker = sentence
                .speaker
                .as_deref()
                .map(|s| format!(" speaker {s}:"))
                .unwrap_or_default();
            println!(
                "  [{}]{speaker} {}",
                clock(sentence.begin_ms),
                sentence.text
            );
        }
    }
}

/// `meeting URL` (or `meeting --resume`).
pub async fn meeting(
    desk: &Desk,
    url: Option<String>,
    resume: bool,
    json: bool,
) -> Result<(), Failure> {
    let meetings = match (resume, url) {
        (true, _) => desk.resume_meetings(progress).await?,
        (false, Some(url)) => {
            eprintln!("sending {url} to Tingwu…");
            vec![desk.transcribe_meeting(&url, progress).await?]
        }
        (false, None) => {
            return Err(anyhow::anyhow!("give the recording's URL, or --resume").into());
        }
    };
    if json {
        return print_json(&meetings);
    }
    if meetings.is_empty() {
        eprintln!("no unfinished meetings");
    }
    for meeting in &meetings {
        print_meeting(meeting);
    }
    Ok(())
}

/// `meetings [ID]`: the stored meetings, or one in full.
pub fn meetings(desk: &Desk, id: Option<String>, limit: usize, json: bool) -> Result<(), Failure> {
    if let Some(id) = id {
        let meeting = desk.meeting(&id)?;
        if json {
            return print_json(&meeting);
        }
        print_meeting(&meeting);
        return Ok(());
    }
    let records = desk.meetings(limit)?;
    if json {
        return print_json(&records);
    }
    for record in records {
        let summary: String = record
            .summary
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        println!(
            "{}  {:<10} {:>4} sentences  {}  {summary}",
            record.id, record.status, record.sentence_count, record.file_url
        );
    }
    Ok(())
}

fn job_progress(job: &TranscriptionJob) {
    match &job.task_id {
        Some(task) => eprintln!(
            "transcription {}: {} (task {task})",
            job.id,
            job.status.as_str()
        ),
        None => eprintln!("transcription {}: {}", job.id, job.status.as_str()),
    }
}

fn print_job(job: &TranscriptionJob) {
    println!("{} {} {}", job.id, job.status.as_str(), job.file_url);
    if let Some(error) = job.error() {
        println!(
            "  failed: {} {} {}",
            error.code.as_str(),
            error.dashscope_code.as_deref().unwrap_or(""),
            error.message
        );
    }
    if let Some(transcript) = &job.transcript {
        for sentence in &transcript.sentences {
            println!("  [{}] {}", clock(millis(sentence.begin_ms)), sentence.text);
        }
    }
}

fn millis(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}

/// `transcribe --url URL`: a recording Bailian downloads itself, kept as a job (its id and each
/// change on stderr). A job that failed is printed (`--json`) and its error reported.
pub async fn transcribe_url(
    desk: &Desk,
    url: &str,
    model: Option<&str>,
    languages: Vec<String>,
    json: bool,
) -> Result<(), Failure> {
    eprintln!("transcribing {url}…");
    let job = desk
        .transcribe_url_with(url, model, languages, job_progress)
        .await?;
    if json {
        print_json(&job)?;
    }
    if let Some(error) = job.error() {
        report(&error);
        return Err(Failure::Reported(Reported));
    }
    if !json && let Some(transcript) = &job.transcript {
        for sentence in &transcript.sentences {
            eprintln!("  [{:>6} ms] {}", sentence.begin_ms, sentence.text);
        }
        println!("{}", transcript.text);
    }
    Ok(())
}

/// `transcriptions`: the stored jobs, newest first.
pub fn transcriptions(desk: &Desk, limit: usize, json: bool) -> Result<(), Failure> {
    let jobs = desk.list_transcriptions(limit)?;
    if json {
        return print_json(&jobs);
    }
    for job in jobs {
        let detail: String = match (&job.transcript, job.error()) {
            (Some(transcript), _) => transcript.text.chars().take(60).collect(),
            (None, Some(error)) => format!("[{}] {}", error.code.as_str(), error.message),
            (None, None) => String::new(),
        };
        println!(
            "{}  {:<9} {}  {detail}",
            job.id,
            job.status.as_str(),
            job.file_url
        );
    }
    Ok(())
}

/// `transcriptions resume`: follows the jobs an earlier run left unfinished.
pub async fn resume_transcriptions(desk: &Desk, json: bool) -> Result<(), Failure> {
    let jobs = desk.resume_transcriptions(job_progress).await?;
    if json {
        return print_json(&jobs);
    }
    if jobs.is_empty() {
        eprintln!("no unfinished transcriptions");
    }
    for job in &jobs {
        print_job(job);
    }
    Ok(())
}

/// `transcriptions delete ID`.
pub fn delete_transcription(desk: &Desk, id: &str) -> Result<(), Failure> {
    desk.delete_transcription(id)?;
    eprintln!("transcription {id} deleted");
    Ok(())
}

/// The audio format a file's extension asks for; MP3 otherwise.
fn format_of(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("wav") => "wav",
        Some("pcm" | "raw") => "pcm",
        _ => "mp3",
    }
}

/// `chat --read-aloud FILE`: the reply on stdout as usual, and its audio written to FILE while it
/// streams (CosyVoice reads each piece as it arrives).
pub async fn chat_read_aloud(
    desk: &Desk,
    request: SendRequest,
    out: &PathBuf,
    voice: Option<&str>,
) -> Result<(), Failure> {
    let mut file =
        std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut write_failed: Option<std::io::Error> = None;
    let mut printer = StreamPrinter::default();
    let result = desk
        .send_message_read_aloud(
            request,
            voice,
            format_of(out),
            |update| printer.show(update),
            |audio| {
                if write_failed.is_none()
                    && let Err(e) = file.write_all(audio)
                {
                    write_failed = Some(e);
                }
            },
        )
        .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => return printer.finish(Err(error)),
    };
    printer.finish(Ok(outcome.reply.clone()))?;
    if let Some(error) = write_failed {
        return Err(anyhow::Error::new(error)
            .context(format!("writing {}", out.display()))
            .into());
    }
    file.flush()
        .with_context(|| format!("writing {}", out.display()))?;
    match (outcome.speech, outcome.speech_error) {
        (Some(speech), _) => {
            eprintln!(
                "{} bytes of {} audio written to {}",
                speech.audio_bytes,
                speech.format,
                out.display()
            );
            Ok(())
        }
        (None, Some(error)) => {
            eprintln!("the reply is stored, but reading it aloud failed:");
            report(&error);
            Err(Failure::Reported(Reported))
        }
        (None, None) => Ok(()),
    }
}
