//! The project's own configuration: `.wayscan.toml` at the repository root (or
//! `--config FILE`; `--no-config` ignores it). Extra rule files, rules to disable,
//! path excludes, allowlists, the size limit. Every key is documented in the README
//! and in the starter file `wayscan config init` writes.
//!
//! It can only narrow what is reported, and every finding it drops is counted.
//! Verification settings are not here: nothing in a repository decides where keys
//! are sent.

use crate::finding::Finding;
use globset::{Glob, GlobSet, GlobSetBuilder};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".wayscan.toml";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    rules: Vec<PathBuf>,
    #[serde(default)]
    disable_rules: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    max_file_size: Option<String>,
    #[serde(default)]
    allowlist: AllowlistSpec,
    /// Per-rule allowlists: `[rule.wayscloud-api-key]`.
    #[serde(default)]
    rule: BTreeMap<String, AllowlistSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowlistSpec {
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
}

/// A compiled allowlist: a secret matching a regex or holding a stopword is not a
/// finding.
#[derive(Debug, Default)]
struct Allowlist {
    regexes: Vec<Regex>,
    stopwords: Vec<String>,
}

impl Allowlist {
    fn compile(spec: &AllowlistSpec, file: &Path, table: &str) -> Result<Allowlist, String> {
        let regexes = spec
            .regexes
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Regex::new(r).map_err(|e| format!("{}: {table}.regexes[{i}]: invalid regex: {e}", file.display()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Allowlist {
            regexes,
            stopwords: spec.stopwords.iter().map(|s| s.to_lowercase()).collect(),
        })
    }

    fn allows(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.regexes.iter().any(|r| r.is_match(text)) || self.stopwords.iter().any(|s| lower.contains(s.as_str()))
    }
}

/// A loaded, checked project configuration.
#[derive(Debug)]
pub struct Project {
    /// Where it was read from, for messages (a path, or `commit:.wayscan.toml`).
    pub origin: String,
    /// Extra rule files, resolved against the configuration file's directory.
    pub rule_files: Vec<PathBuf>,
    pub disable_rules: Vec<String>,
    pub max_file_size: Option<u64>,
    excludes: GlobSet,
    allowlist: Allowlist,
    per_rule: BTreeMap<String, Allowlist>,
}

impl Project {
    /// The configuration for a scan of `root`: `.wayscan.toml` at the root of the git
    /// work tree holding it (or at `root` itself outside git), if there is one.
    pub fn find(root: &Path) -> Option<PathBuf> {
        let dir = if root.is_dir() { root } else { root.parent()? };
        let top = git2::Repository::discover(dir)
            .ok()
            .and_then(|repo| repo.workdir().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.to_path_buf());
        Some(top.join(FILE_NAME)).filter(|file| file.is_file())
    }

    /// Reads and checks `file`. Errors name the file, and for TOML errors the line
    /// and key (unknown keys are errors).
    pub fn load(file: &Path) -> Result<Project, String> {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        Project::parse(
            &text,
            &file.display().to_string(),
            file.parent().unwrap_or(Path::new(".")),
        )
    }

    /// Reads and checks a configuration from `text`; `origin` names it in errors,
    /// and its rule file paths are relative to `base`.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Project, String> {
        let file = Path::new(origin);
        let spec: ProjectFile =
            toml::from_str(text).map_err(|e| format!("{}: {}", file.display(), e.to_string().trim_end()))?;
        let mut excludes = GlobSetBuilder::new();
        for (i, pattern) in spec.exclude.iter().enumerate() {
            let glob = Glob::new(pattern)
                .map_err(|e| format!("{}: exclude[{i}]: invalid glob {pattern:?}: {e}", file.display()))?;
            excludes.add(glob);
        }
        let excludes = excludes
            .build()
            .map_err(|e| format!("{}: exclude: {e}", file.display()))?;
        let max_file_size = spec
            .max_file_size
            .as_deref()
            .map(crate::cli::parse_size)
            .transpose()
            .map_err(|e| format!("{}: max_file_size: {e}", file.display()))?;
        let per_rule = spec
            .rule
            .iter()
            .map(|(id, list)| Ok((id.clone(), Allowlist::compile(list, file, &format!("rule.{id}"))?)))
            .collect::<Result<_, String>>()?;
        Ok(Project {
            origin: origin.to_string(),
            rule_files: spec.rules.iter().map(|r| base.join(r)).collect(),
            disable_rules: spec.disable_rules,
            max_file_size,
            excludes,
            allowlist: Allowlist::compile(&spec.allowlist, file, "allowlist")?,
            per_rule,
        })
    }

    /// Checks the rule ids the file names against the loaded rules.
    pub fn check_rule_ids(&self, known: &[&str]) -> Result<(), String> {
        let named = self.disable_rules.iter().chain(self.per_rule.keys());
        for id in named {
            if !known.contains(&id.as_str()) {
                return Err(format!("{}: no rule {id:?} (see `wayscan rules list`)", self.origin));
            }
        }
        Ok(())
    }

    /// Whether the configuration drops `finding`: an excluded path, or an allowlisted
    /// secret (for a file-level finding, its path).
    pub fn drops(&self, finding: &Finding) -> bool {
        if self.excludes.is_match(&finding.path) {
            return true;
        }
        let text = finding
            .secret
            .as_ref()
            .map_or(finding.path.as_str(), |s| s.value.expose());
        self.allowlist.allows(text)
            || self
                .per_rule
                .get(&finding.rule_id)
                .is_some_and(|list| list.allows(text))
    }
}

/// The commented starter file of `wayscan config init`.
pub const STARTER: &str = r#"# wayscan project configuration. Every key is optional; wayscan reads this file from
# the repository root (or --config FILE; --no-config ignores it). It can only narrow
# what is reported, and what it drops is counted in the summary.

# Extra rule files, relative to this file (built-in rules always load).
# rules = ["security/wayscan-rules.toml"]

# Rules to turn off, by id (`wayscan rules list`).
# disable_rules = ["authorization-header"]

# Paths not reported (globs, relative to the repository root).
# exclude = ["vendor/**", "**/testdata/**", "*.min.js"]

# Skip files larger than this (K, M, G: binary multiples); --max-file-size wins.
# max_file_size = "50MiB"

# Secrets not reported anywhere: regexes over the secret, and stopwords (any case)
# it must not contain.
[allowlist]
# regexes = ['^wayscloud_[a-z]+_test[0-9]+_']
# stopwords = ["fixture"]

# The same, for one rule only.
# [rule.wayscloud-api-key]
# stopwords = ["sandbox"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Project, String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, text).unwrap();
        Project::load(&file).map_err(|e| e.replace(&dir.path().display().to_string(), "DIR"))
    }

    #[test]
    fn the_starter_file_loads() {
        let project = load(STARTER).unwrap();
        assert!(project.rule_files.is_empty() && project.max_file_size.is_none());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_file_line_and_key() {
        let e = load("exclude = [\"a\"]\nexcludes = [\"b\"]\n").unwrap_err();
        assert!(e.starts_with("DIR/.wayscan.toml: "), "{e}");
        assert!(e.contains("line 2") && e.contains("excludes"), "{e}");
        let e = load("[allowlist]\nregexes = [\"ok\", \"(\"]\n").unwrap_err();
        assert!(e.contains("allowlist.regexes[1]: invalid regex"), "{e}");
        let e = load("exclude = [\"a[\"]\n").unwrap_err();
        assert!(e.contains("exclude[0]: invalid glob"), "{e}");
        let e = load("max_file_size = \"ten\"\n").unwrap_err();
        assert!(e.contains("max_file_size"), "{e}");
        let e = load("[rule.x]\nstopword = [\"a\"]\n").unwrap_err();
        assert!(e.contains("stopword"), "{e}");
    }

    #[test]
    fn rule_ids_are_checked() {
        let project = load("disable_rules = [\"nope\"]\n").unwrap();
        let e = project.check_rule_ids(&["wayscloud-api-key"]).unwrap_err();
        assert!(e.contains("no rule \"nope\""), "{e}");
    }
}
