//! Where content comes from, outside git's own plumbing. A source pushes what it
//! reads into a [`Sink`]: each file's bytes (within the size limit) with its
//! [`Provenance`], each file reached (for the file rules, which judge a path), and
//! each skip and problem, so nothing is dropped silently. The pipeline is the sink;
//! the sources know nothing of rules, archives or findings.
//!
//! `tree` walks a working tree, `staged` reads the change about to be committed,
//! `repos` finds the repositories an audit works through. The history's blobs are
//! not a source: a `Provenance` needs a path, and a blob's paths are known only once
//! every tree is read. Reading trees first (libgit2's per-commit diffs, as a range
//! does) took 30 times as long over git's history as the pipeline's passes over the
//! object store in pack order, which scan each blob once, before its paths are known
//! (README, "Where the layout departs"). Its bytes still go through the same
//! `engine::content` step as a file's.

use crate::model::{Problem, Skip};
use std::collections::BTreeSet;
use std::path::Path;

pub mod repos;
pub mod staged;
pub mod tree;

/// Where a piece of content was read.
#[derive(Debug, Clone, Copy)]
pub struct Provenance<'a> {
    /// The path as messages about the file (a skip, a problem) show it: relative to
    /// the scan root. Findings are shown by `report`, from `root` and `repo_path`.
    pub shown: &'a str,
    /// Which root of the scan it was reached from (0 outside a tree scan).
    pub root: u16,
    /// The path that names it: relative to the top of the git work tree, or to the
    /// scan root outside git (see [`tree::DisplayPaths::identity`]).
    pub repo_path: &'a str,
    /// The only lines findings count on (a staged change: the lines it adds);
    /// `None` for every line.
    pub lines: Option<&'a BTreeSet<u32>>,
}

/// What a source pushes to. Called from the source's worker threads.
pub trait Sink: Sync {
    /// A file was reached, before it is read: `path` as walked, `shown` as reported.
    fn found(&self, path: &Path, shown: &str);
    /// A file's whole content to scan, within the size limit (the pipeline opens
    /// archives and compressed files, and transcodes UTF-16).
    fn content(&self, bytes: &[u8], at: Provenance<'_>);
    /// Something not scanned, and why.
    fn skip(&self, skip: Skip);
    /// Something that could not be read.
    fn problem(&self, problem: Problem);
}
