//! The scan loops: content from the sources (the tree walk, the staged index, the
//! history's objects) goes through the engine, its detections are placed at their
//! paths as findings, file rules (`exposure`) add theirs, and every loop ends in
//! [`Outcome::finish`], so results are sorted and every run prints the same bytes.

use crate::engine::content::{self, Inside, Scanned};
use crate::engine::detect;
use crate::engine::matcher::Matcher;
use crate::engine::rules::{Rule, RuleSet};
use crate::exposure;
use crate::model::{Detection, Finding, Outcome, Stats, Unit};
use crate::model::{Problem, Skip};
use crate::sources::tree::{self, DisplayPaths, WalkOptions};
use crate::sources::{self, Provenance, Sink};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

mod history;
pub use history::scan_history;

/// What one buffer holds: the findings to report, and those an inline marker
/// suppresses (kept, to be counted and listed).
#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
}

/// Adds what was not scanned inside a file or blob (archive members a limit
/// stopped, or damage hid) to the outcome, at `place!member`; a history names the
/// blob too (`blob`, hex), since one blob stands for every path it appears at.
pub(crate) fn record_inside(
    inside: Vec<Inside>,
    place: &str,
    blob: Option<&str>,
    skipped: &mut Vec<Skip>,
    problems: &mut Vec<Problem>,
) {
    for what in inside {
        match what {
            Inside::Skipped(member, reason) => skipped.push(Skip {
                path: match blob {
                    Some(blob) => format!("{place}{member} (blob {})", &blob[..12.min(blob.len())]),
                    None => format!("{place}{member}"),
                },
                reason,
            }),
            Inside::Damaged(member, message) => problems.push(Problem {
                path: format!("{place}{member}"),
                message: format!("cannot open: {message}"),
                kind: crate::model::ProblemKind::Warning,
            }),
        }
    }
}

/// Findings of one text buffer named by `repo_path`, reached from root number `root` of
/// a tree scan (0 otherwise): the engine's detections of the rules that apply at
/// that path, placed there.
pub fn scan_bytes(matcher: &Matcher<'_>, root: u16, repo_path: &str, hay: &[u8]) -> Found {
    let detected = detect::detect(matcher, hay);
    let rules = matcher.rules();
    let at = |detections| place(detections, repo_path, rules).map(|f| f.from_root(root)).collect();
    Found {
        findings: at(detected.found),
        suppressed: at(detected.allowed),
    }
}

/// `detections` placed at `repo_path` as findings (inside an archive, at
/// `repo_path!member`), keeping those whose rule applies there. Every scan kind
/// places through here, so a rule's `path` is judged against the same full place,
/// the member included, in a tree, a staged change and a history.
pub fn place<'a>(
    detections: impl IntoIterator<Item = Detection> + 'a,
    repo_path: &'a str,
    rules: &'a RuleSet,
) -> impl Iterator<Item = Finding> + 'a {
    place_judged(detections, repo_path, Some(repo_path), rules)
}

/// [`place`] at a place that is not itself a repository path: a rule's `path` is
/// judged on `judged` (the member appended), and with `None`, where no path is known
/// (a blob a ref names directly, one no ref reaches), every rule applies. A history
/// names a file of a tree only a tag holds `ref:path`, judged on `path`.
pub fn place_judged<'a>(
    detections: impl IntoIterator<Item = Detection> + 'a,
    place: &'a str,
    judged: Option<&'a str>,
    rules: &'a RuleSet,
) -> impl Iterator<Item = Finding> + 'a {
    let applies = move |d: &Detection| {
        let (Some(path), Some(rule)) = (judged, rules.get(&d.rule_id)) else {
            return true;
        };
        match d.member.as_str() {
            "" => rule.applies_to(path),
            member => rule.applies_to(&format!("{path}{member}")),
        }
    };
    detections
        .into_iter()
        .filter(applies)
        .map(move |d| Finding::new(d, place))
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    suppressed: Vec<Finding>,
    skipped: Vec<Skip>,
    problems: Vec<Problem>,
    seen: exposure::Seen,
}

/// What a reached file a file rule names becomes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileRules {
    /// Judged after the walk, against the committed ignore rules (`exposure::check`).
    Walked,
    /// A finding at once: a staged file is about to be tracked.
    Staged,
}

/// The pipeline's end of a source: content through the engine, detections placed
/// where the source says they are, files the file rules name noted, skips and
/// problems kept. Called from the source's threads.
struct Collector<'a> {
    matcher: &'a Matcher<'a>,
    /// The size limit, which also bounds what archives may expand to.
    max_size: u64,
    file_rules: Vec<&'a Rule>,
    files: FileRules,
    scanned: AtomicU64,
    bytes: AtomicU64,
    collected: Mutex<Collected>,
}

impl<'a> Collector<'a> {
    fn new(matcher: &'a Matcher<'a>, files: FileRules, max_size: u64) -> Collector<'a> {
        Collector {
            matcher,
            max_size,
            file_rules: matcher.rules().rules.iter().filter(|r| !r.is_content()).collect(),
            files,
            scanned: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            collected: Mutex::new(Collected::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Collected> {
        self.collected.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The outcome so far (file rules of a walk not yet applied), and what the walk
    /// saw for them.
    fn into_parts(self) -> (Outcome, exposure::Seen) {
        let Collected {
            findings,
            suppressed,
            skipped,
            problems,
            seen,
        } = self
            .collected
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut outcome = Outcome {
            findings,
            skipped,
            problems,
            stats: Stats {
                files: self.scanned.into_inner(),
                bytes: self.bytes.into_inner(),
                ..Stats::default()
            },
            ..Outcome::default()
        };
        outcome.add_inline(suppressed);
        (outcome, seen)
    }
}

impl Sink for Collector<'_> {
    fn found(&self, path: &Path, shown: &str) {
        match self.files {
            FileRules::Walked => {
                let dot_ignore = shown == ".ignore" || shown.ends_with("/.ignore");
                if dot_ignore || self.file_rules.iter().any(|r| r.matches_path(shown)) {
                    let mut collected = self.lock();
                    collected.seen.dot_ignore |= dot_ignore;
                    collected.seen.files.push(path.to_path_buf());
                }
            }
            FileRules::Staged => {
                if let Some(rule) = self.file_rules.iter().find(|r| r.matches_path(shown)) {
                    self.lock().findings.push(exposure::staged(rule, shown));
                }
            }
        }
    }

    fn content(&self, bytes: &[u8], at: Provenance<'_>) {
        let (read, findings, suppressed, inside) = match content::scan(self.matcher, bytes, self.max_size) {
            Scanned::Read {
                bytes,
                findings,
                suppressed,
                inside,
            } => (bytes, findings, suppressed, inside),
            Scanned::Skipped(reason) => {
                return self.skip(Skip {
                    path: at.shown.to_string(),
                    reason,
                })
            }
        };
        self.scanned.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(read, Ordering::Relaxed);
        // A staged change counts on the lines it adds; every line of an archive
        // member counts (the change added the archive).
        let counted = |d: &Detection| {
            !d.member.is_empty()
                || at
                    .lines
                    .is_none_or(|lines| (d.start.line..=d.end.line).any(|l| lines.contains(&(l as u32))))
        };
        let rules = self.matcher.rules();
        let at_place = |detections: Vec<Detection>| -> Vec<Finding> {
            place(detections.into_iter().filter(counted), at.repo_path, rules)
                .map(|f| f.from_root(at.root))
                .collect()
        };
        let (findings, suppressed) = (at_place(findings), at_place(suppressed));
        if !findings.is_empty() || !suppressed.is_empty() || !inside.is_empty() {
            let mut collected = self.lock();
            collected.findings.extend(findings);
            collected.suppressed.extend(suppressed);
            let Collected { skipped, problems, .. } = &mut *collected;
            record_inside(inside, at.shown, None, skipped, problems);
        }
    }

    fn skip(&self, skip: Skip) {
        self.lock().skipped.push(skip);
    }

    fn problem(&self, problem: Problem) {
        self.lock().problems.push(problem);
    }
}

/// Scans the working tree under `roots`.
pub fn scan_tree(matcher: &Matcher<'_>, roots: &[PathBuf], options: &WalkOptions) -> Outcome {
    let started = Instant::now();
    let collector = Collector::new(matcher, FileRules::Walked, options.max_file_size);
    // One naming of paths for the walk and the file rules: it looks up each
    // root's git work tree once.
    let display = DisplayPaths::new(roots);
    tree::walk(roots, &display, options, &collector);
    let file_rules = collector.file_rules.clone();
    let (mut outcome, mut seen) = collector.into_parts();
    outcome.shown = display.shown_paths();
    seen.unfiltered = options.no_ignore;
    for file in exposure::check(&file_rules, roots, &display, &seen, &mut outcome.problems) {
        if let Some(fix) = file.fix {
            outcome
                .gitignore_fixes
                .push((file.finding.fingerprint.clone(), file.tracked, fix));
        }
        outcome.findings.push(file.finding);
    }
    outcome.finish(Unit::File, started.elapsed());
    outcome
}

/// Scans what is about to be committed: the staged content of each changed file,
/// reporting only findings on lines the change adds, and every staged file a file
/// rule names (a staged `.env` is about to be tracked).
pub fn scan_staged(matcher: &Matcher<'_>, repo_path: &Path, max_size: u64) -> Outcome {
    let started = Instant::now();
    let collector = Collector::new(matcher, FileRules::Staged, max_size);
    if let Err(message) = sources::staged::read(repo_path, max_size, &collector) {
        return Outcome::fatal(repo_path, message);
    }
    let (mut outcome, _) = collector.into_parts();
    outcome.finish(Unit::File, started.elapsed());
    outcome
}
