//! Where something was found: a position in a file, the commit that brought it.

use serde::Serialize;

/// A 1-based position. Columns count UTF-16 code units, as SARIF's default
/// `columnKind` and GitHub's code scanning expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The commit that introduced a blob, for findings from git history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
}
