//! What could not be scanned, and why: every skip is counted, every problem named.

use serde::Serialize;
use std::fmt;

/// Why a file was not scanned for content. Every skip is counted and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Larger than `--max-file-size`.
    TooLarge,
    /// A symbolic link, not followed (`--follow` follows them).
    Symlink,
    /// A FIFO, socket or device: reading it could block or never end.
    Special,
    /// A blob a partial clone left on the server (`--filter=blob:limit=...`, as
    /// `wayscan audit` clones): larger than the limit it was cloned with.
    NotFetched,
    /// A member of an archive or compressed file that a limit stopped: nested too
    /// deep, over the file's budget of expanded bytes, or expanding more than 100:1
    /// (a zip bomb).
    ArchiveLimit,
    /// An archive member wayscan cannot open: encrypted, or compressed with a method
    /// it does not read (implode, deflate64, PPMd, zstd inside a zip).
    ArchiveUnsupported,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "too-large",
            SkipReason::Symlink => "symlink",
            SkipReason::Special => "special-file",
            SkipReason::NotFetched => "not-fetched",
            SkipReason::ArchiveLimit => "archive-limit",
            SkipReason::ArchiveUnsupported => "archive-unsupported",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Skip {
    pub path: String,
    pub reason: SkipReason,
}

/// Something that went wrong, named, and what it cost the scan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
    #[serde(skip)]
    pub kind: ProblemKind,
}

/// What a problem cost the scan, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// What the user asked for could not be scanned at all (a path that does not
    /// exist, not a repository): exit code 2.
    Fatal,
    /// Some input was not read (an unreadable file, a corrupt blob, a damaged pack
    /// entry that could not be re-read, an unreadable ref): a clean result would be
    /// a lie, so exit code 2 unless `--allow-partial`.
    Unread,
    /// Everything was read, but something deserves a look (a damaged pack whose
    /// objects were read one by one, an unreadable verification cache).
    Warning,
}

impl Problem {
    pub fn is_fatal(&self) -> bool {
        self.kind == ProblemKind::Fatal
    }

    /// Whether some input was not read because of it.
    pub fn left_input_unread(&self) -> bool {
        self.kind != ProblemKind::Warning
    }
}
