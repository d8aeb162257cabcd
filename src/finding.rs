//! The owned result of a scan: what was found, where, and how to name it stably.

use crate::engine::matcher::RawMatch;
use crate::engine::rules::{Encoding, Rule, Severity};
use crate::model::{fingerprint, redact, CommitInfo, Position, Secret};
use std::collections::BTreeMap;

/// A found secret and its redacted form.
#[derive(Debug, Clone)]
pub struct FoundSecret {
    pub value: Secret,
    /// The secret with only its non-secret prefix and a few characters visible.
    pub redacted: String,
}

/// One leak at one place: a secret in a file, or a file that leaks by existing (an
/// `.env` file git does not ignore).
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// Path as shown: relative to the scan root, `/`-separated.
    pub path: String,
    /// The path that names the leak: relative to the top of the git work tree (as
    /// history and staged scans see it), or to the scan root outside git. The
    /// fingerprint, baselines, excludes, allowlists and rule paths use it, so a leak
    /// is the same whichever directory a scan starts in.
    pub repo_path: String,
    pub start: Position,
    /// Just past the secret's last character.
    pub end: Position,
    /// `None` for file-level findings.
    pub secret: Option<FoundSecret>,
    pub fingerprint: String,
    /// Non-secret facts the rule extracted (WAYSCloud: `service`, `key_id`).
    pub properties: BTreeMap<String, String>,
    /// Set when the secret was written in an encoding (base64, escapes).
    pub encoding: Option<Encoding>,
    pub message: String,
    pub remediation: String,
    /// For history and staged scans: the commit that introduced it (`None` when the
    /// change is not committed yet).
    pub commit: Option<CommitInfo>,
}

impl Finding {
    /// Builds a finding from a match, computing the redaction and fingerprint.
    pub fn from_match(
        rule: &Rule,
        path: String,
        repo_path: &str,
        (start, end): (Position, Position),
        m: RawMatch<'_>,
    ) -> Finding {
        let secret = Secret::new(&m.secret);
        let mut properties = m.properties;
        let issuer = rule.issuer_of(&m.secret, properties.get("scheme").map(String::as_str));
        let remediation = issuer.map_or(&rule.spec.remediation, |i| &i.remediation);
        let remediation = crate::engine::rules::render_template(remediation, &properties);
        if let Some(issuer) = issuer {
            properties.insert("issuer".to_string(), issuer.name.clone());
        }
        Finding {
            rule_id: rule.spec.id.clone(),
            severity: rule.spec.severity,
            fingerprint: fingerprint(&rule.spec.id, secret.expose(), repo_path),
            message: crate::engine::rules::render_template(&rule.spec.message, &properties),
            remediation,
            path,
            repo_path: repo_path.to_string(),
            start,
            end,
            secret: Some(FoundSecret {
                redacted: redact(secret.expose(), m.public_len),
                value: secret,
            }),
            properties,
            encoding: m.encoding,
            commit: None,
        }
    }

    /// Places a finding made on content alone (a history blob, scanned before its
    /// path was known) at `path`, whose part of the fingerprint changes with it.
    pub fn move_to(&mut self, path: String) {
        let secret = self.secret.as_ref().map_or("", |s| s.value.expose());
        self.fingerprint = fingerprint(&self.rule_id, secret, &path);
        self.repo_path.clone_from(&path);
        self.path = path;
    }

    /// A finding about a whole file, at its first line.
    pub fn file_level(
        rule: &Rule,
        path: String,
        repo_path: &str,
        properties: BTreeMap<String, String>,
        message: String,
        remediation: String,
    ) -> Finding {
        let first = Position { line: 1, column: 1 };
        Finding {
            rule_id: rule.spec.id.clone(),
            severity: rule.spec.severity,
            fingerprint: fingerprint(&rule.spec.id, "", repo_path),
            message,
            remediation,
            path,
            repo_path: repo_path.to_string(),
            start: first,
            end: first,
            secret: None,
            properties,
            encoding: None,
            commit: None,
        }
    }

    /// The secret as the report should show it; `None` for file-level findings.
    pub fn shown_secret(&self, show_secrets: bool) -> Option<&str> {
        self.secret.as_ref().map(|s| {
            if show_secrets {
                s.value.expose()
            } else {
                s.redacted.as_str()
            }
        })
    }

    /// The redacted secret; `None` for file-level findings.
    pub fn redacted(&self) -> Option<&str> {
        self.secret.as_ref().map(|s| s.redacted.as_str())
    }

    /// The order every report uses: by path, then position, then rule.
    pub fn sort_key(&self) -> (&str, Position, &str) {
        (&self.path, self.start, &self.rule_id)
    }
}
