//! Arguments resolved into the configuration the rest of the program reads: report,
//! verification, scan and history settings, the `--rules` files (read here, so the
//! engine sees text only) and the project's `.wayscan.toml` (`project`). Tests build
//! a [`ScanConfig`] directly, without a command line.

pub mod load;
pub mod project;

use crate::cli::{ColorChoice, FailOn, Format, HistoryArgs, OutputArgs, ScanArgs, StagedArgs, VerifyArgs};
use crate::engine::rules::{RuleError, RuleSet};
use crate::git::history::Selection;
use crate::sources::tree::WalkOptions;
use load::SettingsError;
use std::io::IsTerminal;
use std::path::PathBuf;

/// How a report is produced.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub format: Format,
    pub output: Option<PathBuf>,
    /// A JSON report written beside the requested one (`--json-report`).
    pub json_report: Option<PathBuf>,
    /// `--sarif-category`.
    pub sarif_category: Option<String>,
    pub show_secrets: bool,
    /// List what was found but not reported (`--show-suppressed`).
    pub show_suppressed: bool,
    /// Exit code when findings are reported.
    pub findings_exit_code: u8,
    /// Colour the text report.
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// Running as a pre-commit hook: say how to proceed when the commit is blocked.
    pub hook: bool,
    /// Only live keys make the exit code non-zero (`--fail-on live`).
    pub fail_on_live: bool,
    /// `gitleaks:allow` suppresses like `wayscan:allow` (not `--no-gitleaks-allow`).
    pub gitleaks_allow: bool,
    /// Findings this baseline accepts are not reported (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Apply the project's `baseline` key when `baseline` is `None` (not for the
    /// commands that make the baseline).
    pub project_baseline: bool,
    /// The project configuration file (`--config`); `.wayscan.toml` when `None`.
    pub config: Option<PathBuf>,
    pub no_config: bool,
    /// Input that could not be read does not fail the run (`--allow-partial`).
    pub allow_partial: bool,
}

/// What `--verify` and its options ask for.
#[derive(Debug, Clone, Default)]
pub struct VerifyConfig {
    /// `None`: no verification.
    pub options: Option<crate::verify::Options>,
    pub only_live: bool,
}

impl VerifyConfig {
    /// Resolves the verification options: the API from `--api-url`, else
    /// `WAYSCLOUD_API_URL`, else the documented one. Never from a scanned repository.
    pub fn from_args(args: &VerifyArgs) -> Result<VerifyConfig, SettingsError> {
        if args.fail_on == FailOn::Live && !args.verify {
            return Err(SettingsError::LiveWithoutVerify);
        }
        if !args.verify {
            return Ok(VerifyConfig::default());
        }
        let api = crate::verify::api_base(args.api_url.as_deref())?;
        let cache = if args.no_verify_cache || args.verify_cache_ttl.is_zero() {
            None
        } else {
            crate::verify::default_cache_file().map(|file| (file, args.verify_cache_ttl))
        };
        Ok(VerifyConfig {
            options: Some(crate::verify::Options {
                api,
                concurrency: usize::from(args.verify_concurrency),
                rate: args.verify_rate,
                limits: crate::verify::Limits {
                    timeout: std::time::Duration::from_secs(args.verify_timeout),
                    attempts: 3,
                    max_retry_after: std::time::Duration::from_secs(30),
                },
                cache,
            }),
            only_live: args.only_live,
        })
    }
}

/// A resolved `wayscan scan`.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub rule_files: Vec<PathBuf>,
    pub fix_gitignore: bool,
    /// `--max-file-size` as given (the project's or the default applies otherwise).
    pub max_file_size: Option<u64>,
    pub report: ReportConfig,
}

impl ReportConfig {
    /// Settings of a command that loads rules and the project file but writes no
    /// report of its own (`baseline create|prune`).
    pub fn quiet_defaults() -> ReportConfig {
        ReportConfig {
            format: Format::Text,
            output: None,
            json_report: None,
            sarif_category: None,
            show_secrets: false,
            show_suppressed: false,
            findings_exit_code: 1,
            color: false,
            quiet: true,
            verbose: false,
            hook: false,
            fail_on_live: false,
            gitleaks_allow: true,
            baseline: None,
            project_baseline: false,
            config: None,
            no_config: false,
            allow_partial: false,
        }
    }

    pub fn from_args(args: &OutputArgs) -> ReportConfig {
        // Colour only for a person: never into a file, a pipe, or under NO_COLOR.
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                args.output.is_none()
                    && args.format == Format::Text
                    && std::env::var_os("NO_COLOR").is_none()
                    && std::io::stdout().is_terminal()
            }
        };
        ReportConfig {
            format: args.format,
            output: args.output.clone(),
            json_report: args.json_report.clone(),
            sarif_category: args.sarif_category.clone(),
            show_secrets: args.show_secrets,
            show_suppressed: args.show_suppressed,
            findings_exit_code: args.exit_code,
            color,
            quiet: args.quiet,
            verbose: args.verbose,
            hook: false,
            fail_on_live: false,
            gitleaks_allow: !args.no_gitleaks_allow,
            baseline: args.baseline.clone(),
            project_baseline: true,
            config: args.config.clone(),
            no_config: args.no_config,
            allow_partial: args.allow_partial,
        }
    }
}

impl ScanConfig {
    pub fn from_args(args: &ScanArgs) -> ScanConfig {
        ScanConfig {
            roots: args.paths.clone(),
            walk: WalkOptions {
                no_ignore: args.no_ignore,
                follow_links: args.follow,
                max_file_size: args.max_file_size.unwrap_or(crate::units::DEFAULT_MAX_FILE_SIZE),
                threads: args.threads,
                stdin_name: args.stdin_name.clone(),
            },
            rule_files: args.rules.clone(),
            fix_gitignore: args.fix_gitignore,
            max_file_size: args.max_file_size,
            report: ReportConfig {
                hook: args.hook,
                fail_on_live: fails_on_live(&args.verify),
                ..ReportConfig::from_args(&args.output)
            },
        }
    }
}

/// `--fail-on live`: only live keys fail the run. It needs `--verify`
/// ([`VerifyConfig::from_args`] refuses it without), so both are asked here.
pub fn fails_on_live(args: &VerifyArgs) -> bool {
    args.verify && args.fail_on == FailOn::Live
}

/// A resolved `wayscan staged`.
#[derive(Debug, Clone)]
pub struct StagedConfig {
    pub repo: PathBuf,
    pub rule_files: Vec<PathBuf>,
    /// `--max-file-size` as given (the project's or the default applies otherwise).
    pub max_file_size: Option<u64>,
    pub report: ReportConfig,
}

impl StagedConfig {
    pub fn from_args(args: &StagedArgs) -> StagedConfig {
        StagedConfig {
            repo: args.repo.clone(),
            rule_files: args.rules.clone(),
            max_file_size: args.max_file_size,
            report: ReportConfig {
                hook: args.hook,
                ..ReportConfig::from_args(&args.output)
            },
        }
    }
}

/// A resolved `wayscan history`.
#[derive(Debug, Clone)]
pub struct HistoryConfig {
    pub repo: PathBuf,
    pub selection: Selection,
    pub walk: WalkOptions,
    pub rule_files: Vec<PathBuf>,
    /// `--max-file-size` as given (the project's or the default applies otherwise).
    pub max_file_size: Option<u64>,
    /// With a range: settings from the head commit, not the base (`--config-from-head`).
    pub config_from_head: bool,
    /// Without a range: read the project's settings from this commit, not the work
    /// tree (a server's default branch).
    pub settings_from: Option<String>,
    /// Draw a progress bar: standard error is a terminal and not `--quiet`.
    pub progress: bool,
    pub report: ReportConfig,
}

impl HistoryConfig {
    pub fn from_args(args: &HistoryArgs) -> HistoryConfig {
        let range = match (&args.range, &args.since_commit) {
            (Some(range), _) => Some(range.clone()),
            (None, Some(since)) => Some(format!("{since}..HEAD")),
            (None, None) => None,
        };
        HistoryConfig {
            repo: args.repo.clone(),
            selection: Selection {
                pushed: None,
                range,
                branch: args.branch.clone(),
                stash: args.stash,
                unreachable: args.unreachable,
            },
            walk: WalkOptions {
                no_ignore: false,
                follow_links: false,
                max_file_size: args.max_file_size.unwrap_or(crate::units::DEFAULT_MAX_FILE_SIZE),
                threads: args.threads,
                stdin_name: None,
            },
            rule_files: args.rules.clone(),
            max_file_size: args.max_file_size,
            config_from_head: args.config_from_head,
            settings_from: None,
            progress: !args.output.quiet && std::io::stderr().is_terminal(),
            report: ReportConfig {
                fail_on_live: fails_on_live(&args.verify),
                ..ReportConfig::from_args(&args.output)
            },
        }
    }
}

/// Built-in rules plus the rule files the person running wayscan named (`--rules`),
/// read here so the engine sees text only.
pub fn load_rules(paths: &[PathBuf]) -> Result<RuleSet, RuleError> {
    RuleSet::with_files(read_rule_files(paths)?, Vec::new())
}

/// The (name, text) of each rule file in `paths`.
pub fn read_rule_files(paths: &[PathBuf]) -> Result<Vec<(String, String)>, RuleError> {
    paths
        .iter()
        .map(|path| {
            std::fs::read_to_string(path)
                .map(|text| (path.display().to_string(), text))
                .map_err(|e| RuleError {
                    file: path.display().to_string(),
                    rule: None,
                    message: format!("cannot read: {e}"),
                })
        })
        .collect()
}
