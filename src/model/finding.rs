//! What was found: the engine's [`Detection`] (a match in bytes, with no path), and
//! the pipeline's [`Finding`] (a detection placed at a path, with the fingerprint that
//! names it). Later stages keep their own results beside a finding, by fingerprint:
//! verification in [`Verifications`](super::Verifications), suppression in the
//! pipeline's outcome.

use super::{fingerprint, CommitInfo, Position, Secret};
use serde::{Deserialize, Serialize};

/// How bad a finding of this rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The CVSS-like score GitHub code scanning reads from `security-severity`.
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Low => "3.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }
}

/// Encodings a rule's secrets are also looked for in, besides plain text (the first
/// three, which a rule lists), and the layers a secret can be found under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Standard or URL-safe base64, as in a Kubernetes Secret's `data:`.
    Base64,
    /// `%5F`-style URL encoding.
    Percent,
    /// String escapes: JSON `\u005f`, C/Python `\x5f`.
    Escape,
    /// HTML/XML numeric character references: `&#95;`, `&#x5f;`.
    Html,
    /// Hexadecimal bytes: a `bytea` dump, `bytes.fromhex`.
    Hex,
    /// gzip, inside another encoding (a Helm release: base64 of gzip).
    Gzip,
    /// UTF-16LE text, inside another encoding (PowerShell's `-EncodedCommand`).
    Utf16,
    /// Split into string literals joined by concatenation or line continuation.
    Joined,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent",
            Encoding::Escape => "escape",
            Encoding::Html => "html",
            Encoding::Hex => "hex",
            Encoding::Gzip => "gzip",
            Encoding::Utf16 => "utf16",
            Encoding::Joined => "joined",
        }
    }
}

/// The encodings a secret was written in, outermost first; empty for plain text.
/// Shown as `base64>gzip`.
pub fn encoding_chain(chain: &[Encoding]) -> Option<String> {
    (!chain.is_empty()).then(|| chain.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(">"))
}

/// A found secret, and how much of it is not secret.
#[derive(Debug, Clone)]
pub struct FoundSecret {
    pub value: Secret,
    /// The length in bytes of the secret's public prefix (`wayscloud_storage_`),
    /// shown unredacted.
    pub public_len: u32,
}

impl FoundSecret {
    /// The secret with only its public prefix and a few characters visible. Worked
    /// out when a report asks, not kept: a finding is held until the report is
    /// written, and a scan can hold hundreds of thousands.
    pub fn redacted(&self) -> String {
        super::secret::redact(self.value.expose(), self.public_len as usize)
    }
}

/// What the engine found in a buffer: a rule's match, its position and what the
/// rule says about it. It has no path: the same bytes give the same detection
/// wherever they are, which lets a history scan read each blob once.
#[derive(Debug, Clone)]
pub struct Detection {
    pub rule_id: String,
    pub severity: Severity,
    pub start: Position,
    /// Just past the secret's last character.
    pub end: Position,
    /// `None` for file-level detections.
    pub secret: Option<FoundSecret>,
    /// Non-secret facts the rule extracted (WAYSCloud: `service`, `key_id`).
    pub properties: super::Properties,
    /// The encodings the secret was written in, outermost first (empty: plain).
    pub encoding: Vec<Encoding>,
    /// The archive members that lead to the content, each after a `!`
    /// (`!lib/app.jar!app.properties`); empty for the content of the file itself.
    pub member: String,
    pub message: super::Text,
    pub remediation: super::Text,
}

/// One leak at one place: a secret in a file, or a file that leaks by existing (an
/// `.env` file git does not ignore).
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    /// Which root of a tree scan the file was reached from (0 otherwise): with the
    /// outcome's [`super::ShownPaths`], how reports show `repo_path`.
    pub root: u16,
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
    pub properties: super::Properties,
    /// Set when the secret was written in an encoding (base64, escapes).
    pub encoding: Vec<Encoding>,
    pub message: super::Text,
    pub remediation: super::Text,
    /// For history and staged scans: the commit that introduced it (`None` when the
    /// change is not committed yet).
    pub commit: Option<Box<CommitInfo>>,
}

impl Finding {
    /// Places a detection at `repo_path` (its identity), naming it with the
    /// fingerprint of rule, secret and repository-relative path.
    pub fn new(detection: Detection, repo_path: &str) -> Finding {
        let secret = detection.secret.as_ref().map_or("", |s| s.value.expose());
        // Inside an archive, the member is part of the place and of the identity.
        let repo_path = format!("{repo_path}{}", detection.member);
        Finding {
            fingerprint: fingerprint(&detection.rule_id, secret, &repo_path),
            rule_id: detection.rule_id,
            severity: detection.severity,
            root: 0,
            repo_path,
            start: detection.start,
            end: detection.end,
            secret: detection.secret,
            properties: detection.properties,
            encoding: detection.encoding,
            message: detection.message,
            remediation: detection.remediation,
            commit: None,
        }
    }

    /// The message, rendered with the finding's properties.
    pub fn message(&self) -> std::borrow::Cow<'_, str> {
        self.message.render(&self.properties)
    }

    /// What to do, rendered with the finding's properties.
    pub fn remediation(&self) -> std::borrow::Cow<'_, str> {
        self.remediation.render(&self.properties)
    }

    /// The secret as the report should show it; `None` for file-level findings.
    pub fn shown_secret(&self, show_secrets: bool) -> Option<std::borrow::Cow<'_, str>> {
        self.secret.as_ref().map(|s| match show_secrets {
            true => std::borrow::Cow::Borrowed(s.value.expose()),
            false => std::borrow::Cow::Owned(s.redacted()),
        })
    }

    /// The redacted secret; `None` for file-level findings.
    pub fn redacted(&self) -> Option<String> {
        self.secret.as_ref().map(FoundSecret::redacted)
    }

    /// The same finding, reached from root number `root` of a tree scan.
    pub fn from_root(self, root: u16) -> Finding {
        Finding { root, ..self }
    }

    /// The order every report uses: by root, path, then position, then rule.
    pub fn sort_key(&self) -> (u16, &str, Position, &str) {
        (self.root, &self.repo_path, self.start, &self.rule_id)
    }
}
