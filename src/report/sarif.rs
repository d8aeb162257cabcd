//! SARIF 2.1.0 for GitHub code scanning. Our own small set of serde structs: only the
//! parts we emit, named as the schema names them.
//!
//! No raw secret is ever written here, whatever `--show-secrets` says: SARIF files are
//! uploaded to services and kept as build artifacts.

use super::Report;
use crate::engine::rules::Rule;
use crate::model::Finding;
use crate::model::Suppression;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of our fingerprint in `partialFingerprints`; bump the version if the
/// fingerprint's recipe changes, so old alerts are not matched to new ones wrongly.
pub const FINGERPRINT_KEY: &str = "wayscan/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    invocations: Vec<Invocation>,
    results: Results<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: &'a [String],
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    /// Set when the same secret is at other places too: they share it (see
    /// `report::Leak`).
    #[serde(skip_serializing_if = "Option::is_none")]
    correlation_guid: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: BTreeMap<String, String>,
}

/// Why a result is not an alert (`--show-suppressed`): `inSource` for a marker in the
/// scanned file, `external` for the configuration or the baseline.
#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    justification: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

pub fn write(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let rules = &report.rules.rules;
    // The places of one secret share a correlationGuid: code scanning shows one alert
    // per place (each needs fixing), and a reader can group them as one leak.
    let mut correlation = HashMap::new();
    for leak in super::leaks(&report.outcome.findings)
        .iter()
        .filter(|l| l.places.len() > 1)
    {
        let id = leak.id(&report.outcome.findings, report.outcome.salt.as_ref());
        for &place in &leak.places {
            correlation.insert(place, id.clone());
        }
    }
    let results = Results { report, correlation };
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "wayscan",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/wayscan/wayscan",
                    rules: rules.iter().map(descriptor).collect(),
                },
            },
            // The trailing slash makes the whole id the code scanning category, so tree,
            // history, range and staged analyses never replace each other's alerts (the
            // upload step's own `category` is ignored when this is present).
            automation_details: AutomationDetails {
                id: match &report.category {
                    Some(category) => format!("{}/", category.trim_end_matches('/')),
                    None => format!("wayscan/{}/", report.kind.as_str()),
                },
            },
            column_kind: "utf16CodeUnits",
            original_uri_base_ids: src_root(&report.roots),
            invocations: vec![Invocation {
                execution_successful: !report.outcome.has_fatal_problem(),
                tool_execution_notifications: report
                    .outcome
                    .problems
                    .iter()
                    .map(|p| Notification {
                        level: if p.is_fatal() { "error" } else { "warning" },
                        message: Message {
                            text: format!("{}: {}", p.path, p.message),
                        },
                    })
                    .collect(),
            }],
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let spec = &rule.spec;
    let remediation = crate::engine::rules::render_generic(&spec.remediation);
    ReportingDescriptor {
        id: &spec.id,
        name: pascal_case(&spec.id),
        short_description: Message {
            text: spec.name.clone(),
        },
        full_description: Message {
            text: spec.description.clone(),
        },
        help: MultiformatMessage {
            text: format!("{}\n\n{}", spec.description, remediation),
            markdown: format!(
                "**{}**\n\n{}\n\n**What to do:** {}",
                markdown_text(&spec.name),
                markdown_text(&spec.description),
                markdown_text(&remediation)
            ),
        },
        default_configuration: Configuration {
            level: level(spec.severity),
        },
        properties: RuleProperties {
            tags: &spec.tags,
            precision: spec.precision.as_str(),
            security_severity: spec.severity.security_severity(),
        },
    }
}

/// Plain text as Markdown that shows it as written: GitHub turned the underscores of
/// `wayscloud_{service}_{keyid}_{secret}` into italics and dropped `<key_id>` as an
/// HTML tag. Backtick spans the rules write stay code spans (shown literally).
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The results, each built as it is written (its message and remediation rendered
/// then), never all of them at once: a report of many findings would otherwise hold
/// each twice.
struct Results<'a> {
    report: &'a Report<'a>,
    /// Correlation ids by finding index, for secrets found at several places.
    correlation: HashMap<usize, String>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let report = self.report;
        let rules = &report.rules.rules;
        let index = |f: &Finding| rules.iter().position(|r| r.id() == f.rule_id).unwrap_or(0);
        let findings = report.outcome.findings.iter().enumerate().map(|(i, f)| SarifResult {
            correlation_guid: self.correlation.get(&i).cloned(),
            ..result(f, index(f), report.verifications.get(&f.fingerprint))
        });
        let suppressed = report
            .outcome
            .suppressed
            .iter()
            .filter(|_| report.show_suppressed)
            .map(|s| {
                let (kind, justification) = match s.by {
                    Suppression::Inline => ("inSource", "an inline wayscan:allow or gitleaks:allow marker"),
                    Suppression::Configuration => ("external", "an exclude or allowlist of the project configuration"),
                    Suppression::Baseline => ("external", "an entry of the baseline"),
                };
                SarifResult {
                    suppressions: vec![SarifSuppression { kind, justification }],
                    ..result(&s.finding, index(&s.finding), None)
                }
            });
        serializer.collect_seq(findings.chain(suppressed))
    }
}

/// One result; `verification` is what the API said of its key, if asked.
fn result<'a>(f: &'a Finding, rule_index: usize, verification: Option<&crate::model::Verification>) -> SarifResult<'a> {
    let mut properties: BTreeMap<String, String> = f.properties.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(redacted) = f.redacted() {
        properties.insert("redactedSecret".into(), redacted);
    }
    if let Some(chain) = crate::model::encoding_chain(&f.encoding) {
        properties.insert("encoding".into(), chain);
    }
    // Commit metadata is context, never identity: it stays out of the fingerprint so
    // the same leak seen from another commit is the same alert.
    if let Some(c) = &f.commit {
        properties.insert("commitSha".into(), c.id.clone());
        properties.insert("author".into(), format!("{} <{}>", c.author_name, c.author_email));
        properties.insert("date".into(), c.date.clone());
    }
    // A verified key's level says how urgent it is: live keys are errors, keys the
    // API could not judge warnings, revoked ones notes.
    let level = match verification {
        Some(v) => {
            properties.insert("verification".into(), v.status.as_str().into());
            properties.insert("verificationDetail".into(), v.detail.clone());
            match v.status {
                crate::model::Status::Live => "error",
                crate::model::Status::Unknown => "warning",
                crate::model::Status::Revoked => "note",
            }
        }
        None => level(f.severity),
    };
    SarifResult {
        rule_id: &f.rule_id,
        rule_index,
        level,
        message: Message {
            text: match f.redacted() {
                Some(redacted) => format!("{} ({}). {}", f.message(), redacted, f.remediation()),
                None => format!("{}. {}", f.message(), f.remediation()),
            },
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                // Code scanning resolves URIs against the repository's top, whatever
                // directory the scan started in: the repository-relative path.
                artifact_location: artifact(&f.repo_path),
                region: Region {
                    start_line: f.start.line.max(1),
                    start_column: f.start.column.max(1),
                    end_line: f.end.line.max(f.start.line).max(1),
                    end_column: f.end.column.max(1),
                },
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.fingerprint.as_str())]),
        correlation_guid: None,
        suppressions: Vec::new(),
        properties,
    }
}

fn level(severity: crate::engine::rules::Severity) -> &'static str {
    match severity {
        crate::engine::rules::Severity::Critical | crate::engine::rules::Severity::High => "error",
        crate::engine::rules::Severity::Medium => "warning",
        crate::engine::rules::Severity::Low => "note",
    }
}

/// A finding's path as a URI: relative to `%SRCROOT%`, or `file://` when absolute.
fn artifact(path: &str) -> ArtifactLocation {
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", percent_encode_path(path)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: percent_encode_path(path),
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

/// `%SRCROOT%` as the absolute scan root, when there is one directory root.
fn src_root(roots: &[String]) -> BTreeMap<&'static str, ArtifactLocation> {
    let [root] = roots else { return BTreeMap::new() };
    let Ok(abs) = Path::new(root).canonicalize() else {
        return BTreeMap::new();
    };
    if !abs.is_dir() {
        return BTreeMap::new();
    }
    let mut text = abs.to_string_lossy().replace('\\', "/");
    if !text.ends_with('/') {
        text.push('/');
    }
    if !text.starts_with('/') {
        text.insert(0, '/');
    }
    BTreeMap::from([(
        "%SRCROOT%",
        ArtifactLocation {
            uri: format!("file://{}", percent_encode_path(&text)),
            uri_base_id: None,
        },
    )])
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`.
fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_help_markdown_shows_text_as_written() {
        assert_eq!(
            markdown_text("wayscloud_{service}_{keyid} <key_id> *x* `a_b <c>`"),
            "wayscloud\\_{service}\\_{keyid} \\<key\\_id\\> \\*x\\* `a_b <c>`"
        );
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(percent_encode_path("src/my file#1.py"), "src/my%20file%231.py");
        assert_eq!(percent_encode_path("dir/ü"), "dir/%C3%BC");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("wayscloud-api-key"), "WayscloudApiKey");
    }
}
