//! Audio the emulator "speaks": a quiet 440 Hz tone as 16-bit mono PCM, and WAV headers.

/// `ms` milliseconds of tone at `sample_rate`, 16-bit little-endian mono.
pub(crate) fn tone(sample_rate: u32, ms: u64) -> Vec<u8> {
    let samples = u64::from(sample_rate) * ms / 1000;
    (0..samples)
        .flat_map(|i| {
            let phase = (i as f64) * 440.0 * std::f64::consts::TAU / f64::from(sample_rate);
            ((phase.sin() * 2_000.0) as i16).to_le_bytes()
        })
        .collect()
}

/// A 44-byte header for 16-bit mono PCM. With no length (a stream whose length is unknown when
/// the header goes out) both size fields hold the streaming placeholder `0xFFFFFFFF`, which is what
/// streaming TTS services send; readers take the data up to the end of the stream.
pub(crate) fn wav_header(sample_rate: u32, data_len: Option<u32>) -> Vec<u8> {
    let riff_len = data_len.map_or(u32::MAX, |len| len.saturating_add(36));
    let mut out = Vec::with_capacity(44);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&riff_len.to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&sample_rate.to_le_bytes());
    out.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.unwrap_or(u32::MAX).to_le_bytes());
    out
}
