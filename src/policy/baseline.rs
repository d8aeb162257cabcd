//! Baselines: the findings a team has accepted, so only new ones are reported.
//!
//! An entry is a finding's fingerprint (rule, secret and path hashed together), with
//! the rule, the path and the secret redacted for people reading the file; never a
//! raw secret. The fingerprint does not hold the line, so an entry survives lines
//! moving and reformatting around the secret, and the same key in another file is a
//! new finding.

use crate::model::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA: &str = "wayscan-baseline/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    /// The secret as reports show it redacted; absent for file-level findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Why it is accepted, written by a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub schema: String,
    pub entries: Vec<Entry>,
}

/// A baseline that cannot be read, understood or written; each names the file
/// (or `commit:path`).
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("baseline {origin}: {source}")]
    Read { origin: String, source: std::io::Error },
    #[error("baseline {origin}: {source}")]
    Parse { origin: String, source: serde_json::Error },
    #[error("baseline {origin}: schema {found:?}, expected {SCHEMA:?}")]
    Schema { origin: String, found: String },
    #[error("baseline {origin}: {source}")]
    Write { origin: String, source: std::io::Error },
}

impl Baseline {
    /// Reads a baseline file; errors name the file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let origin = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => Baseline::parse(&text, &origin),
            Err(source) => Err(BaselineError::Read { origin, source }),
        }
    }

    /// Reads a baseline from `text`; `origin` names it in errors (a file, or
    /// `commit:path` when read from a commit).
    pub fn parse(text: &str, origin: &str) -> Result<Baseline, BaselineError> {
        let origin = || origin.to_string();
        let baseline: Baseline = serde_json::from_str(text).map_err(|source| BaselineError::Parse {
            origin: origin(),
            source,
        })?;
        if baseline.schema != SCHEMA {
            return Err(BaselineError::Schema {
                origin: origin(),
                found: baseline.schema,
            });
        }
        Ok(baseline)
    }

    /// A baseline of `findings`, keeping the reasons `previous` gave.
    pub fn of(findings: &[Finding], previous: Option<&Baseline>) -> Baseline {
        let reasons: BTreeMap<&str, &str> = previous
            .into_iter()
            .flat_map(|b| &b.entries)
            .filter_map(|e| Some((e.fingerprint.as_str(), e.reason.as_deref()?)))
            .collect();
        let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
        for f in findings {
            entries.entry(f.fingerprint.clone()).or_insert_with(|| Entry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                path: f.repo_path.clone(),
                secret: f.redacted(),
                reason: reasons.get(f.fingerprint.as_str()).map(|r| r.to_string()),
            });
        }
        Baseline {
            schema: SCHEMA.into(),
            entries: entries.into_values().collect(),
        }
    }

    /// Writes it sorted by fingerprint, so it diffs well in review.
    pub fn save(&self, path: &Path) -> Result<(), BaselineError> {
        let origin = || path.display().to_string();
        let text = serde_json::to_string_pretty(self).map_err(|source| BaselineError::Parse {
            origin: origin(),
            source,
        })?;
        // A baseline lives in the repository: never written through a link it holds.
        crate::tree_write::replace(path, (text + "\n").as_bytes()).map_err(|source| BaselineError::Write {
            origin: origin(),
            source,
        })
    }

    /// Whether `finding` is accepted.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.entries.iter().any(|e| e.fingerprint == finding.fingerprint)
    }

    /// Renames entries made before fingerprints used repository-relative paths, by a
    /// `baseline create` run in a subdirectory: an entry whose fingerprint no finding
    /// has, but whose rule and redacted secret one has, at a repository path that
    /// ends with the entry's path, takes that finding's fingerprint and path. Returns
    /// how many.
    pub fn migrate(&mut self, findings: &[Finding]) -> usize {
        let mut migrated = 0;
        for entry in &mut self.entries {
            if findings.iter().any(|f| f.fingerprint == entry.fingerprint) {
                continue;
            }
            let same = findings.iter().find(|f| {
                f.rule_id == entry.rule_id
                    && f.redacted().as_deref() == entry.secret.as_deref()
                    && f.repo_path != entry.path
                    && f.repo_path.ends_with(&format!("/{}", entry.path))
            });
            if let Some(f) = same {
                entry.fingerprint.clone_from(&f.fingerprint);
                entry.path.clone_from(&f.repo_path);
                migrated += 1;
            }
        }
        migrated
    }

    /// Drops the entries no finding of `findings` matches; returns how many.
    pub fn prune(&mut self, findings: &[Finding]) -> usize {
        let before = self.entries.len();
        self.entries
            .retain(|e| findings.iter().any(|f| f.fingerprint == e.fingerprint));
        before - self.entries.len()
    }
}
