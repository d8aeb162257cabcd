//! The git repository around a scanned directory: where its work tree is and which
//! paths its index tracks. Read with git2; no git binary is needed.

use super::GitError;
use sha2::Digest;
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

    /// The content of `path` in `commit` (a full or abbreviated id), for a
    /// `.gitleaksignore` entry that names the commit.
    pub fn read_at(&self, commit: &str, path: &str) -> Result<Vec<u8>, GitError> {
        let unreadable = |e: git2::Error| GitError::Unreadable(e.message().to_string());
        let commit_id = self
            .repo
            .revparse_single(commit)
            .and_then(|o| o.peel_to_commit())
            .map_err(|_| GitError::BadRevision(format!("commit {commit} is not in the repository")))?;
        let tree = commit_id.tree().map_err(unreadable)?;
        let entry = tree.get_path(Path::new(path)).map_err(|_| {
            GitError::BadRevision(format!("{path} is not in commit {}", &commit_id.id().to_string()[..12]))
        })?;
        let blob = self.repo.find_blob(entry.id()).map_err(unreadable)?;
        Ok(blob.content().to_vec())
    }

    /// Paths in the index (relative to the work tree, `/`-separated) that `keep`
    /// accepts.
    pub fn tracked(&self, keep: impl Fn(&str) -> bool) -> Result<Vec<String>, GitError> {
        let index = open_index(&self.repo)?;
        let mut paths: Vec<String> = index
            .iter()
            .filter_map(|entry| String::from_utf8(entry.path).ok())
            .filter(|path| keep(path))
            .collect();
        paths.sort();
        paths.dedup(); // conflict stages list a path more than once
        Ok(paths)
    }

    /// Untracked files git does not ignore (relative to the work tree, `/`-separated,
    /// sorted), by libgit2's reading of the ignore rules, which is git's.
    pub fn untracked(&self) -> Result<Vec<String>, GitError> {
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = self
            .repo
            .statuses(Some(&mut options))
            .map_err(|e| GitError::Unreadable(format!("cannot list the untracked files: {}", e.message())))?;
        let mut paths: Vec<String> = statuses
            .iter()
            .filter(|entry| entry.status().contains(git2::Status::WT_NEW))
            .filter_map(|entry| entry.path().ok().map(str::to_string))
            .collect();
        paths.sort();
        Ok(paths)
    }
}

/// The index git itself would use: the file named by `GIT_INDEX_FILE` when it is set,
/// else the repository's own. git sets it for the hooks of `git commit -a`, `commit
/// PATH`, `commit -i`/`--only`/`-p` and `--amend` with paths, where it names a
/// temporary index holding what is being committed; `.git/index` then holds
/// something else, and libgit2's `Repository::index` ignores the variable. A relative
/// value is relative to the top of the work tree, where git runs its hooks and its
/// commands after setup.
pub fn open_index(repo: &git2::Repository) -> Result<git2::Index, GitError> {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(file) => {
            let file = PathBuf::from(file);
            let path = match repo.workdir() {
                Some(top) if file.is_relative() => top.join(&file),
                _ => file,
            };
            // git reads a missing file as an empty index; here that would scan
            // nothing and pass, so it is an error instead.
            if !path.is_file() {
                return Err(GitError::Unreadable(format!(
                    "cannot read the git index {} (named by GIT_INDEX_FILE): no such file",
                    path.display()
                )));
            }
            // In the repository's object format: a SHA-256 index holds 32-byte ids.
            git2::Index::open_ext(&path, repo.object_format()).map_err(|e| {
                GitError::Unreadable(format!(
                    "cannot read the git index {} (named by GIT_INDEX_FILE): {}",
                    path.display(),
                    e.message()
                ))
            })
        }
        None => repo
            .index()
            .map_err(|e| GitError::Unreadable(format!("cannot read the git index: {}", e.message()))),
    }
}

/// The top of the git work tree that holds `dir`, if any.
pub fn work_tree_top(dir: &Path) -> Option<PathBuf> {
    match Repo::discover(dir) {
        Discovery::Found(repo) => Some(repo.workdir),
        _ => None,
    }
}

/// The two ends of a range `A..B`: settings are read from the base, so a change
/// cannot loosen its own scan, and a change to them is noticed.
pub struct RangeEnds {
    repo: git2::Repository,
    base: git2::Oid,
    head: git2::Oid,
}

impl RangeEnds {
    /// The ends of `range` (`A..B`, `A...B`, `A..` for `A..HEAD`) in the repository
    /// holding `repo`.
    pub fn of(repo: &Path, range: &str) -> Result<RangeEnds, GitError> {
        let repository = super::discover(repo)?;
        let (left, right) = range.split_once("..").unwrap_or((range, ""));
        let right = right.trim_start_matches('.');
        let commit = |rev: &str| {
            repository
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|e| GitError::BadRevision(format!("bad range {range:?}: {}", e.message())))
        };
        let base = commit(left)?;
        let head = commit(if right.is_empty() { "HEAD" } else { right })?;
        Ok(RangeEnds {
            repo: repository,
            base,
            head,
        })
    }

    /// The base commit's id, abbreviated to 12 digits.
    pub fn short(&self) -> String {
        self.base.to_string()[..12].to_string()
    }

    fn blob(&self, commit: git2::Oid, path: &str) -> Option<git2::Oid> {
        let tree = self.repo.find_commit(commit).ok()?.tree().ok()?;
        Some(tree.get_path(Path::new(path)).ok()?.id())
    }

    /// The text of `path` in the base commit.
    pub fn read(&self, path: &str) -> Option<String> {
        let id = self.blob(self.base, path)?;
        let blob = self.repo.find_blob(id).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// Whether the range changes `path` (added, removed or edited).
    pub fn changes(&self, path: &str) -> bool {
        self.blob(self.base, path) != self.blob(self.head, path)
    }
}

/// A digest of every ref of the repository and what it points at: the same value
/// means the same history. A ref whose object is gone is an error: the repository
/// is damaged, and an earlier result must not stand for it.
pub fn state_of(git_dir: &Path) -> Result<String, GitError> {
    let unreadable = |e: git2::Error| GitError::Unreadable(e.message().to_string());
    let repo = git2::Repository::open(git_dir).map_err(|e| GitError::NotARepository(e.message().to_string()))?;
    let odb = repo.odb().map_err(unreadable)?;
    let mut refs: Vec<(String, String)> = Vec::new();
    for reference in repo.references().map_err(unreadable)?.flatten() {
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        let target = reference.resolve().ok().and_then(|r| r.target());
        if let Some(target) = target {
            if !odb.exists(target) {
                return Err(GitError::Unreadable(format!(
                    "{name} points at {target}, which is not in the repository"
                )));
            }
        }
        refs.push((name, target.map(|t| t.to_string()).unwrap_or_default()));
    }
    refs.sort();
    let mut hash = sha2::Sha256::new();
    for (name, target) in &refs {
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update(target.as_bytes());
        hash.update([b'\n']);
    }
    Ok(crate::model::hex(&hash.finalize()[..16]))
}
