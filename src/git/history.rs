//! Git history through libgit2: the refs a scan starts from, the blobs a commit range
//! introduced, and commit metadata.
//!
//! A whole history is read pass by pass from the object store instead (see
//! [`odb`](crate::git::odb) and [`lineage`](crate::git::lineage)); a range (`A..B`,
//! a pull request) is a few commits, each compared with its parents here: a blob counts
//! as introduced where no parent has it at that path; for a merge, that is what the
//! merge itself wrote (a conflict's resolution).

use super::GitError;
use crate::model::CommitInfo;
use crate::model::Problem;
use git2::{Oid, Repository, Sort, Tree};
use std::collections::HashSet;
use std::path::Path;

/// A git object id, as the history scan passes it around.
pub use git2::Oid as ObjectId;

/// A repository opened for a history scan. Not shared between threads: a thread
/// that needs one opens its own with [`reopen`](HistoryRepo::reopen).
pub struct HistoryRepo {
    repo: Repository,
    /// Objects a push brought that git keeps apart until its pre-receive hook
    /// accepts them (`GIT_QUARANTINE_PATH`).
    quarantine: Option<std::path::PathBuf>,
}

impl HistoryRepo {
    /// The repository around `dir`, with libgit2 set up for the reads a history scan
    /// leaves to it.
    pub fn discover(dir: &Path) -> Result<HistoryRepo, GitError> {
        let repo = super::discover(dir)?;
        tune_libgit2();
        Ok(HistoryRepo { repo, quarantine: None })
    }

    /// Also reads the objects in `quarantine`: a pushed change, during the server's
    /// pre-receive hook.
    pub fn with_quarantine(mut self, quarantine: Option<&Path>) -> Result<HistoryRepo, GitError> {
        if let Some(dir) = quarantine {
            let odb = self
                .repo
                .odb()
                .map_err(|e| GitError::Unreadable(format!("cannot open the object database: {}", e.message())))?;
            odb.add_disk_alternate(&dir.to_string_lossy()).map_err(|e| {
                GitError::Unreadable(format!(
                    "{}: cannot read the pushed objects: {}",
                    dir.display(),
                    e.message()
                ))
            })?;
        }
        self.quarantine = quarantine.map(Path::to_path_buf);
        Ok(self)
    }

    /// The repository whose `.git` directory is `git_dir`.
    pub fn open(git_dir: &Path) -> Result<HistoryRepo, GitError> {
        Repository::open(git_dir)
            .map(|repo| HistoryRepo { repo, quarantine: None })
            .map_err(|e| GitError::NotARepository(format!("cannot open the repository: {}", e.message())))
    }

    /// A handle of its own on the same repository.
    pub fn reopen(&self) -> Result<HistoryRepo, GitError> {
        HistoryRepo::open(self.repo.path())?.with_quarantine(self.quarantine.as_deref())
    }

    /// The `.git` directory.
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The directory holding the objects and refs (a linked work tree shares its
    /// main repository's).
    pub fn common_dir(&self) -> &Path {
        self.repo.commondir()
    }

    /// What a whole-history scan starts from: `selection.branch`, or every ref
    /// (tags and remote-tracking refs too; `refs/stash` when asked).
    pub fn tips(&self, selection: &Selection, problems: &mut Vec<Problem>) -> Result<Tips, GitError> {
        tips(&self.repo, selection, problems).map_err(GitError::BadRevision)
    }

    /// Every file of the trees and every blob that refs point at directly, as
    /// (`ref:path` or `ref`, blob id). Read through libgit2: a few trees at most.
    pub fn tagged_files(&self, tagged: &[Tagged], problems: &mut Vec<Problem>) -> Vec<(String, ObjectId)> {
        let mut files = Vec::new();
        for Tagged { name, id, tree } in tagged {
            if !tree {
                files.push((name.clone(), *id));
                continue;
            }
            let walked = self.repo.find_tree(*id).and_then(|tree| {
                tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                    if entry.kind() == Some(git2::ObjectType::Blob) {
                        let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
                        files.push((format!("{name}:{path}"), entry.id()));
                    }
                    git2::TreeWalkResult::Ok
                })
            });
            if let Err(e) = walked {
                problems.push(problem(
                    &self.repo,
                    format!("ref {name}: its tree {id}: {}", e.message()),
                ));
            }
        }
        files
    }

    /// Lists the blobs the commits of `range` introduced, handing each to `on_blob`
    /// as soon as it is found, so scanning overlaps enumeration. `wanted_path` picks
    /// the paths reported as files (file rules).
    pub fn enumerate_range(
        &self,
        revisions: &Revisions,
        wanted_path: &dyn Fn(&str) -> bool,
        on_blob: &mut dyn FnMut(Introduced),
    ) -> Result<History, GitError> {
        enumerate_range(&self.repo, revisions, wanted_path, on_blob).map_err(GitError::BadRevision)
    }

    /// Author, email and date of commit `id`; the id alone when it cannot be read.
    pub fn commit_info(&self, id: ObjectId) -> CommitInfo {
        commit_info(Some(&self.repo), id)
    }

    /// [`commit_info`](HistoryRepo::commit_info) for an id given as raw bytes.
    pub fn commit_info_raw(&self, raw: &[u8]) -> CommitInfo {
        self.commit_info(Oid::from_bytes(raw).unwrap_or(Oid::ZERO_SHA1))
    }

    /// The digest the repository names its objects with (`extensions.objectFormat`).
    pub fn object_hash(&self) -> crate::git::objects::HashKind {
        super::object_hash(&self.repo)
    }

    /// Whether the repository is a partial clone: a remote is its promisor, so blobs
    /// it lacks were left on the server on purpose.
    pub fn is_partial_clone(&self) -> bool {
        is_partial_clone(&self.repo)
    }

    /// The object database, for reading blobs from many threads (each with its own
    /// [`Reader`](crate::git::odb::Reader)).
    pub fn objects(&self) -> Result<crate::git::odb::Objects, GitError> {
        let main = self.repo.commondir().join("objects");
        let dirs: Vec<&Path> = std::iter::once(main.as_path())
            .chain(self.quarantine.as_deref())
            .collect();
        crate::git::odb::Objects::open_all(&dirs, self.object_hash())
    }
}

/// Sets libgit2 up for the reads it still does (a range, loose objects, what a
/// damaged pack did not deliver): no object cache (each object is read once), and a
/// cap on mapped pack windows. Each object it reads is still checked against its id:
/// these are few, and some come from a pack known to be damaged.
fn tune_libgit2() {
    git2::opts::enable_caching(false);
    // SAFETY: these set process-wide libgit2 options; they are called before the
    // scan's threads open repositories, and libgit2 guards them with its own lock.
    unsafe {
        let _ = git2::opts::set_cache_max_size(32 * 1024 * 1024);
        let _ = git2::opts::set_mwindow_mapped_limit(256 * 1024 * 1024);
    }
}

/// Which commits to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only blobs introduced by commits in `A..B`.
    pub range: Option<String>,
    /// Only blobs introduced by the commits a push brings (`pre-push`, `pre-receive`).
    pub pushed: Option<Pushed>,
    /// Only this ref's ancestry (all refs when `None`).
    pub branch: Option<String>,
    /// Include `refs/stash` with the other refs.
    pub stash: bool,
    /// Also report what is found in blobs no ref reaches (whole-history scans).
    pub unreachable: bool,
}

/// The commits of a push: reachable from `include`, and from none of `exclude` (ids
/// the other side has, when they are known here) or of the refs `exclude_refs`
/// globs name (`refs/remotes/origin/*` for a client; `refs/*` on a server, before
/// the push updates them).
#[derive(Debug, Clone, Default)]
pub struct Pushed {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub exclude_refs: Vec<String>,
    /// Where a server keeps the pushed objects until pre-receive accepts them.
    pub quarantine: Option<std::path::PathBuf>,
}

/// The commits whose introduced blobs a range scan reads.
#[derive(Debug, Clone, Copy)]
pub enum Revisions<'a> {
    Range(&'a str),
    Pushed(&'a Pushed),
}

/// Where a whole-history scan starts.
#[derive(Debug, Default)]
pub struct Tips {
    /// The commits refs point at, through annotated tags.
    pub commits: Vec<Oid>,
    /// Refs that point at a tree or a blob (`git tag v1-tree HEAD^{tree}`): no
    /// commit leads to what they hold, yet every clone carries it.
    pub tagged: Vec<Tagged>,
}

/// A ref that points at a tree or a blob.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub name: String,
    pub id: Oid,
    pub tree: bool,
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
    /// Blobs introduced again at another path after `on_blob` had them (a file
    /// copied or moved): each is a place of that blob's findings too.
    pub again: Vec<Introduced>,
    /// (index into `commits`, message) of every commit visited.
    pub messages: Vec<(usize, Vec<u8>)>,
    pub problems: Vec<Problem>,
}

/// Lists the blobs the commits of `range` introduced, handing each to `on_blob` as
/// soon as it is found, so scanning overlaps enumeration. `wanted_path` picks the paths
/// reported as files (file rules).
fn enumerate_range(
    repo: &Repository,
    revisions: &Revisions,
    wanted_path: &dyn Fn(&str) -> bool,
    on_blob: &mut dyn FnMut(Introduced),
) -> Result<History, String> {
    let mut walk = repo
        .revwalk()
        .map_err(|e| format!("cannot walk the history: {}", e.message()))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(|e| e.message().to_string())?;
    let mut history = History::default();
    match revisions {
        Revisions::Range(range) => walk
            .push_range(range)
            .map_err(|e| format!("bad range {range:?}: {}", e.message()))?,
        Revisions::Pushed(pushed) => {
            for id in &pushed.include {
                // A pushed tag is followed to its commit; a tag of a tree or a blob
                // has no commits to walk (its content is not read here: noted).
                let commit = repo
                    .revparse_single(id)
                    .and_then(|object| object.peel_to_commit())
                    .map_err(|e| format!("pushed {id}: {}", e.message()));
                match commit {
                    Ok(commit) => walk.push(commit.id()).map_err(|e| e.message().to_string())?,
                    Err(message) => history.problems.push(problem(repo, message)),
                }
            }
            for id in &pushed.exclude {
                // The other side's commit may be unknown here (a force push from
                // another clone): the ref globs then bound the walk.
                if let Ok(commit) = repo.revparse_single(id).and_then(|o| o.peel_to_commit()) {
                    walk.hide(commit.id()).map_err(|e| e.message().to_string())?;
                }
            }
            for glob in &pushed.exclude_refs {
                walk.hide_glob(glob)
                    .map_err(|e| format!("refs {glob}: {}", e.message()))?;
            }
        }
    }
    let mut seen_blobs = HashSet::new();
    let mut seen_files: HashSet<Vec<u8>> = HashSet::new();
    for id in walk {
        if crate::interrupt::requested() {
            break;
        }
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
        history.messages.push((index, commit.message_bytes().to_vec()));
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
        let (files, again) = (&mut history.files, &mut history.again);
        let mut visit = |path: &[u8], blob: Oid| {
            let text = String::from_utf8_lossy(path);
            if wanted_path(&text) && seen_files.insert(path.to_vec()) {
                files.push(Introduced {
                    blob,
                    path: text.clone().into_owned(),
                    commit: index,
                });
            }
            let intro = Introduced {
                blob,
                path: text.into_owned(),
                commit: index,
            };
            if seen_blobs.insert(blob) {
                on_blob(intro);
            } else {
                again.push(intro);
            }
        };
        introduced_by(repo, &commit, &tree, &mut visit, &mut history.problems);
    }
    Ok(history)
}

/// What a whole-history scan starts from: `selection.branch`, or every ref (tags and
/// remote-tracking refs too; `refs/stash` when asked).
///
/// Refs are peeled by object headers, never by parsing the commit: libgit2 refuses
/// a commit with a date it cannot parse, and a branch ending in one would otherwise
/// be skipped with all it holds. The whole-history passes read commits themselves.
fn tips(repo: &Repository, selection: &Selection, problems: &mut Vec<Problem>) -> Result<Tips, String> {
    let odb = repo
        .odb()
        .map_err(|e| format!("cannot open the object database: {}", e.message()))?;
    let mut tips = Tips::default();
    let add = |tips: &mut Tips, name: &str, id: Oid| -> Result<(), String> {
        match peel(&odb, id)? {
            (id, git2::ObjectType::Commit) => tips.commits.push(id),
            (id, kind @ (git2::ObjectType::Tree | git2::ObjectType::Blob)) => tips.tagged.push(Tagged {
                name: name.to_string(),
                id,
                tree: kind == git2::ObjectType::Tree,
            }),
            (id, kind) => return Err(format!("{id} is a {kind}")),
        }
        Ok(())
    };
    if let Some(branch) = &selection.branch {
        let id = repo
            .resolve_reference_from_short_name(branch)
            .ok()
            .and_then(|r| r.resolve().ok())
            .and_then(|r| r.target())
            .map_or_else(|| repo.revparse_single(branch).map(|o| o.id()), Ok)
            .map_err(|e| format!("unknown branch or ref {branch:?}: {}", e.message()))?;
        add(&mut tips, branch, id).map_err(|e| format!("branch or ref {branch:?}: {e}"))?;
        if !tips.commits.is_empty() {
            tips.tagged.clear();
            return Ok(tips);
        }
        return Err(format!("{branch:?} does not lead to a commit"));
    }
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
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        if name == "refs/stash" && !selection.stash {
            continue;
        }
        let target = match reference.resolve() {
            Ok(direct) => direct.target(),
            // A symbolic ref to nothing (a remote's HEAD after its branch went).
            Err(e) if e.code() == git2::ErrorCode::NotFound => None,
            Err(e) => {
                problems.push(problem(repo, format!("ref {name}: {}", e.message())));
                None
            }
        };
        if let Some(id) = target {
            if let Err(e) = add(&mut tips, &name, id) {
                problems.push(problem(repo, format!("ref {name}: {e}")));
            }
        }
    }
    // A detached HEAD is history too, though no branch names it.
    if let Some(id) = repo.head().ok().and_then(|h| h.resolve().ok()).and_then(|h| h.target()) {
        let _ = add(&mut tips, "HEAD", id);
    }
    Ok(tips)
}

/// The object `id` leads to through annotated tags, and its kind, read from object
/// headers and tag objects only.
fn peel(odb: &git2::Odb<'_>, mut id: Oid) -> Result<(Oid, git2::ObjectType), String> {
    // Tags of tags are legal; a cycle is not possible with hashes, a long chain is.
    for _ in 0..64 {
        let kind = odb
            .read_header(id)
            .map_err(|e| format!("object {id}: {}", e.message()))?
            .1;
        if kind != git2::ObjectType::Tag {
            return Ok((id, kind));
        }
        let tag = odb.read(id).map_err(|e| format!("tag {id}: {}", e.message()))?;
        let target = super::objects::tag_target(tag.data()).ok_or_else(|| format!("tag {id}: malformed"))?;
        id = Oid::from_bytes(target.as_bytes()).map_err(|e| e.message().to_string())?;
    }
    Err(format!("tag {id}: a chain of more than 64 tags"))
}

/// Hands `visit` every blob `commit` introduced: a path whose blob no parent has at
/// that path (for a root commit, every blob). Each parent's tree is compared with
/// the commit's by a tree diff, which skips every subtree they share by its id, so
/// a commit costs what it changed, not the size of its tree.
fn introduced_by(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    tree: &Tree<'_>,
    visit: &mut dyn FnMut(&[u8], Oid),
    problems: &mut Vec<Problem>,
) {
    let parents: Vec<Option<Tree<'_>>> = if commit.parent_count() == 0 {
        vec![None]
    } else {
        commit.parents().map(|p| p.tree().ok()).collect()
    };
    // (path, blob) changed against each parent; introduced means changed against all.
    let mut changed: Option<Vec<(Vec<u8>, Oid)>> = None;
    for parent in &parents {
        let mut options = git2::DiffOptions::new();
        options.ignore_submodules(true).include_typechange(true);
        let diff = match repo.diff_tree_to_tree(parent.as_ref(), Some(tree), Some(&mut options)) {
            Ok(diff) => diff,
            Err(e) => {
                problems.push(problem(
                    repo,
                    format!(
                        "commit {}: cannot compare it with its parent: {}",
                        commit.id(),
                        e.message()
                    ),
                ));
                return;
            }
        };
        let mut here: Vec<(Vec<u8>, Oid)> = diff
            .deltas()
            .filter(|d| {
                matches!(
                    d.status(),
                    git2::Delta::Added
                        | git2::Delta::Modified
                        | git2::Delta::Renamed
                        | git2::Delta::Copied
                        | git2::Delta::Typechange
                )
            })
            .filter_map(|d| {
                let new = d.new_file();
                // Symbolic links hold a path and submodules a commit: no content here.
                let mode = u32::from(new.mode());
                let blob = mode & 0o170000 == 0o100000;
                (blob && !new.id().is_zero()).then(|| (new.path_bytes().unwrap_or_default().to_vec(), new.id()))
            })
            .collect();
        here.sort();
        changed = Some(match changed {
            None => here,
            Some(before) => before.into_iter().filter(|c| here.binary_search(c).is_ok()).collect(),
        });
    }
    for (path, id) in changed.unwrap_or_default() {
        visit(&path, id);
    }
}

/// Author, email and date of commit `id`; the id alone when it cannot be read.
fn commit_info(repo: Option<&Repository>, id: Oid) -> CommitInfo {
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
        kind: crate::model::ProblemKind::Unread,
    }
}

/// Whether the repository is a partial clone: a remote is its promisor, so blobs it
/// lacks were left on the server on purpose.
fn is_partial_clone(repo: &Repository) -> bool {
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
