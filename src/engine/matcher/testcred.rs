//! The test-credential policy: a value made only of words and small numbers was
//! written by a person for a test, a fixture or a document, not issued by a service.
//!
//! `secret-token`, `expired-token`, `upload-token-abc123xyz`, `Constants.AUTH_TOKEN`,
//! `session.accessToken`, `testuser:testpass` and `ghe-user-1:password-1` are all
//! words (English, or the code and test vocabulary of `rules/words/tech.txt`) joined
//! by separators, case changes or digits. Issued credentials are random: a random
//! token of 20 letters and digits almost never splits into such pieces, because one
//! piece of one or two letters, or a run of five digits, or three letters that are
//! not a word, is enough to keep it (the rate is measured in the tests below).
//!
//! How a value is read: it is cut at separators (`-_.:/@+ ,`), each part must be
//! letters and digits only; a part is cut again where letters meet digits and where
//! case changes (`accessToken` -> access, Token; `HTTPServer` -> HTTP, Server). Each
//! piece must be a number of at most four digits, or a word, or two or three words
//! run together (`testuser`, `supersecret`), each of three or more letters or one
//! of the two-letter words of the list, or a word of six or more letters typed with
//! one letter too many (`adccess`).

use std::collections::HashSet;
use std::sync::OnceLock;

const ENGLISH: &str = include_str!("../../../rules/words/english.txt");
const TECH: &str = include_str!("../../../rules/words/tech.txt");

/// Words that name a test value rather than a real one: in a Basic credential, a
/// password made of words must hold one of these (or share a word with the user
/// name) to count as a test credential, so a real but weak password such as
/// `Summer2024` is still reported.
const TEST_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "tester",
    "testuser",
    "user",
    "username",
    "pass",
    "password",
    "passwd",
    "pwd",
    "secret",
    "demo",
    "example",
    "sample",
    "fake",
    "dummy",
    "mock",
    "mocked",
    "foo",
    "bar",
    "baz",
    "qux",
    "admin",
    "guest",
    "changeme",
    "letmein",
    "hello",
    "world",
    "abc",
    "xyz",
    "qwerty",
    "asdf",
    "token",
    "key",
    "my",
    "your",
    "some",
    "valid",
    "invalid",
    "wrong",
    "bad",
    "good",
    "correct",
    "incorrect",
    "new",
    "old",
    "other",
    "another",
    "default",
    "temp",
    "tmp",
    "open",
    "sesame",
    "none",
    "null",
    "empty",
    "placeholder",
    "insecure",
];

/// FNV-1a, for the word list: its keys are short, where SipHash's set-up cost
/// dominated (5% of a one-line 10 MB export with 260,000 tokens). The set is fixed
/// when built; lookups cannot grow it, so hash flooding is no concern.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type Words = HashSet<&'static str, std::hash::BuildHasherDefault<Fnv>>;

fn words() -> &'static Words {
    static WORDS: OnceLock<Words> = OnceLock::new();
    WORDS.get_or_init(|| {
        ENGLISH
            .lines()
            .chain(TECH.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// The words `value` is made of, lower-cased, when it reads as words and small
/// numbers only (see the module documentation); `None` when any piece does not.
pub fn words_of(value: &[u8]) -> Option<Vec<String>> {
    words_with(value, &[])
}

/// [`words_of`], with `extra` counted as words too.
fn words_with(value: &[u8], extra: &[String]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(value).ok()?;
    if !text.is_ascii() {
        return None;
    }
    // The `X-` of a header name (`X-Auth-Token` given as a value: a list of names).
    let text = text
        .strip_prefix("x-")
        .or_else(|| text.strip_prefix("X-"))
        .unwrap_or(text);
    let mut found = Vec::new();
    let mut long_number = false;
    for part in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let words = read(&pieces(part, true), extra, &mut long_number)
            // Odd capitals (`BADpass`, `oAuth1Token`) cut a part where no word ends:
            // read it again cut only where letters meet digits.
            .or_else(|| read(&pieces(part, false), extra, &mut long_number))?;
        found.extend(words);
    }
    // A number of five or more digits is no filler unless a word says the value is a
    // test one (`mock-token-12345`, `secret_12345456677756343`).
    // Only words of four or more letters count here: `abc` or `bad` followed by digits
    // is what random hex looks like now and then.
    if long_number && !found.iter().any(|w| w.len() >= 4 && TEST_WORDS.contains(&w.as_str())) {
        return None;
    }
    (!found.is_empty() && found.len() <= 8).then_some(found)
}

/// Whether a bearer-style value is a test credential: words and small numbers only.
pub fn is_test_token(value: &[u8]) -> bool {
    words_of(value).is_some()
}

/// Whether a decoded Basic `user:password` is a test credential: the password reads
/// as words and small numbers, and either one of them names a test value or is a
/// word of the user name (`testuser:testpass`, `ghe-user-1:password-1`,
/// `alice:alice-secret`), or it has no capital letter (`iam:my:;self`); or it is
/// one run of lower-case letters and a short number (`smith:doggie`,
/// `daniel:stenberg`, `a85:blahblah12`: test suites' made-up pairs). A password
/// that a password policy would let through (`Summer2024`, `Xk9#mQ2vLp`) is
/// reported, weak or not.
pub fn is_test_basic(user: &str, password: &str) -> bool {
    // One run of lower-case letters and at most four digits (`doggie`, `stenberg`,
    // `blahblah12`), also when written in leet (`s00pers3cret`, `rapunz3l`): what a
    // person types into a test; no password policy lets it through, so real
    // services rarely hold one.
    let unleet: Vec<u8> = password
        .bytes()
        .map(|b| match b {
            b'0' => b'o',
            b'1' => b'l',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' => b't',
            b => b,
        })
        .collect();
    let lowercase_run = |bytes: &[u8]| {
        let letters = bytes.iter().take_while(|b| b.is_ascii_lowercase()).count();
        let digits = &bytes[letters..];
        letters > 0 && digits.len() <= 4 && digits.iter().all(u8::is_ascii_digit)
    };
    if lowercase_run(password.as_bytes()) || lowercase_run(&unleet) {
        return true;
    }
    // A user that says it is made up (`fake@example.com`, `test-user`).
    let user_lower = user.to_ascii_lowercase();
    if ["fake", "test", "example", "dummy", "sample", "demo", "foo"]
        .iter()
        .any(|w| user_lower.contains(w))
    {
        return true;
    }
    // The user name's own pieces count as words (`alice:alice-secret`).
    let user_words: Vec<String> = user
        .split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|part| pieces(part, true))
        .filter(|p| p.len() >= 3 && !p.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_ascii_lowercase)
        .collect();
    let Some(password_words) = words_with(password.as_bytes(), &user_words) else {
        return false;
    };
    !password.bytes().any(|b| b.is_ascii_uppercase())
        || password_words
            .iter()
            .any(|w| TEST_WORDS.contains(&w.as_str()) || user_words.contains(w) || user.eq_ignore_ascii_case(w))
}

/// Digits counting up one by one (`12345`, `45678`, `67890`): typed, not drawn.
fn counting(digits: &[u8]) -> bool {
    digits.windows(2).all(|w| (w[0] - b'0' + 1) % 10 == w[1] - b'0')
}

/// The words of `pieces`, or `None` when a piece of letters is no word; notes in
/// `long_number` a number of five or more digits that does not count up.
fn read(pieces: &[&str], extra: &[String], long_number: &mut bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    for piece in pieces {
        if piece.bytes().all(|b| b.is_ascii_digit()) {
            *long_number |= piece.len() > 4 && !counting(piece.as_bytes());
        } else {
            let lower = piece.to_ascii_lowercase();
            words.extend(compound(&lower, extra).or_else(|| misspelled(piece))?);
        }
    }
    Some(words)
}

/// Cuts letters-and-digits where letters meet digits and, with `at_case`, where case
/// changes (`accessToken` -> access, Token; `HTTPServer` -> HTTP, Server).
fn pieces(part: &str, at_case: bool) -> Vec<&str> {
    let bytes = part.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..bytes.len() {
        let (a, b) = (bytes[i - 1], bytes[i]);
        let case_change = (a.is_ascii_lowercase() && b.is_ascii_uppercase())
            // HTTPServer: the last capital of a run starts the next word.
            || (a.is_ascii_uppercase()
                && b.is_ascii_uppercase()
                && bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase));
        if a.is_ascii_digit() != b.is_ascii_digit() || (at_case && case_change) {
            out.push(&part[start..i]);
            start = i;
        }
    }
    if start < part.len() {
        out.push(&part[start..]);
    }
    out
}

/// `piece` (lower case) as a word of seven or more letters typed with one letter too
/// many (`adccess`, `tokenn`-style slips in hand-written fixtures: Insomnia's
/// `oauth2.0-adccess-token-headers`). One word only, never a compound, so random
/// text gains almost nothing from it.
fn misspelled(piece: &str) -> Option<Vec<String>> {
    // As a person writes a word: lower case, or Capitalized. Random text cut at
    // digits (the second reading) is mixed case and never gets here.
    let bytes = piece.as_bytes();
    let worded = bytes.len() >= 7 && bytes[1..].iter().all(u8::is_ascii_lowercase) && bytes[0].is_ascii_alphabetic();
    if !worded {
        return None;
    }
    let lower = piece.to_ascii_lowercase();
    let mut shorter = String::with_capacity(lower.len());
    for i in 0..lower.len() {
        shorter.clear();
        shorter.push_str(&lower[..i]);
        shorter.push_str(&lower[i + 1..]);
        if words().contains(shorter.as_str()) {
            return Some(vec![shorter]);
        }
    }
    None
}

/// `piece` (lower case) as one to three words of the list (or of `extra`), or `None`.
/// The fewest words win (`testuser` is one word of the list, not test + user). A
/// table over the piece's prefixes keeps the cost at one look-up per substring: a
/// search that tried every split would explode on random text, which is full of
/// two- and three-letter words.
fn compound(piece: &str, extra: &[String]) -> Option<Vec<String>> {
    const MAX_WORDS: usize = 3;
    let n = piece.len();
    if !(2..=3 * 24).contains(&n) {
        return None;
    }
    let known = |w: &str| words().contains(w) || extra.iter().any(|e| e == w);
    // fewest[i]: (words covering piece[..i], where the last word starts).
    let mut fewest: Vec<Option<(usize, usize)>> = vec![None; n + 1];
    fewest[0] = Some((0, 0));
    for end in 2..=n {
        for start in 0..=end - 2 {
            let Some((count, _)) = fewest[start] else { continue };
            if count < MAX_WORDS && fewest[end].is_none_or(|(best, _)| count + 1 < best) && known(&piece[start..end]) {
                fewest[end] = Some((count + 1, start));
            }
        }
    }
    fewest[n]?;
    let mut out = Vec::new();
    let mut end = n;
    while end > 0 {
        let (_, start) = fewest[end]?;
        out.push(piece[start..end].to_string());
        end = start;
    }
    out.reverse();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_made_of_words_are_test_credentials() {
        for value in [
            "secret-token",
            "expired-token",
            "refreshed-token",
            "super-secret-token",
            "upload-token-abc123xyz",
            "graphql-token-xyz",
            "authentication-token",
            "Constants.AUTH_TOKEN",
            "session.accessToken",
            "ElementType.Header",
            "ExtendedAuthorization",
            "_digest_auth",
            "proxy-authorization",
            "response.code",
            "my-api-key-123",
            "HTTPServerToken",
            "mock-token-12345",
            "GitHubAppAuthorizationEvent",
            "X-Auth-Token",
            "oAuth1Token.Authorization",
            "default-id-tk",
            "password12345",
            "advanced-api-key-45678",
            "api-key-67890",
            "oauth2.0-adccess-token-headers",
        ] {
            assert!(is_test_token(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn issued_looking_values_are_not() {
        for value in [
            // Made-up values of the shapes seen in the corpus: long hex, a 40-hex
            // GitHub-style token, an upper-case UUID.
            "9d3e71a0c4b85f26e1d04a7c93b6f2e58a0d17c4b39e6f2a81d5",
            "5b8e2f90a4d17c36e0b9f4a28d6c1e73f50a9b2d",
            "7C2E91B4-3A05-4D8F-B6E1-09F4A2C7D35E",
            "3HuLwfN2nI2Q3yQKwSs0voAQhwocQcvm",
            "ghp_R2d9xK1mQ7vLp3Tz8WcY5bN0aFhJ6sUe4iOg",
            "xoxb-2481632-1286331-Zq7Xk2Lm9Pw4Rt8Vn3Bc6Hs1",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
            "tokenabcdefghijklmnop",
            // one letter too many is forgiven in a single word, not in a compound
            "adccesstoken-q8Zt3wLmNc",
        ] {
            assert!(!is_test_token(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn basic_pairs_need_a_test_word_or_the_user_name() {
        for (user, password) in [
            ("testuser", "testpass"),
            ("ghe-user-1", "password-1"),
            ("alice", "alice-secret"),
            ("admin", "supersecret"),
            ("user", "my-password"),
            ("iam", "myself"),
            ("monster", "underbed"),
            ("client_123", "secret_12345456677756343"),
            ("user", "pass;word"),
            ("daniel", "stenberg"),
            ("a85", "blahblah12"),
            ("janedoe", "s00pers3cret"),
            ("user", "BADpass"),
            ("test", "pass;auth=NTLM"),
            ("fake@example.com", "not_a_real_password"),
        ] {
            assert!(is_test_basic(user, password), "{user}:{password}");
        }
        for (user, password) in [("deploy", "Summer2024"), ("ci", "Xk9#mQ2vLp"), ("svc", "q8Zt3wLmNc")] {
            assert!(!is_test_basic(user, password), "{user}:{password}");
        }
    }

    /// The policy's false-negative rate: how many random tokens, of the alphabets
    /// issuers use, it would call test credentials. The bound is 1e-6; none of a
    /// million in each alphabet is.
    #[test]
    fn random_tokens_are_almost_never_taken_for_words() {
        let mut state = 0x5EED_u64;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let samples = if cfg!(debug_assertions) { 200_000 } else { 1_000_000 };
        for alphabet in [
            &b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[..],
            b"abcdefghijklmnopqrstuvwxyz0123456789",
            b"0123456789abcdef",
            b"abcdefghijklmnopqrstuvwxyz",
        ] {
            let mut dropped = 0;
            let mut token = [0u8; 20];
            for _ in 0..samples {
                for b in token.iter_mut() {
                    *b = alphabet[(next() % alphabet.len() as u64) as usize];
                }
                dropped += usize::from(is_test_token(&token));
            }
            assert_eq!(dropped, 0, "{}", String::from_utf8_lossy(alphabet));
        }
    }
}
