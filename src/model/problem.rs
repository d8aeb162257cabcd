//! What could not be scanned, and why: every skip is counted, every problem named.

use serde::Serialize;
use std::fmt;

/// Why a file was not scanned for content. Every skip is counted and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB (as git decides), and no UTF-16 byte order mark.
    Binary,
    /// Larger than `--max-file-size`.
    TooLarge,
    /// A symbolic link, not followed (`--follow` follows them).
    Symlink,
    /// A FIFO, socket or device: reading it could block or never end.
    Special,
    /// A blob a partial clone left on the server (`--filter=blob:limit=...`, as
    /// `wayscan audit` clones): larger than the limit it was cloned with.
    NotFetched,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too-large",
            SkipReason::Symlink => "symlink",
            SkipReason::Special => "special-file",
            SkipReason::NotFetched => "not-fetched",
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

/// Something that could not be read. `fatal` marks a problem with what the user asked
/// for (a path that does not exist), which makes the scan exit with code 2.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
    #[serde(skip)]
    pub fatal: bool,
}
