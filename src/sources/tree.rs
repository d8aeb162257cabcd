//! The working tree: a parallel walk (the `ignore` crate, as ripgrep uses) that honours
//! `.gitignore` at every level, `.git/info/exclude` and `.ignore`, never enters `.git`,
//! and hands each file's bytes to the caller once. Ignore rules keep untracked files
//! out, never tracked ones: every file git tracks is in every clone, so the files the
//! index lists that the walk left out are read after it.

use super::{Provenance, Sink};
use crate::model::{Problem, ProblemKind, ShownPaths, ShownRoot, Skip, SkipReason};
use ignore::{WalkBuilder, WalkState};
use memmap2::Mmap;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// Files at least this large are memory-mapped instead of read into a buffer, so a
/// 50 MB minified file costs no heap.
const MMAP_THRESHOLD: u64 = 4 * 1024 * 1024;

/// How the walk treats the tree.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Scan files that ignore rules would leave out.
    pub no_ignore: bool,
    pub follow_links: bool,
    pub max_file_size: u64,
    /// Worker threads; 0 picks one per core.
    pub threads: usize,
    /// What reports call standard input (`-`, `/dev/stdin`); `stdin` when `None`.
    pub stdin_name: Option<String>,
}

/// Walks `roots`, pushing every file into `sink` from the walk's worker threads;
/// `display` (made for the same roots) names each file.
pub fn walk(roots: &[PathBuf], display: &DisplayPaths, options: &WalkOptions, sink: &dyn Sink) {
    let mut existing = Vec::new();
    let stdin_name = options.stdin_name.as_deref().unwrap_or("stdin");
    for root in roots {
        if root.as_os_str() == "-" {
            read_stream(std::io::stdin().lock(), stdin_name, options, sink);
            continue;
        }
        match std::fs::metadata(root) {
            // A pipe or a character device named on the command line (`/dev/stdin`,
            // `<(command)`): read as a stream, once. The walk would skip it as special.
            Ok(m) if !m.is_dir() && !m.is_file() => {
                let shown = if root == Path::new("/dev/stdin") {
                    stdin_name.to_string()
                } else {
                    display.show(root)
                };
                match File::open(root) {
                    Ok(file) => read_stream(file, &shown, options, sink),
                    Err(e) => sink.problem(Problem {
                        path: shown,
                        message: format!("cannot read: {}", io_message(&e)),
                        kind: crate::model::ProblemKind::Fatal,
                    }),
                }
            }
            Ok(_) => existing.push(root.clone()),
            Err(e) => sink.problem(Problem {
                path: root.display().to_string(),
                message: format!("cannot scan: {}", io_message(&e)),
                kind: crate::model::ProblemKind::Fatal,
            }),
        }
    }
    let Some((first, rest)) = existing.split_first() else {
        return;
    };
    let mut builder = WalkBuilder::new(first);
    for root in rest {
        builder.add(root);
    }
    // An ignore file large enough to exhaust memory when compiled (a repository can
    // commit one) switches ignore rules off for the scan: more is read, never less.
    // Each root's tracked files, listed once: the ignore-file cap reads them before
    // the walk, and the tracked files ignore rules hid are read after it.
    let tracked = tracked_roots(&existing, display);
    let (oversized, braced) = checked_ignore_files(&existing, &tracked, display);
    for (shown, line) in &braced {
        sink.problem(Problem {
            path: shown.clone(),
            message: format!(
                "line {line} has braces, which git reads as plain characters and the walk as \
                 alternatives ({{a,b}}): the files it hid from the walk that git would commit \
                 are read after it (in a git work tree)"
            ),
            kind: crate::model::ProblemKind::Warning,
        });
    }
    for (shown, size) in &oversized {
        sink.problem(Problem {
            path: shown.clone(),
            message: format!(
                "ignore file of {} is over the {} cap: ignore rules are not applied in this scan, \
                 so the files they would hide are scanned too",
                crate::units::format_size(*size),
                crate::units::format_size(MAX_IGNORE_FILE)
            ),
            kind: crate::model::ProblemKind::Warning,
        });
    }
    let no_ignore = options.no_ignore || !oversized.is_empty();
    builder
        .standard_filters(!no_ignore)
        .hidden(false)
        .git_global(false) // a rule that lives on one machine only protects nobody else
        .follow_links(options.follow_links)
        .threads(options.threads)
        .filter_entry(|entry| entry.file_name() != ".git");

    // Each walker thread notes the files it reached, so the tracked files the ignore
    // rules hid can be found after the walk (not needed when nothing is ignored).
    let reached = std::sync::Mutex::new(Vec::new());
    let note_reached = !no_ignore && display.git_roots().next().is_some();
    builder.build_parallel().run(|| {
        let mut buffer = Vec::new();
        let mut noted = Noted {
            paths: Vec::new(),
            into: &reached,
        };
        Box::new(move |entry| {
            if crate::interrupt::requested() {
                return WalkState::Quit;
            }
            match entry {
                Ok(entry) => {
                    if note_reached && !entry.file_type().is_some_and(|t| t.is_dir()) {
                        noted.paths.push(entry.path().to_path_buf());
                    }
                    visit_entry(&entry, display, options, &mut buffer, sink)
                }
                Err(err) => sink.problem(walk_problem(&err, display)),
            }
            WalkState::Continue
        })
    });
    if note_reached {
        let mut reached = reached.into_inner().unwrap_or_else(|p| p.into_inner());
        reached.sort_unstable();
        read_ignored_tracked(&tracked, display, options, &reached, sink);
        if !braced.is_empty() {
            read_untracked_the_walk_missed(&tracked, display, options, &reached, sink);
        }
    }
}

/// With `{a,b}` in an ignore file, the walk (the `ignore` crate, which reads it as
/// alternatives) hides files git shows as untracked (a brace is a plain character
/// to git): those are read after the walk, as git lists them.
fn read_untracked_the_walk_missed(
    tracked: &[TrackedRoot<'_>],
    display: &DisplayPaths,
    options: &WalkOptions,
    reached: &[PathBuf],
    sink: &dyn Sink,
) {
    let mut buffer = Vec::new();
    for t in tracked.iter().filter(|t| t.abs_root.is_dir()) {
        let untracked = match crate::git::repo::Repo::discover(t.abs_root) {
            crate::git::repo::Discovery::Found(repo) => repo.untracked(),
            _ => continue,
        };
        let files = match untracked {
            Ok(files) => files,
            Err(e) => {
                sink.problem(Problem {
                    path: display.show(t.root),
                    message: format!("{e}: files a braced ignore pattern hid from the walk were not read"),
                    kind: crate::model::ProblemKind::Unread,
                });
                continue;
            }
        };
        if !read_unreached(t, &files, display, options, reached, &mut buffer, sink) {
            return;
        }
    }
}

/// Reads a stream (standard input, a pipe) to its end, up to the size limit, and
/// pushes its content into `sink` under the name `shown`.
fn read_stream(stream: impl Read, shown: &str, options: &WalkOptions, sink: &dyn Sink) {
    let mut bytes = Vec::new();
    let limit = options.max_file_size.saturating_add(1);
    if let Err(e) = stream.take(limit).read_to_end(&mut bytes) {
        return sink.problem(Problem {
            path: shown.to_string(),
            message: format!("cannot read: {}", io_message(&e)),
            kind: crate::model::ProblemKind::Fatal,
        });
    }
    let skip = |reason| {
        sink.skip(Skip {
            path: shown.to_string(),
            reason,
        })
    };
    if bytes.len() as u64 > options.max_file_size {
        return skip(SkipReason::TooLarge);
    }
    let at = Provenance {
        shown,
        repo_path: shown,
        root: 0,
        lines: None,
    };
    sink.content(&bytes, at);
}

/// A walker thread's reached files, handed over when the thread is done.
struct Noted<'a> {
    paths: Vec<PathBuf>,
    into: &'a std::sync::Mutex<Vec<PathBuf>>,
}

impl Drop for Noted<'_> {
    fn drop(&mut self) {
        let mut into = self.into.lock().unwrap_or_else(|p| p.into_inner());
        into.append(&mut self.paths);
    }
}

/// Reads the files git tracks under each directory root that the walk did not reach
/// (`reached`, sorted): an ignore rule hid them, but every clone has them.
/// The largest ignore file whose rules are applied. The `ignore` crate compiles every
/// line into one glob set: a 4.7 MB `.gitignore` took a scan to 5.4 GB.
const MAX_IGNORE_FILE: u64 = 1 << 20;

/// Ignore files over [`MAX_IGNORE_FILE`] under `roots`, as (shown path, size): the
/// tracked `.gitignore` and `.ignore` files of each root's repository (what a clone
/// of a hostile repository holds), and those at each root outside git.
/// The ignore files over the size cap, (shown, size); and those with a pattern the
/// walk reads otherwise than git, (shown, first such line).
type CheckedIgnoreFiles = (Vec<(String, u64)>, Vec<(String, usize)>);

fn checked_ignore_files(roots: &[PathBuf], tracked: &[TrackedRoot<'_>], display: &DisplayPaths) -> CheckedIgnoreFiles {
    let is_ignore_file = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == ".gitignore" || name == ".ignore"
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    for root in roots {
        candidates.extend([root.join(".gitignore"), root.join(".ignore")]);
    }
    for t in tracked {
        // Named as the walk names files under the root; those above it (they apply
        // to the walk too) by their full path.
        let files = t.files.as_deref().unwrap_or_default();
        for rel in files.iter().filter(|rel| is_ignore_file(rel)) {
            candidates.push(match Path::new(rel).strip_prefix(&t.under) {
                Ok(inside) => t.root.join(inside),
                Err(_) => t.top.join(rel),
            });
        }
    }
    let mut oversized: Vec<(String, u64)> = Vec::new();
    let mut braced: Vec<(String, usize)> = Vec::new();
    for path in candidates {
        let Some(size) = std::fs::metadata(&path).ok().filter(|m| m.is_file()).map(|m| m.len()) else {
            continue;
        };
        if size > MAX_IGNORE_FILE {
            oversized.push((display.show(&path), size));
        } else if let Some(line) = std::fs::read(&path).ok().and_then(|text| braced_line(&text)) {
            braced.push((display.show(&path), line));
        }
    }
    // A root's own ignore file is also a tracked one: named once.
    oversized.sort();
    oversized.dedup();
    braced.sort();
    braced.dedup();
    (oversized, braced)
}

/// The first pattern line (1-based) with an unescaped `{`: git has no `{a,b}`
/// alternation, the `ignore` crate's walk does, so the two disagree on what it hides.
fn braced_line(text: &[u8]) -> Option<usize> {
    text.split(|&b| b == b'\n')
        .position(|line| {
            !line.starts_with(b"#")
                && line
                    .iter()
                    .enumerate()
                    .any(|(i, &b)| b == b'{' && (i == 0 || line[i - 1] != b'\\'))
        })
        .map(|i| i + 1)
}

/// A scan root inside a git work tree, and the files its repository tracks.
struct TrackedRoot<'a> {
    root: &'a PathBuf,
    abs_root: &'a Path,
    /// The top of the work tree, and the root's path under it.
    top: &'a Path,
    under: PathBuf,
    files: Result<Vec<String>, crate::git::GitError>,
}

/// The tracked files of the repository around each of `roots` (index order, paths
/// relative to the work tree's top).
fn tracked_roots<'a>(roots: &[PathBuf], display: &'a DisplayPaths) -> Vec<TrackedRoot<'a>> {
    let mut found = Vec::new();
    for (root, abs_root, top) in display.git_roots() {
        if !roots.contains(root) {
            continue;
        }
        if let crate::git::repo::Discovery::Found(repo) = crate::git::repo::Repo::discover(abs_root) {
            found.push(TrackedRoot {
                root,
                abs_root,
                top,
                under: abs_root.strip_prefix(top).unwrap_or(Path::new("")).to_path_buf(),
                files: repo.tracked(|_| true),
            });
        }
    }
    found
}

fn read_ignored_tracked(
    tracked: &[TrackedRoot<'_>],
    display: &DisplayPaths,
    options: &WalkOptions,
    reached: &[PathBuf],
    sink: &dyn Sink,
) {
    let mut buffer = Vec::new();
    for t in tracked.iter().filter(|t| t.abs_root.is_dir()) {
        let files = match &t.files {
            Ok(files) => files,
            Err(e) => {
                sink.problem(Problem {
                    path: display.show(t.root),
                    message: format!("cannot list the tracked files, so files ignore rules hide were not read: {e}"),
                    kind: crate::model::ProblemKind::Unread,
                });
                continue;
            }
        };
        if !read_unreached(t, files, display, options, reached, &mut buffer, sink) {
            return;
        }
    }
}

/// Reads the files of `files` (paths relative to the work tree's top) under root `t`
/// that the walk did not reach. Returns false when interrupted.
fn read_unreached(
    t: &TrackedRoot<'_>,
    files: &[String],
    display: &DisplayPaths,
    options: &WalkOptions,
    reached: &[PathBuf],
    buffer: &mut Vec<u8>,
    sink: &dyn Sink,
) -> bool {
    for rel in files {
        if crate::interrupt::requested() {
            return false;
        }
        let Ok(inside) = Path::new(rel).strip_prefix(&t.under) else {
            continue;
        };
        let path = t.root.join(inside);
        if reached.binary_search(&path).is_ok() {
            continue;
        }
        // A tracked file deleted from the work tree has nothing to read; a
        // submodule is a directory, scanned as its own repository.
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if metadata.is_dir() {
            continue;
        }
        visit_file(
            &path,
            metadata.file_type(),
            || Ok(metadata.len()),
            display,
            options,
            buffer,
            sink,
        );
    }
    true
}

fn visit_entry(
    entry: &ignore::DirEntry,
    display: &DisplayPaths,
    options: &WalkOptions,
    buffer: &mut Vec<u8>,
    sink: &dyn Sink,
) {
    let Some(file_type) = entry.file_type() else { return }; // stdin: never walked
    let size = || {
        entry.metadata().map(|m| m.len()).map_err(|e| {
            e.into_io_error()
                .unwrap_or_else(|| std::io::Error::other("no metadata"))
        })
    };
    visit_file(entry.path(), file_type, size, display, options, buffer, sink);
}

/// Reads one file the walk (or the index) named and pushes it into `sink`: its
/// content, or why it was skipped or could not be read.
fn visit_file(
    file: &Path,
    file_type: std::fs::FileType,
    size: impl FnOnce() -> std::io::Result<u64>,
    display: &DisplayPaths,
    options: &WalkOptions,
    buffer: &mut Vec<u8>,
    sink: &dyn Sink,
) {
    if file_type.is_dir() {
        return;
    }
    let path = display.show(file);
    let skip = |reason| {
        sink.skip(Skip {
            path: path.clone(),
            reason,
        })
    };
    if file_type.is_symlink() {
        return skip(SkipReason::Symlink);
    }
    if !file_type.is_file() {
        return skip(SkipReason::Special);
    }
    sink.found(file, &path);
    let problem = |e: std::io::Error| {
        sink.problem(Problem {
            path: path.clone(),
            message: format!("cannot read: {}", io_message(&e)),
            kind: io_kind(&e),
        })
    };
    let size = match size() {
        Ok(size) => size,
        Err(e) => return problem(e),
    };
    if size > options.max_file_size {
        return skip(SkipReason::TooLarge);
    }
    let loaded = match load(file, size, buffer) {
        Ok(loaded) => loaded,
        Err(e) => return problem(e),
    };
    let bytes: &[u8] = match &loaded {
        Loaded::Buffer => buffer,
        Loaded::Mapped(map) => map,
    };
    let at = Provenance {
        shown: &path,
        repo_path: &display.identity(file),
        root: display.root_of(file),
        lines: None,
    };
    sink.content(bytes, at);
}

/// Every file under `dir` (no ignore rules, `.git` never entered), in sorted order,
/// without reading any; directories for which `prune` says true are not entered.
pub fn list_files(dir: &Path, prune: std::sync::Arc<dyn Fn(&Path) -> bool + Send + Sync>) -> Vec<PathBuf> {
    let found = std::sync::Mutex::new(Vec::new());
    WalkBuilder::new(dir)
        .standard_filters(false)
        .hidden(false)
        .filter_entry(move |entry| {
            entry.file_name() != ".git"
                && !(entry.depth() > 0 && entry.file_type().is_some_and(|t| t.is_dir()) && prune(entry.path()))
        })
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                if let Ok(entry) = entry {
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        if let Ok(mut found) = found.lock() {
                            found.push(entry.into_path());
                        }
                    }
                }
                WalkState::Continue
            })
        });
    let mut found = found.into_inner().unwrap_or_default();
    found.sort();
    found
}

enum Loaded {
    /// The bytes are in the worker's reusable buffer.
    Buffer,
    Mapped(Mmap),
}

fn load(path: &Path, size: u64, buffer: &mut Vec<u8>) -> std::io::Result<Loaded> {
    let mut file = File::open(path)?;
    if size >= MMAP_THRESHOLD {
        // SAFETY: the map is read-only and dropped before the walk moves on. A file
        // truncated by another process while mapped can fault, the trade-off ripgrep
        // makes for large files too.
        let map = unsafe { Mmap::map(&file)? };
        return Ok(Loaded::Mapped(map));
    }
    buffer.clear();
    file.read_to_end(buffer)?;
    Ok(Loaded::Buffer)
}

/// An OS error as people read it: "Permission denied", not "... (os error 13)".
fn io_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn walk_problem(err: &ignore::Error, display: &DisplayPaths) -> Problem {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => path_of(err),
            ignore::Error::Partial(errs) => errs.first().and_then(path_of),
            _ => None,
        }
    }
    fn message_of(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => message_of(err),
            ignore::Error::Io(e) => format!("cannot read: {}", io_message(e)),
            ignore::Error::Loop { ancestor, .. } => {
                format!("symbolic link loop back to {}, not followed", ancestor.display())
            }
            other => other.to_string(),
        }
    }
    // A directory that cannot be read leaves files unread; a symbolic link loop
    // (its target is walked anyway) or a bad line in an ignore file does not.
    fn kind_of(err: &ignore::Error) -> ProblemKind {
        match err {
            ignore::Error::Io(e) => io_kind(e),
            ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => kind_of(err),
            ignore::Error::Partial(errs) => errs.iter().map(kind_of).min().unwrap_or(ProblemKind::Warning),
            _ => ProblemKind::Warning,
        }
    }
    Problem {
        path: path_of(err).map(|p| display.show(p)).unwrap_or_else(|| "?".into()),
        message: message_of(err),
        kind: kind_of(err),
    }
}

/// What a read error cost: a file that is gone (a dangling link, a file deleted
/// while the walk ran) had nothing to read; any other error left content unread.
fn io_kind(e: &std::io::Error) -> ProblemKind {
    if e.kind() == std::io::ErrorKind::NotFound {
        ProblemKind::Warning
    } else {
        ProblemKind::Unread
    }
}

/// Names walked paths: their identity (repository-relative), the root they were
/// reached from, and, for messages about a file, the path relative to the scan root
/// (`/`-separated). Findings are shown by `report`, from [`ShownPaths`].
pub struct DisplayPaths {
    /// (root as given, prefix shown for its files).
    roots: Vec<(PathBuf, String)>,
    /// For each root: (the root made absolute, what identity paths are relative to:
    /// the top of its git work tree, or the root itself outside git).
    bases: Vec<Option<(PathBuf, PathBuf)>>,
}

impl DisplayPaths {
    pub fn new(roots: &[PathBuf]) -> DisplayPaths {
        let several = roots.len() > 1;
        let bases = roots.iter().map(|root| identity_base(root)).collect();
        let roots = roots
            .iter()
            .map(|root| {
                let prefix = if several { normalize(root) } else { String::new() };
                (root.clone(), prefix)
            })
            .collect();
        DisplayPaths { roots, bases }
    }

    /// The path that names a file whatever directory the scan started in: relative
    /// to the top of its git work tree, as history and staged scans name it, or,
    /// outside git, the display path. Fingerprints, baselines, excludes,
    /// allowlists and rules' `path` regexes use it, so `scan src` and `scan .`
    /// agree on every leak.
    pub fn identity(&self, path: &Path) -> String {
        for ((root, _), base) in self.roots.iter().zip(&self.bases) {
            let Some((abs_root, base)) = base else { continue };
            let abs = if path == root {
                abs_root.clone()
            } else {
                match path.strip_prefix(root) {
                    Ok(rel) => abs_root.join(rel),
                    Err(_) => continue,
                }
            };
            if let Ok(rel) = abs.strip_prefix(base) {
                return normalize(rel);
            }
        }
        self.show(path)
    }

    /// The number of the first root `path` is under (0 when none is).
    pub fn root_of(&self, path: &Path) -> u16 {
        let index = self
            .roots
            .iter()
            .position(|(root, _)| path == root || path.starts_with(root))
            .unwrap_or(0);
        u16::try_from(index).unwrap_or(u16::MAX)
    }

    /// What reports need to show a finding's repository-relative path as this walk
    /// would: each root's place in its work tree, and its prefix.
    pub fn shown_paths(&self) -> ShownPaths {
        let roots = self.roots.iter().zip(&self.bases).map(|((root, prefix), base)| {
            let inside = base.as_ref().and_then(|(abs_root, top)| {
                let rel = abs_root.strip_prefix(top).ok()?;
                Some(match rel.as_os_str().is_empty() {
                    true => String::new(),
                    false => normalize(rel),
                })
            });
            let is_file = base.as_ref().is_some_and(|(abs_root, _)| !abs_root.is_dir());
            ShownRoot {
                inside,
                prefix: if prefix == "." { String::new() } else { prefix.clone() },
                file: is_file.then(|| normalize(root)),
            }
        });
        ShownPaths(roots.collect())
    }

    /// Each root inside a git work tree: (the root as given, the root made absolute,
    /// the top of its work tree).
    pub fn git_roots(&self) -> impl Iterator<Item = (&PathBuf, &PathBuf, &PathBuf)> {
        self.roots
            .iter()
            .zip(&self.bases)
            .filter_map(|((root, _), base)| base.as_ref().map(|(abs, top)| (root, abs, top)))
    }

    pub fn show(&self, path: &Path) -> String {
        for (root, prefix) in &self.roots {
            if path == root {
                // A file named on the command line is shown as the user wrote it.
                return normalize(path);
            }
            if let Ok(rel) = path.strip_prefix(root) {
                let rel = normalize(rel);
                return if prefix.is_empty() || prefix == "." {
                    rel
                } else {
                    format!("{prefix}/{rel}")
                };
            }
        }
        normalize(path)
    }
}

/// A root made absolute, and the top of the git work tree that holds it (`None`
/// outside git, or when the root cannot be resolved: the display path serves).
fn identity_base(root: &Path) -> Option<(PathBuf, PathBuf)> {
    let abs_root = root.canonicalize().ok()?;
    let dir = if abs_root.is_dir() {
        abs_root.clone()
    } else {
        abs_root.parent()?.to_path_buf()
    };
    match crate::git::repo::Repo::discover(&dir) {
        crate::git::repo::Discovery::Found(repo) => Some((abs_root, repo.workdir)),
        _ => None,
    }
}

/// `./a/b` -> `a/b`, with `/` separators on every platform.
fn normalize(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_a_single_root() {
        let d = DisplayPaths::new(&[PathBuf::from("./repo")]);
        assert_eq!(d.show(Path::new("./repo/src/a.rs")), "src/a.rs");
    }

    #[test]
    fn a_file_root_is_shown_as_given() {
        let d = DisplayPaths::new(&[PathBuf::from("./src/a.rs")]);
        assert_eq!(d.show(Path::new("./src/a.rs")), "src/a.rs");
    }

    #[test]
    fn several_roots_keep_their_names() {
        let d = DisplayPaths::new(&[PathBuf::from("one"), PathBuf::from("two/")]);
        assert_eq!(d.show(Path::new("two/x/y")), "two/x/y");
        assert_eq!(d.show(Path::new("one/z")), "one/z");
    }

    #[test]
    fn absolute_paths_normalize_with_leading_slash() {
        assert_eq!(normalize(Path::new("/tmp/x")), "/tmp/x");
        assert_eq!(normalize(Path::new(".")), ".");
    }

    #[test]
    fn os_error_suffix_is_dropped() {
        let e = std::io::Error::from_raw_os_error(13);
        assert_eq!(io_message(&e), "Permission denied");
    }
}
