//! Git history: every blob reachable from the chosen refs, each listed once, with the
//! commit and path that introduced it.
//!
//! Whole history: commits are visited oldest first and every tree is read once (a tree
//! seen in an earlier commit holds nothing new), so the first commit whose tree holds
//! a blob is the one credited with it. A range (`A..B`): each commit in the range is
//! compared with its parents, and a blob counts as introduced where no parent has it
//! at that path; for a merge, that is what the merge itself wrote (a conflict's
//! resolution).

use crate::finding::CommitInfo;
use crate::input::Problem;
use git2::{ObjectType, Oid, Repository, Sort, Tree, TreeWalkMode, TreeWalkResult};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// Object ids are SHA-1 digests, already uniformly spread: their first 8 bytes are a
/// hash. SipHash over all 20, for each of a hundred million tree entries, is not.
#[derive(Default)]
struct OidHasher(u64);

impl Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Oid hashes as its byte slice (length first, then the 20 bytes).
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
}

type OidSet = HashSet<Oid, BuildHasherDefault<OidHasher>>;

/// Which commits to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only blobs introduced by commits in `A..B`.
    pub range: Option<String>,
    /// Only this ref's ancestry (all refs when `None`).
    pub branch: Option<String>,
    /// Include `refs/stash` with the other refs.
    pub stash: bool,
}

/// A blob and where it first appeared.
#[derive(Debug, Clone)]
pub struct Introduced {
    pub blob: Oid,
    pub path: String,
    /// Index into [`History::commits`].
    pub commit: usize,
}

/// What enumeration learnt besides the blobs it streamed.
#[derive(Debug, Default)]
pub struct History {
    /// Every commit visited, oldest first. Author and date are read only for the few
    /// that findings point to ([`commit_info`]).
    pub commits: Vec<Oid>,
    /// Paths (with the commit that first added each) that `wanted_path` accepted,
    /// whatever their content: the `.env` files ever committed.
    pub files: Vec<Introduced>,
    pub problems: Vec<Problem>,
}

/// Lists the blobs of `selection` in `repo`, handing each new one to `on_blob` as soon
/// as it is found, so scanning overlaps enumeration. `wanted_path` picks the paths
/// reported as files (file rules).
pub fn enumerate(
    repo: &Repository,
    selection: &Selection,
    wanted_path: &dyn Fn(&str) -> bool,
    on_blob: &mut dyn FnMut(Introduced),
) -> Result<History, String> {
    let mut walk = repo
        .revwalk()
        .map_err(|e| format!("cannot walk the history: {}", e.message()))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| e.message().to_string())?;
    let mut history = History::default();
    match (&selection.range, &selection.branch) {
        (Some(range), _) => {
            walk.push_range(range)
                .map_err(|e| format!("bad range {range:?}: {}", e.message()))?;
        }
        (None, Some(branch)) => {
            let commit = repo
                .revparse_single(branch)
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| format!("unknown branch or ref {branch:?}: {}", e.message()))?;
            walk.push(commit.id()).map_err(|e| e.message().to_string())?;
        }
        (None, None) => push_all_refs(repo, &mut walk, selection.stash, &mut history.problems)?,
    }
    let mut seen_trees = OidSet::default();
    let mut seen_blobs = OidSet::default();
    let mut seen_files: HashSet<Vec<u8>> = HashSet::new();
    let mut path = Vec::with_capacity(256);
    for id in walk {
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                history
                    .problems
                    .push(problem(repo, format!("cannot walk the history: {}", e.message())));
                continue;
            }
        };
        let commit = match repo.find_commit(id) {
            Ok(c) => c,
            Err(e) => {
                history
                    .problems
                    .push(problem(repo, format!("commit {id}: {}", e.message())));
                continue;
            }
        };
        let index = history.commits.len();
        history.commits.push(id);
        let tree = match commit.tree() {
            Ok(tree) => tree,
            Err(e) => {
                history.problems.push(problem(
                    repo,
                    format!("commit {id}: cannot read its tree: {}", e.message()),
                ));
                continue;
            }
        };
        let files = &mut history.files;
        // Paths are built in one reused buffer: a new tree lists every entry again, and
        // only the few new blobs and wanted paths become strings.
        let mut visit = |path: &[u8], blob: Oid| {
            let new_blob = seen_blobs.insert(blob);
            let text = String::from_utf8_lossy(path);
            if wanted_path(&text) && seen_files.insert(path.to_vec()) {
                files.push(Introduced {
                    blob,
                    path: text.clone().into_owned(),
                    commit: index,
                });
            }
            if new_blob {
                on_blob(Introduced {
                    blob,
                    path: text.into_owned(),
                    commit: index,
                });
            }
        };
        if selection.range.is_some() {
            introduced_by(repo, &commit, &tree, &mut visit, &mut history.problems);
        } else {
            path.clear();
            walk_new_trees(
                repo,
                &tree,
                &mut path,
                &mut seen_trees,
                &mut visit,
                &mut history.problems,
            );
        }
    }
    Ok(history)
}

fn push_all_refs(
    repo: &Repository,
    walk: &mut git2::Revwalk<'_>,
    stash: bool,
    problems: &mut Vec<Problem>,
) -> Result<(), String> {
    let refs = repo
        .references()
        .map_err(|e| format!("cannot list refs: {}", e.message()))?;
    for reference in refs {
        let reference = match reference {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(repo, format!("unreadable ref: {}", e.message())));
                continue;
            }
        };
        let name = reference.name().unwrap_or("").to_string();
        if name == "refs/stash" && !stash {
            continue;
        }
        match reference.peel_to_commit() {
            Ok(commit) => {
                if let Err(e) = walk.push(commit.id()) {
                    problems.push(problem(repo, format!("ref {name}: {}", e.message())));
                }
            }
            // Tags of trees or blobs, and symbolic refs to nothing: not history.
            Err(e) if e.code() == git2::ErrorCode::InvalidSpec || e.class() == git2::ErrorClass::Object => {}
            Err(e) => problems.push(problem(repo, format!("ref {name}: {}", e.message()))),
        }
    }
    Ok(())
}

/// Calls `visit` with each blob of `tree` under trees not seen before, and its path.
fn walk_new_trees(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &mut Vec<u8>,
    seen_trees: &mut OidSet,
    visit: &mut dyn FnMut(&[u8], Oid),
    problems: &mut Vec<Problem>,
) {
    if !seen_trees.insert(tree.id()) {
        return;
    }
    for entry in tree.iter() {
        let len = path.len();
        path.extend_from_slice(entry.name_bytes());
        match entry.kind() {
            Some(ObjectType::Tree) if !seen_trees.contains(&entry.id()) => match repo.find_tree(entry.id()) {
                Ok(sub) => {
                    path.push(b'/');
                    walk_new_trees(repo, &sub, path, seen_trees, visit, problems);
                }
                Err(e) => problems.push(problem(
                    repo,
                    format!(
                        "{}: missing tree {}: {}",
                        String::from_utf8_lossy(path),
                        entry.id(),
                        e.message()
                    ),
                )),
            },
            // Regular files only: symbolic links hold a path, submodules a commit.
            Some(ObjectType::Blob) if entry.filemode() != 0o120000 => visit(path, entry.id()),
            _ => {}
        }
        path.truncate(len);
    }
}

/// Calls `visit` with each blob `commit` wrote that none of its parents has at the
/// same path.
fn introduced_by(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    tree: &Tree<'_>,
    visit: &mut dyn FnMut(&[u8], Oid),
    problems: &mut Vec<Problem>,
) {
    let parents: Vec<Tree<'_>> = commit.parents().filter_map(|p| p.tree().ok()).collect();
    let in_a_parent = |path: &str, id: Oid| {
        parents
            .iter()
            .any(|p| p.get_path(std::path::Path::new(path)).is_ok_and(|e| e.id() == id))
    };
    let result = tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
        match entry.kind() {
            // A subtree every parent shares holds nothing new.
            Some(ObjectType::Tree) if !parents.is_empty() && in_a_parent(&path, entry.id()) => TreeWalkResult::Skip,
            Some(ObjectType::Blob) if entry.filemode() != 0o120000 => {
                if !in_a_parent(&path, entry.id()) {
                    visit(path.as_bytes(), entry.id());
                }
                TreeWalkResult::Ok
            }
            _ => TreeWalkResult::Ok,
        }
    });
    if let Err(e) = result {
        problems.push(problem(
            repo,
            format!("commit {}: cannot read its tree: {}", commit.id(), e.message()),
        ));
    }
}

/// Author, email and date of commit `id`; the id alone when it cannot be read.
pub fn commit_info(repo: Option<&Repository>, id: Oid) -> CommitInfo {
    match repo.map(|r| r.find_commit(id)) {
        Some(Ok(commit)) => info_of(&commit),
        _ => CommitInfo {
            id: id.to_string(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
        },
    }
}

fn info_of(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        id: commit.id().to_string(),
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        date: rfc3339(author.when().seconds()),
    }
}

fn problem(repo: &Repository, message: String) -> Problem {
    Problem {
        path: repo.path().display().to_string(),
        message,
        fatal: false,
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, proleptic
/// Gregorian), without a date crate for one conversion.
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
