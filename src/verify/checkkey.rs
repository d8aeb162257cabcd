//! `wayscan check-key`: what the docs' troubleshooting section says to check about
//! one key (or one `Authorization` header line), without ever printing the key.

/// The services the docs list.
pub const SERVICES: [&str; 5] = ["storage", "llm", "database", "dns", "gpu"];

/// One thing checked: whether it is fine, and what was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub text: String,
}

/// Everything said about the input, and the key found in it.
#[derive(Debug, Default)]
pub struct Diagnosis {
    pub checks: Vec<Check>,
    /// The key, when the input holds a well-formed one (for `--verify`).
    pub key: Option<String>,
    pub service: Option<String>,
    /// The key shown redacted.
    pub shown: String,
    /// The rule that finds this kind of credential (its `verify` section is the check).
    pub rule: &'static str,
}

impl Diagnosis {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    fn say(&mut self, ok: bool, text: impl Into<String>) {
        self.checks.push(Check { ok, text: text.into() });
    }
}

/// Checks a key or a header line (`Authorization: Bearer <key>`, `Bearer <key>`).
pub fn diagnose(input: &str) -> Diagnosis {
    let mut d = Diagnosis::default();
    let line = input.trim_end_matches(['\n', '\r']);
    if line.trim() != line {
        d.say(false, "leading or trailing spaces around the value: remove them");
    }
    let line = line.trim();
    let lower = line.to_ascii_lowercase();
    let mut key = line;
    if let Some(value) = lower
        .starts_with("authorization")
        .then(|| line.split_once(':').map(|(_, v)| v))
        .flatten()
    {
        d.say(true, "an Authorization header line");
        key = check_bearer(&mut d, value.trim_start());
    } else if let Some(value) = lower
        .starts_with("x-api-key")
        .then(|| line.split_once(':').map(|(_, v)| v))
        .flatten()
    {
        d.say(true, "an X-API-Key header line");
        key = value.trim();
    } else if lower.starts_with("bearer") {
        key = check_bearer(&mut d, line);
    }
    let unquoted = key.trim_matches(['"', '\'']);
    if unquoted != key {
        d.say(false, "the key is in quotes: the header takes it bare");
    }
    check_key(&mut d, unquoted);
    d
}

/// Checks `Bearer <key>` and returns the key part.
fn check_bearer<'a>(d: &mut Diagnosis, value: &'a str) -> &'a str {
    let Some(rest) = value
        .get(6..)
        .filter(|_| value.len() > 6 && value[..6].eq_ignore_ascii_case("bearer"))
    else {
        d.say(
            false,
            "missing `Bearer ` before the key: the header is `Authorization: Bearer <key>`",
        );
        return value;
    };
    if &value[..6] != "Bearer" {
        d.say(
            false,
            format!("`{}` should be written `Bearer`, as the docs do", &value[..6]),
        );
    }
    let key = rest.trim_start();
    match rest.len() - key.len() {
        1 => d.say(true, "`Bearer` followed by one space"),
        0 => d.say(false, "no space between `Bearer` and the key"),
        n => d.say(false, format!("{n} spaces between `Bearer` and the key: use one")),
    }
    key
}

fn check_key(d: &mut Diagnosis, key: &str) {
    let Some(rest) = key.strip_prefix("wayscloud_") else {
        d.say(
            false,
            "the key does not start with `wayscloud_` (it should start with wayscloud_{service}_)",
        );
        d.shown = crate::model::redact(key, 0);
        return;
    };
    let mut parts = rest.splitn(3, '_');
    let (service, key_id, secret) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let public_len = "wayscloud_".len() + service.len() + key_id.len() + 2;
    d.shown = crate::model::redact(key, public_len.min(key.len()));
    // Personal access tokens and account API keys (the SDK and CLI) have a fixed prefix
    // and a secret that may hold `-` and `_`; service keys name their service. The key
    // id and the secret are then checked alike, each kind by its own bounds.
    let shape = match service {
        "pat" | "api" => {
            let (what, rule) = if service == "pat" {
                (
                    "a personal access token (sent as Authorization: Bearer)",
                    "wayscloud-pat",
                )
            } else {
                ("an account API key (sent as X-API-Key)", "wayscloud-account-key")
            };
            d.say(true, format!("prefix wayscloud_{service}_: {what}"));
            d.rule = rule;
            Shape {
                key_id_after: "prefix",
                min_secret: 32,
                secret_extra: b"-_",
                secret_chars: "letters, digits, - and _",
                service: String::new(),
            }
        }
        _ => {
            d.rule = "wayscloud-api-key";
            if SERVICES.contains(&service) {
                d.say(true, format!("prefix wayscloud_{service}_: a {service} key"));
            } else if service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !service.is_empty()
            {
                d.say(
                    false,
                    format!("service `{service}` is not one the docs list ({})", SERVICES.join(", ")),
                );
            } else {
                d.say(
                    false,
                    "no service after wayscloud_ (wayscloud_{service}_{keyid}_{secret})",
                );
                return;
            }
            Shape {
                key_id_after: "service",
                min_secret: 16,
                secret_extra: b"",
                secret_chars: "letters and digits",
                service: service.to_string(),
            }
        }
    };
    if (4..=64).contains(&key_id.len()) && key_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        d.say(true, format!("key id {key_id}"));
    } else {
        d.say(
            false,
            format!(
                "the key id (after the {}) should be 4 to 64 letters and digits",
                shape.key_id_after
            ),
        );
        return;
    }
    let bad = secret
        .bytes()
        .filter(|b| !(b.is_ascii_alphanumeric() || shape.secret_extra.contains(b)))
        .count();
    if secret.len() < shape.min_secret {
        d.say(
            false,
            format!(
                "the secret part is {} characters: too short (at least {}); was it cut when copied?",
                secret.len(),
                shape.min_secret
            ),
        );
    } else if bad > 0 {
        d.say(
            false,
            format!(
                "the secret part holds {bad} characters other than {}",
                shape.secret_chars
            ),
        );
    } else {
        d.say(true, format!("secret part of {} characters", secret.len()));
        d.key = Some(key.to_string());
        d.service = Some(shape.service);
    }
}

/// What the key id and the secret of one kind of key may hold.
struct Shape {
    /// What the key id follows, for messages: `prefix` or `service`.
    key_id_after: &'static str,
    min_secret: usize,
    /// Bytes the secret may hold besides letters and digits.
    secret_extra: &'static [u8],
    secret_chars: &'static str,
    /// The service a verified key belongs to (empty for tokens that name none).
    service: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "wayscloud_storage_a1b2c3d4_Zq7Xk2Lm9Pw4Rt8Vn3Bc6Hs1Jd5Fg0Ya"; // wayscan:allow

    fn problems(input: &str) -> Vec<String> {
        diagnose(input)
            .checks
            .into_iter()
            .filter(|c| !c.ok)
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn a_good_key_and_a_good_header_pass() {
        let d = diagnose(&format!("{KEY}\n"));
        assert!(d.ok(), "{:?}", d.checks);
        assert_eq!(d.key.as_deref(), Some(KEY));
        assert_eq!(d.shown, "wayscloud_storage_a1b2c3d4_Zq7X***");
        assert!(diagnose(&format!("Authorization: Bearer {KEY}")).ok());
    }

    #[test]
    fn the_common_header_mistakes_are_named() {
        assert!(problems(&format!("Authorization: {KEY}"))[0].contains("missing `Bearer `"));
        assert!(problems(&format!("Authorization: bearer {KEY}"))[0].contains("`bearer` should be written `Bearer`"));
        assert!(problems(&format!("Authorization: Bearer  {KEY}"))[0].contains("2 spaces"));
        assert!(problems(&format!("Authorization: Bearer \"{KEY}\""))[0].contains("in quotes"));
        assert!(problems(&format!(" {KEY} "))[0].contains("trailing spaces"));
    }

    #[test]
    fn personal_access_tokens_and_account_keys_are_recognised() {
        let pat = "wayscloud_pat_1EhKGCDH5I_Dn8nBS2lZsd9oPFCBNm8hmRy6mAyE2XVr6ELZ25aF-DMG2TMqziFmUbG"; // wayscan:allow
        let d = diagnose(&format!("Authorization: Bearer {pat}"));
        assert!(d.ok(), "{:?}", d.checks);
        assert_eq!((d.rule, d.key.as_deref()), ("wayscloud-pat", Some(pat)));
        assert_eq!(d.shown, "wayscloud_pat_1EhKGCDH5I_Dn8n***");
        let api = "wayscloud_api_jXp8mZ9dDu_AMx69qY4wbUrEgTKICkbBR8YuH-ju1vNYXXGNApmqNjEhed_vrdJcFlG"; // wayscan:allow
        let d = diagnose(&format!("X-API-Key: {api}"));
        assert!(d.ok(), "{:?}", d.checks);
        assert_eq!(d.rule, "wayscloud-account-key");
        assert!(problems("wayscloud_pat_test123")[0].contains("too short"));
        assert!(problems("wayscloud_pat_x")[0].contains("key id"));
        assert!(problems("wayscloud_pat_abc1234567_yourSecretToken")[0].contains("too short"));
    }

    #[test]
    fn the_key_format_is_checked_part_by_part() {
        assert!(problems("sk_live_abc")[0].contains("does not start with `wayscloud_`"));
        // wayscan:allow-next-line (a made-up key of an undocumented service)
        assert!(problems("wayscloud_s3_a1b2c3d4_Zq7Xk2Lm9Pw4Rt8Vn3Bc6")[0].contains("not one the docs list"));
        assert!(problems("wayscloud_llm_a1_Zq7Xk2Lm9Pw4Rt8Vn3Bc6")[0].contains("key id"));
        assert!(problems("wayscloud_llm_a1b2c3d4_Zq7Xk2")[0].contains("too short"));
        let d = diagnose("wayscloud_llm_a1b2c3d4_Zq7Xk2Lm9Pw4Rt8Vn3Bc6"); // wayscan:allow
        assert!(
            d.checks.iter().all(|c| !c.text.contains("Zq7Xk2Lm9")),
            "never the secret: {:?}",
            d.checks
        );
    }
}
