//! Orchestration: content from `input` goes through the matcher and the filters into
//! findings, in parallel; results are sorted so every run prints the same bytes.

use crate::dotenv::{self, GitignoreFix};
use crate::filter::inline;
use crate::finding::Finding;
use crate::input::fs::{self, DisplayPaths, Event, WalkOptions};
use crate::input::{content, history, staged, Problem, Skip, SkipReason};
use crate::location::Locator;
use crate::matcher::Matcher;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What a scan's items are: files of a tree, or blobs of a history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unit {
    #[default]
    File,
    Blob,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::File => "file",
            Unit::Blob => "blob",
        }
    }
}

/// Counts for the summary line and the reports.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub unit: Unit,
    /// Files (or blobs) scanned for content.
    pub files: u64,
    pub bytes: u64,
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Findings dropped by `wayscan:allow`.
    pub suppressed: u64,
    pub elapsed: Duration,
}

/// Everything a scan produced, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skip>,
    pub problems: Vec<Problem>,
    pub stats: Stats,
    /// For file-level findings git does not ignore: (fingerprint, tracked, the fix).
    pub gitignore_fixes: Vec<(String, bool, GitignoreFix)>,
}

impl Outcome {
    /// An outcome that only says why nothing could be scanned.
    fn fatal(path: &std::path::Path, message: String) -> Outcome {
        Outcome {
            problems: vec![Problem {
                path: path.display().to_string(),
                message,
                fatal: true,
            }],
            ..Outcome::default()
        }
    }

    /// Whether something the user asked for could not be scanned at all.
    pub fn has_fatal_problem(&self) -> bool {
        self.problems.iter().any(|p| p.fatal)
    }
}

/// Findings of one buffer: matches located, inline-allowed ones dropped. Returns the
/// findings and how many were suppressed.
pub fn scan_bytes(matcher: &Matcher<'_>, path: &str, hay: &[u8]) -> (Vec<Finding>, u64) {
    let matches = matcher.find(hay);
    if matches.is_empty() {
        return (Vec::new(), 0);
    }
    let mut locator = Locator::new(hay);
    let mut suppressed = 0;
    let mut findings = Vec::with_capacity(matches.len());
    for m in matches {
        if inline::is_allowed(hay, &m.span) {
            suppressed += 1;
            continue;
        }
        let rule = &matcher.rules().rules[m.rule];
        let start = locator.position(m.span.start);
        let end = locator.position(m.span.end);
        findings.push(Finding::from_match(rule, path.to_string(), (start, end), m));
    }
    (findings, suppressed)
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    skipped: Vec<Skip>,
    problems: Vec<Problem>,
    seen: dotenv::Seen,
}

/// Scans the working tree under `roots`.
pub fn scan_tree(matcher: &Matcher<'_>, roots: &[PathBuf], options: &WalkOptions) -> Outcome {
    let started = Instant::now();
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let suppressed = AtomicU64::new(0);
    let collected = Mutex::new(Collected::default());
    let lock = || collected.lock().unwrap_or_else(|poisoned| poisoned.into_inner());

    let file_rules: Vec<_> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    fs::walk(roots, options, &|event| match event {
        Event::Found { path, shown } => {
            let dot_ignore = shown == ".ignore" || shown.ends_with("/.ignore");
            if dot_ignore || file_rules.iter().any(|r| r.matches_path(shown)) {
                let mut collected = lock();
                collected.seen.dot_ignore |= dot_ignore;
                collected.seen.files.push(path.to_path_buf());
            }
        }
        Event::Content { path, bytes: content } => {
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
            let (found, allowed) = scan_bytes(matcher, path, content);
            if allowed > 0 {
                suppressed.fetch_add(allowed, Ordering::Relaxed);
            }
            if !found.is_empty() {
                lock().findings.extend(found);
            }
        }
        Event::Skipped(skip) => lock().skipped.push(skip),
        Event::Problem(problem) => lock().problems.push(problem),
    });

    let Collected {
        mut findings,
        mut skipped,
        mut problems,
        mut seen,
    } = collected.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());

    seen.unfiltered = options.no_ignore;
    let mut gitignore_fixes = Vec::new();
    for file in dotenv::check(&file_rules, roots, &DisplayPaths::new(roots), &seen, &mut problems) {
        if let Some(fix) = file.fix {
            gitignore_fixes.push((file.finding.fingerprint.clone(), file.tracked, fix));
        }
        findings.push(file.finding);
    }

    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    skipped.sort();
    problems.sort();
    let by_reason = count_skips(&skipped);
    Outcome {
        findings,
        skipped,
        problems,
        stats: Stats {
            unit: Unit::File,
            files: files.into_inner(),
            bytes: bytes.into_inner(),
            skipped: by_reason,
            suppressed: suppressed.into_inner(),
            elapsed: started.elapsed(),
        },
        gitignore_fixes,
    }
}

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
    let fatal = |message: String| Outcome::fatal(repo_path, message);
    let repo = match git2::Repository::discover(repo_path) {
        Ok(repo) => repo,
        Err(e) => return fatal(format!("not a git repository: {}", e.message())),
    };
    let file_rules: Vec<_> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    let wanted = |path: &str| file_rules.iter().any(|r| r.matches_path(path));
    let git_dir = repo.path().to_path_buf();
    drop(repo);
    tune_libgit2();
    let bar = progress.then(progress_bar);
    let bytes = AtomicU64::new(0);
    let suppressed = AtomicU64::new(0);

    // Enumeration (one thread, reading trees) feeds the scanners (the pool, reading
    // and matching blobs) through a bounded channel, so the two overlap.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<history::Introduced>(4096);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(options.threads).build();
    let (enumerated, results) = std::thread::scope(|scope| {
        let producer = scope.spawn(|| {
            let sender = sender;
            let repo =
                git2::Repository::open(&git_dir).map_err(|e| format!("cannot open the repository: {}", e.message()))?;
            history::enumerate(&repo, selection, &wanted, &mut |intro| {
                // A closed channel means the scanners are gone; nothing to do.
                let _ = sender.send(intro);
            })
        });
        let scan_all = || -> Vec<(history::Introduced, BlobResult)> {
            receiver
                .into_iter()
                .par_bridge()
                .map_init(
                    || git2::Repository::open(&git_dir).ok(),
                    |repo, intro| {
                        let result = scan_blob(
                            matcher,
                            repo.as_ref(),
                            &intro,
                            options.max_file_size,
                            &bytes,
                            &suppressed,
                        );
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
        Err(message) => return fatal(message),
    };

    let mut outcome = Outcome {
        problems: history.problems,
        ..Outcome::default()
    };
    // (commit index, finding); the same leak in several blobs of one path (a key
    // that survived edits around it) is one finding, credited to its first commit.
    let mut by_fingerprint: BTreeMap<String, (usize, Finding)> = BTreeMap::new();
    let mut keep = |commit: usize, finding: Finding| match by_fingerprint.get(&finding.fingerprint) {
        Some((earlier, _)) if *earlier <= commit => {}
        _ => {
            by_fingerprint.insert(finding.fingerprint.clone(), (commit, finding));
        }
    };
    let mut scanned = 0;
    for (intro, result) in results {
        match result {
            BlobResult::Scanned(findings) => {
                scanned += 1;
                for finding in findings {
                    keep(intro.commit, finding);
                }
            }
            BlobResult::Skipped(reason) => outcome.skipped.push(Skip {
                path: format!("{} (blob {})", intro.path, &intro.blob.to_string()[..12]),
                reason,
            }),
            BlobResult::Failed(message) => outcome.problems.push(Problem {
                path: intro.path,
                message,
                fatal: false,
            }),
        }
    }
    // Commit metadata is read here, for the commits findings point to, not for every
    // commit of the history.
    let repo = git2::Repository::open(&git_dir).ok();
    let info = |index: usize| history::commit_info(repo.as_ref(), history.commits[index]);
    for file in &history.files {
        if let Some(rule) = file_rules.iter().find(|r| r.matches_path(&file.path)) {
            keep(file.commit, dotenv::committed(rule, &file.path, &info(file.commit)));
        }
    }
    outcome.findings = by_fingerprint
        .into_values()
        .map(|(commit, mut finding)| {
            finding.commit = Some(info(commit));
            finding
        })
        .collect();
    outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome.skipped.sort();
    outcome.problems.sort();
    let by_reason = count_skips(&outcome.skipped);
    outcome.stats = Stats {
        unit: Unit::Blob,
        files: scanned,
        bytes: bytes.into_inner(),
        skipped: by_reason,
        suppressed: suppressed.into_inner(),
        elapsed: started.elapsed(),
    };
    outcome
}

/// How many files were skipped for each reason.
fn count_skips(skipped: &[Skip]) -> BTreeMap<SkipReason, u64> {
    let mut by_reason = BTreeMap::new();
    for skip in skipped {
        *by_reason.entry(skip.reason).or_insert(0) += 1;
    }
    by_reason
}

enum BlobResult {
    Scanned(Vec<Finding>),
    Skipped(SkipReason),
    Failed(String),
}

fn scan_blob(
    matcher: &Matcher<'_>,
    repo: Option<&git2::Repository>,
    intro: &history::Introduced,
    max_size: u64,
    bytes: &AtomicU64,
    suppressed: &AtomicU64,
) -> BlobResult {
    let Some(repo) = repo else {
        return BlobResult::Failed("cannot open the repository in a worker".into());
    };
    let blob = match repo.find_blob(intro.blob) {
        Ok(blob) => blob,
        Err(e) => return BlobResult::Failed(format!("blob {}: {}", intro.blob, e.message())),
    };
    let content = blob.content();
    if content.len() as u64 > max_size {
        return BlobResult::Skipped(SkipReason::TooLarge);
    }
    let Some(text) = content::text(content) else {
        return BlobResult::Skipped(SkipReason::Binary);
    };
    bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
    let (findings, allowed) = scan_bytes(matcher, &intro.path, &text);
    suppressed.fetch_add(allowed, Ordering::Relaxed);
    BlobResult::Scanned(findings)
}

/// A spinner with the count of blobs scanned: the total is known only when the
/// enumeration that runs alongside has finished.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} blobs scanned, {per_sec}, {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Sets libgit2 up for reading a whole history once: no SHA-1 re-check of every
/// object read (measured at 39% of a full-history scan of git's own repository; a
/// damaged object still fails to inflate and is reported), and caps on its object
/// cache (default 256 MB per repository handle, and each worker has one) and mapped
/// pack windows.
fn tune_libgit2() {
    git2::opts::strict_hash_verification(false);
    // Every tree, commit and blob is read once: libgit2's object cache only costs.
    git2::opts::enable_caching(false);
    // SAFETY: these set process-wide libgit2 options; they are called before the
    // scan's threads open repositories, and libgit2 guards them with its own lock.
    unsafe {
        let _ = git2::opts::set_cache_max_size(32 * 1024 * 1024);
        let _ = git2::opts::set_mwindow_mapped_limit(256 * 1024 * 1024);
    }
}

/// Scans what is about to be committed: the staged content of each changed file,
/// reporting only findings on lines the change adds, and every staged file a file
/// rule names (a staged `.env` is about to be tracked).
pub fn scan_staged(matcher: &Matcher<'_>, repo_path: &std::path::Path, max_size: u64) -> Outcome {
    let started = Instant::now();
    let fatal = |message: String| Outcome::fatal(repo_path, message);
    let repo = match git2::Repository::discover(repo_path) {
        Ok(repo) => repo,
        Err(e) => return fatal(format!("not a git repository: {}", e.message())),
    };
    let files = match staged::staged_files(&repo) {
        Ok(files) => files,
        Err(message) => return fatal(message),
    };
    let mut outcome = Outcome::default();
    let (mut scanned, mut bytes) = (0, 0);
    for file in &files {
        if let Some(rule) = matcher
            .rules()
            .rules
            .iter()
            .find(|r| !r.is_content() && r.matches_path(&file.path))
        {
            outcome.findings.push(dotenv::staged(rule, &file.path));
        }
        let blob = match repo.find_blob(file.blob) {
            Ok(blob) => blob,
            Err(e) => {
                outcome.problems.push(Problem {
                    path: file.path.clone(),
                    message: format!("cannot read the staged content: {}", e.message()),
                    fatal: false,
                });
                continue;
            }
        };
        let skip = |reason| Skip {
            path: file.path.clone(),
            reason,
        };
        if blob.content().len() as u64 > max_size {
            outcome.skipped.push(skip(SkipReason::TooLarge));
            continue;
        }
        let Some(text) = content::text(blob.content()) else {
            outcome.skipped.push(skip(SkipReason::Binary));
            continue;
        };
        scanned += 1;
        bytes += text.len() as u64;
        let (found, allowed) = scan_bytes(matcher, &file.path, &text);
        outcome.stats.suppressed += allowed;
        let added = |f: &Finding| {
            file.added_lines
                .as_ref()
                .is_none_or(|lines| (f.start.line..=f.end.line).any(|l| lines.contains(&(l as u32))))
        };
        outcome.findings.extend(found.into_iter().filter(added));
    }
    outcome.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome.skipped.sort();
    outcome.stats.skipped = count_skips(&outcome.skipped);
    outcome.stats.unit = Unit::File;
    outcome.stats.files = scanned;
    outcome.stats.bytes = bytes;
    outcome.stats.elapsed = started.elapsed();
    outcome
}
