//! The scan loops: content from the sources (the tree walk, the staged index, the
//! history's objects) goes through the engine, its detections are placed at their
//! paths as findings, file rules (`exposure`) add theirs, and every loop ends in
//! [`Outcome::finish`], so results are sorted and every run prints the same bytes.

use crate::engine::detect;
use crate::engine::matcher::Matcher;
use crate::engine::text as content;
use crate::exposure;
use crate::git::staged;
use crate::model::{Detection, Finding, Outcome, Stats, Unit};
use crate::model::{Problem, Skip, SkipReason};
use crate::sources::tree::{self, DisplayPaths, Event, WalkOptions};
use std::path::PathBuf;
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
    seen: exposure::Seen,
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
    for file in exposure::check(&file_rules, roots, &display, &seen, &mut problems) {
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
            outcome.findings.push(exposure::staged(rule, &file.path));
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
