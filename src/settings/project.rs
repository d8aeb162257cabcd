//! The project's own configuration: `.wayscan.toml` at the repository root (or
//! `--config FILE`; `--no-config` ignores it). Extra rule files, rules to disable,
//! path excludes, allowlists, the size limit. Every key is documented in the README
//! and in the starter file `wayscan config init` writes.
//!
//! It can only narrow what is reported, and every finding it drops is counted.
//! Verification settings are not here: nothing in a repository decides where keys
//! are sent.

use crate::model::{Finding, Salt};
use crate::policy::allowlist::{Allowlist, AllowlistError, AllowlistSpec};
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".wayscan.toml";

/// Why a project configuration cannot be used. Each names the file it is about:
/// a path, or `commit:.wayscan.toml` in range mode.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("{}: {source}", file.display())]
    Read { file: PathBuf, source: std::io::Error },
    /// Not TOML, an unknown key, or a value that does not parse; `message` names
    /// the line and key.
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{origin}: {source}")]
    Allowlist { origin: String, source: AllowlistError },
    #[error("{origin}: no rule {id:?} (see `wayscan rules list`)")]
    UnknownRule { origin: String, id: String },
    #[error("{origin}: rule file {path} is not in commit {commit}")]
    RuleFileNotInCommit {
        origin: String,
        path: String,
        commit: String,
    },
    #[error("rule file {}: cannot read: {source}", path.display())]
    ReadRuleFile { path: PathBuf, source: std::io::Error },
    /// The configuration, or a rule file it names, resolves outside the repository
    /// it was found in (an absolute path, `..`, or a symbolic link): a scanned
    /// repository may not make wayscan read, and quote, the user's other files.
    #[error("{}: resolves outside the repository ({}); give it on the command line to use it", path.display(), top.display())]
    OutsideRepository { path: PathBuf, top: PathBuf },
}

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
    /// The baseline every scan of the project applies, relative to this file.
    #[serde(default)]
    baseline: Option<PathBuf>,
    /// Hex; keys fingerprints so reports are not oracles (`model::Salt`).
    #[serde(default)]
    fingerprint_salt: Option<String>,
    #[serde(default)]
    allowlist: AllowlistSpec,
    /// Per-rule allowlists: `[rule.wayscloud-api-key]`.
    #[serde(default)]
    rule: BTreeMap<String, AllowlistSpec>,
    /// More allowlists, each for every rule or for the rules it names.
    #[serde(default)]
    allowlists: Vec<AllowlistSpec>,
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
    /// Keys the fingerprints of every scan of this project.
    pub salt: Option<Salt>,
    /// The baseline (`baseline = "path"`), resolved like the rule files.
    pub baseline: Option<PathBuf>,
    excludes: GlobSet,
    /// `[allowlist]`, then `[rule.<id>]` (each limited to its rule), then
    /// `[[allowlists]]`.
    allowlists: Vec<Allowlist>,
    /// Rule ids the file names, checked against the loaded rules.
    named_rules: Vec<String>,
}

impl Project {
    /// The configuration for a scan of `root`: `.wayscan.toml` at the root of the git
    /// work tree holding it (or at `root` itself outside git), if there is one.
    /// Returns the file and the top it was found at.
    pub fn find(root: &Path) -> Option<(PathBuf, PathBuf)> {
        let dir = if root.is_dir() { root } else { root.parent()? };
        let top = crate::git::repo::work_tree_top(dir).unwrap_or_else(|| dir.to_path_buf());
        let file = top.join(FILE_NAME);
        (file.is_file() || file.is_symlink()).then_some((file, top))
    }

    /// Checks that `path` (the configuration found in a repository, or a rule file
    /// it names) resolves inside `top`.
    pub fn check_inside(path: &Path, top: &Path) -> Result<(), ProjectError> {
        let outside = || ProjectError::OutsideRepository {
            path: path.to_path_buf(),
            top: top.to_path_buf(),
        };
        // A path that does not resolve is left to the read, which names it.
        let (Ok(resolved), Ok(top)) = (path.canonicalize(), top.canonicalize()) else {
            return match path.is_absolute() || path.components().any(|c| c == std::path::Component::ParentDir) {
                true => Err(outside()),
                false => Ok(()),
            };
        };
        match resolved.starts_with(&top) {
            true => Ok(()),
            false => Err(outside()),
        }
    }

    /// Reads and checks `file`. Errors name the file, and for TOML errors the line
    /// and key (unknown keys are errors).
    pub fn load(file: &Path) -> Result<Project, ProjectError> {
        let text = std::fs::read_to_string(file).map_err(|source| ProjectError::Read {
            file: file.to_path_buf(),
            source,
        })?;
        Project::parse(
            &text,
            &file.display().to_string(),
            file.parent().unwrap_or(Path::new(".")),
        )
    }

    /// Reads and checks a configuration from `text`; `origin` names it in errors,
    /// and its rule file paths are relative to `base`.
    pub fn parse(text: &str, origin: &str, base: &Path) -> Result<Project, ProjectError> {
        let invalid = |message: String| ProjectError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let allowlist = |spec: &AllowlistSpec, table: &str| {
            Allowlist::compile(spec, table).map_err(|source| ProjectError::Allowlist {
                origin: origin.to_string(),
                source,
            })
        };
        let spec: ProjectFile = toml::from_str(text).map_err(|e| invalid(crate::model::toml_error(&e, text)))?;
        let mut excludes = GlobSetBuilder::new();
        for (i, pattern) in spec.exclude.iter().enumerate() {
            let glob = Glob::new(pattern).map_err(|e| invalid(format!("exclude[{i}]: invalid glob: {}", e.kind())))?;
            excludes.add(glob);
        }
        let excludes = excludes.build().map_err(|e| invalid(format!("exclude: {e}")))?;
        let max_file_size = spec
            .max_file_size
            .as_deref()
            .map(crate::units::parse_size)
            .transpose()
            .map_err(|e| invalid(format!("max_file_size: {e}")))?;
        let salt = spec
            .fingerprint_salt
            .as_deref()
            .map(Salt::parse)
            .transpose()
            .map_err(|e| invalid(format!("fingerprint_salt: {e}")))?;
        let mut allowlists = vec![allowlist(&spec.allowlist, "allowlist")?];
        let mut named_rules = spec.disable_rules.clone();
        for (id, list) in &spec.rule {
            if !list.rules.is_empty() {
                return Err(invalid(format!(
                    "rule.{id}.rules: only [[allowlists]] entries name rules"
                )));
            }
            allowlists.push(allowlist(list, &format!("rule.{id}"))?.for_rule(id));
            named_rules.push(id.clone());
        }
        for (i, list) in spec.allowlists.iter().enumerate() {
            allowlists.push(allowlist(list, &format!("allowlists[{i}]"))?);
            named_rules.extend(list.rules.iter().cloned());
        }
        if !spec.allowlist.rules.is_empty() {
            return Err(invalid(
                "allowlist.rules: only [[allowlists]] entries name rules".to_string(),
            ));
        }
        Ok(Project {
            origin: origin.to_string(),
            rule_files: spec.rules.iter().map(|r| base.join(r)).collect(),
            disable_rules: spec.disable_rules,
            max_file_size,
            salt,
            baseline: spec.baseline.map(|b| base.join(b)),
            excludes,
            allowlists,
            named_rules,
        })
    }

    /// Checks the rule ids the file names against the loaded rules.
    pub fn check_rule_ids(&self, known: &[&str]) -> Result<(), ProjectError> {
        match self.named_rules.iter().find(|id| !known.contains(&id.as_str())) {
            Some(id) => Err(ProjectError::UnknownRule {
                origin: self.origin.clone(),
                id: id.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Whether the configuration drops `finding`: an excluded path, or an allowlist
    /// allows it. Paths are the finding's repository-relative one, whatever
    /// directory the scan started in.
    pub fn drops(&self, finding: &Finding) -> bool {
        self.excludes.is_match(&finding.repo_path) || self.allowlists.iter().any(|a| a.allows(finding))
    }
}

/// The commented starter file of `wayscan config init`, with a fresh salt.
pub fn starter(salt: &Salt) -> String {
    STARTER.replace("{SALT}", &salt.to_hex())
}

const STARTER: &str = r#"# wayscan project configuration. Every key is optional; wayscan reads this file from
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

# The baseline every scan applies, in the hook, the Action and by hand (`wayscan
# baseline create` writes it; --baseline FILE wins).
# baseline = ".wayscan-baseline.json"

# Keys the fingerprints of reports and baselines (HMAC), so one read without the
# repository cannot confirm a guessed secret. Made at random by `wayscan config
# init`; changing or removing it renames every finding (recreate the baseline).
fingerprint_salt = "{SALT}"

# Findings not reported anywhere: a secret matching a regex or holding a stopword
# (any case), a path matching a path regex, or a commit listed (full ids). With
# condition = "and", every kind given must match.
[allowlist]
# regexes = ['^wayscloud_[a-z]+_test[0-9]+_']
# stopwords = ["fixture"]
# paths = ['^tests/fixtures/']
# commits = ["0123456789abcdef0123456789abcdef01234567"]

# The same, for one rule only.
# [rule.wayscloud-api-key]
# stopwords = ["sandbox"]

# More lists, each for all rules or the rules it names.
# [[allowlists]]
# description = "documentation samples"
# rules = ["authorization-header"]
# condition = "and"
# paths = ['^docs/']
# stopwords = ["sample"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Project, String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, text).unwrap();
        Project::load(&file).map_err(|e| e.to_string().replace(&dir.path().display().to_string(), "DIR"))
    }

    #[test]
    fn the_starter_file_loads() {
        let salt = Salt::parse("00112233445566778899aabbccddeeff").unwrap();
        let project = load(&starter(&salt)).unwrap();
        assert_eq!(project.salt, Some(salt));
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

    /// The finding for a generated key at `path`, introduced by `commit`.
    fn finding(path: &str, commit: Option<&str>) -> Finding {
        let rules = crate::engine::rules::RuleSet::builtin().unwrap();
        let matcher = crate::engine::matcher::Matcher::new(&rules);
        let key = crate::testkeys::fake_key("storage", 31);
        let mut found = crate::pipeline::scan_bytes(&matcher, 0, path, format!("KEY={key}\n").as_bytes());
        let mut finding = found.findings.remove(0);
        finding.commit = commit.map(|id| {
            Box::new(crate::model::CommitInfo {
                id: id.into(),
                author_name: String::new(),
                author_email: String::new(),
                date: String::new(),
            })
        });
        finding
    }

    #[test]
    fn allowlists_match_paths_commits_and_combine_with_or_and_and() {
        let a = "a".repeat(40);
        let project = load(&format!(
            r#"
[[allowlists]]
description = "fixtures"
paths = ['^tests/fixtures/']

[[allowlists]]
rules = ["authorization-header"]
paths = ['^src/']

[[allowlists]]
condition = "and"
paths = ['^docs/']
stopwords = ["nothing-like-this"]

[[allowlists]]
commits = ["{a}"]
"#
        ))
        .unwrap();
        assert!(project.drops(&finding("tests/fixtures/k.env", None)));
        assert!(
            !project.drops(&finding("src/k.env", None)),
            "that allowlist is for another rule"
        );
        assert!(
            !project.drops(&finding("docs/k.md", None)),
            "and: the stopword does not match"
        );
        assert!(project.drops(&finding("app.py", Some(&a))));
        assert!(!project.drops(&finding("app.py", Some(&"b".repeat(40)))));
        assert!(!project.drops(&finding("app.py", None)));

        let project =
            load("[[allowlists]]\ncondition = \"and\"\npaths = ['^docs/']\nregexes = ['^wayscloud_storage_']\n")
                .unwrap();
        assert!(project.drops(&finding("docs/k.md", None)));
        assert!(!project.drops(&finding("src/k.md", None)));
    }

    #[test]
    fn allowlist_mistakes_name_the_table() {
        let e = load("[[allowlists]]\ncommits = [\"abc\"]\n").unwrap_err();
        assert!(e.contains("allowlists[0].commits[0]") && e.contains("40 hex"), "{e}");
        let e = load("[[allowlists]]\npaths = ['(']\n").unwrap_err();
        assert!(e.contains("allowlists[0].paths[0]: invalid regex"), "{e}");
        let e = load("[[allowlists]]\ncondition = \"xor\"\n").unwrap_err();
        assert!(e.contains("line 2") && e.contains("expected `or` or `and`"), "{e}");
        let e = load("[allowlist]\nrules = [\"x\"]\n").unwrap_err();
        assert!(e.contains("allowlist.rules"), "{e}");
        let project = load("[[allowlists]]\nrules = [\"nope\"]\n").unwrap();
        assert!(project.check_rule_ids(&["wayscloud-api-key"]).is_err());
    }

    #[test]
    fn toml_errors_name_the_line_and_never_quote_the_file() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let text =
            format!("[default]\naws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\"\naws_secret_access_key = {secret}\n");
        let e = load(&text).unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        assert!(
            !e.contains(secret) && !e.contains("wJalr") && !e.contains("AKIA"),
            "{e}"
        );
        let e = load("max_file_size = [\"hunter2hunter2\"]\n").unwrap_err();
        assert!(e.contains("line 1") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn rule_ids_are_checked() {
        let project = load("disable_rules = [\"nope\"]\n").unwrap();
        let e = project.check_rule_ids(&["wayscloud-api-key"]).unwrap_err().to_string();
        assert!(e.contains("no rule \"nope\""), "{e}");
    }
}
