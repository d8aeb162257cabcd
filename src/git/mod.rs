//! Git, and the only module that names a git library. libgit2 (`git2`) opens
//! repositories and reads refs, the index, commit ranges and diffs (`git`, `history`,
//! `staged`); the whole-history scan reads the object store itself in pack order
//! (`odb`, `packs`, `objects`, `lineage`), which is what makes it fast. `gitignore`
//! answers what a clone's committed ignore rules keep out. Everything it returns is
//! a plain `model` type or bytes, so the library behind it can change in one place.

pub mod gitignore;
pub mod history;
pub mod lineage;
pub mod objects;
pub mod odb;
pub mod packs;
pub mod repo;
pub mod staged;

/// What git could not give. Each message names the repository, range, ref, index
/// or object at fault; the kind lets a caller tell "not here" from "damaged".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    /// No repository there, or one that cannot be opened.
    #[error("{0}")]
    NotARepository(String),
    /// A range, branch or commit that names nothing in the repository.
    #[error("{0}")]
    BadRevision(String),
    /// The index, the refs or an object cannot be read: missing or damaged.
    #[error("{0}")]
    Unreadable(String),
}

/// The repository around `dir`, as every git reader here finds it (libgit2's
/// discovery: up the directories, `GIT_DIR` honoured).
fn discover(dir: &std::path::Path) -> Result<git2::Repository, GitError> {
    git2::Repository::discover(dir)
        .map_err(|e| GitError::NotARepository(format!("not a git repository: {}", e.message())))
}

/// The digest `repo` names its objects with: SHA-1, or SHA-256 for a repository made
/// with `git init --object-format=sha256` (libgit2 reads it from
/// `extensions.objectFormat`, with its experimental SHA-256 support built in).
fn object_hash(repo: &git2::Repository) -> objects::HashKind {
    match repo.object_format() {
        git2::ObjectFormat::Sha256 => objects::HashKind::Sha256,
        git2::ObjectFormat::Sha1 => objects::HashKind::Sha1,
    }
}
