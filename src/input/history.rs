//! Git history through libgit2: the refs a scan starts from, the blobs a commit range
//! introduced, and commit metadata.
//!
//! A whole history is read pass by pass from the object store instead (see
//! [`odb`](crate::input::odb) and [`lineage`](crate::input::lineage)); a range (`A..B`,
//! a pull request) is a few commits, each compared with its parents here: a blob counts
//! as introduced where no parent has it at that path; for a merge, that is what the
//! merge itself wrote (a conflict's resolution).

use crate::model::CommitInfo;
use crate::model::Problem;
use git2::{ObjectType, Oid, Repository, Sort, Tree, TreeWalkMode, TreeWalkResult};
use std::collections::HashSet;

/// Which commits to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only blobs introduced by commits in `A..B`.
    pub range: Option<String>,
    /// Only this ref's ancestry (all refs when `None`).
    pub branch: Option<String>,
    /// Include `refs/stash` with the other refs.
    pub stash: bool,
    /// Also report what is found in blobs no ref reaches (whole-history scans).
    pub unreachable: bool,
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

/// Lists the blobs the commits of `range` introduced, handing each to `on_blob` as
/// soon as it is found, so scanning overlaps enumeration. `wanted_path` picks the paths
/// reported as files (file rules).
pub fn enumerate_range(
    repo: &Repository,
    range: &str,
    wanted_path: &dyn Fn(&str) -> bool,
    on_blob: &mut dyn FnMut(Introduced),
) -> Result<History, String> {
    let mut walk = repo
        .revwalk()
        .map_err(|e| format!("cannot walk the history: {}", e.message()))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| e.message().to_string())?;
    walk.push_range(range)
        .map_err(|e| format!("bad range {range:?}: {}", e.message()))?;
    let mut history = History::default();
    let mut seen_blobs = HashSet::new();
    let mut seen_files: HashSet<Vec<u8>> = HashSet::new();
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
        let mut visit = |path: &[u8], blob: Oid| {
            let text = String::from_utf8_lossy(path);
            if wanted_path(&text) && seen_files.insert(path.to_vec()) {
                files.push(Introduced {
                    blob,
                    path: text.clone().into_owned(),
                    commit: index,
                });
            }
            if seen_blobs.insert(blob) {
                on_blob(Introduced {
                    blob,
                    path: text.into_owned(),
                    commit: index,
                });
            }
        };
        introduced_by(repo, &commit, &tree, &mut visit, &mut history.problems);
    }
    Ok(history)
}

/// The commits a whole-history scan starts from: `selection.branch`, or every ref
/// (tags and remote-tracking refs too; `refs/stash` when asked).
pub fn tips(repo: &Repository, selection: &Selection, problems: &mut Vec<Problem>) -> Result<Vec<Oid>, String> {
    if let Some(branch) = &selection.branch {
        let commit = repo
            .revparse_single(branch)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| format!("unknown branch or ref {branch:?}: {}", e.message()))?;
        return Ok(vec![commit.id()]);
    }
    let refs = repo
        .references()
        .map_err(|e| format!("cannot list refs: {}", e.message()))?;
    let mut tips = Vec::new();
    for reference in refs {
        let reference = match reference {
            Ok(r) => r,
            Err(e) => {
                problems.push(problem(repo, format!("unreadable ref: {}", e.message())));
                continue;
            }
        };
        let name = reference.name().unwrap_or("").to_string();
        if name == "refs/stash" && !selection.stash {
            continue;
        }
        match reference.peel_to_commit() {
            Ok(commit) => tips.push(commit.id()),
            // Tags of trees or blobs, and symbolic refs to nothing: not history.
            Err(e) if e.code() == git2::ErrorCode::InvalidSpec || e.class() == git2::ErrorClass::Object => {}
            Err(e) => problems.push(problem(repo, format!("ref {name}: {}", e.message()))),
        }
    }
    // A detached HEAD is history too, though no branch names it.
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        tips.push(head.id());
    }
    Ok(tips)
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
        date: crate::model::rfc3339(author.when().seconds()),
    }
}

fn problem(repo: &Repository, message: String) -> Problem {
    Problem {
        path: repo.path().display().to_string(),
        message,
        fatal: false,
    }
}

/// Whether the repository is a partial clone: a remote is its promisor, so blobs it
/// lacks were left on the server on purpose.
pub fn is_partial_clone(repo: &git2::Repository) -> bool {
    let Ok(config) = repo.config() else { return false };
    let Ok(mut entries) = config.entries(Some(r"remote\..*\.promisor")) else {
        return false;
    };
    let mut promisor = false;
    while let Some(Ok(entry)) = entries.next() {
        promisor |= entry.value().is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    }
    promisor || config.get_string("extensions.partialclone").is_ok()
}
