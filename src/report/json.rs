//! The JSON report (schema `wayscan-report/1`, documented in the README). Field names
//! and meanings only ever grow; a breaking change bumps the schema number.

use super::Report;
use crate::model::Finding;
use crate::model::Suppression;
use crate::model::Verifications;
use crate::model::{Problem, Skip};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

pub const SCHEMA: &str = "wayscan-report/1";

#[derive(Serialize)]
struct JsonReport<'a> {
    schema: &'static str,
    tool: Tool,
    scan: Scan<'a>,
    findings: Findings<'a>,
    /// Each secret found at more than one place, once, with the fingerprints of the
    /// findings that hold it.
    repeated_secrets: Vec<JsonLeak<'a>>,
    /// Found but not reported, and why; only with `--show-suppressed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<Vec<JsonSuppressed<'a>>>,
    skipped: &'a [Skip],
    errors: &'a [Problem],
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Scan<'a> {
    kind: &'static str,
    roots: &'a [String],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    severity: &'static str,
    path: std::borrow::Cow<'a, str>,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// Redacted unless `--show-secrets`; null for file-level findings.
    secret: Option<std::borrow::Cow<'a, str>>,
    secret_redacted: bool,
    fingerprint: &'a str,
    encoding: Option<String>,
    properties: &'a crate::model::Properties,
    message: std::borrow::Cow<'a, str>,
    remediation: std::borrow::Cow<'a, str>,
    /// The commit that introduced it (history scans); null otherwise.
    commit: Option<&'a crate::model::CommitInfo>,
    /// What the API said of the key (`--verify`); null when not verified.
    verification: Option<&'a crate::model::Verification>,
}

/// One secret and its places (see [`super::Leak`]).
#[derive(Serialize)]
struct JsonLeak<'a> {
    id: String,
    rule_id: &'a str,
    /// Redacted unless `--show-secrets`; null for file-level findings.
    secret: Option<std::borrow::Cow<'a, str>>,
    /// The findings that hold it, first place first.
    fingerprints: Vec<&'a str>,
}

#[derive(Serialize)]
struct JsonSuppressed<'a> {
    /// `inline`, `configuration` or `baseline`.
    suppressed_by: &'static str,
    #[serde(flatten)]
    finding: JsonFinding<'a>,
}

#[derive(Serialize)]
struct Summary {
    files: u64,
    bytes: u64,
    skipped: BTreeMap<&'static str, u64>,
    errors: usize,
    suppressed: u64,
    baselined: u64,
    allowlisted: u64,
    findings: usize,
    /// Distinct secrets among the findings (a file-level finding counts as one).
    distinct_secrets: usize,
    elapsed_ms: u128,
}

pub fn write(report: &Report<'_>, out: &mut impl Write) -> io::Result<()> {
    let outcome = report.outcome;
    let stats = &outcome.stats;
    let leaks = super::leaks(&outcome.findings);
    let doc = JsonReport {
        schema: SCHEMA,
        tool: Tool {
            name: "wayscan",
            version: env!("CARGO_PKG_VERSION"),
        },
        scan: Scan {
            kind: report.kind.as_str(),
            roots: &report.roots,
        },
        findings: Findings {
            findings: &outcome.findings,
            shown: &outcome.shown,
            verifications: report.verifications,
            show_secrets: report.show_secrets,
        },
        repeated_secrets: leaks
            .iter()
            .filter(|leak| leak.places.len() > 1)
            .map(|leak| {
                let first = &outcome.findings[leak.places[0]];
                JsonLeak {
                    id: leak.id(&outcome.findings, outcome.salt.as_ref()),
                    rule_id: &first.rule_id,
                    secret: first.shown_secret(report.show_secrets),
                    fingerprints: leak
                        .places
                        .iter()
                        .map(|&i| outcome.findings[i].fingerprint.as_str())
                        .collect(),
                }
            })
            .collect(),
        suppressed: report.show_suppressed.then(|| {
            outcome
                .suppressed
                .iter()
                .map(|s| JsonSuppressed {
                    suppressed_by: s.by.as_str(),
                    finding: json_finding(
                        &s.finding,
                        &report.outcome.shown,
                        report.verifications,
                        report.show_secrets,
                    ),
                })
                .collect()
        }),
        skipped: &outcome.skipped,
        errors: &outcome.problems,
        summary: Summary {
            files: stats.files,
            bytes: stats.bytes,
            skipped: stats.skipped.iter().map(|(r, n)| (r.as_str(), *n)).collect(),
            errors: outcome.problems.len(),
            suppressed: outcome.suppressed_by(Suppression::Inline),
            baselined: outcome.suppressed_by(Suppression::Baseline),
            allowlisted: outcome.suppressed_by(Suppression::Configuration),
            findings: outcome.findings.len(),
            distinct_secrets: leaks.len(),
            elapsed_ms: stats.elapsed.as_millis(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The findings, each made into its JSON form (message and remediation rendered)
/// as it is written: never all of them at once.
struct Findings<'a> {
    findings: &'a [Finding],
    shown: &'a crate::model::ShownPaths,
    verifications: &'a Verifications,
    show_secrets: bool,
}

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.findings
                .iter()
                .map(|f| json_finding(f, self.shown, self.verifications, self.show_secrets)),
        )
    }
}

fn json_finding<'a>(
    f: &'a Finding,
    shown: &'a crate::model::ShownPaths,
    verifications: &'a Verifications,
    show_secrets: bool,
) -> JsonFinding<'a> {
    JsonFinding {
        rule_id: &f.rule_id,
        severity: f.severity.as_str(),
        path: shown.show(f.root, &f.repo_path),
        line: f.start.line,
        column: f.start.column,
        end_line: f.end.line,
        end_column: f.end.column,
        secret: f.shown_secret(show_secrets),
        secret_redacted: !show_secrets,
        fingerprint: &f.fingerprint,
        encoding: crate::model::encoding_chain(&f.encoding),
        properties: &f.properties,
        message: f.message(),
        remediation: f.remediation(),
        commit: f.commit.as_deref(),
        verification: verifications.get(&f.fingerprint),
    }
}
