//! What the API said of a key: the verify stage's output, kept by fingerprint
//! beside the findings (no stage writes into another stage's type).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a key still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The API accepted it (200), or knew it but not for that service (403).
    Live,
    /// The API rejected it (401).
    Revoked,
    /// No answer that says either: network, timeout, TLS, 5xx, rate limited.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Revoked => "revoked",
            Status::Unknown => "unknown",
        }
    }
}

/// The answer about one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub status: Status,
    pub http_status: Option<u16>,
    /// When the API answered (RFC 3339, UTC).
    pub checked_at: String,
    /// What the answer means, or why there is none. Never holds the key.
    pub detail: String,
    /// Taken from the cache of an earlier run.
    #[serde(skip)]
    pub cached: bool,
}

/// The answers of one run, by finding fingerprint. A finding the API was not asked
/// about (no `--verify`, or a rule without a live check) has none.
#[derive(Debug, Clone, Default)]
pub struct Verifications(BTreeMap<String, Verification>);

impl Verifications {
    pub fn insert(&mut self, fingerprint: &str, verification: Verification) {
        self.0.insert(fingerprint.to_string(), verification);
    }

    /// The answer for the finding with this fingerprint.
    pub fn get(&self, fingerprint: &str) -> Option<&Verification> {
        self.0.get(fingerprint)
    }

    /// Whether the API said the finding's key is live.
    pub fn is_live(&self, fingerprint: &str) -> bool {
        self.get(fingerprint).is_some_and(|v| v.status == Status::Live)
    }
}
