//! What a scan produced, as every report and the audit read it: findings, what was
//! suppressed and why, skips, problems and counts, sorted so every run prints the
//! same bytes. Plain data: the pipeline fills it, later stages read it.

use super::{Finding, Problem, Skip, SkipReason};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A line to append to a `.gitignore` that makes git ignore a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitignoreFix {
    /// The `.gitignore` to append to (it may not exist yet).
    pub gitignore: PathBuf,
    /// Its path from the top of the work tree (from the scan root outside git): how
    /// findings name it, whatever directory the scan started from.
    pub named: String,
    /// How messages about writing it name it: as the walk shows paths.
    pub shown: String,
    pub line: String,
}

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
    /// How reports show the findings' paths.
    pub shown: super::ShownPaths,
    /// The project's fingerprint salt, once [`Outcome::key_fingerprints`] applied it:
    /// leak ids are keyed with it too.
    pub salt: Option<super::Salt>,
}

impl Outcome {
    /// An outcome that only says why nothing could be scanned.
    pub fn fatal(path: &std::path::Path, message: impl std::fmt::Display) -> Outcome {
        Outcome {
            problems: vec![Problem {
                path: path.display().to_string(),
                message: message.to_string(),
                kind: crate::model::ProblemKind::Fatal,
            }],
            ..Outcome::default()
        }
    }

    /// Whether something the user asked for could not be scanned at all.
    pub fn has_fatal_problem(&self) -> bool {
        self.problems.iter().any(Problem::is_fatal)
    }

    /// How many findings `by` kept from the report.
    pub fn suppressed_by(&self, by: Suppression) -> u64 {
        self.suppressed.iter().filter(|s| s.by == by).count() as u64
    }

    /// Keys every fingerprint with the project's salt (see [`super::Salt`]). Scans
    /// name findings unsalted while they run (history merges the same leak by it);
    /// this runs once, before anything compares them with a baseline or writes them.
    pub fn key_fingerprints(&mut self, salt: Option<&super::Salt>) {
        let Some(salt) = salt else { return };
        debug_assert!(self.salt.is_none(), "fingerprints keyed twice");
        let key = |fingerprint: &mut String| *fingerprint = salt.key_fingerprint(fingerprint);
        self.findings.iter_mut().for_each(|f| key(&mut f.fingerprint));
        self.suppressed.iter_mut().for_each(|s| key(&mut s.finding.fingerprint));
        self.gitignore_fixes.iter_mut().for_each(|(f, _, _)| key(f));
        self.salt = Some(salt.clone());
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

    /// Drops a finding where a finding of a more specific rule (`specificity` of a
    /// rule id), on the same line of the same file and commit, holds its secret: the
    /// same secret, reported once, by the rule that knows what it is. gitleaks does
    /// this for its `generic` rules and betterleaks for any less specific rule, after
    /// their allowlists, so it runs once the configuration has set findings aside: a
    /// specific finding an allowlist drops, or one of a rule for other paths, must not
    /// take a generic one with it.
    pub fn keep_most_specific(&mut self, specificity: impl Fn(&str) -> i64) {
        let rank: Vec<i64> = self.findings.iter().map(|f| specificity(&f.rule_id)).collect();
        if rank.windows(2).all(|pair| pair[0] == pair[1]) {
            return;
        }
        let mut lines: std::collections::HashMap<(&str, Option<&str>, usize), Vec<usize>> = Default::default();
        for (i, f) in self.findings.iter().enumerate() {
            let commit = f.commit.as_ref().map(|c| c.id.as_str());
            lines
                .entry((f.repo_path.as_str(), commit, f.start.line))
                .or_default()
                .push(i);
        }
        fn secret(f: &Finding) -> &str {
            f.secret.as_ref().map_or("", |s| s.value.expose())
        }
        let mut covered = vec![false; self.findings.len()];
        for group in lines.values().filter(|g| g.len() > 1) {
            for &i in group {
                let (mine, text) = (&self.findings[i], secret(&self.findings[i]));
                covered[i] = group.iter().any(|&j| {
                    rank[j] > rank[i]
                        && self.findings[j].rule_id != mine.rule_id
                        && secret(&self.findings[j]).contains(text)
                });
            }
        }
        let mut covered = covered.into_iter();
        self.findings.retain(|_| !covered.next().unwrap_or(false));
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
    pub fn add_inline(&mut self, findings: impl IntoIterator<Item = Finding>) {
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

/// How many files were skipped for each reason.
pub fn count_skips(skipped: &[Skip]) -> BTreeMap<SkipReason, u64> {
    let mut by_reason = BTreeMap::new();
    for skip in skipped {
        *by_reason.entry(skip.reason).or_insert(0) += 1;
    }
    by_reason
}
