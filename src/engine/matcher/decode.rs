//! Decoders for secrets hidden in encodings: base64 runs, string/URL/HTML escapes,
//! and the layers the matcher opens to search again (base64 of base64, of UTF-16 or
//! of gzip; hex).
//!
//! They map decoded offsets back to the source, so a finding is reported where the
//! encoded text is, not where it would be after decoding (a layer: its whole run).

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

/// A base64 run wrapped over lines (MIME at 76 columns, PEM at 64, indented in a YAML
/// block): `run` extended across each line break whose line before is full (40 or
/// more characters, a multiple of 4) and whose next line goes on in base64, with the
/// breaks and indentation dropped. `None` when the run is not wrapped.
pub fn wrapped_base64(hay: &[u8], run: Range<usize>) -> Option<Unescaped> {
    const FULL: usize = 40;
    let full = |segment: &Range<usize>| segment.len() >= FULL && segment.len().is_multiple_of(4);
    // The end of the line break and indentation that start at `at`, if any.
    let line_break = |at: usize| -> Option<usize> {
        let mut i = at;
        if hay.get(i) == Some(&b'\r') {
            i += 1;
        }
        (hay.get(i) == Some(&b'\n')).then(|| {
            i += 1;
            i + hay[i..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count()
        })
    };
    let mut segments = vec![run.clone()];
    // Backwards: the lines before, while each is full and ends where this one's
    // break begins.
    let mut first = run.start;
    while segments.len() < 4096 {
        let indent = hay[..first]
            .iter()
            .rev()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let mut at = first - indent;
        if at == 0 || hay[at - 1] != b'\n' {
            break;
        }
        at -= 1;
        if at > 0 && hay[at - 1] == b'\r' {
            at -= 1;
        }
        let len = hay[..at].iter().rev().take_while(|&&b| is_base64_byte(b)).count();
        let previous = at - len..at;
        if !full(&previous) {
            break;
        }
        segments.insert(0, previous.clone());
        first = previous.start;
    }
    // Forwards: while the last line is full and the next goes on in base64.
    while segments.len() < 4096 {
        let last = segments.last().expect("one segment at least").clone();
        if !full(&last) || hay[last.end - 1] == b'=' {
            break;
        }
        let Some(next) = line_break(last.end) else { break };
        let len = hay[next..].iter().take_while(|&&b| is_base64_byte(b)).count();
        if len == 0 {
            break;
        }
        let mut end = next + len;
        while hay.get(end) == Some(&b'=') {
            end += 1;
        }
        // A continuation is a whole line of base64 (`next: 1` is YAML, not data).
        if !matches!(hay.get(end), None | Some(b'\r' | b'\n')) {
            break;
        }
        segments.push(next..end);
        if hay[end - 1] == b'=' {
            break; // padding ends the data
        }
    }
    if segments.len() == 1 {
        return None;
    }
    let mut bytes = Vec::new();
    let mut source = Vec::new();
    for segment in &segments {
        bytes.extend_from_slice(&hay[segment.clone()]);
        source.extend(segment.clone());
    }
    source.push(segments.last().expect("one segment at least").end);
    Some(Unescaped { bytes, source })
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

/// An HTML/XML numeric character reference at the start of `text` (`&#95;`,
/// `&#x5f;`): the character and the reference's length.
fn char_reference(text: &[u8]) -> Option<(char, usize)> {
    let rest = text.strip_prefix(b"&#")?;
    let (digits, radix, skip) = match rest.first() {
        Some(b'x' | b'X') => (&rest[1..], 16, 3),
        _ => (rest, 10, 2),
    };
    let len = digits.iter().take(8).take_while(|b| b.is_ascii_hexdigit()).count();
    if len == 0 || digits.get(len) != Some(&b';') {
        return None;
    }
    let value = u32::from_str_radix(std::str::from_utf8(&digits[..len]).ok()?, radix).ok()?;
    Some((char::from_u32(value)?, skip + len + 1))
}

/// Resolves `%XX`, `\xXX`, `\uXXXX`, `\/` and `&#NN;`/`&#xHH;` in `hay[range]`. Returns `None` when the
/// range holds no escape, so callers skip text the plain matcher already covers.
pub fn unescape(hay: &[u8], range: Range<usize>) -> Option<Unescaped> {
    rewrite(hay, range, |text, i| {
        let decoded = match text[i] {
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
            b'&' => char_reference(&text[i..]),
            _ => None,
        };
        decoded.map(|(c, len)| (Some(c), len))
    })
}

/// `hay[range]` rewritten where `step(text, i)` says: `Some((c, len))` replaces the
/// `len` bytes at `i` with `c` (or with nothing when `c` is `None`); every byte that
/// comes out records the source offset it came from. `None` when nothing was replaced.
fn rewrite(
    hay: &[u8],
    range: Range<usize>,
    step: impl Fn(&[u8], usize) -> Option<(Option<char>, usize)>,
) -> Option<Unescaped> {
    let text = &hay[range.clone()];
    let mut bytes = Vec::with_capacity(text.len());
    let mut source = Vec::with_capacity(text.len() + 1);
    let mut changed = false;
    let mut i = 0;
    while i < text.len() {
        match step(text, i) {
            Some((replacement, len)) => {
                let mut buf = [0u8; 4];
                for &b in replacement.map_or(&[][..], |c| c.encode_utf8(&mut buf).as_bytes()) {
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

/// `hay[range]` with string literals that continue one another joined: `"ab" + "cd"`
/// (Java, JavaScript, C#; `.` in PHP, `&` in VB, `..` in Lua, `||` in SQL), `"ab" "cd"`
/// (C and Python implicit concatenation), each across lines too, and a backslash
/// line continuation with the next line's indentation (Java `.properties`, YAML
/// double-quoted scalars, shell). `None` when nothing was joined. A join needs the
/// same quote on both sides, so an argument list (`"a", "b"`) is never joined.
pub fn join_literals(hay: &[u8], range: Range<usize>) -> Option<Unescaped> {
    rewrite(hay, range, |text, i| joiner_at(text, i).map(|len| (None, len)))
}

/// The length of the joiner that starts at `text[at]`: from a closing quote to the
/// next literal's opening one (both dropped), or a backslash, line break and
/// indentation.
fn joiner_at(text: &[u8], at: usize) -> Option<usize> {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    match text[at] {
        b'\\' => {
            let mut end = at + 1;
            if text.get(end) == Some(&b'\r') {
                end += 1;
            }
            if text.get(end) != Some(&b'\n') {
                return None;
            }
            end += 1;
            end += text[end..].iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
            Some(end - at)
        }
        quote @ (b'"' | b'\'') => {
            let mut end = at + 1;
            end += text[end..].iter().take_while(|b| blank(b)).count();
            for operator in [&b"||"[..], b"..", b"+", b".", b"&"] {
                if text[end..].starts_with(operator) {
                    end += operator.len();
                    break;
                }
            }
            end += text[end..].iter().take_while(|b| blank(b)).count();
            // Something must sit between the literals, and the next one open with the
            // same quote: `""` alone is an empty string, not a join.
            (end > at + 1 && text.get(end) == Some(&quote)).then_some(end + 1 - at)
        }
        _ => None,
    }
}

/// A layer opened: what it holds, the source span it was written at, and the
/// encodings it went through, outermost first.
pub struct Opened {
    pub span: Range<usize>,
    pub bytes: Vec<u8>,
    pub chain: Vec<crate::model::Encoding>,
}

/// The base64 run around `at` (a hit of a layer pattern), decoded; then inflated if
/// it is gzip, or transcoded if it is UTF-16LE text. At most `limit` bytes come out.
pub fn open_base64_layer(hay: &[u8], at: usize, limit: usize) -> Option<Opened> {
    use crate::model::Encoding;
    // A layer may be long (a Helm release): the run is followed further than a
    // key's window, up to what `limit` bytes of output take.
    let floor = at.saturating_sub(MAX_RUN_SIDE);
    let mut start = at;
    while start > floor && is_base64_byte(hay[start - 1]) {
        start -= 1;
    }
    let ceil = at.saturating_add(limit / 3 * 4).min(hay.len());
    let mut end = at;
    while end < ceil && is_base64_byte(hay[end]) {
        end += 1;
    }
    while end < hay.len() && hay[end] == b'=' {
        end += 1;
    }
    let (decoded, _) = (0..4).find_map(|skip| decode_base64(hay, start..end, skip))?;
    let span = start..end;
    if decoded.starts_with(&[0x1f, 0x8b, 8]) {
        let inflated = inflate_gzip(&decoded, limit);
        return Some(Opened {
            span,
            bytes: inflated,
            chain: vec![Encoding::Base64, Encoding::Gzip],
        });
    }
    let probe = &decoded[..decoded.len().min(64) & !1];
    if probe.len() >= 16 && probe.chunks_exact(2).all(|pair| pair[1] == 0 && pair[0] != 0) {
        let units = decoded.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        let text: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        return Some(Opened {
            span,
            bytes: text.into_bytes(),
            chain: vec![Encoding::Base64, Encoding::Utf16],
        });
    }
    Some(Opened {
        span,
        bytes: decoded,
        chain: vec![Encoding::Base64],
    })
}

/// As much of a gzip stream as inflates, up to `limit` bytes: a stream cut short (a
/// run cut at its limit) still gives its beginning.
fn inflate_gzip(data: &[u8], limit: usize) -> Vec<u8> {
    use std::io::Read;
    let mut decoder = flate2::read::MultiGzDecoder::new(data);
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while out.len() < limit {
        match decoder.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n.min(limit - out.len())]),
        }
    }
    out
}

/// The run of hexadecimal digits around `at` (a keyword's hex), decoded from the
/// alignment of `at`: two digits per byte.
pub fn open_hex_layer(hay: &[u8], at: usize, limit: usize) -> Option<Opened> {
    let floor = at.saturating_sub(MAX_RUN_SIDE);
    let mut start = at;
    while start > floor && hay[start - 1].is_ascii_hexdigit() {
        start -= 1;
    }
    // Pairs are counted from the hit: an odd digit before it belongs to something else.
    start += (at - start) % 2;
    let ceil = at.saturating_add(limit * 2).min(hay.len());
    let mut end = at;
    while end < ceil && hay[end].is_ascii_hexdigit() {
        end += 1;
    }
    end -= (end - start) % 2;
    let bytes: Vec<u8> = hay[start..end]
        .chunks_exact(2)
        .map(|pair| (hex(pair[0]).unwrap_or(0) * 16 + hex(pair[1]).unwrap_or(0)) as u8)
        .collect();
    Some(Opened {
        span: start..end,
        bytes,
        chain: vec![crate::model::Encoding::Hex],
    })
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
    fn wrapped_base64_joins_full_lines_only() {
        let encoded = general_purpose::STANDARD.encode([b'x'; 100]);
        let (a, b) = encoded.split_at(76);
        let hay = format!("data:\n  {a}\n  {b}\nnext: 1\n");
        let at = hay.find(b).unwrap() + 2;
        let run = base64_run(hay.as_bytes(), at);
        let w = wrapped_base64(hay.as_bytes(), run).unwrap();
        assert_eq!(w.bytes, encoded.as_bytes());
        assert_eq!(w.source[0], hay.find(a).unwrap());
        assert_eq!(w.source[76], hay.find(b).unwrap());
        // A short line before a break is not wrapping: `a: b` then `c`.
        let hay = b"short\nline";
        assert!(wrapped_base64(hay, base64_run(hay, 7)).is_none());
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
    fn html_character_references_decode() {
        let hay = b"k=wayscloud&#95;a&#x5F;b&#X5f;c &amp; &#;";
        let u = unescape(hay, 0..hay.len()).unwrap();
        assert_eq!(u.bytes, b"k=wayscloud_a_b_c &amp; &#;");
        assert_eq!(u.source[11], 11); // the first '_' starts at its '&'
    }

    #[test]
    fn base64_layers_open_gzip_and_utf16() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"{\"k\": \"v\"}").unwrap();
        let encoded = general_purpose::STANDARD.encode(gz.finish().unwrap());
        let hay = format!("release: {encoded}\n");
        let opened = open_base64_layer(hay.as_bytes(), 9, 1 << 20).unwrap();
        assert_eq!(opened.bytes, b"{\"k\": \"v\"}");
        assert_eq!(opened.span, 9..9 + encoded.len());
        let utf16: Vec<u8> = "Set-Item -Value secretvalue"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let encoded = general_purpose::STANDARD.encode(utf16);
        let opened = open_base64_layer(encoded.as_bytes(), 5, 1 << 20).unwrap();
        assert_eq!(opened.bytes, b"Set-Item -Value secretvalue");
        assert_eq!(opened.chain.len(), 2);
    }

    #[test]
    fn hex_layers_decode_from_the_hit_alignment() {
        let hay = b"x 0a776179 z";
        let opened = open_hex_layer(hay, 4, 1 << 20).unwrap();
        assert_eq!(opened.bytes, b"\nway");
        assert_eq!(opened.span, 2..10);
        let odd = b"a776179";
        assert_eq!(open_hex_layer(odd, 1, 1 << 20).unwrap().bytes, b"way");
    }

    #[test]
    fn literals_join_across_operators_lines_and_continuations() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"k = \"wayscloud_\" + \"rest\";", b"k = \"wayscloud_rest\";"),
            (b"k = ('wayscloud_'\n     'rest')", b"k = ('wayscloud_rest')"),
            (b"$k = \"a\" . \"b\";", b"$k = \"ab\";"),
            (b"key=wayscloud_\\\n    rest\n", b"key=wayscloud_rest\n"),
            (b"k: \"wayscloud_\\\r\n  rest\"", b"k: \"wayscloud_rest\""),
            (b"select 'a' || 'b'", b"select 'ab'"),
        ];
        for (text, joined) in cases {
            let j = join_literals(text, 0..text.len()).unwrap();
            assert_eq!(String::from_utf8_lossy(&j.bytes), String::from_utf8_lossy(joined));
        }
        assert!(join_literals(b"f(\"a\", \"b\") and \"\"", 0..17).is_none());
    }

    #[test]
    fn unescape_without_escapes_is_none() {
        assert!(unescape(b"plain text 100%", 0..15).is_none());
    }
}
