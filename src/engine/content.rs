//! A file's or a blob's whole content, before anyone knows where it is: archives and
//! compressed files opened (`unpack`), each text run detected (`detect`), each
//! detection inside an archive marked with its member, and what a limit stopped or
//! damage hid kept. Every scan kind (a tree, a staged change, a history) reads
//! content through here, so the same bytes give the same detections wherever they
//! come from; the pipeline places them.

use super::detect;
use super::matcher::Matcher;
use super::unpack::{self, Limits, Piece};
use crate::model::{Detection, SkipReason};

/// What scanning one file's or blob's content gave.
#[derive(Debug)]
pub enum Scanned {
    Read {
        /// Text bytes scanned (archive members' included).
        bytes: u64,
        /// Without a path; inside an archive, with the member (`!conf/app.properties`).
        findings: Vec<Detection>,
        /// Detections an inline marker allows.
        suppressed: Vec<Detection>,
        /// Archive members not scanned (a limit) or not readable (damage).
        inside: Vec<Inside>,
    },
    Skipped(SkipReason),
}

/// An archive member that was not scanned: (member, why).
#[derive(Debug)]
pub enum Inside {
    Skipped(String, SkipReason),
    Damaged(String, String),
}

impl Scanned {
    /// The size of content scanned with nothing to report: no detection, nothing
    /// inside it left unscanned.
    pub fn plain_bytes(&self) -> Option<u64> {
        match self {
            Scanned::Read {
                bytes,
                findings,
                suppressed,
                inside,
            } if findings.is_empty() && suppressed.is_empty() && inside.is_empty() => Some(*bytes),
            _ => None,
        }
    }
}

/// Scans `data`, the whole content of one file or blob; over `max_size` bytes it is
/// skipped, and archives are opened within the limits that size gives.
pub fn scan(matcher: &Matcher<'_>, data: &[u8], max_size: u64) -> Scanned {
    if data.len() as u64 > max_size {
        return Scanned::Skipped(SkipReason::TooLarge);
    }
    let (mut bytes, mut findings, mut suppressed, mut inside) = (0, Vec::new(), Vec::new(), Vec::new());
    let limits = Limits::for_file_size(max_size);
    unpack::unpack(data, &limits, &mut |piece| match piece {
        Piece::Text { member, bytes: text } => {
            bytes += text.len() as u64;
            let detected = detect::detect(matcher, text);
            let at = |mut d: Detection| {
                d.member = member.to_string();
                d
            };
            findings.extend(detected.found.into_iter().map(at));
            suppressed.extend(detected.allowed.into_iter().map(at));
        }
        Piece::Skip { member, reason } => inside.push(Inside::Skipped(member.to_string(), reason)),
        Piece::Damaged { member, message } => inside.push(Inside::Damaged(member.to_string(), message)),
    });
    Scanned::Read {
        bytes,
        findings,
        suppressed,
        inside,
    }
}
