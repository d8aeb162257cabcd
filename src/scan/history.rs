//! `wayscan history`: every blob of a history scanned once, each finding credited to
//! the earliest commit that holds it, at the path it has there.
//!
//! A whole history (every ref, or one branch) is read in two passes over the object
//! store, each object inflated once, in pack order, on every core:
//! 1. every object: blobs are scanned (finding a secret needs no path), commits give
//!    the history's order, and trees give their subdirectories;
//! 2. the trees the history reaches, again: the blobs each lists are credited to the
//!    earliest commit holding that tree ([`lineage`]), and the names of its
//!    subdirectories build paths.
//!
//! Paths, authors and dates are then worked out only for what is reported.
//! A range (`A..B`, a pull request) is a few commits: libgit2 compares each with its
//! parents while a pool scans the blobs they introduced.

use super::{count_skips, scan_bytes, Outcome, Unit};
use crate::dotenv;
use crate::finding::{CommitInfo, Finding};
use crate::input::fs::WalkOptions;
use crate::input::lineage::{self, CommitNode, TreeLineage, TreePaths, NONE};
use crate::input::objects::{commit_header, EntryKind, RawId, TreeEntries};
use crate::input::odb::{hex, ObjectStore};
use crate::input::packs::Kind;
use crate::input::{content, history, Problem, Skip, SkipReason};
use crate::matcher::Matcher;
use crate::rules::Rule;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Scans every blob of a repository's history (or of a range) once, crediting each
/// finding to the commit that introduced it.
pub fn scan_history(
    matcher: &Matcher<'_>,
    repo_path: &std::path::Path,
    selection: &history::Selection,
    options: &WalkOptions,
    progress: bool,
) -> Outcome {
    let started = Instant::now();
    let repo = match git2::Repository::discover(repo_path) {
        Ok(repo) => repo,
        Err(e) => return Outcome::fatal(repo_path, format!("not a git repository: {}", e.message())),
    };
    tune_libgit2();
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut outcome = match &selection.range {
        Some(range) => scan_range(matcher, &repo, range, options.max_file_size, threads, progress),
        None => scan_whole(matcher, &repo, selection, options.max_file_size, threads, progress),
    };
    outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome.skipped.sort();
    outcome.problems.sort();
    // Both passes meet the same damaged pack.
    outcome.problems.dedup();
    outcome.stats.skipped = count_skips(&outcome.skipped);
    outcome.stats.unit = Unit::Blob;
    outcome.stats.elapsed = started.elapsed();
    outcome
}

/// What scanning one blob's content gave.
enum BlobResult {
    Scanned {
        bytes: u64,
        /// With an empty path: the path is known later.
        findings: Vec<Finding>,
        suppressed: u64,
    },
    Skipped(SkipReason),
}

impl BlobResult {
    /// Whether reporting it needs the blob's path.
    fn needs_path(&self) -> bool {
        match self {
            BlobResult::Scanned { findings, .. } => !findings.is_empty(),
            BlobResult::Skipped(_) => true,
        }
    }
}

fn scan_content(matcher: &Matcher<'_>, data: &[u8], max_size: u64) -> BlobResult {
    if data.len() as u64 > max_size {
        return BlobResult::Skipped(SkipReason::TooLarge);
    }
    let Some(text) = content::text(data) else {
        return BlobResult::Skipped(SkipReason::Binary);
    };
    let (findings, suppressed) = scan_bytes(matcher, "", &text);
    BlobResult::Scanned {
        bytes: text.len() as u64,
        findings,
        suppressed,
    }
}

/// Findings by fingerprint, each credited to the earliest commit it was seen in: the
/// same key in several versions of one file is one leak.
#[derive(Default)]
struct Earliest {
    by_fingerprint: BTreeMap<String, (usize, Finding)>,
}

impl Earliest {
    fn keep(&mut self, commit: usize, finding: Finding) {
        match self.by_fingerprint.get(&finding.fingerprint) {
            Some((earlier, _)) if *earlier <= commit => {}
            _ => {
                self.by_fingerprint
                    .insert(finding.fingerprint.clone(), (commit, finding));
            }
        }
    }

    /// The findings, with the metadata of their commits (read here, for these few
    /// commits only).
    fn into_findings(self, info: impl Fn(usize) -> CommitInfo) -> Vec<Finding> {
        self.by_fingerprint
            .into_values()
            .map(|(commit, mut finding)| {
                finding.commit = Some(info(commit));
                finding
            })
            .collect()
    }
}

/// Results many workers add to: a list of chunks, so a chunk moves in whole and the
/// list never copies millions of items to grow.
struct Chunks<T>(Mutex<Vec<Vec<T>>>);

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks(Mutex::default())
    }
}

impl<T> Chunks<T> {
    fn into_inner(self) -> Vec<Vec<T>> {
        take(self.0)
    }

    fn into_items(self) -> impl Iterator<Item = T> {
        self.into_inner().into_iter().flatten()
    }
}

/// A worker's share of a pass's results, handed over in chunks and when the worker
/// ends, so workers do not take the lock for every object.
struct Batch<'a, T> {
    items: Vec<T>,
    into: &'a Chunks<T>,
}

impl<'a, T> Batch<'a, T> {
    const SIZE: usize = 4096;

    fn new(into: &'a Chunks<T>) -> Batch<'a, T> {
        Batch {
            items: Vec::new(),
            into,
        }
    }

    fn push(&mut self, item: T) {
        self.items.push(item);
        if self.items.len() >= Self::SIZE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            let full = std::mem::take(&mut self.items);
            lock(&self.into.0).push(full);
        }
    }
}

impl<T> Clone for Batch<'_, T> {
    fn clone(&self) -> Self {
        Batch::new(self.into)
    }
}

impl<T> Drop for Batch<'_, T> {
    fn drop(&mut self) {
        self.flush();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn take<T>(mutex: Mutex<T>) -> T {
    mutex.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the first pass learns: every object's kind, the commits, the directory links
/// between trees, and every blob's scan.
struct FirstPass {
    kinds: Vec<AtomicU8>,
    commits: Chunks<(u32, CommitNode)>,
    malformed_commits: Chunks<u32>,
    links: Chunks<(u32, u32)>,
    blobs: Chunks<(u32, BlobResult)>,
}

const UNREAD: u8 = 0;

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Commit => 1,
        Kind::Tree => 2,
        Kind::Blob => 3,
        Kind::Tag => 4,
    }
}

/// What the second pass learns from the trees the history reaches.
#[derive(Default)]
struct SecondPass {
    /// Every blob a reached tree lists.
    reached: Vec<AtomicBool>,
    /// (blob, key, name) for the blobs whose report needs a path; the smallest key
    /// (earliest commit, then lowest tree) wins.
    named: Chunks<(u32, u64, Box<[u8]>)>,
    /// (subtree, name) from the parent lineage chose for it.
    dirs: Chunks<(u32, Box<[u8]>)>,
    /// (tree, name, blob) of entries a file rule may want (by name).
    files: Chunks<(u32, Box<[u8]>, u32)>,
    /// (id, key, name, is a tree) of entries the repository lacks.
    missing: Chunks<(RawId, u64, Box<[u8]>, bool)>,
    malformed: Chunks<u32>,
}

fn scan_whole(
    matcher: &Matcher<'_>,
    repo: &git2::Repository,
    selection: &history::Selection,
    max_size: u64,
    threads: usize,
    progress: bool,
) -> Outcome {
    let mut problems = Vec::new();
    // A handle of its own: the pack windows libgit2 maps to read the refs' commits
    // are let go before the passes start.
    let tips = match git2::Repository::open(repo.path())
        .map_err(|e| e.message().to_string())
        .and_then(|own| history::tips(&own, selection, &mut problems))
    {
        Ok(tips) => tips,
        Err(message) => return Outcome::fatal(repo.path(), message),
    };
    let (store, opened) = ObjectStore::open(repo.path(), repo.commondir());
    problems.extend(opened);
    let bar = progress.then(|| progress_bar(store.len() as u64, "objects read"));

    // Pass 1: every object.
    let first = FirstPass {
        kinds: (0..store.len()).map(|_| AtomicU8::new(UNREAD)).collect(),
        commits: Chunks::default(),
        malformed_commits: Chunks::default(),
        links: Chunks::default(),
        blobs: Chunks::default(),
    };
    let scanned_bytes = AtomicU64::new(0);
    let found = AtomicU64::new(0);
    let failed = {
        let (store, first, bar) = (&store, &first, &bar);
        let (scanned_bytes, found) = (&scanned_bytes, &found);
        let mut commits = Batch::new(&first.commits);
        let mut bad_commits = Batch::new(&first.malformed_commits);
        let mut links = Batch::new(&first.links);
        let mut blobs = Batch::new(&first.blobs);
        let read = store.read_all(threads, &|_| true, move |number, kind, data| {
            first.kinds[number as usize].store(kind_code(kind), Ordering::Relaxed);
            match kind {
                Kind::Commit => match commit_header(data) {
                    Some(header) => commits.push((
                        number,
                        CommitNode {
                            tree: store.number(&header.tree).unwrap_or(NONE),
                            parents: header.parents.iter().filter_map(|p| store.number(p)).collect(),
                            time: header.time,
                        },
                    )),
                    None => bad_commits.push(number),
                },
                Kind::Tree => {
                    for entry in TreeEntries::new(data) {
                        if entry.kind == EntryKind::Tree {
                            if let Some(child) = store.number(entry.id) {
                                links.push((number, child));
                            }
                        }
                    }
                }
                Kind::Blob => {
                    let result = scan_content(matcher, data, max_size);
                    if let BlobResult::Scanned { bytes, findings, .. } = &result {
                        scanned_bytes.fetch_add(*bytes, Ordering::Relaxed);
                        found.fetch_add(findings.len() as u64, Ordering::Relaxed);
                    }
                    blobs.push((number, result));
                }
                Kind::Tag => {}
            }
            if let Some(bar) = bar {
                bar.inc(1);
                if bar.position() % 4096 == 0 {
                    bar.set_message(activity(scanned_bytes, found));
                }
            }
        });
        problems.extend(read.problems);
        read.failed
    };
    let FirstPass {
        kinds,
        commits,
        malformed_commits,
        links,
        blobs,
    } = first;
    let kinds: Vec<u8> = kinds.into_iter().map(AtomicU8::into_inner).collect();
    let commits: HashMap<u32, CommitNode> = commits.into_items().collect();
    for number in malformed_commits.into_items() {
        problems.push(repo_problem(
            repo,
            format!("commit {}: malformed", hex(store.id(number))),
        ));
    }

    // The history's order, and the earliest commit of every tree.
    let mut tip_numbers = Vec::new();
    for tip in &tips {
        match store.number(&raw(tip)) {
            Some(n) if kinds[n as usize] == kind_code(Kind::Commit) => tip_numbers.push(n),
            _ => problems.push(repo_problem(repo, format!("commit {tip}: missing or unreadable"))),
        }
    }
    let order = lineage::order_commits(&commits, &tip_numbers);
    let mut roots = Vec::with_capacity(order.len());
    for (position, commit) in order.iter().enumerate() {
        match commits[commit].tree {
            NONE => problems.push(repo_problem(
                repo,
                format!("commit {}: its tree is missing", hex(store.id(*commit))),
            )),
            tree => roots.push((tree, position as u32)),
        }
    }
    drop(commits);
    let lineage = {
        let links = links.into_inner();
        TreeLineage::compute(store.len(), roots.into_iter(), links.iter().flatten())
    };
    let blobs: Vec<(u32, BlobResult)> = blobs.into_items().collect();
    let mut needs_path = vec![false; store.len()];
    for (number, result) in &blobs {
        needs_path[*number as usize] = result.needs_path();
    }
    for (number, _) in &failed {
        needs_path[*number as usize] = true;
    }

    // Pass 2: the trees the history reaches.
    let file_rules: Vec<&Rule> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    let second = SecondPass {
        reached: (0..store.len()).map(|_| AtomicBool::new(false)).collect(),
        ..SecondPass::default()
    };
    let is_reached_tree = |n: u32| kinds[n as usize] == kind_code(Kind::Tree) && lineage.position(n).is_some();
    if let Some(bar) = &bar {
        bar.set_position(0);
        bar.set_length((0..store.len() as u32).filter(|&n| is_reached_tree(n)).count() as u64);
        bar.set_prefix("trees attributed");
        bar.set_message("");
    }
    {
        let (store, second, lineage, needs_path, file_rules, bar) =
            (&store, &second, &lineage, &needs_path, &file_rules, &bar);
        let mut named = Batch::new(&second.named);
        let mut dirs = Batch::new(&second.dirs);
        let mut files = Batch::new(&second.files);
        let mut missing = Batch::new(&second.missing);
        let mut malformed = Batch::new(&second.malformed);
        let read = store.read_all(threads, &is_reached_tree, move |tree, _, data| {
            let key = lineage.key(tree).expect("only reached trees are read");
            let mut entries = TreeEntries::new(data);
            for entry in &mut entries {
                let number = store.number(entry.id);
                match (entry.kind, number) {
                    (EntryKind::File, Some(blob)) => {
                        second.reached[blob as usize].store(true, Ordering::Relaxed);
                        if needs_path[blob as usize] {
                            named.push((blob, key, entry.name.into()));
                        }
                        if file_rules.iter().any(|r| r.may_match_name(entry.name)) {
                            files.push((tree, entry.name.into(), blob));
                        }
                    }
                    (EntryKind::Tree, Some(child)) => {
                        if lineage.parent(child) == Some(tree) {
                            dirs.push((child, entry.name.into()));
                        }
                    }
                    (EntryKind::File | EntryKind::Tree, None) => {
                        missing.push((*entry.id, key, entry.name.into(), entry.kind == EntryKind::Tree));
                    }
                    // A link holds a path, a submodule another repository's commit.
                    (EntryKind::Symlink | EntryKind::Submodule, _) => {}
                }
            }
            if entries.malformed() {
                malformed.push(tree);
            }
            if let Some(bar) = bar {
                bar.inc(1);
            }
        });
        problems.extend(read.problems);
        for (number, message) in read.failed {
            problems.push(repo_problem(repo, format!("tree {}: {message}", hex(store.id(number)))));
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    // Paths and commits, for what is reported.
    let SecondPass {
        reached,
        named,
        dirs,
        files,
        missing,
        malformed,
    } = second;
    let mut names: HashMap<u32, Box<[u8]>> = HashMap::new();
    for (tree, name) in dirs.into_items() {
        // A tree listing the same subtree twice: the first name, as git sorts them.
        names.entry(tree).or_insert(name);
    }
    let mut paths = TreePaths::new(&lineage, &names);
    let mut place = |key: u64, name: &[u8]| {
        let (position, tree) = lineage::split_key(key);
        (position as usize, paths.dir(tree) + &String::from_utf8_lossy(name))
    };
    let mut first_place: HashMap<u32, (u64, Box<[u8]>)> = HashMap::new();
    for (blob, key, name) in named.into_items() {
        match first_place.get(&blob) {
            Some((earlier, earlier_name)) if (*earlier, earlier_name) <= (key, &name) => {}
            _ => {
                first_place.insert(blob, (key, name));
            }
        }
    }
    let mut outcome = Outcome::default();
    let mut earliest = Earliest::default();
    for (blob, result) in blobs {
        if !reached[blob as usize].load(Ordering::Relaxed) {
            continue; // in the object store, but no ref leads to it
        }
        let place = first_place.get(&blob).map(|(key, name)| place(*key, name));
        match result {
            BlobResult::Scanned {
                bytes,
                findings,
                suppressed,
            } => {
                outcome.stats.files += 1;
                outcome.stats.bytes += bytes;
                outcome.stats.suppressed += suppressed;
                if let Some((position, path)) = place {
                    for mut finding in findings {
                        finding.move_to(path.clone());
                        earliest.keep(position, finding);
                    }
                }
            }
            BlobResult::Skipped(reason) => outcome.skipped.push(Skip {
                path: format!(
                    "{} (blob {})",
                    place.map(|(_, path)| path).unwrap_or_default(),
                    &hex(store.id(blob))[..12]
                ),
                reason,
            }),
        }
    }
    for (number, message) in failed {
        let what = format!("blob {}: {message}", &hex(store.id(number))[..12]);
        match first_place.get(&number) {
            Some((key, name)) => problems.push(Problem {
                path: place(*key, name).1,
                message: what,
                fatal: false,
            }),
            // An unreadable object no ref leads to is still damage worth knowing of.
            None => problems.push(repo_problem(
                repo,
                format!("object {}: {message}", hex(store.id(number))),
            )),
        }
    }
    let mut reported_missing = std::collections::HashSet::new();
    let mut missing: Vec<_> = missing.into_items().collect();
    missing.sort_by(|a, b| (a.1, &a.2).cmp(&(b.1, &b.2)));
    for (id, key, name, is_tree) in missing {
        if reported_missing.insert(id) {
            let what = if is_tree { "tree" } else { "blob" };
            problems.push(Problem {
                path: place(key, &name).1,
                message: format!(
                    "{what} {} is missing from the repository (a partial or damaged clone)",
                    &hex(&id)[..12]
                ),
                fatal: false,
            });
        }
    }
    for tree in malformed.into_items() {
        problems.push(repo_problem(repo, format!("tree {}: malformed", hex(store.id(tree)))));
    }
    let mut seen_files: HashMap<String, usize> = HashMap::new();
    for (tree, name, _) in files.into_items() {
        let key = lineage.key(tree).expect("only reached trees are read");
        let (position, path) = place(key, &name);
        if file_rules.iter().any(|r| r.matches_path(&path)) {
            let slot = seen_files.entry(path).or_insert(position);
            *slot = (*slot).min(position);
        }
    }
    let info = |position: usize| {
        let id = git2::Oid::from_bytes(store.id(order[position])).unwrap_or(git2::Oid::ZERO_SHA1);
        history::commit_info(Some(repo), id)
    };
    for (path, position) in seen_files {
        if let Some(rule) = file_rules.iter().find(|r| r.matches_path(&path)) {
            earliest.keep(position, dotenv::committed(rule, &path, &info(position)));
        }
    }
    outcome.findings = earliest.into_findings(info);
    outcome.problems = problems;
    outcome
}

fn raw(oid: &git2::Oid) -> RawId {
    oid.as_bytes().try_into().unwrap_or([0; 20])
}

fn activity(bytes: &AtomicU64, found: &AtomicU64) -> String {
    format!(
        "{} MiB scanned, {} findings",
        bytes.load(Ordering::Relaxed) >> 20,
        found.load(Ordering::Relaxed)
    )
}

fn repo_problem(repo: &git2::Repository, message: String) -> Problem {
    Problem {
        path: repo.path().display().to_string(),
        message,
        fatal: false,
    }
}

/// A range: the blobs its commits introduced, enumerated by libgit2 on one thread
/// and scanned by a pool as they come.
fn scan_range(
    matcher: &Matcher<'_>,
    repo: &git2::Repository,
    range: &str,
    max_size: u64,
    threads: usize,
    progress: bool,
) -> Outcome {
    let file_rules: Vec<&Rule> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    let wanted = |path: &str| file_rules.iter().any(|r| r.matches_path(path));
    let git_dir = repo.path().to_path_buf();
    let bar = progress.then(|| progress_bar(0, "blobs scanned"));
    let (sender, receiver) = std::sync::mpsc::sync_channel::<history::Introduced>(4096);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let (enumerated, results) = std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            let sender = sender;
            let repo =
                git2::Repository::open(&git_dir).map_err(|e| format!("cannot open the repository: {}", e.message()))?;
            history::enumerate_range(&repo, range, &wanted, &mut |intro| {
                // A closed channel means the scanners are gone; nothing to do.
                let _ = sender.send(intro);
            })
        });
        let scan_all = || -> Vec<(history::Introduced, Result<BlobResult, String>)> {
            receiver
                .into_iter()
                .par_bridge()
                .map_init(
                    || git2::Repository::open(&git_dir).ok(),
                    |repo, intro| {
                        let result = match repo.as_ref().map(|r| r.find_blob(intro.blob)) {
                            Some(Ok(blob)) => Ok(scan_content(matcher, blob.content(), max_size)),
                            Some(Err(e)) => Err(format!("blob {}: {}", intro.blob, e.message())),
                            None => Err("cannot open the repository in a worker".into()),
                        };
                        if let Some(bar) = &bar {
                            bar.inc(1);
                        }
                        (intro, result)
                    },
                )
                .collect()
        };
        let results = match pool {
            Ok(pool) => pool.install(scan_all),
            Err(_) => scan_all(),
        };
        let enumerated = producer
            .join()
            .unwrap_or_else(|_| Err("history enumeration failed".into()));
        (enumerated, results)
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let history = match enumerated {
        Ok(history) => history,
        Err(message) => return Outcome::fatal(repo.path(), message),
    };
    let mut outcome = Outcome {
        problems: history.problems,
        ..Outcome::default()
    };
    let mut earliest = Earliest::default();
    for (intro, result) in results {
        match result {
            Ok(BlobResult::Scanned {
                bytes,
                findings,
                suppressed,
            }) => {
                outcome.stats.files += 1;
                outcome.stats.bytes += bytes;
                outcome.stats.suppressed += suppressed;
                for mut finding in findings {
                    finding.move_to(intro.path.clone());
                    earliest.keep(intro.commit, finding);
                }
            }
            Ok(BlobResult::Skipped(reason)) => outcome.skipped.push(Skip {
                path: format!("{} (blob {})", intro.path, &intro.blob.to_string()[..12]),
                reason,
            }),
            Err(message) => outcome.problems.push(Problem {
                path: intro.path,
                message,
                fatal: false,
            }),
        }
    }
    let info = |index: usize| history::commit_info(Some(repo), history.commits[index]);
    for file in &history.files {
        if let Some(rule) = file_rules.iter().find(|r| r.matches_path(&file.path)) {
            earliest.keep(file.commit, dotenv::committed(rule, &file.path, &info(file.commit)));
        }
    }
    outcome.findings = earliest.into_findings(info);
    outcome
}

/// A bar of `total` items (a spinner when the total is not known yet).
fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = if total == 0 {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::new(total)
    };
    let template = if total == 0 {
        "{spinner} {pos} {msg}, {per_sec}, {elapsed}"
    } else {
        "{bar:30} {pos}/{len} {prefix}, {msg} {elapsed}"
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    if total == 0 {
        bar.set_message(what.to_string());
    } else {
        bar.set_prefix(what.to_string());
    }
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
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
