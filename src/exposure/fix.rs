//! `--fix-gitignore`: appends the missing lines to the right `.gitignore` files. It
//! never rewrites a line that is there: it only adds, after a newline if the file
//! lacks a final one.
//!
//! The files are in a tree wayscan does not trust: a `.gitignore` that is a symlink
//! (to `~/.bashrc`, say), or one in a directory reached through a symlink, is never
//! written through (`tree_write`).

use super::GitignoreFix;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One `.gitignore` changed: the lines added to it.
#[derive(Debug, PartialEq, Eq)]
pub struct Change {
    pub shown: String,
    pub lines: Vec<String>,
}

/// Appends every fix's line to its `.gitignore`, each line once. Returns the changes
/// made and, per `.gitignore` that could not be written, the error.
pub fn apply(fixes: &[&GitignoreFix]) -> (Vec<Change>, Vec<(String, String)>) {
    let mut by_file: BTreeMap<PathBuf, (String, Vec<String>)> = BTreeMap::new();
    for fix in fixes {
        let entry = by_file
            .entry(fix.gitignore.clone())
            .or_insert_with(|| (fix.shown.clone(), Vec::new()));
        if !entry.1.contains(&fix.line) {
            entry.1.push(fix.line.clone());
        }
    }
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for (path, (shown, lines)) in by_file {
        match append(&path, &lines) {
            Ok(added) if !added.is_empty() => changes.push(Change { shown, lines: added }),
            Ok(_) => {}
            Err(e) => errors.push((shown, e.to_string())),
        }
    }
    (changes, errors)
}

/// Appends the lines that the file does not hold yet; returns them.
fn append(path: &Path, lines: &[String]) -> std::io::Result<Vec<String>> {
    // The walk follows no link: a directory on the way that resolves elsewhere is
    // one made since, or the tree's own trick.
    crate::tree_write::through_no_link(path.parent().unwrap_or(Path::new("/")))?;
    let existing = match crate::tree_write::existing(path)? {
        Some(_) => std::fs::read_to_string(path)?,
        None => String::new(),
    };
    let present: Vec<&str> = existing.lines().map(str::trim_end).collect();
    let added: Vec<String> = lines
        .iter()
        .filter(|l| !present.contains(&l.as_str()))
        .cloned()
        .collect();
    if added.is_empty() {
        return Ok(added);
    }
    let mut text = existing.clone();
    if !existing.is_empty() && !existing.ends_with('\n') {
        text.push('\n');
    }
    for line in &added {
        text.push_str(line);
        text.push('\n');
    }
    crate::tree_write::replace(path, text.as_bytes())?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_missing_lines_once_after_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".gitignore");
        std::fs::write(&path, "node_modules/\n/.env").unwrap();
        let fix = |line: &str| GitignoreFix {
            gitignore: path.clone(),
            named: ".gitignore".into(),
            shown: ".gitignore".into(),
            line: line.into(),
        };
        let (a, b, c) = (fix("/.env"), fix("/a/.env"), fix("/a/.env"));
        let (changes, errors) = apply(&[&a, &b, &c]);
        assert!(errors.is_empty());
        assert_eq!(
            changes,
            vec![Change {
                shown: ".gitignore".into(),
                lines: vec!["/a/.env".into()]
            }]
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "node_modules/\n/.env\n/a/.env\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_gitignore_or_directory_is_never_written_through() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("bashrc");
        std::fs::write(&target, "original\n").unwrap();
        let tree = tempfile::tempdir().unwrap();
        let tree = tree.path().canonicalize().unwrap();
        let link = tree.join(".gitignore");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        std::os::unix::fs::symlink(outside.path(), tree.join("linked")).unwrap();
        let fix = |gitignore: PathBuf| GitignoreFix {
            gitignore,
            named: ".gitignore".into(),
            shown: ".gitignore".into(),
            line: "/.env".into(),
        };
        let (a, b) = (fix(link.clone()), fix(tree.join("linked/.gitignore")));
        let (changes, errors) = apply(&[&a, &b]);
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().any(|(_, e)| e.contains("symbolic link")), "{errors:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
        assert!(!outside.path().join(".gitignore").exists());
        assert_eq!(std::fs::read_dir(&tree).unwrap().count(), 2, "no file left behind");
    }
}
