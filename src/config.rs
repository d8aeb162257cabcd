//! Arguments resolved into the configuration the rest of the program reads. Tests
//! build a [`ScanConfig`] directly, without a command line.

use crate::cli::{ColorChoice, Format, OutputArgs, ScanArgs};
use crate::input::fs::WalkOptions;
use std::io::IsTerminal;
use std::path::PathBuf;

/// How a report is produced.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub format: Format,
    pub output: Option<PathBuf>,
    pub show_secrets: bool,
    /// Exit code when findings are reported.
    pub findings_exit_code: u8,
    /// Colour the text report.
    pub color: bool,
    pub quiet: bool,
    pub verbose: bool,
}

/// A resolved `wayscan scan`.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub rule_files: Vec<PathBuf>,
    pub fix_gitignore: bool,
    pub report: ReportConfig,
}

impl ReportConfig {
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
            show_secrets: args.show_secrets,
            findings_exit_code: args.exit_code,
            color,
            quiet: args.quiet,
            verbose: args.verbose,
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
                max_file_size: args.max_file_size,
                threads: args.threads,
            },
            rule_files: args.rules.clone(),
            fix_gitignore: args.fix_gitignore,
            report: ReportConfig::from_args(&args.output),
        }
    }
}
