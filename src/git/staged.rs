//! What is about to be committed: the staged version of each added, modified, renamed
//! or copied file (read from the index, not the working tree, which may differ), and
//! the lines the staged change adds. Works before the first commit. The index is the
//! one git is committing: `GIT_INDEX_FILE` when git names a temporary one.

use super::GitError;
use git2::{Delta, DiffFindOptions, DiffOptions, Oid, Repository};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The change about to be committed in the repository around a directory, and the
/// one handle its staged contents are read through.
pub struct Staged {
    repo: Repository,
    pub files: Vec<StagedFile>,
}

impl Staged {
    /// The staged change of the repository whose work tree holds `dir`.
    /// Files over `max_size` bytes are not compared line by line (libgit2 would load
    /// them whole): they are judged whole, and skipped by their size.
    pub fn open(dir: &Path, max_size: u64) -> Result<Staged, GitError> {
        let repo = super::discover(dir)?;
        let files = staged_files(&repo, max_size).map_err(GitError::Unreadable)?;
        Ok(Staged { repo, files })
    }

    /// The size of `file`'s staged content, from the object's header (nothing is
    /// inflated); `None` when the header cannot be read.
    pub fn size(&self, file: &StagedFile) -> Option<u64> {
        let odb = self.repo.odb().ok()?;
        odb.read_header(file.blob).ok().map(|(size, _)| size as u64)
    }

    /// The staged content of `file`.
    pub fn content(&self, file: &StagedFile) -> Result<Vec<u8>, GitError> {
        self.repo
            .find_blob(file.blob)
            .map(|blob| blob.content().to_vec())
            .map_err(|e| GitError::Unreadable(format!("cannot read the staged content: {}", e.message())))
    }
}

/// One staged file.
#[derive(Debug, Clone)]
pub struct StagedFile {
    /// Path in the index, `/`-separated.
    pub path: String,
    /// The staged content.
    blob: Oid,
    /// 1-based numbers of the lines the change adds; `None` when every line is new.
    pub added_lines: Option<BTreeSet<u32>>,
}

/// The staged changes of `repo`, with renames detected so that moving a file does
/// not report the lines it already had.
fn staged_files(repo: &Repository, max_size: u64) -> Result<Vec<StagedFile>, String> {
    let head = match repo.head() {
        Ok(head) => Some(
            head.peel_to_tree()
                .map_err(|e| format!("cannot read HEAD's tree: {}", e.message()))?,
        ),
        // No commit yet: everything in the index is new.
        Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => None,
        Err(e) => return Err(format!("cannot read HEAD: {}", e.message())),
    };
    let index = super::repo::open_index(repo).map_err(|e| e.to_string())?;
    let mut options = DiffOptions::new();
    options
        .context_lines(0)
        .ignore_submodules(true)
        .include_typechange(true)
        .max_size(i64::try_from(max_size).unwrap_or(i64::MAX));
    let mut diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut options))
        .map_err(|e| format!("cannot compare the index with HEAD: {}", e.message()))?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true).copies(true)))
        .map_err(|e| format!("cannot detect renames: {}", e.message()))?;

    let mut files: BTreeMap<String, StagedFile> = BTreeMap::new();
    for delta in diff.deltas() {
        let new = delta.new_file();
        // Submodules are commits, symbolic links hold a path: neither has content here.
        let mode = u32::from(new.mode());
        if mode == 0o160000 || mode == 0o120000 || new.id().is_zero() {
            continue;
        }
        let all_new = matches!(delta.status(), Delta::Added | Delta::Copied | Delta::Typechange);
        match delta.status() {
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange => {}
            _ => continue,
        }
        let Some(path) = new.path_bytes().map(|p| String::from_utf8_lossy(p).into_owned()) else {
            continue;
        };
        files.insert(
            path.clone(),
            StagedFile {
                path,
                blob: new.id(),
                added_lines: (!all_new).then(BTreeSet::new),
            },
        );
    }
    // Line numbers go to the map through a cell: both callbacks need it mutably.
    let files = std::cell::RefCell::new(files);
    diff.foreach(
        &mut |_, _| true,
        // git calls it binary (a NUL byte, or a UTF-16 file): it has no lines to
        // compare, so judge the whole staged content and let the scanner decide.
        Some(&mut |delta, _binary| {
            if let Some(path) = delta.new_file().path_bytes() {
                if let Some(file) = files.borrow_mut().get_mut(&*String::from_utf8_lossy(path)) {
                    file.added_lines = None;
                }
            }
            true
        }),
        None,
        Some(&mut |delta, _hunk, line| {
            if line.origin() == '+' {
                let path = delta
                    .new_file()
                    .path_bytes()
                    .map(|p| String::from_utf8_lossy(p).into_owned());
                let mut files = files.borrow_mut();
                if let (Some(file), Some(number)) = (path.and_then(|p| files.get_mut(&p)), line.new_lineno()) {
                    if let Some(lines) = &mut file.added_lines {
                        lines.insert(number);
                    }
                }
            }
            true
        }),
    )
    .map_err(|e| format!("cannot diff the staged changes: {}", e.message()))?;
    Ok(files.into_inner().into_values().collect())
}
