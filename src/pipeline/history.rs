//! `wayscan history`: every blob of a history scanned once, each finding credited to
//! the earliest commit that holds it, at the path it has there.
//!
//! A whole history (every ref, or one branch) is read in whole passes over the object
//! store ([`whole`]). A range (`A..B`, a pull request) is a few commits: libgit2
//! compares each with its parents while a pool scans the blobs they introduced.

mod whole;

use super::{Outcome, Unit};
use crate::engine::content::{self, Scanned};
use crate::engine::detect;
use crate::engine::matcher::Matcher;
use crate::engine::rules::{Rule, RuleSet};
use crate::exposure;
use crate::git::{history, GitError};
use crate::model::CommitInfo;
use crate::model::{Detection, Finding};
use crate::model::{Problem, Skip, SkipReason};
use crate::progress::Progress;
use crate::sources::tree::WalkOptions;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

/// Scans every blob of a repository's history (or of a range) once, crediting each
/// finding to the commit that introduced it.
pub fn scan_history(
    matcher: &Matcher<'_>,
    repo_path: &std::path::Path,
    selection: &history::Selection,
    options: &WalkOptions,
    progress: &dyn Progress,
) -> Outcome {
    let started = Instant::now();
    let quarantine = selection.pushed.as_ref().and_then(|p| p.quarantine.as_deref());
    let repo = match history::HistoryRepo::discover(repo_path).and_then(|repo| repo.with_quarantine(quarantine)) {
        Ok(repo) => repo,
        Err(message) => return Outcome::fatal(repo_path, message),
    };
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let mut outcome = match (&selection.range, &selection.pushed) {
        (Some(range), _) => scan_range(
            matcher,
            &repo,
            history::Revisions::Range(range),
            options.max_file_size,
            progress,
        ),
        (None, Some(pushed)) => scan_range(
            matcher,
            &repo,
            history::Revisions::Pushed(pushed),
            options.max_file_size,
            progress,
        ),
        (None, None) => whole::scan_whole(matcher, &repo, selection, options.max_file_size, threads, progress),
    };
    outcome.finish(Unit::Blob, started.elapsed());
    outcome
}

/// Which places of a blob its report needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlacesWanted {
    None,
    /// The first: a skip or a failure is reported once.
    First,
    /// Every path it appears at: its findings are findings at each.
    Every,
}

fn places_wanted(result: &Scanned) -> PlacesWanted {
    match result {
        Scanned::Read {
            findings, suppressed, ..
        } if !findings.is_empty() || !suppressed.is_empty() => PlacesWanted::Every,
        Scanned::Read { inside, .. } if !inside.is_empty() => PlacesWanted::First,
        Scanned::Read { .. } => PlacesWanted::None,
        Scanned::Skipped(_) => PlacesWanted::First,
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

    /// Keeps the detections of a blob first seen at `path` in `commit`, those of
    /// rules that apply there, as findings at that path ([`super::place`]).
    fn keep_at(&mut self, commit: usize, path: &str, detections: Vec<Detection>, rules: &RuleSet) {
        for finding in super::place(detections, path, rules) {
            self.keep(commit, finding);
        }
    }

    /// The findings, with the metadata of their commits (read here, for these few
    /// commits only).
    fn into_findings(self, info: &impl Fn(usize) -> CommitInfo) -> Vec<Finding> {
        self.by_fingerprint
            .into_values()
            .map(|(commit, mut finding)| {
                finding.commit = Some(Box::new(info(commit)));
                finding
            })
            .collect()
    }
}

/// A range: the blobs its commits introduced, enumerated by libgit2 on one thread
/// and scanned by a pool as they come.
fn scan_range(
    matcher: &Matcher<'_>,
    repo: &history::HistoryRepo,
    revisions: history::Revisions,
    max_size: u64,
    progress: &dyn Progress,
) -> Outcome {
    let file_rules: Vec<&Rule> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    let wanted = |path: &str| file_rules.iter().any(|r| r.matches_path(path));
    progress.stage("blobs scanned", 0);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<history::Introduced>(4096);
    let (enumerated, results) = std::thread::scope(|scope| {
        let own = repo.reopen();
        let objects = repo.objects();
        let producer = scope.spawn(|| {
            let sender = sender;
            own?.enumerate_range(&revisions, &wanted, &mut |intro| {
                // A closed channel means the scanners are gone; nothing to do.
                let _ = sender.send(intro);
            })
        });
        let scan_all = || -> Vec<(history::Introduced, Result<Scanned, String>)> {
            receiver
                .into_iter()
                .par_bridge()
                // Interrupted: the rest of the queue drains unread (the report says
                // the scan is incomplete).
                .filter(|_| !crate::interrupt::requested())
                .map_init(
                    || objects.as_ref().map(|objects| objects.reader()),
                    |reader, intro| {
                        let result = match reader {
                            Ok(reader) => match intro.blob.as_bytes() {
                                // Over the limit by its header: never inflated.
                                id if reader.blob_size(id).is_some_and(|size| size > max_size) => {
                                    Ok(Scanned::Skipped(SkipReason::TooLarge))
                                }
                                id => reader
                                    .read(id)
                                    .map(|(_, data)| content::scan(matcher, data, max_size))
                                    .map_err(|e| e.to_string()),
                            },
                            Err(e) => Err(e.to_string()),
                        };
                        progress.advance(1);
                        (intro, result)
                    },
                )
                .collect()
        };
        // The run's one rayon pool (see `commands::use_threads`).
        let results = scan_all();
        let enumerated = producer
            .join()
            .unwrap_or_else(|_| Err(GitError::Unreadable("history enumeration failed".into())));
        (enumerated, results)
    });
    progress.done();
    let history = match enumerated {
        Ok(history) => history,
        Err(message) => return Outcome::fatal(repo.git_dir(), message),
    };
    let mut outcome = Outcome {
        problems: history.problems,
        ..Outcome::default()
    };
    let (mut earliest, mut allowed) = (Earliest::default(), Earliest::default());
    // A blob is scanned once, at the first path the range introduced it at; the
    // other paths it was introduced at are places of its findings too.
    let mut later_paths: HashMap<history::ObjectId, Vec<&history::Introduced>> = HashMap::new();
    for intro in &history.again {
        later_paths.entry(intro.blob).or_default().push(intro);
    }
    for (intro, result) in results {
        match result {
            Ok(Scanned::Read {
                bytes,
                findings,
                suppressed,
                inside,
            }) => {
                outcome.stats.files += 1;
                outcome.stats.bytes += bytes;
                let blob = intro.blob.to_string();
                super::record_inside(
                    inside,
                    &intro.path,
                    Some(&blob),
                    &mut outcome.skipped,
                    &mut outcome.problems,
                );
                for again in later_paths.get(&intro.blob).into_iter().flatten() {
                    earliest.keep_at(again.commit, &again.path, findings.clone(), matcher.rules());
                    allowed.keep_at(again.commit, &again.path, suppressed.clone(), matcher.rules());
                }
                earliest.keep_at(intro.commit, &intro.path, findings, matcher.rules());
                allowed.keep_at(intro.commit, &intro.path, suppressed, matcher.rules());
            }
            Ok(Scanned::Skipped(reason)) => outcome.skipped.push(Skip {
                path: format!("{} (blob {})", intro.path, &intro.blob.to_string()[..12]),
                reason,
            }),
            Err(message) => outcome.problems.push(Problem {
                path: intro.path,
                message,
                kind: crate::model::ProblemKind::Unread,
            }),
        }
    }
    // Each commit's message is content too, reported at `commit <id> message`.
    for (index, message) in &history.messages {
        let detected = detect::detect(matcher, message);
        if detected.found.is_empty() && detected.allowed.is_empty() {
            continue;
        }
        let path = format!("commit {} message", history.commits[*index]);
        earliest.keep_at(*index, &path, detected.found, matcher.rules());
        allowed.keep_at(*index, &path, detected.allowed, matcher.rules());
    }
    let info = |index: usize| repo.commit_info(history.commits[index]);
    for file in &history.files {
        if let Some(rule) = file_rules.iter().find(|r| r.matches_path(&file.path)) {
            earliest.keep(file.commit, exposure::committed(rule, &file.path, &info(file.commit)));
        }
    }
    outcome.findings = earliest.into_findings(&info);
    outcome.add_inline(allowed.into_findings(&info));
    outcome
}
