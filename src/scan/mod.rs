//! Orchestration: content from `input` goes through the matcher and the filters into
//! findings, in parallel; results are sorted so every run prints the same bytes.

use crate::dotenv::{self, GitignoreFix};
use crate::engine::detect;
use crate::engine::matcher::Matcher;
use crate::engine::text as content;
use crate::git::staged;
use crate::model::{Detection, Finding};
use crate::model::{Problem, Skip, SkipReason};
use crate::sources::tree::{self, DisplayPaths, Event, WalkOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod history;
pub use history::scan_history;

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
    pub elapsed: Duration,
}

/// Why a secret that was found is not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suppression {
    /// `wayscan:allow`, `wayscan:allow-next-line` or `gitleaks:allow` in the content.
    Inline,
    /// An exclude or an allowlist of the project configuration.
    Configuration,
    /// An entry of the baseline (`--baseline`).
    Baseline,
}

impl Suppression {
    pub fn as_str(self) -> &'static str {
        match self {
            Suppression::Inline => "inline",
            Suppression::Configuration => "configuration",
            Suppression::Baseline => "baseline",
        }
    }
}

/// A finding that is not reported, and why: counted in every summary, listed with
/// `--show-suppressed`.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}

/// Everything a scan produced, sorted.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skip>,
    pub problems: Vec<Problem>,
    /// Found but not reported, sorted like the findings.
    pub suppressed: Vec<Suppressed>,
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

    /// How many findings `by` kept from the report.
    pub fn suppressed_by(&self, by: Suppression) -> u64 {
        self.suppressed.iter().filter(|s| s.by == by).count() as u64
    }

    /// Moves the findings `drop` accepts out of the report, into the suppressed ones.
    pub fn suppress(&mut self, by: Suppression, mut drop: impl FnMut(&Finding) -> bool) {
        let mut kept = Vec::with_capacity(self.findings.len());
        for finding in self.findings.drain(..) {
            if drop(&finding) {
                self.suppressed.push(Suppressed { finding, by });
            } else {
                kept.push(finding);
            }
        }
        self.findings = kept;
        self.sort_suppressed();
    }

    /// Puts everything in report order and counts the skips: the last step of
    /// every scan, so every report prints the same bytes for the same input.
    pub(crate) fn finish(&mut self, unit: Unit, elapsed: Duration) {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.skipped.sort();
        self.problems.sort();
        // Two passes over one repository can meet the same damage.
        self.problems.dedup();
        self.sort_suppressed();
        self.stats.skipped = count_skips(&self.skipped);
        self.stats.unit = unit;
        self.stats.elapsed = elapsed;
    }

    /// Takes in findings an inline marker suppressed.
    fn add_inline(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.suppressed.extend(findings.into_iter().map(|finding| Suppressed {
            finding,
            by: Suppression::Inline,
        }));
        self.sort_suppressed();
    }

    fn sort_suppressed(&mut self) {
        self.suppressed
            .sort_by(|a, b| (a.finding.sort_key(), a.by).cmp(&(b.finding.sort_key(), b.by)));
    }
}

/// What one buffer holds: the findings to report, and those an inline marker
/// suppresses (kept, to be counted and listed).
#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Finding>,
}

/// Findings of one buffer shown at `path` and named by `repo_path`: the engine's
/// detections of the rules that apply at that path, placed there.
pub fn scan_bytes(matcher: &Matcher<'_>, path: &str, repo_path: &str, hay: &[u8]) -> Found {
    let detected = detect::detect(matcher, hay);
    let rules = matcher.rules();
    let place = |detections: Vec<Detection>| -> Vec<Finding> {
        detections
            .into_iter()
            .filter(|d| rules.get(&d.rule_id).is_none_or(|r| r.applies_to(repo_path)))
            .map(|d| Finding::new(d, path.to_string(), repo_path))
            .collect()
    };
    Found {
        findings: place(detected.found),
        suppressed: place(detected.allowed),
    }
}

#[derive(Default)]
struct Collected {
    findings: Vec<Finding>,
    suppressed: Vec<Finding>,
    skipped: Vec<Skip>,
    problems: Vec<Problem>,
    seen: dotenv::Seen,
}

/// Scans the working tree under `roots`.
pub fn scan_tree(matcher: &Matcher<'_>, roots: &[PathBuf], options: &WalkOptions) -> Outcome {
    let started = Instant::now();
    let files = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let collected = Mutex::new(Collected::default());
    let lock = || collected.lock().unwrap_or_else(|poisoned| poisoned.into_inner());

    let file_rules: Vec<_> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    // One naming of paths for the walk and the file rules: it looks up each
    // root's git work tree once.
    let display = DisplayPaths::new(roots);
    tree::walk(roots, &display, options, &|event| match event {
        Event::Found { path, shown } => {
            let dot_ignore = shown == ".ignore" || shown.ends_with("/.ignore");
            if dot_ignore || file_rules.iter().any(|r| r.matches_path(shown)) {
                let mut collected = lock();
                collected.seen.dot_ignore |= dot_ignore;
                collected.seen.files.push(path.to_path_buf());
            }
        }
        Event::Content {
            path,
            id,
            bytes: content,
        } => {
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
            let found = scan_bytes(matcher, path, id, content);
            if !found.findings.is_empty() || !found.suppressed.is_empty() {
                let mut collected = lock();
                collected.findings.extend(found.findings);
                collected.suppressed.extend(found.suppressed);
            }
        }
        Event::Skipped(skip) => lock().skipped.push(skip),
        Event::Problem(problem) => lock().problems.push(problem),
    });

    let Collected {
        mut findings,
        suppressed,
        skipped,
        mut problems,
        mut seen,
    } = collected.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());

    seen.unfiltered = options.no_ignore;
    let mut gitignore_fixes = Vec::new();
    for file in dotenv::check(&file_rules, roots, &display, &seen, &mut problems) {
        if let Some(fix) = file.fix {
            gitignore_fixes.push((file.finding.fingerprint.clone(), file.tracked, fix));
        }
        findings.push(file.finding);
    }

    let mut outcome = Outcome {
        findings,
        skipped,
        problems,
        suppressed: Vec::new(),
        stats: Stats {
            files: files.into_inner(),
            bytes: bytes.into_inner(),
            ..Stats::default()
        },
        gitignore_fixes,
    };
    outcome.add_inline(suppressed);
    outcome.finish(Unit::File, started.elapsed());
    outcome
}

/// How many files were skipped for each reason.
pub(crate) fn count_skips(skipped: &[Skip]) -> BTreeMap<SkipReason, u64> {
    let mut by_reason = BTreeMap::new();
    for skip in skipped {
        *by_reason.entry(skip.reason).or_insert(0) += 1;
    }
    by_reason
}

/// Scans what is about to be committed: the staged content of each changed file,
/// reporting only findings on lines the change adds, and every staged file a file
/// rule names (a staged `.env` is about to be tracked).
pub fn scan_staged(matcher: &Matcher<'_>, repo_path: &std::path::Path, max_size: u64) -> Outcome {
    let started = Instant::now();
    let fatal = |message: String| Outcome::fatal(repo_path, message);
    let staged = match staged::Staged::open(repo_path) {
        Ok(staged) => staged,
        Err(message) => return fatal(message),
    };
    let mut outcome = Outcome::default();
    let mut inline = Vec::new();
    let (mut scanned, mut bytes) = (0, 0);
    for file in &staged.files {
        if let Some(rule) = matcher
            .rules()
            .rules
            .iter()
            .find(|r| !r.is_content() && r.matches_path(&file.path))
        {
            outcome.findings.push(dotenv::staged(rule, &file.path));
        }
        let blob = match staged.content(file) {
            Ok(blob) => blob,
            Err(message) => {
                outcome.problems.push(Problem {
                    path: file.path.clone(),
                    message,
                    fatal: false,
                });
                continue;
            }
        };
        let skip = |reason| Skip {
            path: file.path.clone(),
            reason,
        };
        if blob.len() as u64 > max_size {
            outcome.skipped.push(skip(SkipReason::TooLarge));
            continue;
        }
        let Some(text) = content::text(&blob) else {
            outcome.skipped.push(skip(SkipReason::Binary));
            continue;
        };
        scanned += 1;
        bytes += text.len() as u64;
        let found = scan_bytes(matcher, &file.path, &file.path, &text);
        let added = |f: &Finding| {
            file.added_lines
                .as_ref()
                .is_none_or(|lines| (f.start.line..=f.end.line).any(|l| lines.contains(&(l as u32))))
        };
        outcome.findings.extend(found.findings.into_iter().filter(added));
        inline.extend(found.suppressed.into_iter().filter(added));
    }
    outcome.add_inline(inline);
    outcome.stats.files = scanned;
    outcome.stats.bytes = bytes;
    outcome.finish(Unit::File, started.elapsed());
    outcome
}
