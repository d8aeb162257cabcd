//! Orchestration: content from `input` goes through the matcher and the filters into
//! findings, in parallel; results are sorted so every run prints the same bytes.

use crate::dotenv::{self, GitignoreFix};
use crate::filter::inline;
use crate::finding::Finding;
use crate::input::fs::{self, DisplayPaths, Event, WalkOptions};
use crate::input::{Problem, Skip, SkipReason};
use crate::location::Locator;
use crate::matcher::Matcher;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts for the summary line and the reports.
#[derive(Debug, Clone, Default)]
pub struct Stats {
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
    let mut by_reason = BTreeMap::new();
    for skip in &skipped {
        *by_reason.entry(skip.reason).or_insert(0) += 1;
    }
    Outcome {
        findings,
        skipped,
        problems,
        stats: Stats {
            files: files.into_inner(),
            bytes: bytes.into_inner(),
            skipped: by_reason,
            suppressed: suppressed.into_inner(),
            elapsed: started.elapsed(),
        },
        gitignore_fixes,
    }
}
