//! `transcribe --live [--sample-rate 16000] [FILE|-]`: real-time recognition of audio as it is
//! recorded, e.g. `arecord -f S16_LE -r 16000 -c 1 -t raw | bailian-desk transcribe --live -`.
//! Partial lines go to stderr, each settled sentence to stdout as it comes (`--json`: the whole
//! transcript at the end instead). Ctrl-C ends the audio and still prints what was heard.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use desk_core::{Desk, LiveTranscriptEvent};

use crate::Failure;

/// Where the audio comes from, and at what rate.
fn source(file: Option<PathBuf>, sample_rate: u32) -> Result<(u32, Box<dyn Read + Send>), Failure> {
    let path = file.unwrap_or_else(|| PathBuf::from("-"));
    if path == Path::new("-") {
        return Ok((sample_rate, Box::new(std::io::stdin())));
    }
    let mut reader =
        std::fs::File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let mut head = Vec::with_capacity(12);
    (&mut reader)
        .take(12)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WAVE") {
        // A WAV file carries its own rate; the PCM inside is what is pushed.
        let mut bytes = head;
        reader
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        let (rate, pcm) = desk_core::speech::wav_pcm(&path, bytes)?;
        return Ok((rate, Box::new(std::io::Cursor::new(pcm))));
    }
    Ok((
        sample_rate,
        Box::new(std::io::Cursor::new(head).chain(reader)),
    ))
}

pub async fn transcribe(
    desk: &Desk,
    file: Option<PathBuf>,
    sample_rate: u32,
    languages: Vec<String>,
    json: bool,
) -> Result<(), Failure> {
    let (rate, mut reader) = source(file, sample_rate)?;
    let session = desk
        .start_live_transcription(rate, languages, move |event| match event {
            LiveTranscriptEvent::Partial { text, .. } => eprintln!("  … {text}"),
            LiveTranscriptEvent::Sentence { sentence } if json => {
                eprintln!("  [{:>6} ms] {}", sentence.begin_ms, sentence.text);
            }
            LiveTranscriptEvent::Sentence { sentence } => {
                let mut stdout = std::io::stdout().lock();
                // A closed stdout (`| head`) is not a reason to stop listening.
                drop(writeln!(stdout, "{}", sentence.text));
                drop(stdout.flush());
            }
            // `finish` returns the same error, which is reported once, with its advice.
            LiveTranscriptEvent::Failed { .. } => {}
        })
        .await?;
    eprintln!("listening at {rate} Hz; end the audio (or press Ctrl-C) to finish…");
    // Reading blocks, so it has its own thread; 100 ms pieces, as a microphone sends them.
    let piece = usize::try_from(rate / 10 * 2).unwrap_or(3_200);
    let (pieces, mut audio) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(8);
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; piece];
        loop {
            match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    if pieces.blocking_send(Ok(buffer[..n].to_vec())).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    drop(pieces.blocking_send(Err(e)));
                    break;
                }
            }
        }
    });
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    // A pipe may split a 16-bit sample between two reads: its first byte waits for the second.
    let mut carry: Option<u8> = None;
    loop {
        let bytes = tokio::select! {
            read = audio.recv() => match read {
                None => break,
                Some(Ok(bytes)) => bytes,
                Some(Err(error)) => {
                    session.cancel();
                    return Err(anyhow::Error::new(error).context("reading the audio").into());
                }
            },
            _ = &mut stop => {
                eprintln!("stopping…");
                break;
            }
        };
        let mut aligned = Vec::with_capacity(bytes.len() + 1);
        aligned.extend(carry.take());
        aligned.extend_from_slice(&bytes);
        if !aligned.len().is_multiple_of(2) {
            carry = aligned.pop();
        }
        // A refused piece means the session ended; `finish` says why.
        if session.push_wait(&aligned).await.is_err() {
            break;
        }
    }
    let transcript = session.finish().await?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&transcript).context("writing JSON")?
        );
    } else if transcript.sentences.is_empty() {
        eprintln!("nothing was recognised");
    }
    Ok(())
}
