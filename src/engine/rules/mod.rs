//! Rules: TOML rule files, validated and compiled into a [`RuleSet`].
//!
//! A rule is data: its keywords feed the prefilter, its regex (with a named `secret`
//! group) confirms a hit, its filters drop placeholders, and its `examples` and
//! `negative_examples` are proved by `wayscan rules check` and by `cargo test`.

use regex::bytes::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

pub use crate::model::{Encoding, Severity};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// How often a match of this rule is a real secret (SARIF `precision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    Low,
    Medium,
    High,
    VeryHigh,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Low => "low",
            Precision::Medium => "medium",
            Precision::High => "high",
            Precision::VeryHigh => "very-high",
        }
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// File contents: keywords, then `regex` with a `secret` group.
    #[default]
    Content,
    /// File paths: `regex` runs on the path, relative to the repository root; a
    /// check in Rust (see `dotenv`) decides whether a matching file is a leak.
    File,
}

/// Where a content rule's regex runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// In `window` bytes around each keyword hit: fast, and enough for a secret that
    /// holds its keyword (`wayscloud_`).
    #[default]
    Window,
    /// Over the whole file, when one of the keywords appears anywhere in it (in any
    /// case), or always when there are none: how gitleaks runs its rules, for rules
    /// imported from it.
    File,
}

/// Extra checks a rule can ask for, where a regex cannot say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// When the `scheme` group says Basic, the secret must be base64 of
    /// `user:password` with a password that is not a placeholder.
    BasicCredential,
    /// The entropy group holds both an upper- and a lower-case letter. Random tokens
    /// of 32 or more characters over letters and digits fail it with a probability
    /// under 1e-7; snake_case identifiers that happen to start with a token prefix
    /// (`wayscloud_pat_tokens_for_the_staging_environment`) always do.
    MixedCase,
    /// The secret is not a test credential: words and small numbers only
    /// (`secret-token`, `session.accessToken`); see `matcher::testcred`.
    TestCredential,
    /// The secret is a password that looks real beside the `user` group, when the
    /// regex has one (`-u user:password`); see `matcher::checks::real_password`.
    UserPassword,
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    #[serde(default)]
    pub kind: RuleKind,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    #[serde(default = "default_precision")]
    pub precision: Precision,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub regex: String,
    /// Named groups carried into the finding as properties (never secret ones).
    #[serde(default)]
    pub properties: Vec<String>,
    /// The group the entropy filter measures; the `secret` group when absent.
    #[serde(default)]
    pub entropy_group: Option<String>,
    #[serde(default)]
    pub min_entropy: Option<f64>,
    /// The entropy must be above this, not just reach it: gitleaks' `entropy`, which
    /// imported rules keep (a secret of exactly 2.75 bits passes `min_entropy = 2.75`
    /// and fails `entropy_above = 2.75`).
    #[serde(default)]
    pub entropy_above: Option<f64>,
    /// Regexes that mark a matched secret (for file rules: path) as a placeholder.
    #[serde(default)]
    pub placeholders: Vec<String>,
    /// Regexes over other named groups that drop a match: `{ scheme = ['(?i)^ntlm$'] }`
    /// (an authentication scheme whose value is no reusable secret).
    #[serde(default)]
    pub group_placeholders: std::collections::BTreeMap<String, Vec<String>>,
    /// Regexes over the whole match that drop it (gitleaks' `regexTarget = "match"`).
    #[serde(default)]
    pub match_placeholders: Vec<String>,
    /// Regexes over the line, or lines, a match spans that drop it (gitleaks'
    /// `regexTarget = "line"`: `curl -u user:$PASSWORD` allowed by what the line holds).
    #[serde(default)]
    pub line_placeholders: Vec<String>,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub encodings: Vec<Encoding>,
    /// How far around a keyword hit the regex looks, in bytes.
    #[serde(default = "default_window")]
    pub window: usize,
    /// Where the regex runs: around keyword hits, or over the whole file.
    #[serde(default)]
    pub scope: Scope,
    /// For content rules: a regex the file's path (relative, `/`-separated) must
    /// match for the rule to apply.
    #[serde(default)]
    pub path: Option<String>,
    /// One-line message; `{property}` is replaced by the finding's property.
    pub message: String,
    /// What to do about a finding; `{property}` is replaced as in `message`.
    pub remediation: String,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Where a converted rule came from (`wayscan import gitleaks` writes "gitleaks
    /// rule <id>"): its examples are optional, since the source format has none.
    #[serde(default)]
    pub imported_from: Option<String>,
    /// Newlines at either end of the secret are not part of it: gitleaks trims its
    /// matches so, and rules imported from it say so.
    #[serde(default)]
    pub trim_newlines: bool,
    /// A finding is dropped where a rule of higher specificity found, on the same
    /// line, a secret that holds this one's (betterleaks' `specificity`; gitleaks'
    /// rules named `generic` are 0 when imported). Default 100. Applied to findings,
    /// after allowlists (`Outcome::keep_most_specific`), not here.
    #[serde(default = "default_specificity")]
    pub specificity: i64,
    /// A finding starts where the whole match does, not where its secret does:
    /// gitleaks' line numbers (`curl` on one line, `-u user:password` three lines
    /// down), which `.gitleaksignore` entries name.
    #[serde(default)]
    pub report_match_start: bool,
    /// How a found secret is checked against its issuer's API (`--verify`).
    #[serde(default)]
    pub verify: Option<VerifySpec>,
    /// How a live key is revoked through the issuer's key-management API.
    #[serde(default)]
    pub revoke: Option<RevokeSpec>,
    /// Services known by the shape of what they issue, each with its own
    /// remediation: a rule that finds credentials of any kind (a header value) says
    /// where to revoke each one. The first that fits wins.
    #[serde(default)]
    pub issuers: Vec<IssuerSpec>,
}

/// A credential issuer recognised by its token's shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSpec {
    /// Shown as the finding's `issuer` property.
    pub name: String,
    /// A regex the secret must match; absent: any secret.
    #[serde(default)]
    pub secret: Option<String>,
    /// A regex the `scheme` property must match; absent: any scheme.
    #[serde(default)]
    pub scheme: Option<String>,
    /// Replaces the rule's remediation; `{property}` is replaced as there.
    pub remediation: String,
}

/// A rule's compiled [`IssuerSpec`]s. The secret patterns form one set, matched in
/// one pass: every header finding asks, and a one-line export can hold 26,000.
#[derive(Debug)]
pub struct Issuers {
    specs: Vec<IssuerSpec>,
    /// Each issuer's remediation template, shared by its findings.
    remediations: Vec<Arc<str>>,
    /// One pattern per issuer, in order; an issuer without one matches anything.
    secrets: regex::bytes::RegexSet,
    schemes: Vec<Option<Regex>>,
}

impl Issuers {
    fn compile(specs: &[IssuerSpec]) -> Result<Issuers, String> {
        let patterns = specs.iter().map(|i| i.secret.as_deref().unwrap_or("(?:)"));
        let secrets = regex::bytes::RegexSetBuilder::new(patterns)
            .unicode(false)
            .build()
            .map_err(|e| format!("invalid issuer secret regex: {e}"))?;
        let schemes = specs
            .iter()
            .map(|i| {
                i.scheme
                    .as_deref()
                    .map(|p| {
                        rule_regex(p)
                            .map_err(|e| format!("invalid issuer scheme regex: {}", crate::model::regex_error(&e)))
                    })
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        Ok(Issuers {
            remediations: specs.iter().map(|i| Arc::from(i.remediation.as_str())).collect(),
            specs: specs.to_vec(),
            secrets,
            schemes,
        })
    }

    /// The first issuer whose patterns fit, and its remediation template.
    fn of(&self, secret: &[u8], scheme: Option<&str>) -> Option<(&IssuerSpec, &Arc<str>)> {
        if self.specs.is_empty() {
            return None;
        }
        let hits = self.secrets.matches(secret);
        self.specs.iter().enumerate().find_map(|(i, spec)| {
            let scheme_fits = self.schemes[i]
                .as_ref()
                .is_none_or(|r| scheme.is_some_and(|s| r.is_match(s.as_bytes())));
            (hits.matched(i) && scheme_fits).then_some((spec, &self.remediations[i]))
        })
    }
}

/// A rule's revocation request. The public WAYSCloud docs describe revoking in the
/// dashboard only, so method, path and token variable are an assumption kept here,
/// where they can be corrected without code.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeSpec {
    /// `DELETE`, `POST`, ...
    pub method: String,
    /// The path on the API, with `{key_id}` for the key's id (`/v1/api-keys/{key_id}`).
    pub path: String,
    /// The environment variable holding the management token (never a scanned key).
    pub token_env: String,
}

/// How the found secret is sent in a live check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    /// `Authorization: Bearer <secret>`.
    #[default]
    Bearer,
    /// `X-API-Key: <secret>`.
    XApiKey,
}

/// A rule's live check: one request authenticated with the found secret. Kept in the
/// rule file so a service with its own endpoint needs no code. The host is never
/// here: it comes from `--api-url` or `WAYSCLOUD_API_URL` only.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    /// The path requested on the API (`/v1/storage/`).
    pub path: String,
    /// Per-service paths, by the finding's `service` property; `path` otherwise.
    #[serde(default)]
    pub service_paths: std::collections::BTreeMap<String, String>,
    /// The service `path` belongs to: a 403 there means the key is live but not
    /// enabled for that service.
    pub checked_service: String,
    /// How the secret is sent (default: `bearer`).
    #[serde(default)]
    pub auth: Auth,
}

fn default_precision() -> Precision {
    Precision::Medium
}

fn default_specificity() -> i64 {
    100
}

fn default_window() -> usize {
    512
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// A named group of a rule's regex. The regex crate allows one group per name, so a
/// shape that puts the secret elsewhere (a value before its header name) spells it
/// in its own alternative as `name_2`, `name_3`, ...: the first of them that took
/// part in a match is the group's text.
#[derive(Debug, Clone)]
pub struct Group(Vec<usize>);

impl Group {
    /// The whole match.
    fn whole() -> Group {
        Group(vec![0])
    }

    /// The groups named `name` or `name_N`, `name` first, then by N (not by where
    /// they open: an imported gitleaks rule wraps its whole regex in the last one, its
    /// fallback); `None` when there is none.
    fn named(regex: &Regex, name: &str) -> Option<Group> {
        let rank = |n: &str| -> Option<u64> {
            if n == name {
                return Some(0);
            }
            let digits = n.strip_prefix(name)?.strip_prefix('_')?;
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().unwrap_or(u64::MAX))
        };
        let mut ranked: Vec<(u64, usize)> = regex
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| Some((rank(n?)?, i)))
            .collect();
        ranked.sort();
        let indexes: Vec<usize> = ranked.into_iter().map(|(_, i)| i).collect();
        (!indexes.is_empty()).then_some(Group(indexes))
    }

    /// The text of the first group in `caps` that took part and is not empty (as
    /// gitleaks takes "the first non-empty group").
    pub fn get<'h>(&self, caps: &regex::bytes::Captures<'h>) -> Option<regex::bytes::Match<'h>> {
        self.0.iter().find_map(|&i| caps.get(i).filter(|m| !m.is_empty()))
    }
}

/// A rule ready to match: the spec plus its compiled regexes and group indexes.
#[derive(Debug)]
pub struct Rule {
    pub spec: RuleSpec,
    /// The file the rule came from, for messages.
    pub origin: String,
    pub regex: Regex,
    /// The `secret` group; the whole match for file rules.
    pub secret_group: Group,
    pub scheme_group: Option<Group>,
    pub public_group: Option<Group>,
    /// The `user` group, for the user-password check.
    pub user_group: Option<Group>,
    pub entropy_group: Group,
    pub property_groups: Vec<(String, Group)>,
    pub placeholders: Vec<Regex>,
    /// The compiled `group_placeholders`: (group, regexes).
    pub group_placeholders: Vec<(Group, Vec<Regex>)>,
    pub match_placeholders: Vec<Regex>,
    pub line_placeholders: Vec<Regex>,
    /// The compiled `path` of a content rule.
    pub path: Option<Regex>,
    pub issuers: Issuers,
    /// The message and remediation templates, shared by every finding of the rule.
    pub message: Arc<str>,
    pub remediation: Arc<str>,
    /// A searcher per keyword, built once: a history scan asks
    /// [`may_match_name`](Rule::may_match_name) of every file of every tree (tens
    /// of millions of names on git's repository), where building the searcher per
    /// name took 8% of the scan.
    keyword_finders: Vec<memchr::memmem::Finder<'static>>,
}

impl Rule {
    /// The issuer whose credential `secret` is, by its shape (and the `scheme`
    /// property, where the rule has one).
    pub fn issuer_of(&self, secret: &[u8], scheme: Option<&str>) -> Option<(&IssuerSpec, &Arc<str>)> {
        self.issuers.of(secret, scheme)
    }

    pub fn id(&self) -> &str {
        &self.spec.id
    }

    pub fn is_content(&self) -> bool {
        self.spec.kind == RuleKind::Content
    }

    /// For file rules: whether `path` is a file this rule is about.
    /// A file rule's `keywords`, if any, are a prefilter: a path holds one of them
    /// (as written) before the regex runs. History scans test every path of every
    /// tree, over a hundred million on a large repository.
    /// Whether a file named `name` may match, by the keywords alone: one of them must
    /// be in the file's name. A history scan asks this of every file of every tree,
    /// and builds the full path for [`matches_path`](Rule::matches_path) only when it
    /// may.
    pub fn may_match_name(&self, name: &[u8]) -> bool {
        self.keyword_finders.is_empty() || self.keyword_finders.iter().any(|k| k.find(name).is_some())
    }

    /// Whether a content rule's findings count at `path`: always, unless the rule
    /// names the paths it applies to.
    pub fn applies_to(&self, path: &str) -> bool {
        self.path.as_ref().is_none_or(|p| p.is_match(path.as_bytes()))
    }

    /// Whether a file rule reports the file at `path` (`/`-separated).
    pub fn matches_path(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.may_match_name(name.as_bytes())
            && self.regex.is_match(path.as_bytes())
            && !self.placeholders.iter().any(|p| p.is_match(path.as_bytes()))
    }
}

/// Every rule of a scan, in load order: built-in files first, then `--rules` files.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// A rule file that could not be loaded, naming the file and, where known, the rule.
#[derive(Debug)]
pub struct RuleError {
    pub file: String,
    pub rule: Option<String>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "rule file {}: rule '{}': {}", self.file, rule, self.message),
            None => write!(f, "rule file {}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

impl RuleSet {
    /// The built-in rules only.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::with_files(Vec::new(), Vec::new())
    }

    /// Built-in rules plus rule files given as (name, text): `user_files` named by the
    /// person running wayscan (`--rules`), `project_files` named by a project
    /// configuration (read from a commit or from the scanned tree). The latter come
    /// from the scanned repository, so they may add detection but never choose where
    /// keys are sent: a `verify` or `revoke` section in one is an error. Reading the
    /// files is the caller's: the engine sees text only.
    pub fn with_files(
        user_files: Vec<(String, String)>,
        project_files: Vec<(String, String)>,
    ) -> Result<RuleSet, RuleError> {
        let mut sources: Vec<(String, String)> = BUILTIN_RULE_FILES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        sources.extend(user_files);
        let project_names: Vec<String> = project_files.iter().map(|(name, _)| name.clone()).collect();
        sources.extend(project_files);
        let set = RuleSet::from_sources(&sources)?;
        // The project's rules are the last ones compiled: only that tail is checked, so
        // a project file named like a built-in one cannot make it look like its own.
        let mut project_rules = set.rules.iter().rev().take_while(|r| project_names.contains(&r.origin));
        if let Some(rule) = project_rules.find(|r| r.spec.verify.is_some() || r.spec.revoke.is_some()) {
            return Err(RuleError {
                file: rule.origin.clone(),
                rule: Some(rule.spec.id.clone()),
                message: "a rule file named by a project configuration may not have a verify or revoke \
                          section: they decide where keys are sent, which only built-in rules and --rules \
                          files given on the command line may do"
                    .into(),
            });
        }
        Ok(set)
    }

    /// Compiles rule files given as (name, text) pairs; ids must be unique across them.
    pub fn from_sources(sources: &[(String, String)]) -> Result<RuleSet, RuleError> {
        let mut rules: Vec<Rule> = Vec::new();
        for (file, text) in sources {
            for rule in parse_rule_file(file, text)? {
                if let Some(first) = rules.iter().find(|r| r.id() == rule.id()) {
                    return Err(RuleError {
                        file: file.clone(),
                        rule: Some(rule.spec.id.clone()),
                        message: format!("duplicate rule id, already defined in {}", first.origin),
                    });
                }
                rules.push(rule);
            }
        }
        Ok(RuleSet { rules })
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id() == id)
    }
}

/// Parses and compiles one rule file.
pub fn parse_rule_file(file: &str, text: &str) -> Result<Vec<Rule>, RuleError> {
    let parsed: RuleFile = toml::from_str(text).map_err(|e| RuleError {
        file: file.to_string(),
        rule: None,
        message: crate::model::toml_error(&e, text),
    })?;
    if parsed.rules.is_empty() {
        return Err(RuleError {
            file: file.to_string(),
            rule: None,
            message: "no [[rules]] defined".to_string(),
        });
    }
    parsed.rules.into_iter().map(|spec| compile(file, spec)).collect()
}

fn compile(file: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    let fail = |message: String| RuleError {
        file: file.to_string(),
        rule: Some(spec.id.clone()),
        message,
    };
    if spec.id.is_empty()
        || !spec
            .id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(fail("id must be non-empty lowercase letters, digits and '-'".into()));
    }
    let content = spec.kind == RuleKind::Content;
    if spec.keywords.iter().any(|k| k.is_empty()) {
        return Err(fail("a keyword is empty".into()));
    }
    let windowed = content && spec.scope == Scope::Window;
    if windowed && (spec.keywords.is_empty() || spec.keywords.iter().any(|k| k.len() < 3)) {
        return Err(fail(
            "needs at least one keyword, each of 3 or more bytes (or scope = \"file\")".into(),
        ));
    }
    if !content && (spec.scope != Scope::Window || spec.path.is_some()) {
        return Err(fail(
            "a file rule takes no scope or path: its regex is on the path".into(),
        ));
    }
    if spec.scope == Scope::File && !spec.encodings.is_empty() {
        return Err(fail("a rule with scope = \"file\" takes no encodings".into()));
    }
    if !content && (!spec.encodings.is_empty() || !spec.checks.is_empty()) {
        return Err(fail("a file rule takes no encodings or checks".into()));
    }
    if let Some(layer) = spec
        .encodings
        .iter()
        .find(|e| !matches!(e, Encoding::Base64 | Encoding::Percent | Encoding::Escape))
    {
        return Err(fail(format!(
            "encodings are base64, percent and escape; {} is a layer every rule with base64 is looked for under",
            layer.as_str()
        )));
    }
    let regex =
        rule_regex(&spec.regex).map_err(|e| fail(format!("invalid regex: {}", crate::model::regex_error(&e))))?;
    let group =
        |name: &str| Group::named(&regex, name).ok_or_else(|| fail(format!("regex has no named group '{name}'")));
    let secret_group = if content { group("secret")? } else { Group::whole() };
    let scheme_group = Group::named(&regex, "scheme");
    if spec.checks.contains(&Check::BasicCredential) && scheme_group.is_none() {
        return Err(fail("check basic-credential needs a named group 'scheme'".into()));
    }
    let public_group = Group::named(&regex, "public");
    let user_group = Group::named(&regex, "user");
    let entropy_group = match &spec.entropy_group {
        Some(name) => group(name)?,
        None => secret_group.clone(),
    };
    if let Some(name) = spec.properties.iter().find(|p| content && p.as_str() == "secret") {
        return Err(fail(format!(
            "property '{name}' is the secret group: properties are shown unredacted"
        )));
    }
    let property_groups = spec
        .properties
        .iter()
        .map(|name| Ok((name.clone(), group(name)?)))
        .collect::<Result<Vec<_>, RuleError>>()?;
    let compile_placeholders = |patterns: &[String]| {
        patterns
            .iter()
            .map(|p| {
                rule_regex(p).map_err(|e| fail(format!("invalid placeholder regex: {}", crate::model::regex_error(&e))))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let placeholders = compile_placeholders(&spec.placeholders)?;
    let match_placeholders = compile_placeholders(&spec.match_placeholders)?;
    let line_placeholders = compile_placeholders(&spec.line_placeholders)?;
    let group_placeholders = spec
        .group_placeholders
        .iter()
        .map(|(name, patterns)| Ok((group(name)?, compile_placeholders(patterns)?)))
        .collect::<Result<Vec<_>, RuleError>>()?;
    for (key, floor) in [("min_entropy", spec.min_entropy), ("entropy_above", spec.entropy_above)] {
        if let Some(floor) = floor {
            if !(0.0..=8.0).contains(&floor) {
                return Err(fail(format!("{key} {floor} is outside 0..=8 bits per byte")));
            }
        }
    }
    if spec.window < 64 {
        return Err(fail("window must be at least 64 bytes".into()));
    }
    let path = spec
        .path
        .as_deref()
        .map(|p| rule_regex(p).map_err(|e| fail(format!("invalid path regex: {}", crate::model::regex_error(&e)))))
        .transpose()?;
    let api_paths = spec
        .verify
        .iter()
        .flat_map(|v| std::iter::once(&v.path).chain(v.service_paths.values()));
    for api_path in api_paths.chain(spec.revoke.iter().map(|r| &r.path)) {
        check_api_path(api_path).map_err(fail)?;
    }
    let issuers = Issuers::compile(&spec.issuers).map_err(fail)?;
    Ok(Rule {
        origin: file.to_string(),
        regex,
        secret_group,
        scheme_group,
        public_group,
        user_group,
        entropy_group,
        property_groups,
        placeholders,
        group_placeholders,
        match_placeholders,
        line_placeholders,
        path,
        issuers,
        message: Arc::from(spec.message.as_str()),
        remediation: Arc::from(spec.remediation.as_str()),
        keyword_finders: spec
            .keywords
            .iter()
            .map(|k| memchr::memmem::Finder::new(k.as_bytes()).into_owned())
            .collect(),
        spec,
    })
}

/// Checks a path that `verify` or `revoke` requests on the API. It is appended to the
/// API base the user chose, so it must stay a path on that host: absolute, and with
/// nothing that a URL parser could read as another host, user, query or fragment
/// (`//host`, `@`, `\\`, `?`, `#`, a scheme), and no spaces or control characters.
fn check_api_path(path: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("API path {path:?}: {why}"));
    if !path.starts_with('/') || path.starts_with("//") {
        return bad("must start with a single '/'");
    }
    if let Some(c) = path
        .chars()
        .find(|c| matches!(c, '@' | '\\' | '?' | '#' | '%') || c.is_whitespace() || c.is_control())
    {
        return bad(&format!("{c:?} is not allowed"));
    }
    if path.contains("://") || path.split('/').any(|segment| segment == "..") {
        return bad("must be a plain path on the API host");
    }
    Ok(())
}

/// Compiles a rule's regex. Rules match bytes, and secrets are ASCII: Unicode mode is
/// off unless a rule turns it on with `(?u)`, which keeps `(?i)` and `\w` small and
/// start-up fast (the pre-commit hook pays it on every commit).
pub fn rule_regex(pattern: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(pattern).unicode(false).build()
}

/// A template for the rule as a whole: each `{property}` becomes `<property>`.
pub fn render_generic(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c);
        match close {
            Some(close)
                if rest[open + 1..close]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                out.push_str(&rest[..open]);
                out.push('<');
                out.push_str(&rest[open + 1..close]);
                out.push('>');
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::render_template;

    fn one(text: &str) -> Result<Vec<Rule>, RuleError> {
        parse_rule_file("test.toml", text)
    }

    const MINIMAL: &str = r#"
[[rules]]
id = "demo"
name = "Demo"
description = "d"
severity = "high"
keywords = ["demo_"]
regex = 'demo_(?P<secret>[a-z]{8})'
message = "m"
remediation = "r"
"#;

    #[test]
    fn file_rules_pass_the_names_their_keywords_are_in() {
        let rules = RuleSet::builtin().unwrap();
        let file_rules: Vec<&Rule> = rules.rules.iter().filter(|r| !r.is_content()).collect();
        assert!(!file_rules.is_empty());
        for name in [".env", ".env.local", "prod.env", "credentials", "aws-credentials.json"] {
            assert!(file_rules.iter().any(|r| r.may_match_name(name.as_bytes())), "{name}");
        }
        for name in ["README.md", "env", "main.rs", ""] {
            assert!(!file_rules.iter().any(|r| r.may_match_name(name.as_bytes())), "{name}");
        }
    }

    #[test]
    fn builtin_rules_compile() {
        let set = RuleSet::builtin().expect("built-in rules compile");
        assert!(set.get("wayscloud-api-key").is_some());
    }

    #[test]
    fn minimal_rule_compiles() {
        let rules = one(MINIMAL).unwrap();
        assert_eq!(rules[0].id(), "demo");
        assert_eq!(rules[0].spec.window, 512);
    }

    #[test]
    fn missing_secret_group_names_file_and_rule() {
        let text = MINIMAL.replace("(?P<secret>[a-z]{8})", "[a-z]{8}");
        let err = one(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "rule file test.toml: rule 'demo': regex has no named group 'secret'"
        );
    }

    #[test]
    fn invalid_regex_is_reported() {
        let text = MINIMAL.replace("[a-z]{8}", "[a-z");
        let err = one(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("rule file test.toml: rule 'demo': invalid regex"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_is_an_error() {
        let text = MINIMAL.replace("message = \"m\"", "message = \"m\"\nmessgae = \"typo\"");
        let err = one(&text).unwrap_err().to_string();
        assert!(err.contains("unknown field `messgae`"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let sources = vec![
            ("a.toml".to_string(), MINIMAL.to_string()),
            ("b.toml".to_string(), MINIMAL.to_string()),
        ];
        let err = RuleSet::from_sources(&sources).unwrap_err().to_string();
        assert_eq!(
            err,
            "rule file b.toml: rule 'demo': duplicate rule id, already defined in a.toml"
        );
    }

    #[test]
    fn template_fills_properties() {
        let mut props = crate::model::Properties::new();
        props.insert("key_id".to_string(), "a1b2".to_string());
        assert_eq!(
            render_template("revoke {key_id} ({other})", &props),
            "revoke a1b2 ({other})"
        );
        // A value is text, never a template: a scanned file cannot fill in another
        // property through it.
        props.insert("header".to_string(), "{key_id}".to_string());
        assert_eq!(render_template("{header} {key_id} {", &props), "{key_id} a1b2 {");
        assert_eq!(
            render_generic("revoke {key_id} in {a b} {"),
            "revoke <key_id> in {a b} {"
        );
    }
}
