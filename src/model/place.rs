//! Where something was found: a position in a file, the commit that brought it.

use serde::Serialize;
use std::borrow::Cow;

/// A 1-based position. Columns count UTF-16 code units, as SARIF's default
/// `columnKind` and GitHub's code scanning expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Whether `text` is a whole object id (a commit's, a tag's) as git writes it: 40
/// hexadecimal digits (SHA-1) or 64 (a SHA-256 repository's).
pub fn is_full_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
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

/// How a scan's findings are named in reports: each finding's repository-relative
/// path, shown relative to the root the user named and as they wrote it. A tree
/// scan records one entry per root; history and staged scans record none, and their
/// findings are shown at their repository-relative paths. `report` works the shown
/// path out from this; nothing upstream of it holds one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownPaths(pub Vec<ShownRoot>);

/// One root of a tree scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownRoot {
    /// The root's own path from the top of its git work tree (`""` at the top,
    /// `src`, or `src/app.py` for a file); `None` outside git, where a finding's
    /// path is already relative to the root.
    pub inside: Option<String>,
    /// What the shown paths of its files start with: empty for a single root, else
    /// the root as given (`one/`, `../other/`).
    pub prefix: String,
    /// For a file named on the command line: that name, as the user wrote it.
    pub file: Option<String>,
}

impl ShownPaths {
    /// The path reports show for `repo_path`, reached from root number `root`.
    pub fn show<'a>(&self, root: u16, repo_path: &'a str) -> Cow<'a, str> {
        let Some(ShownRoot {
            inside: Some(inside),
            prefix,
            file,
        }) = self.0.get(usize::from(root))
        else {
            return Cow::Borrowed(repo_path);
        };
        let Some(rest) = repo_path.strip_prefix(inside.as_str()) else {
            return Cow::Borrowed(repo_path);
        };
        // A file root: its name, then the archive member if any (`a.zip!b.txt`).
        if let Some(file) = file {
            return match rest.is_empty() || rest.starts_with('!') {
                true => Cow::Owned(format!("{file}{rest}")),
                false => Cow::Borrowed(repo_path),
            };
        }
        let rest = match (inside.is_empty(), rest.strip_prefix('/')) {
            (true, _) => rest,
            (false, Some(rest)) => rest,
            (false, None) => return Cow::Borrowed(repo_path),
        };
        match prefix.is_empty() {
            true => Cow::Borrowed(rest),
            false => Cow::Owned(format!("{prefix}/{rest}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(inside: Option<&str>, prefix: &str, file: Option<&str>) -> ShownRoot {
        ShownRoot {
            inside: inside.map(str::to_string),
            prefix: prefix.to_string(),
            file: file.map(str::to_string),
        }
    }

    #[test]
    fn repository_paths_are_shown_relative_to_the_root_given() {
        let none = ShownPaths::default();
        assert_eq!(none.show(0, "src/a.rs"), "src/a.rs");
        let top = ShownPaths(vec![root(Some(""), "", None)]);
        assert_eq!(top.show(0, "src/a.rs"), "src/a.rs");
        let sub = ShownPaths(vec![root(Some("src"), "", None)]);
        assert_eq!(sub.show(0, "src/a.rs"), "a.rs");
        assert_eq!(sub.show(0, "src/lib.zip!x/.env"), "lib.zip!x/.env");
        // Not under the root (cannot happen from a walk): the identity, unchanged.
        assert_eq!(sub.show(0, "srcx/a.rs"), "srcx/a.rs");
        let two = ShownPaths(vec![root(Some("src"), "src", None), root(None, "../other", None)]);
        assert_eq!(two.show(0, "src/a.rs"), "src/a.rs");
        assert_eq!(two.show(1, "../other/b.txt"), "../other/b.txt");
        let file = ShownPaths(vec![root(Some("src/app.py"), "", Some("./src/app.py"))]);
        assert_eq!(file.show(0, "src/app.py"), "./src/app.py");
        assert_eq!(file.show(0, "src/app.py!inner"), "./src/app.py!inner");
    }
}
