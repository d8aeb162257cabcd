//! Secrets, and the hashes that name them without holding them.

use sha2::{Digest, Sha256};
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
