//! The git repository around a scanned directory: where its work tree is and which
//! paths its index tracks. Read with git2; no git binary is needed.

use std::path::{Path, PathBuf};

/// A repository found around a scan root.
pub struct Repo {
    /// The work tree's root directory.
    pub workdir: PathBuf,
    repo: git2::Repository,
}

/// What looking for a repository found.
pub enum Discovery {
    Found(Repo),
    /// Not inside a git work tree (or a bare repository: it has no work tree).
    None,
    /// A repository is there but cannot be opened.
    Broken(String),
}

impl Repo {
    /// The repository whose work tree holds `dir`.
    pub fn discover(dir: &Path) -> Discovery {
        match git2::Repository::discover(dir) {
            Ok(repo) => match repo.workdir() {
                Some(workdir) => Discovery::Found(Repo {
                    workdir: workdir.canonicalize().unwrap_or_else(|_| workdir.to_path_buf()),
                    repo,
                }),
                None => Discovery::None,
            },
            Err(e) if e.code() == git2::ErrorCode::NotFound => Discovery::None,
            Err(e) => Discovery::Broken(e.message().to_string()),
        }
    }

    /// Whether `.git/info/exclude` holds a pattern: it can hide files from a walk that
    /// git's committed rules would not hide.
    pub fn has_local_excludes(&self) -> bool {
        std::fs::read_to_string(self.repo.path().join("info").join("exclude")).is_ok_and(|text| {
            text.lines().any(|l| {
                let l = l.trim();
                !l.is_empty() && !l.starts_with('#')
            })
        })
    }

    /// Paths in the index (relative to the work tree, `/`-separated) that `keep`
    /// accepts.
    pub fn tracked(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, String> {
        let index = self
            .repo
            .index()
            .map_err(|e| format!("cannot read the git index: {}", e.message()))?;
        let mut paths: Vec<String> = index
            .iter()
            .filter_map(|entry| String::from_utf8(entry.path).ok())
            .filter(|path| keep(path))
            .collect();
        paths.sort();
        paths.dedup(); // conflict stages list a path more than once
        Ok(paths)
    }
}
