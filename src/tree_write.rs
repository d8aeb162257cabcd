//! Writing a file inside a tree wayscan does not trust: a `.gitignore`, a baseline,
//! `.wayscan.toml`, the files `import` writes. A scanned repository may have made
//! any of them a symbolic link (to `~/.bashrc`, say), or a directory on the way one.
//! So a file is written only if it is a regular file or missing, never through a
//! link; and atomically: the new text goes to a new file beside it, renamed over it,
//! so nothing else is ever opened for writing and the old text stays whole if
//! anything fails.

use std::fs::{Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// What is at `path` now: `None` when nothing is. An error when it must not be
/// written: a symbolic link (dangling or not) or something other than a regular
/// file.
pub fn existing(path: &Path) -> io::Result<Option<Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(refused("it is a symbolic link")),
        Ok(meta) if !meta.is_file() => Err(refused("it is not a regular file")),
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// An error unless the absolute directory `dir` is reached through no symbolic
/// link: for files whose place a scanned tree chose (a `.gitignore` beside a
/// `.env` file), not for paths the user typed.
pub fn through_no_link(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if dir.canonicalize()? != dir {
        return Err(refused("a directory on the way is a symbolic link"));
    }
    Ok(())
}

fn refused(why: &str) -> io::Error {
    io::Error::other(format!("{why}: not written through"))
}

/// Replaces (or creates) the file at `path` with `bytes`, as the module says. An
/// existing file keeps its permissions.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let before = existing(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.wayscan-{}", std::process::id()));
    let written = (|| {
        // create_new: never an existing file, nor a link someone placed there.
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        file.write_all(bytes)?;
        if let Some(meta) = &before {
            file.set_permissions(meta.permissions())?;
        }
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_replaced_whole_and_a_missing_one_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("baseline.json");
        replace(&file, b"one\n").unwrap();
        replace(&file, b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "two\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "nothing left beside it"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_and_linked_directories_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("bashrc");
        std::fs::write(&target, "original\n").unwrap();
        let tree = tempfile::tempdir().unwrap();
        let link = tree.path().join(".wayscan.toml");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let dangling = tree.path().join("dangling.toml");
        std::os::unix::fs::symlink(outside.path().join("new"), &dangling).unwrap();
        std::os::unix::fs::symlink(outside.path(), tree.path().join("linked")).unwrap();
        for path in [link, dangling] {
            let e = replace(&path, b"written\n").unwrap_err().to_string();
            assert!(e.contains("symbolic link"), "{}: {e}", path.display());
        }
        let tree_top = tree.path().canonicalize().unwrap();
        assert!(through_no_link(&tree_top).is_ok());
        let e = through_no_link(&tree_top.join("linked")).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
        let e = replace(tree.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("not a regular file") || e.contains("symbolic link"), "{e}");
    }
}
