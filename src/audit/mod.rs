//! `wayscan audit`: many repositories, one report. This module owns the audit's data:
//! what one repository gave ([`RepoRecord`]), the index built from all of them
//! ([`Index`]), and which shard a repository belongs to. All pure: the scanning,
//! cloning and writing are in `commands::audit`, the HTML in `report::html`.
//!
//! The index is a function of the set of records alone (sorted, no times, no paths
//! of the machine that ran it), so shards merged give the bytes one run gives.

use crate::model::digest;
use crate::model::Finding;
use crate::model::Outcome;
use crate::model::Verifications;
use crate::sources::repos::Repo;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const INDEX_SCHEMA: &str = "wayscan-audit/1";

/// What auditing one repository gave; also what a rerun reuses when its refs have
/// not moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepoRecord {
    /// Stable identity: the URL without credentials, or the canonical path.
    pub id: String,
    /// For people: the last parts of the path or URL.
    pub name: String,
    /// File-safe and unique: the per-repository reports are `repos/<slug>.*`.
    pub slug: String,
    /// A digest of every ref and what it points at, with the scan settings: a rerun
    /// with the same value reuses this record.
    pub state: String,
    /// `ok`, or `error` when the repository could not be audited at all.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Blobs and files scanned, and their bytes.
    pub scanned: u64,
    pub bytes: u64,
    pub skipped: u64,
    /// Non-fatal problems (unreadable objects, missing blobs), each named in the
    /// repository's own report.
    pub warnings: u64,
    pub suppressed: u64,
    pub findings: Vec<AuditFinding>,
}

/// What identifies a secret and what to do about it, wherever it was found: never
/// the secret, only its redaction and a digest that is the same wherever the same
/// secret appears.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    pub rule_id: String,
    pub severity: String,
    /// The same secret of the same rule, anywhere: SHA-256 of both (file-level
    /// findings: of the repository and the fingerprint).
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redacted: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    pub remediation: String,
}

/// A finding as the audit reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFinding {
    #[serde(flatten)]
    pub secret: Secret,
    pub fingerprint: String,
    pub path: String,
    pub line: usize,
    /// The commit that introduced it; `None` for what only the work tree holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    pub message: String,
}

impl AuditFinding {
    /// The audit's view of `f`, found in the repository `repo_id`.
    pub fn of(f: &Finding, repo_id: &str, verifications: &Verifications) -> AuditFinding {
        let key = match &f.secret {
            Some(secret) => digest(&[&f.rule_id, secret.value.expose()]),
            // A file-level finding (a committed .env) is about this repository's
            // file, never the same thing as another's.
            None => digest(&[repo_id, &f.fingerprint]),
        };
        AuditFinding {
            secret: Secret {
                rule_id: f.rule_id.clone(),
                severity: f.severity.as_str().to_string(),
                key,
                redacted: f.redacted(),
                service: f.properties.get("service").cloned(),
                key_id: f.properties.get("key_id").cloned(),
                remediation: f.remediation().into_owned(),
            },
            fingerprint: f.fingerprint.clone(),
            path: f.repo_path.clone(),
            line: f.start.line,
            commit: f.commit.as_ref().map(|c| c.id.clone()),
            date: f.commit.as_ref().map(|c| c.date.clone()),
            verification: verifications.get(&f.fingerprint).map(|v| v.status.as_str().to_string()),
            message: f.message().into_owned(),
        }
    }

    /// The year the commit that introduced it was written; `uncommitted` otherwise.
    pub fn year(&self) -> String {
        self.date
            .as_deref()
            .and_then(|d| d.get(..4))
            .unwrap_or("uncommitted")
            .to_string()
    }
}

impl RepoRecord {
    /// The record of an audited repository: `outcome` holds its history and work
    /// tree findings, already merged.
    pub fn of(repo: &Repo, state: String, outcome: &Outcome, verifications: &Verifications) -> RepoRecord {
        let fatal = outcome.problems.iter().find(|p| p.is_fatal());
        RepoRecord {
            id: repo.id.clone(),
            name: repo.name.clone(),
            slug: repo.slug.clone(),
            state,
            status: if fatal.is_some() { "error" } else { "ok" }.into(),
            error: fatal.map(|p| p.message.clone()),
            scanned: outcome.stats.files,
            bytes: outcome.stats.bytes,
            skipped: outcome.skipped.len() as u64,
            warnings: outcome.problems.iter().filter(|p| !p.is_fatal()).count() as u64,
            suppressed: outcome.suppressed.len() as u64,
            findings: outcome
                .findings
                .iter()
                .map(|f| AuditFinding::of(f, &repo.id, verifications))
                .collect(),
        }
    }

    /// The record of a repository that could not be audited.
    pub fn failed(repo: &Repo, message: String) -> RepoRecord {
        RepoRecord {
            id: repo.id.clone(),
            name: repo.name.clone(),
            slug: repo.slug.clone(),
            state: String::new(),
            status: "error".into(),
            error: Some(message),
            scanned: 0,
            bytes: 0,
            skipped: 0,
            warnings: 0,
            suppressed: 0,
            findings: Vec::new(),
        }
    }
}

/// The audit's index: every repository's record, and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub schema: String,
    pub tool: Tool,
    pub totals: Totals,
    pub by_rule: BTreeMap<String, u64>,
    pub by_service: BTreeMap<String, u64>,
    pub by_repository: BTreeMap<String, u64>,
    /// Findings by the year the commit that introduced them was written.
    pub by_year: BTreeMap<String, u64>,
    /// Distinct keys by what `--verify` said (`not-verified` without it).
    pub by_verification: BTreeMap<String, u64>,
    /// Each distinct secret once, with every place it was found.
    pub keys: Vec<KeyGroup>,
    pub repositories: Vec<RepoRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub repositories: u64,
    pub audited: u64,
    pub failed: u64,
    pub findings: u64,
    pub keys: u64,
    /// Keys found in more than one repository.
    pub shared_keys: u64,
    pub scanned: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub warnings: u64,
    pub suppressed: u64,
}

/// One secret and every place it was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyGroup {
    #[serde(flatten)]
    pub secret: Secret,
    /// The most urgent status any place got: live, unknown, revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<String>,
    /// The earliest year it was committed (`uncommitted` when never).
    pub first_year: String,
    pub repositories: u64,
    pub places: Vec<Place>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Place {
    pub repository: String,
    pub path: String,
    pub line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

impl Index {
    /// The index of `records`, whatever order they come in.
    pub fn build(mut records: Vec<RepoRecord>) -> Index {
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records.dedup_by(|a, b| a.id == b.id);
        let mut totals = Totals::default();
        let mut by_rule = BTreeMap::new();
        let mut by_service = BTreeMap::new();
        let mut by_repository = BTreeMap::new();
        let mut by_year = BTreeMap::new();
        let mut groups: BTreeMap<(String, String), KeyGroup> = BTreeMap::new();
        for record in &records {
            totals.repositories += 1;
            if record.status == "ok" {
                totals.audited += 1;
            } else {
                totals.failed += 1;
            }
            totals.scanned += record.scanned;
            totals.bytes += record.bytes;
            totals.skipped += record.skipped;
            totals.warnings += record.warnings;
            totals.suppressed += record.suppressed;
            totals.findings += record.findings.len() as u64;
            by_repository.insert(record.slug.clone(), record.findings.len() as u64);
            for f in &record.findings {
                *by_rule.entry(f.secret.rule_id.clone()).or_insert(0) += 1;
                if let Some(service) = &f.secret.service {
                    *by_service.entry(service.clone()).or_insert(0) += 1;
                }
                *by_year.entry(f.year()).or_insert(0) += 1;
                let group = groups
                    .entry((f.secret.rule_id.clone(), f.secret.key.clone()))
                    .or_insert_with(|| KeyGroup {
                        secret: f.secret.clone(),
                        verification: None,
                        first_year: f.year(),
                        repositories: 0,
                        places: Vec::new(),
                    });
                // The most urgent status any place got: live over unknown over revoked.
                group.verification = most_urgent(group.verification.take(), f.verification.clone());
                group.first_year = group.first_year.clone().min(f.year());
                group.places.push(Place {
                    repository: record.id.clone(),
                    path: f.path.clone(),
                    line: f.line,
                    commit: f.commit.clone(),
                    date: f.date.clone(),
                });
            }
        }
        let mut keys: Vec<KeyGroup> = groups.into_values().collect();
        let mut by_verification = BTreeMap::new();
        for group in &mut keys {
            group.places.sort();
            group.places.dedup();
            let repos: BTreeSet<&str> = group.places.iter().map(|p| p.repository.as_str()).collect();
            group.repositories = repos.len() as u64;
            let status = group.verification.clone().unwrap_or_else(|| "not-verified".into());
            *by_verification.entry(status).or_insert(0) += 1;
        }
        // Most places first, then the order of the rule and key.
        keys.sort_by(|a, b| {
            let order = |k: &KeyGroup| (k.secret.rule_id.clone(), k.secret.key.clone());
            (b.repositories, b.places.len())
                .cmp(&(a.repositories, a.places.len()))
                .then_with(|| order(a).cmp(&order(b)))
        });
        totals.keys = keys.len() as u64;
        totals.shared_keys = keys.iter().filter(|k| k.repositories > 1).count() as u64;
        Index {
            schema: INDEX_SCHEMA.into(),
            tool: Tool {
                name: "wayscan".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            totals,
            by_rule,
            by_service,
            by_repository,
            by_year,
            by_verification,
            keys,
            repositories: records,
        }
    }
}

fn most_urgent(a: Option<String>, b: Option<String>) -> Option<String> {
    let rank = |s: &Option<String>| match s.as_deref() {
        Some("live") => 3,
        Some("unknown") => 2,
        Some("revoked") => 1,
        _ => 0,
    };
    if rank(&b) > rank(&a) {
        b
    } else {
        a
    }
}

/// Whether `slug` is one an audit could have made: a single file name of letters,
/// digits, `.`, `-` and `_`, not starting with a dot.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('.')
        && slug.len() <= 200
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, key: &str, path: &str, date: Option<&str>) -> AuditFinding {
        AuditFinding {
            secret: Secret {
                rule_id: rule.into(),
                severity: "critical".into(),
                key: key.into(),
                redacted: Some("abc***".into()),
                service: Some("storage".into()),
                key_id: Some("k1".into()),
                remediation: "r".into(),
            },
            fingerprint: format!("{rule}{key}{path}"),
            path: path.into(),
            line: 1,
            commit: date.map(|_| "c".repeat(40)),
            date: date.map(str::to_string),
            verification: None,
            message: "m".into(),
        }
    }

    fn record(id: &str, findings: Vec<AuditFinding>) -> RepoRecord {
        RepoRecord {
            id: id.into(),
            name: id.into(),
            slug: id.into(),
            state: "s".into(),
            status: "ok".into(),
            error: None,
            scanned: 10,
            bytes: 100,
            skipped: 0,
            warnings: 0,
            suppressed: 0,
            findings,
        }
    }

    #[test]
    fn a_key_in_several_repositories_is_one_key_with_every_place() {
        let a = record(
            "a",
            vec![
                finding("r", "k", "x.py", Some("2021-03-01T00:00:00Z")),
                finding("r", "j", "y.py", None),
            ],
        );
        let b = record("b", vec![finding("r", "k", "z.py", Some("2019-01-01T00:00:00Z"))]);
        let index = Index::build(vec![b.clone(), a.clone()]);
        assert_eq!(index, Index::build(vec![a, b]), "order of the records does not matter");
        assert_eq!(index.totals.findings, 3);
        assert_eq!(index.totals.keys, 2);
        assert_eq!(index.totals.shared_keys, 1);
        let shared = &index.keys[0];
        assert_eq!(
            (shared.secret.key.as_str(), shared.repositories, shared.places.len()),
            ("k", 2, 2)
        );
        assert_eq!(shared.first_year, "2019");
        assert_eq!(index.by_year["uncommitted"], 1);
        assert_eq!(index.by_verification["not-verified"], 2);
    }
}
