//! What every scan loads before it starts, resolved once: the project configuration
//! (from the work tree, or a range's base commit), the rules, the baseline and the
//! size limit. A mistake in any of them stops the command before it scans.

use super::project::{self, Project, ProjectError};
use super::{read_rule_files, ReportConfig};
use crate::engine::matcher::Matcher;
use crate::engine::rules::{RuleError, RuleSet};
use crate::git::repo::RangeEnds;
use crate::git::GitError;
use crate::model::{Outcome, Suppression};
use crate::policy::baseline::{Baseline, BaselineError};
use std::path::{Path, PathBuf};

/// Why the settings of a command could not be resolved. Each names the file (or
/// commit) at fault.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// `.wayscan.toml` (or `--config`), or a rule file it names, cannot be read or
    /// is invalid.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A rule file (built-in, `--rules`, or named by the project) does not load.
    #[error(transparent)]
    Rules(#[from] RuleError),
    /// The baseline cannot be read or is invalid.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// A range's base commit cannot be found.
    #[error(transparent)]
    BaseCommit(#[from] GitError),
    #[error("--fail-on live needs --verify: without it no key is known to be live")]
    LiveWithoutVerify,
    /// The API URL chosen for `--verify` is not a place keys may go.
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
}

/// The rules, project configuration and baseline of one command, and what the
/// person running it should be told about them.
pub struct Loaded {
    pub rules: RuleSet,
    pub baseline: Option<Baseline>,
    pub project: Option<Project>,
    /// Notes for standard error: a range that edits its own settings, a baseline
    /// missing from the base commit.
    pub notes: Vec<String>,
}

impl Loaded {
    /// Loads what a scan of `root` needs: the project configuration (a file named
    /// on the command line, else `.wayscan.toml` of the base commit for a range, else
    /// of the work tree), the built-in and `rule_files` rules plus the project's, and
    /// the baseline.
    pub fn load(
        rule_files: &[PathBuf],
        report: &ReportConfig,
        root: &Path,
        from: Option<&BaseCommit>,
    ) -> Result<Loaded, SettingsError> {
        let mut notes = Vec::new();
        let (project, project_rules) = load_project(report, root, from)?;
        let mut rules = RuleSet::with_files(read_rule_files(rule_files)?, project_rules)?;
        if let Some(project) = &project {
            let known: Vec<&str> = rules.rules.iter().map(|r| r.spec.id.as_str()).collect();
            project.check_rule_ids(&known)?;
            rules.rules.retain(|r| !project.disable_rules.contains(&r.spec.id));
        }
        // `--baseline` wins; else the project's key, read like its rule files (from
        // the base commit of a range).
        let project_baseline = project
            .as_ref()
            .and_then(|p| p.baseline.clone())
            .filter(|_| report.project_baseline);
        let baseline_path = report.baseline.clone().or(project_baseline);
        let baseline = match (&baseline_path, from) {
            (None, _) => None,
            (Some(path), None) => Some(Baseline::load(path)?),
            (Some(path), Some(base)) => {
                let relative = path.to_string_lossy();
                match base.read(&relative) {
                    Some(text) => {
                        let origin = format!("{}:{relative}", base.short());
                        Some(Baseline::parse(&text, &origin)?)
                    }
                    None => {
                        notes.push(format!(
                            "{relative} is not in the base commit {}: no baseline applies",
                            base.short()
                        ));
                        None
                    }
                }
            }
        };
        if let Some(base) = from {
            notes.extend(base.changes(&[project::FILE_NAME], baseline_path.as_deref()));
        }
        Ok(Loaded {
            rules,
            baseline,
            project,
            notes,
        })
    }

    /// The matcher for these rules, with the inline markers the report asks for.
    pub fn matcher(&self, report: &ReportConfig) -> Matcher<'_> {
        let mut matcher = Matcher::new(&self.rules);
        matcher.inline.gitleaks_allow = report.gitleaks_allow;
        matcher
    }

    /// The size limit: the command line's, else the project's, else the default.
    pub fn max_file_size(&self, given: Option<u64>) -> u64 {
        given
            .or(self.project.as_ref().and_then(|p| p.max_file_size))
            .unwrap_or(crate::units::DEFAULT_MAX_FILE_SIZE)
    }

    /// The project's fingerprint salt, if it has one.
    fn salt(&self) -> Option<&crate::model::Salt> {
        self.project.as_ref().and_then(|p| p.salt.as_ref())
    }

    /// Keys the fingerprints with the project's salt, then sets apart what the
    /// project configuration excludes or allowlists and what the baseline accepts,
    /// before any key is sent to the API.
    pub fn drop_accepted(&self, outcome: &mut Outcome) {
        outcome.key_fingerprints(self.salt());
        if let Some(project) = &self.project {
            outcome.suppress(Suppression::Configuration, |f| project.drops(f));
        }
        outcome.keep_most_specific(|id| self.rules.get(id).map_or(100, |r| r.spec.specificity));
        if let Some(baseline) = &self.baseline {
            outcome.suppress(Suppression::Baseline, |f| baseline.contains(f));
        }
    }
}

/// A file's name (a path, or `commit:path`) and its text.
type NamedText = (String, String);

/// The project configuration and the (name, text) of the rule files it names.
/// Those come from the scanned repository: read from the commit the configuration
/// came from, or from the disk beside it, they add detection only.
fn load_project(
    report: &ReportConfig,
    root: &Path,
    from: Option<&BaseCommit>,
) -> Result<(Option<Project>, Vec<NamedText>), SettingsError> {
    let project = match (&report.config, report.no_config, from) {
        (_, true, _) => return Ok((None, Vec::new())),
        (Some(file), false, _) => Project::load(file),
        (None, false, Some(base)) => {
            let Some(text) = base.read(project::FILE_NAME) else {
                return Ok((None, Vec::new()));
            };
            let origin = format!("{}:{}", base.short(), project::FILE_NAME);
            let project = Project::parse(&text, &origin, Path::new(""))?;
            let mut texts = Vec::new();
            for file in &project.rule_files {
                let path = file.to_string_lossy();
                let text = base.read(&path).ok_or_else(|| ProjectError::RuleFileNotInCommit {
                    origin: origin.clone(),
                    path: path.to_string(),
                    commit: base.short(),
                })?;
                texts.push((format!("{}:{path}", base.short()), text));
            }
            return Ok((Some(project), texts));
        }
        (None, false, None) => match Project::find(root) {
            Some((file, top)) => {
                // Found in the repository: it and the rule files it names must
                // resolve inside it. (`--config` and `--rules` are the user's choice.)
                Project::check_inside(&file, &top)?;
                let project = Project::load(&file)?;
                for path in project.rule_files.iter().chain(&project.baseline) {
                    Project::check_inside(path, &top)?;
                }
                Ok(project)
            }
            None => return Ok((None, Vec::new())),
        },
    }?;
    let texts = project
        .rule_files
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|source| ProjectError::ReadRuleFile {
                    path: path.clone(),
                    source,
                })
        })
        .collect::<Result<_, _>>()?;
    Ok((Some(project), texts))
}

/// The base commit of a range: where its project configuration and baseline come
/// from, so a change cannot loosen its own scan.
pub struct BaseCommit(RangeEnds);

impl BaseCommit {
    /// The base of `range` (`A..B`, `A...B`) in the repository holding `repo`.
    pub fn of(repo: &Path, range: &str) -> Result<BaseCommit, SettingsError> {
        RangeEnds::of(repo, range)
            .map(BaseCommit)
            .map_err(SettingsError::BaseCommit)
    }

    fn short(&self) -> String {
        self.0.short()
    }

    /// The text of `path` in the base commit.
    fn read(&self, path: &str) -> Option<String> {
        self.0.read(path)
    }

    /// Notes for each of `files` (and the baseline) the change edits: its own
    /// version was not applied.
    fn changes(&self, files: &[&str], baseline: Option<&Path>) -> Vec<String> {
        let baseline = baseline.map(|b| b.to_string_lossy().into_owned());
        files
            .iter()
            .copied()
            .chain(baseline.as_deref())
            .filter(|path| self.0.changes(path))
            .map(|path| {
                format!(
                    "this change edits {path}; the version of the base commit {} applies \
                     (--config-from-head applies the change's own)",
                    self.short()
                )
            })
            .collect()
    }
}
