//! Checks a regex cannot express, named by rules in their `checks` list.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;

/// Passwords that documentation and examples use instead of a real one.
const PLACEHOLDER_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "change_me",
    "change-me",
    "test",
    "testing",
    "example",
    "sample",
    "admin",
    "root",
    "guest",
    "demo",
    "default",
    "letmein",
    "placeholder",
    "pa55word",
    "p@ssword",
    "p@ssw0rd",
    "passw0rd",
    "password1",
    "password123",
    "secret123",
    "123456",
    "12345678",
];

/// Whether `credential`, the token of an `Authorization: Basic` header, is base64 of a
/// `user:password` pair whose password looks real: decodable, printable, a password of
/// 6 or more characters that is not a placeholder word, a template, a run of one
/// character, or the user name again.
/// Base64, padded or not (hand-written values often drop the padding).
fn decode(value: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(value).or_else(|_| STANDARD_NO_PAD.decode(value)).ok()
}

/// Whether `value` is base64 of printable text holding a colon after a non-empty
/// name: a Basic pair under another scheme's name. Random tokens decode to bytes
/// that are almost never printable UTF-8 with a colon.
pub fn is_encoded_pair(value: &[u8]) -> bool {
    let Some(decoded) = decode(value) else {
        return false;
    };
    std::str::from_utf8(&decoded).is_ok_and(|text| {
        text.split_once(':').is_some_and(|(user, _)| !user.is_empty()) && text.chars().all(|c| !c.is_control())
    })
}

pub fn basic_credential(credential: &[u8]) -> bool {
    let Some(decoded) = decode(credential) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        // A password that is not UTF-8 (random bytes, a legacy code page) is no
        // placeholder: what matters is a printable user name before the colon.
        let Some(colon) = decoded.iter().position(|&b| b == b':') else {
            return false;
        };
        let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
        // Its ASCII part still tells a test pair (`user:password-` and a Latin-1 é).
        let ascii: String = password
            .iter()
            .filter(|b| b.is_ascii())
            .map(|&b| char::from(b))
            .collect();
        let user_text = String::from_utf8_lossy(user);
        return !user.is_empty()
            && user.iter().all(|b| b.is_ascii_graphic())
            && password.len() >= 6
            && !super::testcred::is_test_basic(&user_text, &ascii);
    };
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    if user.is_empty() || text.chars().any(char::is_control) {
        return false;
    }
    real_password(user, password)
}

/// Whether `password`, given beside `user` (a client option `-u user:password`, a
/// library call `auth=("user", "password")`; `user` may be empty where the code
/// gives none), looks real: 6 or more characters, not a placeholder word, a
/// template, a run of one character, the user name again, or a test pair (see
/// `testcred::is_test_basic`).
pub fn real_password(user: &str, password: &str) -> bool {
    let lower = password.to_ascii_lowercase();
    let templated = password.contains(['<', '>', '{', '}', '$', '%']) || password.starts_with(':');
    let one_char = password.chars().all(|c| password.starts_with(c));
    let placeholder_word = PLACEHOLDER_PASSWORDS.contains(&lower.as_str())
        || ["your", "my", "the", "some"]
            .iter()
            .any(|p| lower.starts_with(p) && (lower.contains("pass") || lower.contains("secret")))
        || lower.contains("xxx")
        || lower.contains("***");
    // A token given alone (`--oauth2-bearer TOKEN`) is held to the token policy.
    let words_alone = user.is_empty() && super::testcred::is_test_token(password.as_bytes());
    // The same, without punctuation and accents: `p:a:s:s` is `pass`, and
    // `Aladßç£☃din` for user Aladdin is the user name dressed up (a Unicode test).
    let squeezed: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    let same_as_user =
        squeezed.eq_ignore_ascii_case(&user.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
    let placeholder_word = placeholder_word || PLACEHOLDER_PASSWORDS.contains(&squeezed.as_str());
    // One run of lower-case letters in any script (`heslíčko`): the test pair of
    // the policy, as in English.
    let lowercase_word = !password.is_ascii() && password.chars().all(char::is_lowercase);
    password.chars().count() >= 6
        && !words_alone
        && password.bytes().any(|b| b.is_ascii_alphabetic())
        && !password.chars().any(char::is_control)
        && !templated
        && !one_char
        && !placeholder_word
        && password != user
        && !same_as_user
        && !lowercase_word
        && !super::testcred::is_test_basic(user, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> Vec<u8> {
        STANDARD.encode(text).into_bytes()
    }

    #[test]
    fn real_looking_pairs_pass() {
        for pair in [
            "admin:s3cr3tP4ss!",
            "deploy:Xk9#mQ2vLp",
            "svc-ci:ZtW8nq4RfJ1u",
            "me@corp.io:hunter22x",
        ] {
            assert!(basic_credential(&b64(pair)), "{pair}");
        }
        // A password that is not UTF-8.
        let mut raw = b"svc:".to_vec();
        raw.extend([0xff, 0xfe, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6]);
        assert!(basic_credential(STANDARD.encode(raw).as_bytes()));
    }

    #[test]
    fn placeholders_and_non_credentials_fail() {
        for pair in [
            "user:password",
            "username:password",
            "admin:admin",
            "user:pass",
            "user:changeme",
            "user:<password>",
            "user:${PASSWORD}",
            "user:%PASS%",
            "user:xxxxxxxx",
            "user:yourpassword",
            "user:",
            ":password123x",
            "no-colon-here",
            "user:short",
        ] {
            assert!(!basic_credential(&b64(pair)), "{pair}");
        }
        assert!(!basic_credential(b"not base64 at all!"));
        assert!(!basic_credential(
            &STANDARD.encode([0xff, 0xfe, b':', b'a']).into_bytes()
        ));
        assert!(!basic_credential(&b64("testuser:testpass")));
        let mut latin1 = b"user:password-".to_vec();
        latin1.push(0xe9);
        assert!(!basic_credential(STANDARD.encode(latin1).as_bytes()));
        assert!(!basic_credential(&b64("ghe-user-1:password-1")));
    }

    #[test]
    fn dressed_up_test_passwords_are_not_real() {
        for (user, password) in [("admin", "p:a:s:s"), ("Aladdin", "Aladßç£☃din"), ("Ondřej", "heslíčko")] {
            assert!(!real_password(user, password), "{user}:{password}");
        }
        for (user, password) in [
            ("deploy", "Xk9#mQ2vLp"),
            ("svc", "Zq7-Xk2Lm9Pw4"),
            ("ci", "Žluťoučký-Kůň7"),
        ] {
            assert!(real_password(user, password), "{user}:{password}");
        }
    }

    #[test]
    fn a_pair_under_another_scheme_is_recognised_and_random_tokens_are_not() {
        assert!(is_encoded_pair(b"dXNlcjpwYXNzd29yZA"));
        assert!(is_encoded_pair(&b64("deploy:Xk9#mQ2vLp")));
        for token in [
            "3HuLwfN2nI2Q3yQKwSs0voAQhwocQcvm",
            "Pe4xZn49vpZo7scJ1ZUbTlbadyFahwBu",
            "nklk8FtKxJZRO0bazB2op9Lm3xfwh68X",
        ] {
            assert!(!is_encoded_pair(token.as_bytes()), "{token}");
        }
    }
}
