//! Reports: one file per format. Each reads a finished, sorted [`Outcome`] and writes
//! bytes; none of them decides what was found.

pub mod html;
pub mod json;
pub mod sarif;
pub mod text;

use crate::engine::rules::RuleSet;
use crate::model::Finding;
use crate::model::Outcome;
use crate::model::Verifications;
use crate::units::Format;
use std::collections::HashMap;
use std::io::{self, Write};

/// What kind of scan produced the outcome; it names the SARIF automation category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanKind {
    Tree,
    History,
    /// The commits of a change (`history --range A..B`).
    Range,
    Staged,
    /// A repository's history and work tree together (`wayscan audit`).
    Repository,
}

impl ScanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Tree => "tree",
            ScanKind::History => "history",
            ScanKind::Range => "range",
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
    /// What the API said of the findings' keys, by fingerprint (`--verify`).
    pub verifications: &'a Verifications,
    pub rules: &'a RuleSet,
    pub show_secrets: bool,
    /// List the findings that were found but not reported (`--show-suppressed`).
    pub show_suppressed: bool,
    /// The SARIF code-scanning category (`--sarif-category`); `wayscan/<kind>/` when
    /// `None`.
    pub category: Option<String>,
}

impl Report<'_> {
    /// The path `f` is shown at: its repository-relative path, relative to the root
    /// the user named (see [`crate::model::ShownPaths`]).
    pub fn path<'a>(&'a self, f: &'a Finding) -> std::borrow::Cow<'a, str> {
        self.outcome.shown.show(f.root, &f.repo_path)
    }
}

/// Writes `report` in `format`.
pub fn render(format: Format, report: &Report<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    // The writers make many small writes (serde_json one per token): a buffer they
    // reach without dynamic dispatch turns them into copies, and the destination
    // sees one write per 64 KiB.
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    match format {
        Format::Text => text::write(report, color, &mut buffered),
        Format::Json => json::write(report, &mut buffered),
        Format::Sarif => sarif::write(report, &mut buffered),
    }?;
    buffered.flush()
}

/// One secret and every place it was found: the findings of one rule with the same
/// secret. A test credential copied into 300 recorded fixtures is one leak to read
/// and revoke, not 300. A file-level finding is a leak of its own.
pub struct Leak {
    /// Indexes into the findings, in report order; the first is where it is shown.
    pub places: Vec<usize>,
}

impl Leak {
    /// A stable id of (rule, secret), as a GUID (SARIF's `correlationGuid`): the same
    /// leak in another scan or repository has the same id. Like the fingerprint, it
    /// is a hash, never the secret. Computed on demand: only repeated secrets need
    /// one, and a one-line export of 26,000 tokens should not pay for 26,000.
    /// Keyed by the project's salt when it has one, like fingerprints.
    pub fn id(&self, findings: &[Finding], salt: Option<&crate::model::Salt>) -> String {
        let f = &findings[self.places[0]];
        let hex = match &f.secret {
            Some(secret) => crate::model::digest(&["leak", &f.rule_id, secret.value.expose()]),
            None => crate::model::digest(&["leak", &f.rule_id, "", &f.repo_path]),
        };
        match salt {
            Some(salt) => guid(&salt.key_leak(&hex)),
            None => guid(&hex),
        }
    }
}

/// The leaks among `findings`, in the order of their first place.
pub fn leaks(findings: &[Finding]) -> Vec<Leak> {
    let mut leaks: Vec<Leak> = Vec::new();
    let mut by_secret: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, f) in findings.iter().enumerate() {
        let Some(secret) = &f.secret else {
            leaks.push(Leak { places: vec![index] });
            continue;
        };
        let key = (f.rule_id.as_str(), secret.value.expose());
        match by_secret.get(&key) {
            Some(&leak) => leaks[leak].places.push(index),
            None => {
                by_secret.insert(key, leaks.len());
                leaks.push(Leak { places: vec![index] });
            }
        }
    }
    leaks
}

/// 32 hex digits as a version-5-shaped GUID (the SARIF schema's pattern).
fn guid(hex: &str) -> String {
    let h = hex.as_bytes();
    let variant = b"89ab"[usize::from(h[16] % 4)] as char;
    format!(
        "{}-{}-5{}-{}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        variant,
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guid_fits_the_sarif_pattern() {
        let id = guid("0123456789abcdef0123456789abcdef");
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "5");
        assert!("89ab".contains(&id[19..20]), "{id}");
    }
}
