//! What every scan loads before it starts: the project configuration (from the work
//! tree, or a range's base commit), the rules, the baseline, the output; and what
//! the configuration and the baseline drop afterwards.

use super::{error, open_output};
use crate::engine::matcher::Matcher;
use crate::engine::rules::RuleSet;
use crate::exit::Exit;
use crate::git::repo::RangeEnds;
use crate::model::{Outcome, Suppression};
use crate::policy::baseline::Baseline;
use crate::settings::project::Project;
use crate::settings::ReportConfig;
use std::io::Write;
use std::path::PathBuf;

/// Loads the project configuration, the rules and the baseline and opens the output:
/// the work every scan of `root` does before scanning, so a mistake in any of them
/// stops it before it starts.
pub(super) fn prepare(
    rule_files: &[PathBuf],
    report: &ReportConfig,
    root: &std::path::Path,
    from: Option<&BaseCommit>,
) -> Result<Prepared, Exit> {
    let fail = |message: String| {
        error(message);
        Exit::Error
    };
    // The project configuration: a file named on the command line (the caller's own),
    // else `.wayscan.toml` of the base commit for a range, else of the work tree.
    let (project, commit_rules) = match (&report.config, report.no_config, from) {
        (_, true, _) => (None, None),
        (Some(file), false, _) => (Some(Project::load(file).map_err(fail)?), None),
        (None, false, Some(base)) => match base.read(crate::settings::project::FILE_NAME) {
            Some(text) => {
                let origin = format!("{}:{}", base.short(), crate::settings::project::FILE_NAME);
                let project = Project::parse(&text, &origin, std::path::Path::new("")).map_err(fail)?;
                let mut texts = Vec::new();
                for file in &project.rule_files {
                    let path = file.to_string_lossy();
                    let text = base
                        .read(&path)
                        .ok_or_else(|| fail(format!("{origin}: rule file {path} is not in commit {}", base.short())))?;
                    texts.push((format!("{}:{path}", base.short()), text));
                }
                (Some(project), Some(texts))
            }
            None => (None, None),
        },
        (None, false, None) => (
            Project::find(root)
                .as_deref()
                .map(Project::load)
                .transpose()
                .map_err(fail)?,
            None,
        ),
    };
    // Rule files the configuration names: read from the commit it came from, or
    // from the disk beside it. Unlike the command line's, they come from the scanned
    // repository: they add detection only.
    let project_rules = match (&project, commit_rules) {
        (_, Some(texts)) => texts,
        (Some(project), None) => project
            .rule_files
            .iter()
            .map(|path| {
                std::fs::read_to_string(path)
                    .map(|text| (path.display().to_string(), text))
                    .map_err(|e| fail(format!("rule file {}: cannot read: {e}", path.display())))
            })
            .collect::<Result<_, _>>()?,
        (None, None) => Vec::new(),
    };
    let user_rules = crate::settings::read_rule_files(rule_files).map_err(|e| fail(e.to_string()))?;
    let mut rules = RuleSet::with_files(user_rules, project_rules).map_err(|e| fail(e.to_string()))?;
    if let Some(project) = &project {
        let known: Vec<&str> = rules.rules.iter().map(|r| r.spec.id.as_str()).collect();
        project.check_rule_ids(&known).map_err(fail)?;
        rules.rules.retain(|r| !project.disable_rules.contains(&r.spec.id));
    }
    let baseline = match (&report.baseline, from) {
        (None, _) => None,
        (Some(path), None) => Some(Baseline::load(path).map_err(fail)?),
        (Some(path), Some(base)) => {
            let relative = path.to_string_lossy();
            match base.read(&relative) {
                Some(text) => {
                    let origin = format!("{}:{relative}", base.short());
                    Some(Baseline::parse(&text, &origin).map_err(fail)?)
                }
                None => {
                    eprintln!(
                        "wayscan: note: {relative} is not in the base commit {}: no baseline applies",
                        base.short()
                    );
                    None
                }
            }
        }
    };
    if let Some(base) = from {
        base.note_changes(&[crate::settings::project::FILE_NAME], report.baseline.as_deref());
    }
    let out = open_output(report.output.as_ref())?;
    Ok(Prepared {
        rules,
        baseline,
        project,
        out,
    })
}

/// The base commit of a range: where its project configuration and baseline come
/// from, so a change cannot loosen its own scan.
pub(super) struct BaseCommit(RangeEnds);

impl BaseCommit {
    /// The base of `range` (`A..B`, `A...B`) in the repository holding `repo`.
    pub(super) fn of(repo: &std::path::Path, range: &str) -> Result<BaseCommit, String> {
        RangeEnds::of(repo, range).map(BaseCommit)
    }

    fn short(&self) -> String {
        self.0.short()
    }

    /// The text of `path` in the base commit.
    fn read(&self, path: &str) -> Option<String> {
        self.0.read(path)
    }

    /// Says when the change edits its own settings: they were not applied.
    fn note_changes(&self, files: &[&str], baseline: Option<&std::path::Path>) {
        let baseline = baseline.map(|b| b.to_string_lossy().into_owned());
        for path in files.iter().copied().chain(baseline.as_deref()) {
            if self.0.changes(path) {
                eprintln!(
                    "wayscan: note: this change edits {path}; the version of the base commit {} applies \
                     (--config-from-head applies the change's own)",
                    self.short()
                );
            }
        }
    }
}

/// What every scan loads before it starts.
pub(super) struct Prepared {
    pub(super) rules: RuleSet,
    pub(super) baseline: Option<Baseline>,
    pub(super) project: Option<Project>,
    pub(super) out: Box<dyn Write>,
}

impl Prepared {
    /// The matcher for these rules, with the inline markers the report asks for.
    pub(super) fn matcher(&self, report: &ReportConfig) -> Matcher<'_> {
        let mut matcher = Matcher::new(&self.rules);
        matcher.inline.gitleaks_allow = report.gitleaks_allow;
        matcher
    }

    /// The size limit: the command line's, else the project's, else the default.
    pub(super) fn max_file_size(&self, given: Option<u64>) -> u64 {
        given
            .or(self.project.as_ref().and_then(|p| p.max_file_size))
            .unwrap_or(crate::units::DEFAULT_MAX_FILE_SIZE)
    }

    /// Sets apart what the project configuration excludes or allowlists and what the
    /// baseline accepts, before any key is sent to the API.
    pub(super) fn drop_accepted(&self, outcome: &mut Outcome) {
        if let Some(project) = &self.project {
            outcome.suppress(Suppression::Configuration, |f| project.drops(f));
        }
        if let Some(baseline) = &self.baseline {
            outcome.suppress(Suppression::Baseline, |f| baseline.contains(f));
        }
    }
}
