//! Local images and video frames as inputs to vision models: checked, then sent inline as
//! `data:` URIs, so nothing has to be uploaded to a public URL first.

use std::path::Path;

use base64::Engine;

use crate::error::{Error, Result};

/// DashScope refuses inline images above about 10 MB; refusing here costs nothing.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;

/// The MIME type of an image DashScope's vision models accept, from its first bytes (the
/// extension can lie).
pub fn sniff_image_mime(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        [b'B', b'M', ..] => Some("image/bmp"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        _ => None,
    }
}

/// An image file as a `data:` URI for a message's `images`.
pub fn image_data_uri(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::InvalidRequest(format!("cannot read {}: {e}", path.display())))?;
    image_bytes_data_uri(&bytes).map_err(|e| match e {
        Error::InvalidRequest(reason) => {
            Error::InvalidRequest(format!("{}: {reason}", path.display()))
        }
        other => other,
    })
}

pub fn image_bytes_data_uri(bytes: &[u8]) -> Result<String> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Error::InvalidRequest(format!(
            "the image is {} MB; vision models accept at most {} MB",
            bytes.len() / (1024 * 1024),
            MAX_IMAGE_BYTES / (1024 * 1024)
        )));
    }
    let mime = sniff_image_mime(bytes)
        .ok_or_else(|| Error::InvalidRequest("not a PNG, JPEG, WebP, BMP or GIF image".into()))?;
    Ok(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_sniffed_and_bounded() {
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        assert!(
            image_bytes_data_uri(&png)
                .expect("png")
                .starts_with("data:image/png;base64,iVBORw0KGgo")
        );
        assert!(image_bytes_data_uri(b"%PDF-1.7").is_err(), "not an image");
        let mut huge = vec![0xFF, 0xD8, 0xFF];
        huge.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(image_bytes_data_uri(&huge).is_err(), "too large");
    }
}
