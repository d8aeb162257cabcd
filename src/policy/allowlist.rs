//! Allowlists: what a project accepts by secret, stopword, path or commit. Read from
//! `.wayscan.toml` by `settings`, applied here to findings by their
//! repository-relative path.

use crate::model::Finding;
use regex::Regex;
use serde::Deserialize;

/// A mistake in an allowlist table; `at` names the key and index
/// (`allowlists[0].paths[1]`), the caller adds the file.
#[derive(Debug, thiserror::Error)]
pub enum AllowlistError {
    #[error("{at}: invalid regex: {}", crate::model::regex_error(source))]
    Regex { at: String, source: regex::Error },
    #[error("{at}: not a full commit id (40 hex digits, or 64 for SHA-256)")]
    Commit { at: String, commit: String },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    /// What it is for: for the people reading the file, not the scan.
    #[serde(default, rename = "description")]
    _description: Option<String>,
    /// In `[[allowlists]]`: the rules it applies to (all when empty).
    #[serde(default)]
    pub rules: Vec<String>,
    /// `or` (default): any criterion given allows; `and`: every one given must.
    #[serde(default)]
    condition: Condition,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    /// Regexes over the finding's path.
    #[serde(default)]
    paths: Vec<String>,
    /// Commits (full ids) whose findings are allowed: history scans only.
    #[serde(default)]
    commits: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Condition {
    #[default]
    Or,
    And,
}

/// A compiled allowlist. A finding is allowed when its secret (for a file-level
/// finding, its path) matches a regex or holds a stopword, its path matches a path
/// regex, or its commit is listed: any of these, or with `condition = "and"` every
/// kind the allowlist gives.
#[derive(Debug, Default)]
pub struct Allowlist {
    rules: Vec<String>,
    condition: Condition,
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
    paths: Vec<Regex>,
    commits: Vec<String>,
}

impl Allowlist {
    /// Compiles `spec`, read at `table` (`allowlist`, `rule.<id>`, `allowlists[2]`).
    pub fn compile(spec: &AllowlistSpec, table: &str) -> Result<Allowlist, AllowlistError> {
        let compile_all = |list: &[String], key: &str| -> Result<Vec<Regex>, AllowlistError> {
            list.iter()
                .enumerate()
                .map(|(i, r)| {
                    Regex::new(r).map_err(|source| AllowlistError::Regex {
                        at: format!("{table}.{key}[{i}]"),
                        source,
                    })
                })
                .collect()
        };
        for (i, commit) in spec.commits.iter().enumerate() {
            if !crate::model::is_full_object_id(commit) {
                return Err(AllowlistError::Commit {
                    at: format!("{table}.commits[{i}]"),
                    commit: commit.clone(),
                });
            }
        }
        Ok(Allowlist {
            rules: spec.rules.clone(),
            condition: spec.condition,
            regexes: compile_all(&spec.regexes, "regexes")?,
            stopwords: spec.stopwords.iter().map(|s| s.to_lowercase()).collect(),
            paths: compile_all(&spec.paths, "paths")?,
            commits: spec.commits.iter().map(|c| c.to_ascii_lowercase()).collect(),
        })
    }

    /// The same allowlist, for `rule` only (a `[rule.<id>]` table).
    pub fn for_rule(mut self, rule: &str) -> Allowlist {
        self.rules = vec![rule.to_string()];
        self
    }

    /// Whether it allows `finding`.
    pub fn allows(&self, finding: &Finding) -> bool {
        if !self.rules.is_empty() && !self.rules.contains(&finding.rule_id) {
            return false;
        }
        let text = finding
            .secret
            .as_ref()
            .map_or(finding.repo_path.as_str(), |s| s.value.expose());
        let lower = text.to_lowercase();
        let commit = finding.commit.as_ref().map(|c| c.id.to_ascii_lowercase());
        // (given, matched) for each kind of criterion.
        let criteria = [
            (!self.regexes.is_empty(), self.regexes.iter().any(|r| r.is_match(text))),
            (
                !self.stopwords.is_empty(),
                self.stopwords.iter().any(|s| lower.contains(s.as_str())),
            ),
            (
                !self.paths.is_empty(),
                self.paths.iter().any(|r| r.is_match(&finding.repo_path)),
            ),
            (
                !self.commits.is_empty(),
                commit.is_some_and(|c| self.commits.contains(&c)),
            ),
        ];
        match self.condition {
            Condition::Or => criteria.iter().any(|(_, matched)| *matched),
            // Every kind given matches, and at least one kind is given.
            Condition::And => {
                criteria.iter().any(|(given, _)| *given) && criteria.iter().all(|(given, matched)| !given || *matched)
            }
        }
    }
}
