//! The owned result of a scan: what was found, where, and how to name it stably.

use crate::matcher::RawMatch;
use crate::rules::{Encoding, Rule, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;

/// A secret value. It has no `Display`, and its `Debug` is redacted, so it cannot be
/// printed by accident; reports call [`Secret::expose`] only under `--show-secrets`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    pub fn new(bytes: &[u8]) -> Secret {
        Secret(String::from_utf8_lossy(bytes).into_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A 1-based position. Columns count UTF-16 code units, as SARIF's default
/// `columnKind` and GitHub's code scanning expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The commit that introduced a blob, for findings from git history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
}

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
    /// What the API said of the secret (`--verify`); `None` when not asked.
    pub verification: Option<crate::verify::Verification>,
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
        let remediation = crate::rules::render_template(remediation, &properties);
        if let Some(issuer) = issuer {
            properties.insert("issuer".to_string(), issuer.name.clone());
        }
        Finding {
            rule_id: rule.spec.id.clone(),
            severity: rule.spec.severity,
            fingerprint: fingerprint(&rule.spec.id, secret.expose(), repo_path),
            message: crate::rules::render_template(&rule.spec.message, &properties),
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
            verification: None,
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
            verification: None,
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

/// Keeps the first `public_len` bytes (a non-secret prefix such as
/// `wayscloud_storage_a1b2c3d4_`) and at most 4 characters of the rest, never more
/// than a quarter of it.
pub fn redact(secret: &str, public_len: usize) -> String {
    let public_len = if secret.is_char_boundary(public_len) {
        public_len
    } else {
        0
    };
    let (public, private) = secret.split_at(public_len);
    let visible = (private.chars().count() / 4).min(4);
    let shown: String = private.chars().take(visible).collect();
    format!("{public}{shown}***")
}

/// Stable identity of a finding: rule, secret and path, never the line, so adding
/// lines above a secret does not turn it into a new finding.
pub fn fingerprint(rule_id: &str, secret: &str, path: &str) -> String {
    digest(&[rule_id, secret, path])
}

/// The first 16 bytes of SHA-256 over `parts`, each followed by a NUL, in hex: how
/// findings, and the audit's secrets, are known without holding what they hash.
pub fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize()[..16])
}

/// Bytes as lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_prefix_and_at_most_four_secret_chars() {
        let key = "wayscloud_storage_a1b2c3d4_Abcdefghij0123456789Abcdefghij0123456789";
        assert_eq!(redact(key, 27), "wayscloud_storage_a1b2c3d4_Abcd***");
        assert_eq!(redact("shortsecret", 0), "sh***");
        assert_eq!(redact("abc", 0), "***");
        assert_eq!(redact("pässwörd", 0), "pä***");
    }

    #[test]
    fn fingerprint_depends_on_rule_secret_and_path_only() {
        let a = fingerprint("r", "s", "p");
        assert_eq!(a.len(), 32);
        assert_eq!(a, fingerprint("r", "s", "p"));
        assert_ne!(a, fingerprint("r", "s", "q"));
        assert_ne!(a, fingerprint("r", "t", "p"));
        assert_ne!(a, fingerprint("x", "s", "p"));
        assert_ne!(fingerprint("ab", "c", "p"), fingerprint("a", "bc", "p"));
    }

    #[test]
    fn secret_debug_is_redacted() {
        assert_eq!(format!("{:?}", Secret::new(b"hunter2")), "Secret(<redacted>)");
    }
}
