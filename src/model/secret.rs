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

/// A project's fingerprint salt (`fingerprint_salt` in `.wayscan.toml`). Without one,
/// a fingerprint is a plain hash of rule, secret and path, so whoever holds a report
/// or a baseline, but not the repository, can confirm a guessed secret in one hash
/// (a weak password in a handful). With one, fingerprints and leak ids are HMACs
/// keyed by it: a reader without the salt cannot test a guess.
///
/// The salt is not a secret from the repository's readers (it is committed beside
/// the code, which holds the secret anyway); it keeps reports, SARIF uploads and
/// baselines that travel further than the code from being oracles.
#[derive(Clone, PartialEq, Eq)]
pub struct Salt(Vec<u8>);

impl Salt {
    /// Fewest hex digits of a salt: 128 bits.
    pub const MIN_HEX: usize = 32;

    /// The salt from its hex form (at least [`Salt::MIN_HEX`] digits).
    pub fn parse(text: &str) -> Result<Salt, String> {
        let ok =
            text.len() >= Salt::MIN_HEX && text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(format!(
                "must be at least {} hexadecimal digits, an even number (`wayscan config init` writes one)",
                Salt::MIN_HEX
            ));
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("checked hex"))
            .collect();
        Ok(Salt(bytes))
    }

    /// Random bytes as a salt (from the caller: the model does no I/O).
    pub fn from_bytes(bytes: &[u8]) -> Salt {
        Salt(bytes.to_vec())
    }

    /// The hex form, as `.wayscan.toml` holds it.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// `digest` (an unsalted fingerprint or leak digest) keyed by this salt: the
    /// first 16 bytes of HMAC-SHA-256, in hex. A function of the unsalted digest, so
    /// a scan can name findings unsalted while it runs and key them once at the end.
    fn key(&self, label: &str, digest: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(digest.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// A finding's unsalted [`fingerprint`], keyed.
    pub fn key_fingerprint(&self, unsalted: &str) -> String {
        self.key("fingerprint", unsalted)
    }

    /// A leak's unsalted digest (its id), keyed.
    pub fn key_leak(&self, unsalted: &str) -> String {
        self.key("leak", unsalted)
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(<redacted>)")
    }
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

    /// HMAC-SHA-256 by its definition (RFC 2104), to check `Salt::key` against.
    fn textbook_hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
        let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    #[test]
    fn salts_key_digests_with_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&textbook_hmac(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let jefe = Salt::from_bytes(b"Jefe");
        let unsalted = fingerprint("r", "s", "p");
        let keyed = jefe.key_fingerprint(&unsalted);
        let message = format!("fingerprint\0{unsalted}");
        assert_eq!(keyed, hex(&textbook_hmac(b"Jefe", message.as_bytes())[..16]));
        assert_ne!(keyed, unsalted);
        assert_ne!(keyed, jefe.key_leak(&unsalted));
        assert_ne!(keyed, Salt::from_bytes(b"Jeff").key_fingerprint(&unsalted));
    }

    #[test]
    fn salts_are_long_even_hex() {
        let hex32 = "00112233445566778899aabbccddeeff";
        assert_eq!(Salt::parse(hex32).unwrap().to_hex(), hex32);
        assert_eq!(Salt::parse(&hex32.to_uppercase()).unwrap().to_hex(), hex32);
        for bad in ["", "0011", &hex32[1..], &format!("{hex32}0"), &hex32.replace('f', "g")] {
            assert!(Salt::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{:?}", Salt::parse(hex32).unwrap()), "Salt(<redacted>)");
    }

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
