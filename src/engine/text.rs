//! Deciding how to read a file's bytes: as text, as UTF-16 text to transcode, or as
//! binary to skip.

use std::borrow::Cow;

/// How many leading bytes the binary test looks at; git looks at the same 8000.
const BINARY_PROBE: usize = 8000;

/// The bytes to scan, or `None` for a binary file. Text in any 8-bit encoding is
/// scanned as it is. UTF-16 files with a byte order mark (Windows tools write them:
/// .reg exports, PowerShell, resource files) are transcoded to UTF-8 so their keys are
/// found: ASCII in UTF-16 always has NUL bytes, which tells them from a Latin-1 file
/// that merely starts with the bytes of a byte order mark.
pub fn text(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_PROBE)]).is_none() {
        return Some(Cow::Borrowed(bytes));
    }
    match bytes {
        [0xFF, 0xFE, rest @ ..] => Some(Cow::Owned(utf16(rest, u16::from_le_bytes))),
        [0xFE, 0xFF, rest @ ..] => Some(Cow::Owned(utf16(rest, u16::from_be_bytes))),
        _ => None,
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_invalid_utf8_text_is_scanned_as_is() {
        assert_eq!(text(b"key = 1\n").unwrap(), &b"key = 1\n"[..]);
        assert_eq!(text(b"caf\xe9 latin-1").unwrap(), &b"caf\xe9 latin-1"[..]);
    }

    #[test]
    fn nul_in_the_probe_means_binary() {
        assert!(text(b"\x89PNG\r\n\x1a\n\0\0\0").is_none());
        let mut late = vec![b'a'; BINARY_PROBE];
        late.push(0);
        assert!(
            text(&late).is_some(),
            "a NUL past the probe does not make a file binary"
        );
    }

    #[test]
    fn utf16_with_bom_is_transcoded() {
        let mut le = vec![0xFF, 0xFE];
        le.extend("k=v\n".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(text(&le).unwrap(), &b"k=v\n"[..]);
        let mut be = vec![0xFE, 0xFF];
        be.extend("k=v".encode_utf16().flat_map(|u| u.to_be_bytes()));
        assert_eq!(text(&be).unwrap(), &b"k=v"[..]);
    }

    #[test]
    fn latin1_that_starts_like_a_bom_is_not_transcoded() {
        assert_eq!(text(b"\xff\xfe caf\xe9").unwrap(), &b"\xff\xfe caf\xe9"[..]);
    }
}
