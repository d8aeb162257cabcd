//! `.gitleaks.toml` to wayscan: custom rules become a rule file, allowlists become
//! `[[allowlists]]` of `.wayscan.toml`. Pure: text in, texts and notes out.
//!
//! Each conversion keeps gitleaks' meaning or is not made. Where a part cannot be
//! carried over, a note says so. A dropped part never hides more than gitleaks
//! hides: an allowlist criterion wayscan cannot express is dropped from an `or`
//! allowlist (which then allows less), and an `and` allowlist is dropped whole.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The files gitleaks and betterleaks read by default, at the repository root, in
/// the order betterleaks looks for them (its format is gitleaks' with additions).
pub const CONFIG_FILES: [&str; 2] = [".betterleaks.toml", ".gitleaks.toml"];

/// gitleaks' default configuration, v8.30.1: what `[extend] useDefault = true`
/// extends. A team on another gitleaks version has that version's defaults; the
/// import says which it used.
pub const DEFAULT_CONFIG: &str = include_str!("gitleaks-default-v8.30.1.toml");
const DEFAULT_NAME: &str = "gitleaks' default configuration (v8.30.1)";

/// Reads the file `[extend] path` names (the command resolves it as gitleaks does).
pub type ReadExtended<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// A gitleaks configuration, as far as the import reads it. Keys it does not know
/// land in `other`, to be reported rather than rejected.
#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    extend: Option<Extend>,
    #[serde(default)]
    rules: Vec<Rule>,
    /// The single global allowlist of gitleaks before 8.25.
    #[serde(default)]
    allowlist: Option<Allowlist>,
    #[serde(default)]
    allowlists: Vec<Allowlist>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

impl Config {
    /// Rewrites every regex where Go's syntax and the regex crate's differ.
    fn rewrite_go_syntax(&mut self) {
        let lists = |rule_lists: &mut Vec<Allowlist>, single: &mut Option<Allowlist>| {
            for list in rule_lists.iter_mut().chain(single.iter_mut()) {
                for regex in list.regexes.iter_mut().chain(list.paths.iter_mut()) {
                    *regex = go_regex(regex);
                }
            }
        };
        for rule in &mut self.rules {
            for regex in rule.regex.iter_mut().chain(rule.path.iter_mut()) {
                *regex = go_regex(regex);
            }
            lists(&mut rule.allowlists, &mut rule.allowlist);
        }
        lists(&mut self.allowlists, &mut self.allowlist);
    }
}

/// Merges the configuration `[extend]` names into `config`, as gitleaks does
/// (config.go, `extend`): the base's rules are added unless disabled; a rule of
/// `config` with the same id overrides the base's description, entropy, secret
/// group, regex and path where it sets them and adds its tags, keywords and
/// allowlists; the base's global allowlists are added. gitleaks follows two levels
/// of `[extend]`, so does the import.
fn extend(config: &mut Config, read: ReadExtended<'_>, notes: &mut Vec<String>, depth: usize) {
    let Some(how) = config.extend.take() else { return };
    let (name, text) = match (&how.path, how.use_default) {
        (Some(path), true) => {
            notes.push(format!(
                "[extend] has both path = {path:?} and useDefault, which gitleaks refuses; neither is read"
            ));
            return;
        }
        (Some(path), false) => match read(path) {
            Ok(text) => (format!("[extend] path = {path:?}"), text),
            Err(why) => {
                notes.push(format!("[extend] path = {path:?}: {why}; its rules are not converted"));
                return;
            }
        },
        (None, true) => (DEFAULT_NAME.to_string(), DEFAULT_CONFIG.to_string()),
        (None, false) => return,
    };
    if depth > 2 {
        notes.push(format!(
            "{name}: a third level of [extend]; gitleaks stops at two, so does the import"
        ));
        return;
    }
    let mut base: Config = match toml::from_str(&text) {
        Ok(base) => base,
        Err(e) => {
            notes.push(format!(
                "{name}: not a gitleaks configuration ({}); not read",
                crate::model::toml_error(&e, &text)
            ));
            return;
        }
    };
    base.rewrite_go_syntax();
    extend(&mut base, read, notes, depth + 1);
    let base_ids: Vec<&str> = base.rules.iter().map(|r| r.id.as_str()).collect();
    for id in how.disabled_rules.iter().filter(|id| !base_ids.contains(&id.as_str())) {
        notes.push(format!("[extend] disabledRules {id:?}: no such rule in {name}"));
    }
    let mut merged = Vec::new();
    let mut added = 0;
    for mut rule in std::mem::take(&mut base.rules) {
        if how.disabled_rules.contains(&rule.id) {
            continue;
        }
        match config.rules.iter().rposition(|r| r.id == rule.id) {
            Some(at) => {
                // gitleaks keeps the last rule of an id; the others go with it.
                let mine = config.rules.remove(at);
                config.rules.retain(|r| r.id != mine.id);
                rule.description = mine.description.or(rule.description);
                rule.entropy = mine.entropy.filter(|e| *e != 0.0).or(rule.entropy);
                rule.secret_group = mine.secret_group.filter(|g| *g != 0).or(rule.secret_group);
                rule.regex = mine.regex.or(rule.regex);
                rule.path = mine.path.or(rule.path);
                rule.specificity = mine.specificity.or(rule.specificity);
                rule.filter = mine.filter.or(rule.filter);
                rule.token_efficiency |= mine.token_efficiency;
                rule.validate = mine.validate.or(rule.validate);
                rule.tags.extend(mine.tags);
                rule.keywords.extend(mine.keywords);
                rule.allowlists.extend(rule.allowlist.take());
                rule.allowlists
                    .extend(mine.allowlist.into_iter().chain(mine.allowlists));
                rule.other.extend(mine.other);
            }
            None => added += 1,
        }
        merged.push(rule);
    }
    notes.push(format!(
        "{name}: extended, {added} of its rules added{}",
        if how.disabled_rules.is_empty() {
            String::new()
        } else {
            format!(" ({} disabled)", how.disabled_rules.len())
        }
    ));
    merged.append(&mut config.rules);
    config.rules = merged;
    config
        .allowlists
        .extend(base.allowlist.into_iter().chain(base.allowlists));
}

/// `pattern` (Go syntax) as the regex crate reads it. Go takes a `{` that does not
/// open a repetition (`{2}`, `{2,}`, `{2,5}`) as a literal brace: gitleaks' own
/// default allowlists hold `{{[^}]+}}` and `{\d+}`, which the regex crate rejects.
/// Such a brace is escaped; everything else is kept as written.
fn go_regex(pattern: &str) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 8);
    let (mut i, mut in_class) = (0, false);
    let mut start = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' if !in_class => {
                in_class = true;
                // `[]a]` and `[^]a]`: a `]` first in a class is a literal.
                if bytes.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if in_class => in_class = false,
            b'{' if !in_class && !opens_repetition(&bytes[i + 1..]) => {
                out.push_str(&pattern[start..i]);
                out.push_str("\\{");
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&pattern[start.min(pattern.len())..]);
    out
}

/// Whether `rest` (what follows a `{`) is `n}`, `n,}` or `n,m}`.
fn opens_repetition(rest: &[u8]) -> bool {
    let digits = |from: usize| rest[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let n = digits(0);
    if n == 0 {
        return false;
    }
    match rest.get(n) {
        Some(b'}') => true,
        Some(b',') => {
            let m = digits(n + 1);
            rest.get(n + 1 + m) == Some(&b'}')
        }
        _ => false,
    }
}

#[derive(Debug, Default, Deserialize)]
struct Extend {
    #[serde(default, rename = "useDefault")]
    use_default: bool,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, rename = "disabledRules")]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Rule {
    #[serde(default)]
    id: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default, rename = "secretGroup")]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// betterleaks: which of two rules finding one secret on a line reports it.
    #[serde(default)]
    specificity: Option<i64>,
    /// betterleaks: an expression that drops matches, the BPE filter, and a
    /// validation request; none carries over (see `betterleaks_only`).
    #[serde(default)]
    filter: Option<String>,
    #[serde(default, rename = "tokenEfficiency")]
    token_efficiency: bool,
    #[serde(default)]
    validate: Option<String>,
    /// The single rule allowlist of gitleaks before 8.21.
    #[serde(default)]
    allowlist: Option<Allowlist>,
    #[serde(default)]
    allowlists: Vec<Allowlist>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct Allowlist {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default, rename = "regexTarget")]
    regex_target: Option<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default, rename = "targetRules")]
    target_rules: Vec<String>,
    #[serde(flatten)]
    other: BTreeMap<String, toml::Value>,
}

/// A wayscan rule as the import writes it.
#[derive(Debug, Serialize)]
struct RuleOut {
    id: String,
    /// `file` for a rule on paths alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    name: String,
    description: String,
    severity: &'static str,
    precision: &'static str,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keywords: Vec<String>,
    regex: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    /// gitleaks drops a secret whose entropy is not above its `entropy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    entropy_above: Option<f64>,
    message: String,
    remediation: String,
    /// Marks the rule as converted: `rules check` does not ask it for examples.
    imported_from: String,
    /// gitleaks trims newlines off every match (and so off a whole-match secret).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    trim_newlines: bool,
    /// gitleaks drops a finding of a rule whose id says `generic` where another
    /// rule found the same secret on the same line (written 0); betterleaks says
    /// `specificity` (default 100, not written).
    #[serde(skip_serializing_if = "Option::is_none")]
    specificity: Option<i64>,
    /// gitleaks' line is the match's first, not the secret's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    report_match_start: bool,
    /// A rule allowlist's regexes with `regexTarget = "match"` / `"line"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    match_placeholders: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    line_placeholders: Vec<String>,
}

/// A `[[allowlists]]` entry of `.wayscan.toml`.
#[derive(Debug, Serialize)]
struct AllowlistOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    paths: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    regexes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stopwords: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    commits: Vec<String>,
}

#[derive(Serialize)]
struct RuleFileOut<'a> {
    rules: &'a [RuleOut],
}

#[derive(Serialize)]
struct ConfigOut<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rules: Vec<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    allowlists: &'a [AllowlistOut],
}

/// What the import made of a gitleaks configuration.
#[derive(Debug, Default)]
pub struct Conversion {
    /// The rule file, `None` when no rule converted.
    pub rules: Option<String>,
    /// `.wayscan.toml`: the rule file and the allowlists.
    pub config: String,
    /// gitleaks rule id to wayscan rule id, for every converted rule.
    pub ids: BTreeMap<String, String>,
    /// How many rules and allowlists converted.
    pub converted_rules: usize,
    pub converted_allowlists: usize,
    /// What was not converted, or converted with a difference, one line each.
    pub notes: Vec<String>,
    /// Converted rules whose findings may differ from gitleaks' (an allowlist part,
    /// a betterleaks filter not carried over): the command counts their findings.
    pub may_change: std::collections::BTreeSet<String>,
}

/// Why a gitleaks configuration could not be converted at all. A rule or allowlist
/// that cannot be converted is a note, not an error.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Not TOML, or not the shape of a gitleaks configuration.
    #[error("{origin}: {}", .source.to_string().trim_end())]
    NotAConfig { origin: String, source: toml::de::Error },
    /// The converted text could not be written as TOML.
    #[error("cannot write the converted configuration as TOML: {0}")]
    Output(#[from] toml::ser::Error),
}

/// Converts the gitleaks configuration `text` (named `origin` in messages). The
/// config refers to the rule file as `rules_path`; `taken` are rule ids already in
/// use (the built-in rules).
pub fn convert(
    text: &str,
    origin: &str,
    rules_path: &str,
    taken: &[&str],
    read_extended: ReadExtended<'_>,
) -> Result<Conversion, ImportError> {
    let mut config: Config = toml::from_str(text).map_err(|source| ImportError::NotAConfig {
        origin: origin.to_string(),
        source,
    })?;
    config.rewrite_go_syntax();
    let mut out = Conversion::default();
    let notes = &mut out.notes;
    // Versions the file needs and words for people: nothing to carry over.
    let versions_and_words = ["title", "description", "minVersion", "betterleaksMinVersion"];
    for key in config
        .other
        .keys()
        .filter(|k| !versions_and_words.contains(&k.as_str()))
    {
        let why = match key.as_str() {
            "prefilter" | "filter" => {
                "betterleaks' global expression is not carried over: wayscan reports what it would drop"
            }
            _ => "not known to the import, ignored",
        };
        notes.push(format!("top-level key `{key}`: {why}"));
    }
    extend(&mut config, read_extended, notes, 1);

    let mut rules = Vec::new();
    // Rules whose betterleaks filters did not carry over.
    let mut filtered: Vec<String> = Vec::new();
    let mut rule_allowlists: Vec<(String, Allowlist)> = Vec::new();
    let mut used: Vec<String> = taken.iter().map(|s| s.to_string()).collect();
    // gitleaks keeps the last rule of an id.
    let last: BTreeMap<&str, usize> = config
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    for (i, rule) in config.rules.iter().enumerate() {
        let label = format!("rule {:?}", rule.id);
        if last.get(rule.id.as_str()) != Some(&i) {
            notes.push(format!(
                "{label}: defined again further down; gitleaks keeps the last, so does the import"
            ));
            continue;
        }
        for key in rule.other.keys() {
            let what = match key.as_str() {
                "required" => "a composite rule's [[rules.required]] is not converted; the rule is not either, as it would report more than gitleaks".to_string(),
                "skipReport" => "skipReport: an auxiliary rule of a composite rule is not converted".to_string(),
                _ => format!("key `{key}` is not known to the import; the rule is not converted"),
            };
            notes.push(format!("{label}: {what}"));
        }
        if !rule.other.is_empty() {
            continue;
        }
        match convert_rule(rule, &used) {
            Ok((converted, note)) => {
                if let Some(note) = note {
                    notes.push(format!("{label}: {note}"));
                }
                for dropped in betterleaks_only(rule) {
                    notes.push(format!("{label}: {dropped}"));
                    filtered.push(converted.id.clone());
                }
                used.push(converted.id.clone());
                out.ids.insert(rule.id.clone(), converted.id.clone());
                let lists = rule.allowlist.iter().chain(&rule.allowlists);
                rule_allowlists.extend(lists.map(|a| (converted.id.clone(), a.clone())));
                rules.push(converted);
            }
            Err(why) => {
                let lists = rule.allowlist.iter().chain(&rule.allowlists).count();
                let also = if lists > 0 {
                    format!(" (nor its {lists} allowlist(s))")
                } else {
                    String::new()
                };
                notes.push(format!("{label}: not converted{also}: {why}"));
            }
        }
    }

    let mut allowlists = Vec::new();
    let mut may_change = std::collections::BTreeSet::new();
    for (rule, mut list) in rule_allowlists {
        let label = format!("allowlist of rule {rule:?}");
        if let Some(out_rule) = rules.iter_mut().find(|r: &&mut RuleOut| r.id == rule) {
            if !into_placeholders(&mut list, out_rule, &label, notes) {
                continue;
            }
        }
        // convert_allowlist notes every part it drops, and only those.
        let before = notes.len();
        if let Some(converted) = convert_allowlist(&list, vec![rule.clone()], &label, notes) {
            allowlists.push(converted);
        }
        if notes.len() > before {
            may_change.insert(rule);
        }
    }
    let globals = config.allowlist.iter().chain(&config.allowlists);
    for (i, list) in globals.enumerate() {
        let label = match &list.description {
            Some(d) => format!("global allowlist {} ({d:?})", i + 1),
            None => format!("global allowlist {}", i + 1),
        };
        let mut targets = Vec::new();
        for target in &list.target_rules {
            match out.ids.get(target) {
                Some(id) => targets.push(id.clone()),
                None => notes.push(format!(
                    "{label}: targetRules {target:?} is not a converted rule; dropped from the targets"
                )),
            }
        }
        if !list.target_rules.is_empty() && targets.is_empty() {
            notes.push(format!("{label}: none of its target rules converted; not converted"));
            continue;
        }
        let before = notes.len();
        let affected = if targets.is_empty() {
            rules.iter().map(|r| r.id.clone()).collect()
        } else {
            targets.clone()
        };
        if let Some(converted) = convert_allowlist(list, targets, &label, notes) {
            allowlists.push(converted);
        }
        if notes.len() > before {
            may_change.extend(affected);
        }
    }

    may_change.extend(filtered);
    out.may_change = may_change;
    out.converted_rules = rules.len();
    out.converted_allowlists = allowlists.len();
    let title = config.title.as_deref().unwrap_or("(untitled)");
    let header = |what: &str| {
        format!(
            "# {what}, converted from {origin} ({title}) by `wayscan import gitleaks`.\n\
             # Review it like code: it decides what is reported.\n"
        )
    };
    if !rules.is_empty() {
        let body = toml::to_string(&RuleFileOut { rules: &rules })?;
        out.rules = Some(format!("{}\n{body}", header("Rules")));
    }
    let config_out = ConfigOut {
        rules: if rules.is_empty() {
            Vec::new()
        } else {
            vec![rules_path.to_string()]
        },
        allowlists: &allowlists,
    };
    let mut text = header("Project configuration");
    if !out.notes.is_empty() {
        text.push_str("#\n# Not converted, or converted with a difference:\n");
        for note in &out.notes {
            text.push_str(&format!("#   - {}\n", note.replace('\n', " ")));
        }
    }
    text.push('\n');
    text.push_str(&toml::to_string(&config_out)?);
    out.config = text;
    Ok(out)
}

/// One rule, or why not; with a note when it converted with a difference.
fn convert_rule(rule: &Rule, used: &[String]) -> Result<(RuleOut, Option<String>), String> {
    if rule.id.is_empty() {
        return Err("it has no id".into());
    }
    let Some(pattern) = &rule.regex else {
        return match &rule.path {
            Some(path) => path_rule(rule, path, used),
            None => Err("no regex: it extends a gitleaks built-in rule, which is not converted".into()),
        };
    };
    let mut notes = Vec::new();
    let (regex, note) = name_secret_group(pattern, rule.secret_group)?;
    notes.extend(note);
    let regex = match crate::engine::rules::rule_regex(&regex) {
        Ok(_) => regex,
        // Go's regexes are Unicode-aware; wayscan's are bytes unless asked.
        Err(_) => {
            let unicode = format!("(?u){regex}");
            crate::engine::rules::rule_regex(&unicode).map_err(|e| format!("its regex does not compile here: {e}"))?;
            unicode
        }
    };
    if let Some(path) = &rule.path {
        crate::engine::rules::rule_regex(path).map_err(|e| format!("its path regex does not compile here: {e}"))?;
    }
    let id = wayscan_id(&rule.id, used);
    if id != rule.id {
        notes.push(format!("id is {id:?} here"));
    }
    let converted = rule_out(rule, id, regex);
    Ok((converted, (!notes.is_empty()).then(|| notes.join("; "))))
}

/// `rule` converted as a content rule with id `id` and regex `regex`, run as
/// gitleaks runs it (see the keys' comments in `RuleOut`).
fn rule_out(rule: &Rule, id: String, regex: String) -> RuleOut {
    let description = rule.description.clone().unwrap_or_else(|| rule.id.clone());
    let mut tags = rule.tags.clone();
    tags.push("gitleaks".into());
    RuleOut {
        name: description.clone(),
        message: format!("{description} (rule {id})"),
        description,
        id,
        kind: None,
        severity: "high",
        precision: "medium",
        tags,
        scope: Some("file"),
        keywords: rule.keywords.iter().filter(|k| !k.is_empty()).cloned().collect(),
        regex,
        path: rule.path.clone(),
        entropy_above: rule.entropy.filter(|e| *e > 0.0),
        remediation: "Remove the secret from the file and from history, rotate it with its issuer, \
                      and load it from the environment or a secrets manager."
            .into(),
        imported_from: format!("gitleaks rule {:?}", rule.id),
        trim_newlines: true,
        specificity: specificity_of(rule),
        report_match_start: true,
        match_placeholders: Vec::new(),
        line_placeholders: Vec::new(),
    }
}

/// The rule's specificity: betterleaks' when it gives one; else, as gitleaks ranks
/// them, 0 for a rule whose id says `generic` (the default, 100, for the others).
fn specificity_of(rule: &Rule) -> Option<i64> {
    rule.specificity
        .or_else(|| rule.id.to_ascii_lowercase().contains("generic").then_some(0))
        .filter(|s| *s != 100)
}

/// What betterleaks adds to a rule that the import does not carry over. Each only
/// ever drops matches or checks them online, so the converted rule reports more,
/// never less.
fn betterleaks_only(rule: &Rule) -> Vec<&'static str> {
    let mut dropped = Vec::new();
    if rule.filter.is_some() {
        dropped.push("its filter expression is not carried over: the rule reports what it would drop");
    }
    if rule.token_efficiency {
        dropped.push("tokenEfficiency is not carried over: the rule reports word-like strings betterleaks drops");
    }
    if rule.validate.is_some() {
        dropped.push("its validate expression is not carried over: findings are not checked online");
    }
    dropped
}

/// A rule on paths alone (gitleaks reports the file, `pkcs12-file`): a wayscan
/// file rule, whose regex is on the path. wayscan reports such a file where git
/// would commit it (tracked, or not ignored), as it does `.env` files.
fn path_rule(rule: &Rule, path: &str, used: &[String]) -> Result<(RuleOut, Option<String>), String> {
    crate::engine::rules::rule_regex(path).map_err(|e| format!("its path regex does not compile here: {e}"))?;
    let id = wayscan_id(&rule.id, used);
    let mut notes =
        vec!["a rule on paths alone: reported where git would commit the file (tracked or not ignored)".to_string()];
    if id != rule.id {
        notes.push(format!("id is {id:?} here"));
    }
    let converted = RuleOut {
        kind: Some("file"),
        scope: None,
        keywords: Vec::new(),
        path: None,
        entropy_above: None,
        remediation: "Remove the file from the repository and from history, rotate what it holds, \
                      and add it to .gitignore."
            .into(),
        trim_newlines: false,
        report_match_start: false,
        ..rule_out(rule, id, path.to_string())
    };
    Ok((converted, Some(notes.join("; "))))
}

/// A wayscan rule id for a gitleaks one: lowercase letters, digits and `-`, not
/// `used` already.
fn wayscan_id(id: &str, used: &[String]) -> String {
    let mut out = String::new();
    for c in id.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    let base = if out.is_empty() {
        "gitleaks-rule".to_string()
    } else {
        out
    };
    let mut candidate = base.clone();
    let mut n = 1;
    while used.contains(&candidate) {
        candidate = if n == 1 {
            format!("gitleaks-{base}")
        } else {
            format!("gitleaks-{base}-{n}")
        };
        n += 1;
    }
    candidate
}

/// Names the groups gitleaks takes the secret from, as gitleaks chooses: group
/// `secret_group` when given (`secret`); else the first group that matched something
/// (`secret_1` … `secret_N`, in order), else the whole match (the whole regex wrapped
/// in `secret_{N+1}`, the last one wayscan tries). Returns the regex and a note when
/// the choice differs from gitleaks'.
fn name_secret_group(pattern: &str, secret_group: Option<usize>) -> Result<(String, Option<String>), String> {
    use regex_syntax::ast::{self, Ast, GroupKind};
    let parsed = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| format!("its regex does not parse: {e}"))?;
    /// A capturing group: its index, where its `(` is, its name's span if named.
    struct Group {
        index: u32,
        open: usize,
        name: Option<(usize, usize)>,
    }
    fn groups(node: &Ast, out: &mut Vec<Group>) {
        match node {
            Ast::Group(g) => {
                let open = g.span.start.offset;
                match &g.kind {
                    GroupKind::CaptureIndex(index) => out.push(Group {
                        index: *index,
                        open,
                        name: None,
                    }),
                    GroupKind::CaptureName { name, .. } => out.push(Group {
                        index: name.index,
                        open,
                        name: Some((name.span.start.offset, name.span.end.offset)),
                    }),
                    GroupKind::NonCapturing(_) => {}
                }
                groups(&g.ast, out);
            }
            Ast::Repetition(r) => groups(&r.ast, out),
            Ast::Alternation(a) => a.asts.iter().for_each(|a| groups(a, out)),
            Ast::Concat(c) => c.asts.iter().for_each(|a| groups(a, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    groups(&parsed, &mut found);
    found.sort_by_key(|g| g.index);
    if found
        .iter()
        .any(|g| g.name.is_some_and(|(s, e)| &pattern[s..e] == "secret"))
    {
        return Err("it already has a group named `secret`".into());
    }
    // Each chosen group gets a name: a named one is renamed where its name is, an
    // unnamed `(` becomes `(?P<name>`. Edits go from the end so offsets hold.
    let rename = |pattern: &str, chosen: &[(&Group, String)]| -> String {
        let mut regex = pattern.to_string();
        let mut edits: Vec<(usize, usize, String)> = chosen
            .iter()
            .map(|(g, name)| match g.name {
                Some((start, end)) => (start, end, name.clone()),
                None => (g.open, g.open + 1, format!("(?P<{name}>")),
            })
            .collect();
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (start, end, text) in edits {
            regex.replace_range(start..end, &text);
        }
        regex
    };
    match (secret_group.filter(|g| *g > 0), found.len()) {
        (Some(g), n) if g > n => Err(format!("secretGroup {g}, but the regex has {n} group(s)")),
        (Some(g), _) => Ok((rename(pattern, &[(&found[g - 1], "secret".to_string())]), None)),
        (None, 0) => Ok((format!("(?P<secret>{pattern})"), None)),
        (None, n) => {
            let chosen: Vec<(&Group, String)> = found
                .iter()
                .enumerate()
                .map(|(i, g)| (g, format!("secret_{}", i + 1)))
                .collect();
            let regex = rename(pattern, &chosen);
            Ok((format!("(?P<secret_{}>{regex})", n + 1), None))
        }
    }
}

/// Moves the regexes of a rule's allowlist that run on the whole match or on its
/// line (`regexTarget`) into the rule, as `match_placeholders` / `line_placeholders`:
/// the rule drops such a match as gitleaks' allowlist does. Possible when a regex
/// alone allows (condition OR, or AND with no other criterion). Returns whether
/// anything is left of the allowlist to convert.
fn into_placeholders(list: &mut Allowlist, rule: &mut RuleOut, label: &str, notes: &mut Vec<String>) -> bool {
    let target = match list.regex_target.as_deref() {
        Some(t @ ("match" | "line")) if !list.regexes.is_empty() => t,
        _ => return true,
    };
    let others = !list.paths.is_empty() || !list.stopwords.is_empty() || !list.commits.is_empty();
    let and = list.condition.as_deref().is_some_and(|c| c.eq_ignore_ascii_case("and"));
    if (and && others) || !list.other.is_empty() {
        return true;
    }
    let mut compiled = Vec::new();
    for regex in &list.regexes {
        let unicode = format!("(?u){regex}");
        let found = [regex.clone(), unicode]
            .into_iter()
            .find(|r| crate::engine::rules::rule_regex(r).is_ok());
        match found {
            Some(ok) => compiled.push(ok),
            // convert_allowlist names the regex and drops the list.
            None => return true,
        }
    }
    let into = if target == "match" {
        &mut rule.match_placeholders
    } else {
        &mut rule.line_placeholders
    };
    into.extend(compiled);
    notes.push(format!(
        "{label}: its regexTarget = {target:?} regexes are the rule's {target}_placeholders here"
    ));
    list.regexes.clear();
    list.regex_target = None;
    others
}

/// One allowlist, or `None` with a note. `rules` are the wayscan rules it is for
/// (all when empty).
fn convert_allowlist(
    list: &Allowlist,
    rules: Vec<String>,
    label: &str,
    notes: &mut Vec<String>,
) -> Option<AllowlistOut> {
    let and = match list.condition.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("OR") | Some("") => false,
        Some("AND") => true,
        Some(other) => {
            notes.push(format!("{label}: condition {other:?} is not OR or AND; not converted"));
            return None;
        }
    };
    // Parts wayscan cannot express: dropping one from an OR list allows less; from
    // an AND list it would allow more, so the whole list goes.
    let mut dropped = Vec::new();
    for key in list.other.keys() {
        dropped.push(format!("key `{key}`"));
    }
    let target = list.regex_target.as_deref().unwrap_or("secret");
    let regexes = if target == "secret" || list.regexes.is_empty() {
        list.regexes.clone()
    } else {
        dropped.push(format!(
            "regexes with regexTarget = {target:?} (wayscan matches allowlist regexes on the secret)"
        ));
        Vec::new()
    };
    let (commits, bad): (Vec<String>, Vec<String>) = list
        .commits
        .iter()
        .cloned()
        .partition(|c| crate::model::is_full_object_id(c));
    if !bad.is_empty() {
        // gitleaks compares full ids: these never matched there either.
        dropped.push(format!("commits {bad:?} (not full commit ids)"));
    }
    for (i, regex) in regexes.iter().chain(&list.paths).enumerate() {
        if let Err(e) = regex::Regex::new(regex) {
            notes.push(format!(
                "{label}: regex {i} {regex:?} does not compile here ({}); not converted",
                crate::model::regex_error(&e)
            ));
            return None;
        }
    }
    if !dropped.is_empty() && and {
        notes.push(format!(
            "{label}: not converted: condition AND with {} (without it the list would allow more)",
            dropped.join(", ")
        ));
        return None;
    }
    let converted = AllowlistOut {
        description: list.description.clone(),
        rules,
        condition: and.then_some("and"),
        paths: list.paths.clone(),
        regexes,
        stopwords: list.stopwords.clone(),
        commits: commits.iter().map(|c| c.to_ascii_lowercase()).collect(),
    };
    if converted.paths.is_empty()
        && converted.regexes.is_empty()
        && converted.stopwords.is_empty()
        && converted.commits.is_empty()
    {
        let what = if dropped.is_empty() {
            "it is empty".to_string()
        } else {
            format!("it only has {}", dropped.join(", "))
        };
        notes.push(format!("{label}: not converted: {what}"));
        return None;
    }
    if !dropped.is_empty() {
        notes.push(format!("{label}: dropped {}; the rest converted", dropped.join(", ")));
    }
    Some(converted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_merges_the_base_as_gitleaks_does() {
        let none = |_: &str| -> Result<String, String> { Err("not here".into()) };
        // useDefault: gitleaks' 222 default rules, all of which convert.
        let out = convert("[extend]\nuseDefault = true\n", "t", "r.toml", &[], &none).unwrap();
        assert_eq!(out.converted_rules, 222, "{:?}", out.notes);
        // disabledRules drop base rules; a rule of the same id keeps the base's regex
        // and adds its keywords and allowlist.
        let text = r#"
[extend]
useDefault = true
disabledRules = ["aws-access-token", "nope"]

[[rules]]
id = "github-pat"
keywords = ["octo"]
[[rules.allowlists]]
regexes = ['ghp_0{36}']
"#;
        let out = convert(text, "t", "r.toml", &[], &none).unwrap();
        assert_eq!(out.converted_rules, 221);
        let rules = out.rules.unwrap();
        assert!(!rules.contains("id = \"aws-access-token\""));
        let pat = &rules[rules.find("id = \"github-pat\"").unwrap()..];
        let pat = &pat[..pat.find("[[rules]]").unwrap_or(pat.len())];
        assert!(pat.contains("ghp_") && pat.contains("\"octo\""), "{pat}");
        assert!(out.config.contains("ghp_0{36}"), "{}", out.config);
        assert!(
            out.notes.iter().any(|n| n.contains("\"nope\": no such rule")),
            "{:?}",
            out.notes
        );
        // path: read through the command's reader; a rule here overrides the regex.
        let base =
            "[[rules]]\nid = \"acme\"\nregex = 'acme_[a-z]{8}'\n[[rules]]\nid = \"other\"\nregex = 'o_[0-9]{8}'\n";
        let read = |path: &str| -> Result<String, String> {
            assert_eq!(path, "base.toml");
            Ok(base.to_string())
        };
        let text = "[extend]\npath = \"base.toml\"\n[[rules]]\nid = \"acme\"\nregex = 'acme_[a-z]{12}'\n";
        let out = convert(text, "t", "r.toml", &[], &read).unwrap();
        let rules = out.rules.unwrap();
        assert_eq!(out.converted_rules, 2);
        assert!(
            rules.contains("acme_[a-z]{12}") && !rules.contains("acme_[a-z]{8}"),
            "{rules}"
        );
        // A file that cannot be read is said, and both ways at once is refused.
        let out = convert("[extend]\npath = \"x.toml\"\n", "t", "r.toml", &[], &none).unwrap();
        assert!(out.notes.iter().any(|n| n.contains("not here")), "{:?}", out.notes);
        let text = "[extend]\npath = \"x.toml\"\nuseDefault = true\n";
        let out = convert(text, "t", "r.toml", &[], &none).unwrap();
        assert_eq!(out.converted_rules, 0);
        assert!(
            out.notes.iter().any(|n| n.contains("gitleaks refuses")),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn betterleaks_additions_convert_or_are_named() {
        let text = r#"
betterleaksMinVersion = "v1.9.0"
prefilter = "attributes.path.endsWith('.lock')"

[[rules]]
id = "acme-token"
regex = '''acme_[a-z0-9]{16}'''
specificity = 150
tokenEfficiency = true
filter = "finding.secret.contains('test')"
validate = "http.get('https://acme.invalid/me').status == 200"

[[rules]]
id = "my-generic-secret"
regex = '''secret=([a-z0-9]{16})'''
"#;
        let out = convert(text, "t", "r.toml", &[], &|_| Err("not here".into())).unwrap();
        assert_eq!(out.converted_rules, 2);
        let rules = out.rules.unwrap();
        assert!(rules.contains("specificity = 150"), "{rules}");
        // gitleaks' rule for `generic` ids, as a specificity below the default.
        assert!(rules.contains("specificity = 0"), "{rules}");
        let notes = out.notes.join("\n");
        for expected in [
            "top-level key `prefilter`: betterleaks' global expression is not carried over",
            "rule \"acme-token\": its filter expression is not carried over",
            "rule \"acme-token\": tokenEfficiency is not carried over",
            "rule \"acme-token\": its validate expression is not carried over",
        ] {
            assert!(notes.contains(expected), "missing {expected:?} in:\n{notes}");
        }
        assert!(!notes.contains("betterleaksMinVersion"), "{notes}");
    }

    #[test]
    fn a_brace_go_reads_as_a_literal_is_escaped() {
        for (go, rust) in [
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+})$"),
            (r#"['"]?\$?{{[^}]+}}['"]?"#, r#"['"]?\$?\{\{[^}]+}}['"]?"#),
            (r"[a-z]{2}x{3,}y{1,4}", r"[a-z]{2}x{3,}y{1,4}"),
            (r"[{]\{a{", r"[{]\{a\{"),
            (r"[]{]{2}", r"[]{]{2}"),
            (r"a{,3}", r"a\{,3}"),
        ] {
            assert_eq!(go_regex(go), rust, "{go}");
            assert!(regex::Regex::new(&go_regex(go)).is_ok(), "{go}");
        }
    }

    #[test]
    fn the_secret_group_is_named_as_gitleaks_chooses_it() {
        let named = |p: &str, g: Option<usize>| name_secret_group(p, g).map(|(r, _)| r);
        assert_eq!(named("a(b)(c)", Some(2)).unwrap(), "a(b)(?P<secret>c)");
        assert_eq!(named("(?i)abc", None).unwrap(), "(?P<secret>(?i)abc)");
        assert_eq!(named("((a)b)(c)", Some(2)).unwrap(), "((?P<secret>a)b)(c)");
        assert!(named("(a)", Some(3)).unwrap_err().contains("secretGroup 3"));
        // No secretGroup: the first group that matched something, else the whole match.
        assert_eq!(named("a(?:x)(b)", None).unwrap(), "(?P<secret_2>a(?:x)(?P<secret_1>b))");
        assert_eq!(
            named(r"k=(?P<v>[a-z]+)|(\d+)", None).unwrap(),
            r"(?P<secret_3>k=(?P<secret_1>[a-z]+)|(?P<secret_2>\d+))"
        );
        let (_, note) = name_secret_group("(a)|(b)", None).unwrap();
        assert_eq!(note, None, "the same choice as gitleaks: nothing to note");
    }

    /// gitleaks' choice, run: each alternative's own group, the whole match when the
    /// group took no part or matched nothing.
    #[test]
    fn the_secret_is_the_first_non_empty_group_else_the_whole_match() {
        let (regex, _) = name_secret_group(r"tok=([a-z]{6})|key=([A-Z]{6})|id=([0-9]*)x", None).unwrap();
        let spec = format!(
            "[[rules]]\nid = \"t\"\nname = \"t\"\ndescription = \"t\"\nseverity = \"high\"\nkeywords = [\"tok\", \"key\", \"id=\"]\nregex = '''{regex}'''\nmessage = \"m\"\nremediation = \"r\"\n"
        );
        let rules = crate::engine::rules::parse_rule_file("t.toml", &spec).unwrap();
        let rule = &rules[0];
        let secret = |hay: &str| {
            let caps = rule.regex.captures(hay.as_bytes()).unwrap();
            String::from_utf8_lossy(rule.secret_group.get(&caps).unwrap().as_bytes()).into_owned()
        };
        assert_eq!(secret("tok=abcdef"), "abcdef");
        assert_eq!(secret("key=ABCDEF"), "ABCDEF");
        assert_eq!(secret("id=x"), "id=x", "an empty group: the whole match");
        assert_eq!(secret("id=42x"), "42");
    }

    /// Converts a fixture and loads the result as wayscan would: the rules beside the
    /// built-in ones, the configuration against them.
    fn convert_fixture(name: &str) -> Conversion {
        let path = format!("{}/tests/fixtures/gitleaks/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let builtin = crate::engine::rules::RuleSet::builtin().unwrap();
        let taken: Vec<&str> = builtin.rules.iter().map(|r| r.id()).collect();
        let out = convert(&text, name, "rules.toml", &taken, &|_| Err("not here".into())).unwrap();
        let mut sources: Vec<(String, String)> = crate::engine::rules::BUILTIN_RULE_FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        sources.extend(out.rules.clone().map(|r| ("rules.toml".to_string(), r)));
        let rules = crate::engine::rules::RuleSet::from_sources(&sources).unwrap_or_else(|e| panic!("{name}: {e}"));
        let project = crate::settings::project::Project::parse(&out.config, name, std::path::Path::new("")).unwrap();
        let ids: Vec<&str> = rules.rules.iter().map(|r| r.id()).collect();
        project.check_rule_ids(&ids).unwrap();
        out
    }

    #[test]
    fn the_readme_example_converts_what_it_can_and_says_what_not() {
        let out = convert_fixture("readme-example.toml");
        // It extends gitleaks' defaults, less generic-api-key; awesome-rule-1's regex is
        // a placeholder with no group 3; gitlab-pat adds a line allowlist to the
        // default rule of that id.
        assert_eq!(out.converted_rules, 221);
        let rules = out.rules.clone().unwrap();
        assert!(!rules.contains("id = \"generic-api-key\""));
        let notes = out.notes.join("\n");
        for expected in [
            "gitleaks' default configuration (v8.30.1): extended, 220 of its rules added (1 disabled)",
            "rule \"awesome-rule-1\": not converted (nor its 2 allowlist(s)): secretGroup 3, but the regex has 0 group(s)",
            "allowlist of rule \"gitlab-pat\": its regexTarget = \"line\" regexes are the rule's line_placeholders here",
            "regexTarget = \"match\"",
            "commits [\"commit-A\", \"commit-B\", \"commit-C\"] (not full commit ids)",
            "targetRules \"awesome-rule-2\" is not a converted rule",
        ] {
            assert!(notes.contains(expected), "missing {expected:?} in:\n{notes}");
        }
        // The global allowlist keeps its paths and stopwords, and the notes are in the
        // file for the reviewer.
        assert!(
            out.config.contains("stopwords = [\"client\", \"endpoint\"]"),
            "{}",
            out.config
        );
        assert!(
            out.config
                .contains("#   - gitleaks' default configuration (v8.30.1): extended"),
            "{}",
            out.config
        );
    }

    #[test]
    fn gitleaks_test_configurations_convert_and_load() {
        let out = convert_fixture("simple.toml");
        assert_eq!(
            out.converted_rules, 36,
            "37 rules, one id defined twice: {:?}",
            out.notes
        );
        assert!(out.notes.iter().any(|n| n.contains("\"google\": defined again")));
        let out = convert_fixture("generic_with_py_path.toml");
        let rules = out.rules.unwrap();
        assert!(rules.contains("path = \".py\""), "{rules}");
        assert!(rules.contains("entropy_above = 3.7"), "{rules}");
        assert!(rules.contains(r"(?P<secret>[0-9a-zA-Z\-_=]{8,64})"), "{rules}");
        assert!(out.config.contains("[[allowlists]]") && out.config.contains("regexes = ["));
        let out = convert_fixture("allowlist_global_target_rules.toml");
        assert_eq!(out.converted_allowlists, 2);
        assert!(
            out.config.contains("rules = [\"github-app-token\", \"github-pat\"]"),
            "{}",
            out.config
        );
        let out = convert_fixture("allowlist_rule_path.toml");
        assert!(out.config.contains("rules = [\"aws-access-key\"]"), "{}", out.config);
        let out = convert_fixture("composite.toml");
        assert_eq!(out.converted_rules, 0);
        assert!(out.notes.iter().any(|n| n.contains("[[rules.required]]")));
        // A rule on paths alone becomes a file rule (its regex on the path).
        let out = convert_fixture("rule_path_only.toml");
        assert_eq!(out.converted_rules, 1);
        let rules = out.rules.unwrap();
        assert!(
            rules.contains("kind = \"file\"") && rules.contains("regex = \".py\""),
            "{rules}"
        );
        assert!(out.notes.iter().any(|n| n.contains("a rule on paths alone")));
    }

    #[test]
    fn an_and_allowlist_loses_nothing_or_is_dropped_whole() {
        let text = "
[[rules]]
id = \"r\"
regex = 'tok_([a-z0-9]{16})'
  [[rules.allowlists]]
  condition = \"AND\"
  paths = ['^a/']
  regexTarget = \"line\"
  regexes = ['x']
  [[rules.allowlists]]
  paths = ['^b/']
  regexTarget = \"line\"
  regexes = ['x']
";
        let out = convert(text, "t", "rules.toml", &[], &|_| Err("not here".into())).unwrap();
        assert_eq!(out.converted_allowlists, 1, "{:?}", out.notes);
        assert!(out.notes.iter().any(|n| n.contains("not converted: condition AND")));
        assert!(out.config.contains("^b/"), "{}", out.config);
        assert!(!out.config.contains("^a/"), "{}", out.config);
    }

    #[test]
    fn ids_become_wayscan_ids_without_clashing() {
        assert_eq!(wayscan_id("awesome-rule-1", &[]), "awesome-rule-1");
        assert_eq!(wayscan_id("My_Rule.v2", &[]), "my-rule-v2");
        let used = vec!["wayscloud-api-key".to_string()];
        assert_eq!(wayscan_id("wayscloud-api-key", &used), "gitleaks-wayscloud-api-key");
    }
}
