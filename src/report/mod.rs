//! Reports: one file per format. Each reads a finished, sorted [`Outcome`] and writes
//! bytes; none of them decides what was found.

pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

use crate::cli::Format;
use crate::rules::RuleSet;
use crate::scan::Outcome;
use std::io::{self, Write};

/// What kind of scan produced the outcome; it names the SARIF automation category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Tree,
    History,
    Staged,
    /// A repository's history and work tree together (`wayscan audit`).
    Repository,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Tree => "tree",
            ScanKind::History => "history",
            ScanKind::Staged => "staged",
            ScanKind::Repository => "repository",
        }
    }
}

/// Everything a report format needs.
pub struct Report<'a> {
    pub kind: ScanKind,
    pub roots: Vec<String>,
    pub outcome: &'a Outcome,
    pub rules: &'a RuleSet,
    pub show_secrets: bool,
    /// List the findings that were found but not reported (`--show-suppressed`).
    pub show_suppressed: bool,
}

/// Writes `report` in `format`.
pub fn render(format: Format, report: &Report<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, color, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}
