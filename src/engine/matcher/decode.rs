//! Decoders for secrets hidden in encodings: base64 runs and string/URL escapes.
//!
//! Both map decoded offsets back to the source, so a finding is reported where the
//! encoded text is, not where it would be after decoding.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use std::ops::Range;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// The longest base64 run looked at around one hit, each side. Longer runs (inline
/// images, certificates) are cut: a key's few dozen bytes are near the hit anyway.
const MAX_RUN_SIDE: usize = 64 * 1024;

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// The base64 run around `at`, trailing `=` padding included.
pub fn base64_run(hay: &[u8], at: usize) -> Range<usize> {
    let floor = at.saturating_sub(MAX_RUN_SIDE);
    let mut start = at;
    while start > floor && is_base64_byte(hay[start - 1]) {
        start -= 1;
    }
    let ceil = (at + MAX_RUN_SIDE).min(hay.len());
    let mut end = at;
    while end < ceil && is_base64_byte(hay[end]) {
        end += 1;
    }
    while end < hay.len() && end - at < MAX_RUN_SIDE && hay[end] == b'=' {
        end += 1;
    }
    start..end
}

/// Decodes `run` starting `skip` bytes in (the run may begin with bytes that are not
/// part of the encoding, such as an identifier glued to it). Returns the decoded bytes
/// and the source offset where decoding started.
pub fn decode_base64(hay: &[u8], run: Range<usize>, skip: usize) -> Option<(Vec<u8>, usize)> {
    let start = run.start + skip;
    let mut text = hay.get(start..run.end)?;
    while let [rest @ .., b'='] = text {
        text = rest;
    }
    // A lone trailing character carries fewer than 8 bits: drop it.
    if text.len() % 4 == 1 {
        text = &text[..text.len() - 1];
    }
    if text.len() < 4 {
        return None;
    }
    let url_safe = text.iter().any(|&b| b == b'-' || b == b'_');
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine.decode(text).ok().map(|bytes| (bytes, start))
}

/// Source offset of decoded byte `decoded` when decoding started at `origin`.
pub fn base64_source_offset(origin: usize, decoded: usize) -> usize {
    origin + decoded * 4 / 3
}

/// Source offset just past decoded byte `decoded_end - 1`.
pub fn base64_source_end(origin: usize, decoded_end: usize) -> usize {
    origin + (decoded_end * 4).div_ceil(3)
}

/// Text with escapes resolved, and for every decoded byte the source offset it came
/// from (plus one entry for the end).
pub struct Unescaped {
    pub bytes: Vec<u8>,
    pub source: Vec<usize>,
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &b| Some(acc * 16 + hex(b)?))
}

/// Resolves `%XX`, `\xXX`, `\uXXXX` and `\/` in `hay[range]`. Returns `None` when the
/// range holds no escape, so callers skip text the plain matcher already covers.
pub fn unescape(hay: &[u8], range: Range<usize>) -> Option<Unescaped> {
    let text = &hay[range.clone()];
    let mut bytes = Vec::with_capacity(text.len());
    let mut source = Vec::with_capacity(text.len() + 1);
    let mut changed = false;
    let mut i = 0;
    while i < text.len() {
        let decoded: Option<(char, usize)> = match text[i] {
            b'%' => text
                .get(i + 1..i + 3)
                .and_then(hex_value)
                .map(|v| (char::from(v as u8), 3)),
            b'\\' => match text.get(i + 1) {
                Some(b'x') => text
                    .get(i + 2..i + 4)
                    .and_then(hex_value)
                    .map(|v| (char::from(v as u8), 4)),
                Some(b'u') => text
                    .get(i + 2..i + 6)
                    .and_then(hex_value)
                    .and_then(char::from_u32)
                    .map(|c| (c, 6)),
                Some(b'/') => Some(('/', 2)),
                _ => None,
            },
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                let mut buf = [0u8; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    bytes.push(b);
                    source.push(range.start + i);
                }
                changed = true;
                i += len;
            }
            None => {
                bytes.push(text[i]);
                source.push(range.start + i);
                i += 1;
            }
        }
    }
    source.push(range.end);
    changed.then_some(Unescaped { bytes, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose;

    #[test]
    fn base64_round_trip_maps_offsets() {
        let secret = b"prefix wayscloud_x";
        let encoded = general_purpose::STANDARD.encode(secret);
        let hay = format!("data: {encoded}\n");
        let at = hay.find(&encoded[4..8]).unwrap();
        let run = base64_run(hay.as_bytes(), at);
        assert_eq!(&hay[run.clone()], encoded);
        let (decoded, origin) = decode_base64(hay.as_bytes(), run, 0).unwrap();
        assert_eq!(decoded, secret);
        assert_eq!(base64_source_offset(origin, 0), 6);
        assert_eq!(
            base64_source_end(origin, decoded.len()),
            6 + encoded.trim_end_matches('=').len()
        );
    }

    #[test]
    fn base64_skip_realigns_after_glued_prefix() {
        let encoded = general_purpose::STANDARD.encode(b"wayscloud_key_material");
        let hay = format!("abc{encoded}");
        let run = base64_run(hay.as_bytes(), 5);
        assert_eq!(run, 0..hay.len());
        let (decoded, _) = decode_base64(hay.as_bytes(), run, 3).unwrap();
        assert_eq!(decoded, b"wayscloud_key_material");
    }

    #[test]
    fn url_safe_base64_decodes() {
        let raw = [0xfbu8, 0xff, 0xbf, b'w', b'a', b'y'];
        let encoded = general_purpose::URL_SAFE.encode(raw);
        assert!(encoded.contains('-') || encoded.contains('_'));
        let (decoded, _) = decode_base64(encoded.as_bytes(), 0..encoded.len(), 0).unwrap();
        assert_eq!(decoded, raw);
    }

    #[test]
    fn unescape_maps_each_byte_to_its_source() {
        let hay = br#"x="a%5Fb\u005fc\x5Fd\/e""#;
        let u = unescape(hay, 0..hay.len()).unwrap();
        assert_eq!(u.bytes, br#"x="a_b_c_d/e""#);
        assert_eq!(u.source[4], 4); // the '_' decoded from %5F starts at the '%'
        assert_eq!(u.source[5], 7); // 'b' follows the 3-byte escape
        assert_eq!(*u.source.last().unwrap(), hay.len());
    }

    #[test]
    fn unescape_without_escapes_is_none() {
        assert!(unescape(b"plain text 100%", 0..15).is_none());
    }
}
