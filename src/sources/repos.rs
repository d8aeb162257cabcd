//! The repositories an audit covers: found under folders (work trees and bare
//! repositories, recursively), or listed in a file of paths and git URLs. URLs are
//! cloned with the git CLI into a cache folder (bare, and partial where the server
//! allows: blobs over the size limit are not fetched) and fetched again on reruns.
//! Credentials in a URL are never shown: a repository's identity and name leave
//! them out.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A repository to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// Stable identity: the URL without credentials, or the canonical path.
    pub id: String,
    /// For people.
    pub name: String,
    /// File-safe and unique.
    pub slug: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A repository on this machine: a work tree (`work_tree` set) or bare.
    Local {
        git_dir: PathBuf,
        work_tree: Option<PathBuf>,
    },
    /// A URL, cloned into the cache before it is scanned.
    Remote { url: String },
}

/// A source that could not be read: named, and the audit goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub source: String,
    pub message: String,
}

/// The repositories `sources` name: folders are searched, files are lists.
pub fn discover(sources: &[PathBuf]) -> (Vec<Repo>, Vec<SourceError>) {
    let mut repos = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let shown = source.display().to_string();
        if source.is_dir() {
            let before = repos.len();
            search(source, &mut repos, &mut errors);
            if repos.len() == before {
                errors.push(SourceError {
                    source: shown,
                    message: "no git repository found under it".into(),
                });
            }
        } else if source.is_file() {
            match std::fs::read_to_string(source) {
                Ok(text) => read_list(source, &text, &mut repos, &mut errors),
                Err(e) => errors.push(SourceError {
                    source: shown,
                    message: e.to_string(),
                }),
            }
        } else {
            errors.push(SourceError {
                source: shown,
                message: "no such folder or list file".into(),
            });
        }
    }
    repos.sort_by(|a, b| a.id.cmp(&b.id));
    repos.dedup_by(|a, b| a.id == b.id);
    (repos, errors)
}

/// Repositories under `dir`, not looking inside one once found.
fn search(dir: &Path, repos: &mut Vec<Repo>, errors: &mut Vec<SourceError>) {
    if let Some(repo) = local(dir) {
        repos.push(repo);
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(SourceError {
                source: dir.display().to_string(),
                message: e.to_string(),
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    children.sort();
    for child in children {
        search(&child, repos, errors);
    }
}

/// The repository at `dir` itself: a work tree holding `.git`, or a bare repository.
fn local(dir: &Path) -> Option<Repo> {
    let dot_git = dir.join(".git");
    let (git_dir, work_tree) = if dot_git.exists() {
        (dot_git, Some(dir.to_path_buf()))
    } else if dir.join("HEAD").is_file() && dir.join("objects").is_dir() && dir.join("refs").is_dir() {
        (dir.to_path_buf(), None)
    } else {
        return None;
    };
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let id = canonical.to_string_lossy().replace('\\', "/");
    Some(Repo {
        name: name_of(&id),
        slug: slug_of(&id),
        id,
        location: Location::Local { git_dir, work_tree },
    })
}

/// A list file: one path (relative to the list) or URL per line; `#` comments.
fn read_list(list: &Path, text: &str, repos: &mut Vec<Repo>, errors: &mut Vec<SourceError>) {
    let base = list.parent().unwrap_or(Path::new("."));
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = || format!("{}:{}", list.display(), n + 1);
        if is_url(line) {
            let id = without_credentials(line);
            repos.push(Repo {
                name: name_of(&id),
                slug: slug_of(&id),
                id,
                location: Location::Remote { url: line.to_string() },
            });
            continue;
        }
        let path = base.join(line);
        match local(&path) {
            Some(repo) => repos.push(repo),
            None if path.is_dir() => search(&path, repos, errors),
            None => errors.push(SourceError {
                source: source(),
                message: format!("{line}: not a git repository, a folder or a URL"),
            }),
        }
    }
}

fn is_url(text: &str) -> bool {
    ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|scheme| text.starts_with(scheme))
        || (text.contains('@') && text.contains(':') && !text.contains("://"))
}

/// The URL with any `user:password@` left out.
pub fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = userinfo_end(rest).map_or(rest, |at| &rest[at + 1..]);
            let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
            let path = path.trim_end_matches('/');
            let path = path.strip_suffix(".git").unwrap_or(path);
            format!("{scheme}://{host}/{path}")
        }
        // scp-like `git@host:org/repo.git`: the user is not a secret, but is not
        // part of what the repository is.
        None => {
            let rest = url.rsplit_once('@').map_or(url, |(_, rest)| rest);
            let rest = rest.strip_suffix(".git").unwrap_or(rest);
            format!("ssh://{}", rest.replacen(':', "/", 1))
        }
    }
}

/// `text` with the `user:password@` of every URL in it left out.
fn strip_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        out.push_str(&rest[..at + 3]);
        rest = &rest[at + 3..];
        let url_end = rest
            .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .unwrap_or(rest.len());
        if let Some(user_end) = userinfo_end(&rest[..url_end]) {
            rest = &rest[user_end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Where the `user:password@` of `rest` (a URL after its `://`) ends: the `@`.
/// A password may hold a `/` (`user:pa/ss@host`), so the authority is not simply
/// what comes before the first `/`: the last `@` ends the user information when
/// no `/` comes before it, or when what follows a `:` before the first `/` is not
/// a port (`host:8443/a@b` is a path with an `@`).
fn userinfo_end(rest: &str) -> Option<usize> {
    let at = rest.rfind('@')?;
    let before = &rest[..at];
    let Some(slash) = before.find('/') else {
        return Some(at);
    };
    let colon = before[..slash].find(':')?;
    let port = &before[colon + 1..slash];
    (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit())).then_some(at)
}

/// The last two parts of a path or URL: `org/repo`.
fn name_of(id: &str) -> String {
    let parts: Vec<&str> = id.trim_end_matches('/').rsplit('/').take(2).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// A file name for the repository: its name, made safe, and a hash of its identity
/// so two repositories of the same name do not share files.
fn slug_of(id: &str) -> String {
    let name: String = name_of(id)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = Sha256::digest(id.as_bytes());
    format!("{}-{}", name.trim_matches('.'), crate::model::hex(&digest[..4]))
}

/// Why a repository could not be cloned or fetched. Nothing in it carries a user
/// name or password from a URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot run git: {0}")]
    NoGit(std::io::Error),
    /// git said no; `message` is all it said, on one line, the URL replaced by the
    /// repository's identity.
    #[error("{step} failed: {message}")]
    Git { step: &'static str, message: String },
    #[error("cache {}: {source}", dir.display())]
    Cache { dir: PathBuf, source: std::io::Error },
}

/// Clones `url` (or fetches it again) into `cache`, returning the bare repository.
/// `max_blob` asks the server to leave out blobs the scan would skip as too large.
/// `all_refs` fetches every ref the server has (pull request heads, notes), into a
/// clone of its own: a branches-only audit never scans refs an earlier one fetched.
pub fn fetch(repo: &Repo, url: &str, cache: &Path, max_blob: u64, all_refs: bool) -> Result<PathBuf, FetchError> {
    let (dir, refspec) = if all_refs {
        (cache.join(format!("{}.all.git", repo.slug)), "+refs/*:refs/*")
    } else {
        (cache.join(format!("{}.git", repo.slug)), "+refs/heads/*:refs/heads/*")
    };
    let run = |step: &'static str, command: &mut Command| -> Result<(), FetchError> {
        // Never ask for a password on a terminal: an audit runs unattended.
        let output = command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "true")
            .output()
            .map_err(FetchError::NoGit)?;
        if output.status.success() {
            return Ok(());
        }
        // git repeats the URL in its messages: show the identity instead, and no
        // user name or password in any URL it mentions. Every line is kept: the
        // reason is often before the advice that ends the message.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said: Vec<&str> = stderr.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let message = match said.is_empty() {
            true => format!("git exited with {}", output.status),
            false => strip_userinfo(&said.join(" ").replace(url, &repo.id)),
        };
        Err(FetchError::Git { step, message })
    };
    let fetch_into = |dir: &Path| {
        run(
            "fetch",
            Command::new("git")
                .arg("--git-dir")
                .arg(dir)
                .args(["fetch", "--quiet", "--prune", "--tags", "origin", refspec]),
        )
    };
    if dir.join("HEAD").is_file() {
        fetch_into(&dir)?;
    } else {
        std::fs::create_dir_all(cache).map_err(|source| FetchError::Cache {
            dir: cache.to_path_buf(),
            source,
        })?;
        let partial = dir.with_extension("partial");
        let _ = std::fs::remove_dir_all(&partial);
        run(
            "clone",
            Command::new("git")
                .args(["clone", "--quiet", "--bare", "--no-hardlinks"])
                .arg(format!("--filter=blob:limit={max_blob}"))
                .arg(url)
                .arg(&partial),
        )?;
        // Fetching again must update every branch (every ref), as a mirror would.
        run(
            "configuring the clone",
            Command::new("git")
                .arg("--git-dir")
                .arg(&partial)
                .args(["config", "remote.origin.fetch", refspec]),
        )?;
        // A clone brings branches and tags only.
        if all_refs {
            fetch_into(&partial)?;
        }
        std::fs::rename(&partial, &dir).map_err(|source| FetchError::Cache {
            dir: dir.clone(),
            source,
        })?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_identity() {
        assert_eq!(
            without_credentials("https://user:tok3n@git.example.com/org/repo.git"),
            "https://git.example.com/org/repo"
        );
        assert_eq!(
            without_credentials("git@github.com:org/repo.git"),
            "ssh://github.com/org/repo"
        );
        assert_eq!(without_credentials("file:///srv/git/a.git/"), "file:///srv/git/a");
        let id = without_credentials("https://x:y@h/o/r");
        assert_eq!(name_of(&id), "o/r");
        assert!(slug_of(&id).starts_with("o_r-"));
        assert_eq!(
            strip_userinfo("fatal: unable to access 'https://bob:pw@h/o/r.git/': refused; see https://h/x"),
            "fatal: unable to access 'https://h/o/r.git/': refused; see https://h/x"
        );
        // A password with a slash in it.
        assert_eq!(
            without_credentials("https://bob:pa/ss@git.example.com/o/r.git"),
            "https://git.example.com/o/r"
        );
        assert_eq!(
            strip_userinfo("fatal: 'https://bob:pa/ss@h/o/r.git' not found"),
            "fatal: 'https://h/o/r.git' not found"
        );
        // An `@` in a path is not user information.
        assert_eq!(without_credentials("https://h/o/r@v2"), "https://h/o/r@v2");
        assert_eq!(without_credentials("https://h:8443/o/r@v2"), "https://h:8443/o/r@v2");
    }

    #[test]
    fn a_failed_clone_says_all_git_said_on_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        let url = format!("file://{}", plain.display());
        let repo = Repo {
            id: url.clone(),
            name: "plain".into(),
            slug: "plain".into(),
            location: Location::Remote { url: url.clone() },
        };
        let e = fetch(&repo, &url, &dir.path().join("cache"), 1 << 20, false)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("clone failed: fatal: "), "{e}");
        assert!(!e.contains('\n'), "{e}");
        // The reason, then git's advice: both, not only the last line.
        assert!(e.contains("does not appear to be a git repository"), "{e}");
        assert!(e.ends_with("and the repository exists."), "{e}");
        assert!(!dir.path().join("cache/plain.partial").exists());
    }
}
