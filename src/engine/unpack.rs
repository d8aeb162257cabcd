//! What a file's bytes hold for the matcher. Text is scanned as it is (UTF-16
//! transcoded). Archives (the zip family: jar, war, docx, xlsx; tar) are opened and
//! each member scanned at `outer.zip!inner/path`; compressed streams (gzip, bzip2,
//! xz, zstd) are inflated in place, so `app.tar.gz!etc/app.conf` and `dump.sql.gz`
//! read as their contents do. Containers nest up to a depth. Any other binary file is
//! scanned for its runs of text, as `strings` finds them (8 or more printable
//! characters, ASCII or UTF-16LE): a key in a SQLite row, a log that starts with NUL
//! bytes, a compiled-in token.
//!
//! Opening a container costs what its members expand to, which an attacker chooses:
//! every file has a budget of expanded bytes, each member the file size limit, and a
//! member that expands more than a ratio (a zip bomb's layers do ~1000:1) is dropped.
//! What a limit stopped is a skip (`archive-limit`), counted like the others.
//!
//! Pure: bytes in, pieces out; the sources and the history scan decide what a piece's
//! place is called.

use crate::model::SkipReason;
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// What opening containers may cost, for one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest member (or inflated stream) scanned: the file size limit.
    pub max_member: u64,
    /// Every byte expanded from one file, all layers together.
    pub budget: u64,
    /// Archives opened inside one another at most (a compressed stream around one,
    /// as in `.tar.gz`, is not a level of its own).
    pub depth: u8,
    /// The largest expansion of a member over [`RATIO_FLOOR`] bytes, as a multiple
    /// of its compressed size.
    pub ratio: u64,
}

/// Layers of any kind (archives and compressed streams) inside one another at most:
/// a gzip that inflates to itself (they exist) ends here, not in a stack overflow.
const MAX_LAYERS: u8 = 8;

/// How deep a piece is: archives and layers of any kind around it.
#[derive(Debug, Clone, Copy, Default)]
struct Depth {
    archives: u8,
    layers: u8,
}

impl Depth {
    fn in_archive(self) -> Depth {
        Depth {
            archives: self.archives + 1,
            layers: self.layers + 1,
        }
    }

    fn in_stream(self) -> Depth {
        Depth {
            layers: self.layers + 1,
            ..self
        }
    }
}

/// Below this many expanded bytes, any ratio is fine: a small file of repeated
/// lines compresses far better than 100:1.
const RATIO_FLOOR: u64 = 1 << 20;

impl Limits {
    /// The limits for a scan whose files may be `max_file_size` bytes: a member as
    /// large as a file, and a budget of four such files (at least 256 MiB).
    pub fn for_file_size(max_file_size: u64) -> Limits {
        Limits {
            max_member: max_file_size,
            budget: max_file_size.saturating_mul(4).max(256 << 20),
            depth: 3,
            ratio: 100,
        }
    }
}

/// A piece of a file: text to scan, or what was not scanned and why. `member` is
/// empty for the file itself, else the chain of archive members that leads to it,
/// each after a `!` (`!lib/app.jar!config.properties`).
#[derive(Debug)]
pub enum Piece<'a> {
    Text {
        member: &'a str,
        bytes: &'a [u8],
    },
    Skip {
        member: &'a str,
        reason: SkipReason,
    },
    /// A container that could not be read (corrupt, truncated, encrypted member).
    Damaged {
        member: &'a str,
        message: String,
    },
}

/// Hands `each` every piece of `bytes`, in order.
pub fn unpack(bytes: &[u8], limits: &Limits, each: &mut dyn FnMut(Piece<'_>)) {
    let mut opener = Opener { limits, spent: 0, each };
    opener.open("", bytes, Depth::default());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// The container format `bytes` start with, by their magic numbers.
fn format_of(bytes: &[u8]) -> Option<Format> {
    match bytes {
        [b'P', b'K', 3, 4, ..] => Some(Format::Zip),
        [0x1f, 0x8b, 8, ..] => Some(Format::Gzip),
        [b'B', b'Z', b'h', b'1'..=b'9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, ..] => Some(Format::Bzip2),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Some(Format::Xz),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Format::Zstd),
        _ if bytes.get(257..262) == Some(b"ustar") => Some(Format::Tar),
        _ => None,
    }
}

struct Opener<'l, 'e> {
    limits: &'l Limits,
    /// Bytes expanded so far from this file.
    spent: u64,
    each: &'e mut dyn FnMut(Piece<'_>),
}

/// Why reading a member stopped early.
enum Stop {
    /// The member limit, the file's budget or the expansion ratio. (A member whose
    /// header says it is too large is skipped as `too-large` before it is read.)
    Limit,
    Error(String),
}

impl Opener<'_, '_> {
    fn open(&mut self, member: &str, bytes: &[u8], depth: Depth) {
        let Some(format) = format_of(bytes) else {
            return self.leaf(member, bytes);
        };
        let archive = matches!(format, Format::Zip | Format::Tar);
        if depth.layers >= MAX_LAYERS || (archive && depth.archives >= self.limits.depth) {
            return self.skip(member, SkipReason::ArchiveLimit);
        }
        match format {
            Format::Zip => self.zip(member, bytes, depth),
            Format::Tar => self.tar(member, bytes, depth),
            Format::Gzip => self.stream(member, bytes, depth, flate2::read::MultiGzDecoder::new(bytes)),
            Format::Bzip2 => self.stream(member, bytes, depth, bzip2::read::MultiBzDecoder::new(bytes)),
            Format::Xz => self.stream(member, bytes, depth, lzma_rust2::XzReader::new(bytes, true)),
            Format::Zstd => match ruzstd::decoding::StreamingDecoder::new(bytes) {
                Ok(decoder) => self.stream(member, bytes, depth, decoder),
                Err(e) => self.damaged(member, format!("zstd: {e}")),
            },
        }
    }

    /// Text as it is; anything else for its runs of text.
    fn leaf(&mut self, member: &str, bytes: &[u8]) {
        let text = super::text::text(bytes).unwrap_or_else(|| Cow::Owned(text_runs(bytes)));
        (self.each)(Piece::Text { member, bytes: &text });
    }

    fn skip(&mut self, member: &str, reason: SkipReason) {
        (self.each)(Piece::Skip { member, reason });
    }

    fn damaged(&mut self, member: &str, message: String) {
        (self.each)(Piece::Damaged { member, message });
    }

    /// A compressed stream: inflated, then opened as what it holds, at the same name.
    fn stream(&mut self, member: &str, bytes: &[u8], depth: Depth, decoder: impl Read) {
        match self.expand(decoder, bytes.len() as u64) {
            Ok(inflated) => self.open(member, &inflated, depth.in_stream()),
            Err(stop) => self.stopped(member, stop),
        }
    }

    fn zip(&mut self, member: &str, bytes: &[u8], depth: Depth) {
        let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(archive) => archive,
            Err(e) => return self.damaged(member, format!("zip: {e}")),
        };
        for index in 0..archive.len() {
            let name = match archive.name_for_index(index).and_then(Result::ok) {
                Some(name) => format!("{member}!{name}"),
                None => format!("{member}!#{index}"),
            };
            // Encrypted, or a method no decoder here reads: a skip, not damage.
            let readable = archive.by_index_raw(index).map(|raw| {
                !raw.encrypted()
                    && matches!(
                        raw.compression(),
                        zip::CompressionMethod::Stored
                            | zip::CompressionMethod::Deflated
                            | zip::CompressionMethod::Bzip2
                            | zip::CompressionMethod::Xz
                    )
            });
            if readable.as_ref().is_ok_and(|readable| !readable) {
                self.skip(&name, SkipReason::ArchiveUnsupported);
                continue;
            }
            let entry = match archive.by_index(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.damaged(&name, format!("zip member: {e}"));
                    continue;
                }
            };
            if entry.is_file() {
                let (size, packed) = (entry.size(), entry.compressed_size());
                self.member(&name, size, entry, packed, depth);
            }
        }
    }

    fn tar(&mut self, member: &str, bytes: &[u8], depth: Depth) {
        let mut archive = tar::Archive::new(bytes);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => return self.damaged(member, format!("tar: {e}")),
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return self.damaged(member, format!("tar: {e}")),
            };
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = format!("{member}!{}", String::from_utf8_lossy(&entry.path_bytes()));
            let size = entry.size();
            self.member(&name, size, entry, size, depth);
        }
    }

    /// One archive member of `declared` bytes, read from `reader` (`packed` bytes in
    /// the archive): too large by its header, or expanded and opened one level down.
    fn member(&mut self, name: &str, declared: u64, reader: impl Read, packed: u64, depth: Depth) {
        if declared > self.limits.max_member {
            return self.skip(name, SkipReason::TooLarge);
        }
        match self.expand(reader, packed) {
            Ok(data) => self.open(name, &data, depth.in_archive()),
            Err(stop) => self.stopped(name, stop),
        }
    }

    fn stopped(&mut self, member: &str, stop: Stop) {
        match stop {
            Stop::Limit => self.skip(member, SkipReason::ArchiveLimit),
            Stop::Error(message) => self.damaged(member, message),
        }
    }

    /// Reads `reader` to its end within the limits, charging the budget; `packed` is
    /// what it was read from, for the ratio.
    fn expand(&mut self, mut reader: impl Read, packed: u64) -> Result<Vec<u8>, Stop> {
        let left = self.limits.budget.saturating_sub(self.spent);
        let mut out = Vec::new();
        let mut chunk = [0u8; 64 * 1024];
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Stop::Error(e.to_string())),
            };
            out.extend_from_slice(&chunk[..n]);
            let size = out.len() as u64;
            self.spent += n as u64;
            let ratio = size > RATIO_FLOOR && size > packed.saturating_mul(self.limits.ratio);
            if size > self.limits.max_member || size > left || ratio {
                return Err(Stop::Limit);
            }
        }
        Ok(out)
    }
}

/// The text runs of a binary file, at their own offsets: runs of 8 or more printable
/// ASCII characters are kept, runs of 8 or more UTF-16LE ones are written as ASCII
/// where they start, and every other byte becomes NUL (line feeds stay), so lines
/// and columns still point into the file. NUL, not a space: no pattern matches
/// across it, so two runs never join into one match (`Authorization` and the next
/// string of a Java class file are not a header).
pub fn text_runs(bytes: &[u8]) -> Vec<u8> {
    const MIN: usize = 8;
    let printable = |b: u8| (0x20..=0x7e).contains(&b) || b == b'\t';
    let mut out: Vec<u8> = bytes.iter().map(|&b| if b == b'\n' { b'\n' } else { 0 }).collect();
    let mut start = 0;
    while start < bytes.len() {
        let end = start + bytes[start..].iter().take_while(|&&b| printable(b)).count();
        if end - start >= MIN {
            out[start..end].copy_from_slice(&bytes[start..end]);
        }
        start = end + 1;
    }
    for alignment in 0..2 {
        let mut at = alignment;
        while at + 1 < bytes.len() {
            let run = bytes[at..]
                .chunks_exact(2)
                .take_while(|pair| printable(pair[0]) && pair[1] == 0)
                .count();
            if run >= MIN {
                for i in 0..run {
                    out[at + i] = bytes[at + 2 * i];
                }
            }
            at += 2 * run.max(1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// (member, text or skip reason or damage) of every piece.
    fn pieces(bytes: &[u8], limits: &Limits) -> Vec<(String, String)> {
        let mut all = Vec::new();
        unpack(bytes, limits, &mut |piece| {
            all.push(match piece {
                Piece::Text { member, bytes } => (member.to_string(), String::from_utf8_lossy(bytes).into_owned()),
                Piece::Skip { member, reason } => (member.to_string(), format!("skip {reason}")),
                Piece::Damaged { member, .. } => (member.to_string(), "damaged".to_string()),
            })
        });
        all
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in files {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn text_is_one_piece_as_it_is() {
        let limits = Limits::for_file_size(1 << 20);
        assert_eq!(pieces(b"a = 1\n", &limits), [(String::new(), "a = 1\n".to_string())]);
    }

    #[test]
    fn archives_and_streams_nest_with_member_names() {
        let limits = Limits::for_file_size(1 << 20);
        let inner = zip_of(&[("conf/app.properties", b"key=1\n"), ("readme.txt", b"hi\n")]);
        let tarball = gzip(&tar_of(&[("lib/app.jar", &inner), ("notes.txt", b"n\n")]));
        assert_eq!(
            pieces(&tarball, &limits),
            [
                ("!lib/app.jar!conf/app.properties".to_string(), "key=1\n".to_string()),
                ("!lib/app.jar!readme.txt".to_string(), "hi\n".to_string()),
                ("!notes.txt".to_string(), "n\n".to_string()),
            ]
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_a_skip() {
        let limits = Limits::for_file_size(1 << 20);
        let mut nested = b"deep\n".to_vec();
        for _ in 0..4 {
            nested = zip_of(&[("x.zip", &nested)]);
        }
        let found = pieces(&nested, &limits);
        assert_eq!(
            found,
            [("!x.zip!x.zip!x.zip".to_string(), "skip archive-limit".to_string())]
        );
    }

    #[test]
    fn compressed_streams_are_not_levels_but_layers_are_bounded() {
        let limits = Limits::for_file_size(1 << 20);
        // tar.gz inside tar.gz inside tar.gz: three archives, six layers.
        let mut nested = b"k=1\n".to_vec();
        let mut name = String::new();
        for i in 0..3 {
            nested = gzip(&tar_of(&[(&format!("l{i}.txt"), &nested)]));
            name = format!("!l{i}.txt{name}");
        }
        assert_eq!(pieces(&nested, &limits), [(name, "k=1\n".to_string())]);
        // gzip in gzip ...: stops after the layer limit.
        let mut onion = b"k=1\n".to_vec();
        for _ in 0..MAX_LAYERS + 1 {
            onion = gzip(&onion);
        }
        assert_eq!(
            pieces(&onion, &limits),
            [(String::new(), "skip archive-limit".to_string())]
        );
    }

    #[test]
    fn a_gzip_of_zeros_stops_at_the_ratio_and_the_budget() {
        let zeros = gzip(&vec![0u8; 64 << 20]);
        let limits = Limits::for_file_size(1 << 30);
        assert_eq!(
            pieces(&zeros, &limits),
            [(String::new(), "skip archive-limit".to_string())]
        );
        // Text that expands past the size limit is stopped there too.
        let text = gzip(&b"a line of text, not a repeated byte\n".repeat(64));
        let small = Limits::for_file_size(1 << 10);
        assert_eq!(
            pieces(&text, &small),
            [(String::new(), "skip archive-limit".to_string())]
        );
        // A member whose header gives a size over the limit is not read at all.
        let zip = zip_of(&[("big.txt", &b"x".repeat(4096))]);
        assert_eq!(
            pieces(&zip, &small),
            [("!big.txt".to_string(), "skip too-large".to_string())]
        );
    }

    #[test]
    fn a_member_of_an_unsupported_method_is_a_skip() {
        let limits = Limits::for_file_size(1 << 20);
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        writer.start_file("old.txt", stored).unwrap();
        writer.write_all(b"imploded long ago\n").unwrap();
        let mut bytes = writer.finish().unwrap().into_inner();
        // Rewrite the method to 6 (implode) in the local and the central header.
        let at = |sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
        let (local, central) = (at(b"PK\x03\x04"), at(b"PK\x01\x02"));
        bytes[local + 8] = 6;
        bytes[central + 10] = 6;
        assert_eq!(
            pieces(&bytes, &limits),
            [("!old.txt".to_string(), "skip archive-unsupported".to_string())]
        );
    }

    #[test]
    fn a_truncated_archive_is_damaged_not_dropped() {
        let limits = Limits::for_file_size(1 << 20);
        let whole = zip_of(&[("a.txt", b"hello\n")]);
        let found = pieces(&whole[..whole.len() - 30], &limits);
        assert!(found.iter().any(|(_, what)| what == "damaged"), "{found:?}");
    }

    #[test]
    fn text_runs_keep_offsets_and_read_utf16() {
        let mut binary = b"\0\0\x01ab\0wayscloud_key_here\n\x02".to_vec();
        binary.extend("name=WAYSCLOUD".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let runs = text_runs(&binary);
        assert_eq!(runs.len(), binary.len());
        let text = String::from_utf8(runs).unwrap();
        assert!(text.starts_with("\0\0\0\0\0\0wayscloud_key_here\n\0"), "{text:?}");
        assert!(text.contains("name=WAYSCLOUD"), "{text:?}");
        assert!(!text.contains("ab"), "runs under 8 characters are blanked: {text:?}");
    }
}
