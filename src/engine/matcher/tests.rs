//! Byte-slice tests of the matcher with the built-in `wayscloud-api-key` rule.

use super::*;
use crate::testkeys::{fake_key, key_id};
use base64::engine::general_purpose;

fn rules() -> RuleSet {
    RuleSet::builtin().expect("built-in rules compile")
}

/// (secret, text of the span, properties, encoding) of one match.
type Found = (String, String, crate::model::Properties, Vec<Encoding>);

/// Every wayscloud match in `text`.
fn wayscloud(text: &str) -> Vec<Found> {
    let set = rules();
    let matcher = Matcher::new(&set);
    matcher
        .find(text.as_bytes())
        .into_iter()
        .filter(|m| set.rules[m.rule].id() == "wayscloud-api-key")
        .map(|m| {
            (
                String::from_utf8(m.secret.to_vec()).unwrap(),
                text[m.span.clone()].to_string(),
                m.properties,
                m.encoding,
            )
        })
        .collect()
}

#[test]
fn every_documented_service_is_found_with_its_properties() {
    for (seed, service) in ["storage", "llm", "database", "dns", "gpu"].iter().enumerate() {
        let key = fake_key(service, seed as u64);
        let found = wayscloud(&format!("export WAYSCLOUD_API_KEY=\"{key}\"\n"));
        assert_eq!(found.len(), 1, "{service}: {found:?}");
        let (secret, span, props, encoding) = &found[0];
        assert_eq!(secret, &key);
        assert_eq!(span, &key);
        assert_eq!(props["service"], *service);
        assert_eq!(props["key_id"], key_id(&key));
        assert!(encoding.is_empty());
    }
}

#[test]
fn an_undocumented_lowercase_service_is_still_a_leak() {
    let key = fake_key("backup2", 7);
    let found = wayscloud(&key);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].2["service"], "backup2");
}

#[test]
fn documentation_placeholders_are_not_reported() {
    let placeholders = [
        "wayscloud_storage_abc123_secret",
        "wayscloud_storage_a1b2c3d4_YourSecretKey",
        "wayscloud_storage_a1b2c3d4_XyZ789SecretKeyThatYouMustCopyNow123456",
        "Should start with: wayscloud_{service}_",
        "wayscloud_dns_<keyid>_<secret>",
        "wayscloud_llm_xxxxxxxx_xxxx…",
        "wayscloud_llm_xxxxxxxx_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "wayscloud_gpu_a1b2c3d4_0000000000000000000000000000000000000000",
        "wayscloud_gpu_00000000_0000000000000000",
        "wayscloud_storage_12345678_REPLACE_WITH_YOUR_KEY_HERE",
        "wayscloud_storage_a1b2c3d4_ExampleKeyAbCdEf0123456789",
        "wayscloud_llm_a1b2c3d4_DummyKeyForUnitTestsOnlyZq8",
        "wayscloud_llm_a1b2c3d4_ababababababababababab",
        "WAYSCLOUD_STORAGE_A1B2C3D4_V5NNQBCQXACDMP19HFAHJDCL0HWW",
    ];
    for text in placeholders {
        assert!(wayscloud(text).is_empty(), "placeholder reported: {text}");
    }
}

#[test]
fn a_secret_running_into_an_identifier_is_not_a_key() {
    let key = fake_key("storage", 3);
    assert!(wayscloud(&format!("{key}_suffix")).is_empty());
    assert!(wayscloud(&format!("prefix_{key}")).len() == 1);
}

#[test]
fn base64_encoded_key_is_found_at_the_encoded_text() {
    let key = fake_key("storage", 11);
    let encoded = general_purpose::STANDARD.encode(&key);
    let text = format!("apiVersion: v1\nkind: Secret\ndata:\n  api-key: {encoded}\n");
    let found = wayscloud(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, key);
    assert_eq!(found[0].3, [Encoding::Base64]);
    assert!(
        encoded.starts_with(&found[0].1),
        "span {} is not the encoded key",
        found[0].1
    );
}

#[test]
fn base64_of_a_key_inside_a_larger_document_is_found_at_any_alignment() {
    for prefix in ["", "K=", "KEY=", "API_KEY="] {
        let key = fake_key("llm", prefix.len() as u64);
        let encoded = general_purpose::STANDARD.encode(format!("{prefix}{key}\nOTHER=1\n"));
        let found = wayscloud(&format!("blob: \"{encoded}\""));
        assert_eq!(found.len(), 1, "prefix {prefix:?}");
        assert_eq!(found[0].0, key);
    }
}

#[test]
fn url_safe_base64_is_found() {
    let key = fake_key("dns", 5);
    let encoded = general_purpose::URL_SAFE_NO_PAD.encode(format!("\u{fb}\u{ff}{key}"));
    assert_eq!(wayscloud(&encoded).len(), 1);
}

#[test]
fn base64_of_a_placeholder_is_not_reported() {
    let encoded = general_purpose::STANDARD.encode("wayscloud_storage_a1b2c3d4_YourSecretKey");
    assert!(wayscloud(&encoded).is_empty());
}

#[test]
fn percent_encoded_key_is_found() {
    let key = fake_key("gpu", 9);
    let encoded = key.replace('_', "%5F");
    let text = format!("https://host.invalid/hook?token={encoded}&x=1");
    let found = wayscloud(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, key);
    assert_eq!(found[0].1, encoded);
    assert_eq!(found[0].3, [Encoding::Percent]);
}

#[test]
fn json_unicode_escaped_key_is_found() {
    let key = fake_key("database", 13);
    let escaped = key.replace('_', "\\u005f").replacen('w', "\\u0077", 1);
    let text = format!("{{\"key\": \"{escaped}\"}}");
    let found = wayscloud(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, key);
    assert_eq!(found[0].1, escaped);
    assert_eq!(found[0].3, [Encoding::Escape]);
}

#[test]
fn hex_escaped_key_is_found() {
    let key = fake_key("dns", 17);
    let escaped = key.replace('_', "\\x5f");
    assert_eq!(wayscloud(&format!("k = b\"{escaped}\"")).len(), 1);
}

#[test]
fn plain_key_is_reported_once_not_again_as_escaped() {
    let key = fake_key("llm", 21);
    let text = format!("a={key}%20 b=\\n{key}\\n");
    let found = wayscloud(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f.3.is_empty()));
}

#[test]
fn key_in_a_large_minified_line_is_found() {
    let key = fake_key("storage", 23);
    let mut text = String::with_capacity(600_000);
    while text.len() < 300_000 {
        text.push_str("var a=function(b){return b+1};");
    }
    text.push_str(&format!("var k=\"{key}\";"));
    while text.len() < 600_000 {
        text.push_str("x.y=z;");
    }
    let found = wayscloud(&text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, key);
}

#[test]
fn two_keys_close_together_are_both_found() {
    let a = fake_key("storage", 31);
    let b = fake_key("dns", 32);
    let found = wayscloud(&format!("{a},{b}"));
    assert_eq!(found.len(), 2);
}

#[test]
fn entropy_is_in_bits_per_byte() {
    assert_eq!(shannon_entropy(b""), 0.0);
    assert_eq!(shannon_entropy(b"aaaa"), 0.0);
    assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
}

#[test]
fn base64_fragments_cover_all_alignments() {
    let key = fake_key("storage", 41);
    let fragments = base64_fragments(b"wayscloud_");
    for prefix in ["", "a", "ab"] {
        let encoded = general_purpose::STANDARD.encode(format!("{prefix}{key}"));
        assert!(
            fragments
                .iter()
                .any(|f| encoded.as_bytes().windows(f.len()).any(|w| w == &f[..])),
            "no fragment in encoding with prefix {prefix:?}"
        );
    }
}

#[test]
fn random_keys_are_not_mistaken_for_placeholders() {
    let set = rules();
    let matcher = Matcher::new(&set);
    let services = ["storage", "llm", "database", "dns", "gpu"];
    let dropped: Vec<u64> = (0..20_000u64)
        .filter(|&seed| {
            let key = fake_key(services[(seed % 5) as usize], 1_000_000 + seed);
            matcher.find(key.as_bytes()).len() != 1
        })
        .collect();
    assert!(dropped.is_empty(), "random keys dropped for seeds {dropped:?}");
}

#[test]
fn escaped_first_bytes_in_both_hex_cases() {
    let forms: Vec<String> = escaped_first_byte(b'_')
        .into_iter()
        .map(|v| String::from_utf8(v).unwrap())
        .collect();
    assert_eq!(
        forms,
        ["&#95;", "&#x5f;", "&#x5F;", "\\u005f", "\\u005F", "\\x5f", "\\x5F", "%5f", "%5F"]
    );
}

#[test]
fn keywords_match_in_any_ascii_case_and_inside_longer_patterns() {
    let set = rules();
    let matcher = Matcher::new(&set);
    let token = "q8Zr2LmX0vT4bN7kD1sY";
    for header in [
        "Authorization",
        "AUTHORIZATION",
        "authoriZation",
        "aUTHORIZATIOn",
        "X-Api-KEY",
        "x-API-key",
    ] {
        let text = format!("{header}: Bearer {token}\n");
        let found: Vec<_> = matcher
            .find(text.as_bytes())
            .into_iter()
            .filter(|m| set.rules[m.rule].id() == "authorization-header")
            .map(|m| (text[m.span.clone()].to_string(), m.properties["header"].clone()))
            .collect();
        assert_eq!(found, [(token.to_string(), header.to_string())], "{header}");
    }
    let key = fake_key("llm", 51);
    // "wayscloud" (escape stem) lies inside "wayscloud_" (keyword): both must fire.
    assert_eq!(wayscloud(&format!("{key} {}", key.replace('_', "%5F"))).len(), 2);
}

/// A rule file of rules that run over the whole file, beside the built-in rules.
fn with_file_scope_rules() -> RuleSet {
    let text = r#"
[[rules]]
id = "acme-token"
name = "Acme token"
description = "Acme token"
severity = "high"
scope = "file"
keywords = ["AcmeCorp"]
regex = '''token=(?P<secret>[a-z0-9]{12})'''
message = "Acme token"
remediation = "Rotate it."

[[rules]]
id = "no-keywords"
name = "No keywords"
description = "No keywords"
severity = "low"
scope = "file"
regex = '''pin:(?P<secret>[0-9]{6})'''
path = '''\.cfg$'''
message = "pin"
remediation = "Remove it."
"#;
    let mut sources: Vec<(String, String)> = crate::engine::rules::BUILTIN_RULE_FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    sources.push(("extra.toml".into(), text.into()));
    RuleSet::from_sources(&sources).expect("rules compile")
}

#[test]
fn file_scope_rules_run_over_the_whole_file_when_a_keyword_appears_in_any_case() {
    let set = with_file_scope_rules();
    let matcher = Matcher::new(&set);
    let ids = |text: String| -> Vec<(String, String)> {
        matcher
            .find(text.as_bytes())
            .into_iter()
            .map(|m| {
                (
                    set.rules[m.rule].id().to_string(),
                    String::from_utf8(m.secret.to_vec()).unwrap(),
                )
            })
            .collect()
    };
    let far = "x".repeat(5000);
    // The keyword is thousands of bytes from the match, in another case.
    assert_eq!(
        ids(format!("# ACMECORP client\n{far}\ntoken=abcdef123456\n")),
        [("acme-token".to_string(), "abcdef123456".to_string())]
    );
    assert!(
        ids(format!("{far}\ntoken=abcdef123456\n")).is_empty(),
        "no keyword, no match"
    );
    // A rule without keywords always runs; its path is applied where the path is known.
    assert_eq!(
        ids("pin:123456".into()),
        [("no-keywords".to_string(), "123456".to_string())]
    );
    let rule = set.get("no-keywords").unwrap();
    assert!(rule.applies_to("conf/app.cfg") && !rule.applies_to("conf/app.txt"));
}

#[test]
fn only_file_scope_rules_go_without_keywords() {
    let rule = |extra: &str| {
        format!(
            "[[rules]]\nid = \"r\"\nname = \"r\"\ndescription = \"r\"\nseverity = \"low\"\nregex = '(?P<secret>x)'\nmessage = \"m\"\nremediation = \"r\"\n{extra}"
        )
    };
    let err = crate::engine::rules::parse_rule_file("r.toml", &rule(""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("keyword"), "{err}");
    let err = crate::engine::rules::parse_rule_file("r.toml", &rule("scope = \"file\"\nencodings = [\"base64\"]\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no encodings"), "{err}");
    assert!(crate::engine::rules::parse_rule_file("r.toml", &rule("scope = \"file\"\n")).is_ok());
}

#[test]
fn layers_compose_and_report_their_chain_at_the_outer_span() {
    let b64 = |b: &[u8]| general_purpose::STANDARD.encode(b);
    let gzip = |b: &[u8]| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b).unwrap();
        gz.finish().unwrap()
    };
    let key = fake_key("storage", 91);
    let chain = |text: &str| -> Vec<(String, String, Vec<Encoding>)> {
        wayscloud(text)
            .into_iter()
            .map(|(secret, span, _, e)| (secret, span, e))
            .collect()
    };
    use Encoding::*;
    // A docker config's auth inside a Kubernetes Secret: base64 of base64.
    let auth = b64(format!(
        "{{\"auths\":{{\"r\":{{\"auth\":\"{}\"}}}}}}",
        b64(format!("u:{key}").as_bytes())
    )
    .as_bytes());
    let found = chain(&format!("  .dockerconfigjson: {auth}\n"));
    assert_eq!(found, [(key.clone(), auth.clone(), vec![Base64, Base64])]);
    // A Helm release: base64 of base64 of gzip of JSON.
    let release = b64(b64(&gzip(format!("{{\"config\":{{\"key\":\"{key}\"}}}}").as_bytes())).as_bytes());
    let found = chain(&format!("data:\n  release: {release}\n"));
    assert_eq!(found, [(key.clone(), release.clone(), vec![Base64, Base64, Gzip])]);
    // PowerShell -EncodedCommand: base64 of UTF-16LE.
    let utf16: Vec<u8> = format!("$env:KEY='{key}'")
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let command = b64(&utf16);
    assert_eq!(
        chain(&format!("powershell -EncodedCommand {command}")),
        [(key.clone(), command, vec![Base64, Utf16])]
    );
    // Hex (a bytea dump) and HTML character references.
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    assert_eq!(chain(&format!("\\\\x{hex}\n")), [(key.clone(), hex, vec![Hex])]);
    let html = key.replace('_', "&#95;");
    assert_eq!(
        chain(&format!("<value>{html}</value>")),
        [(key.clone(), html, vec![Html])]
    );
    // A single base64 layer stays the base64 channel's, at its exact span.
    let single = wayscloud(&format!("k: {}\n", b64(key.as_bytes())));
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].3, [Base64]);
}

#[test]
fn layers_stop_at_their_depth() {
    let wrap = |b: &[u8]| {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b).unwrap();
        general_purpose::STANDARD.encode(gz.finish().unwrap()).into_bytes()
    };
    let key = fake_key("llm", 92);
    let wrapped = |n: usize| {
        let mut text = format!("k={key}").into_bytes();
        for _ in 0..n {
            text = wrap(&text);
        }
        String::from_utf8(text).unwrap()
    };
    assert_eq!(wayscloud(&wrapped(MAX_LAYERS)).len(), 1);
    assert!(wayscloud(&wrapped(MAX_LAYERS + 1)).is_empty());
}

#[test]
fn split_literals_are_joined_and_reported_from_the_first_fragment() {
    let key = fake_key("dns", 93);
    let (head, tail) = key.split_at(30);
    let cases = [
        format!("String k = \"{head}\" +\n        \"{tail}\";"),
        format!("KEY = (\"{head}\"\n       \"{tail}\")"),
        format!("const k = '{head}' + '{tail}';"),
        format!("api.key={head}\\\n    {tail}\n"),
        format!("key: \"{head}\\\n  {tail}\"\n"),
    ];
    for text in &cases {
        let found = wayscloud(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let (secret, span, _, encoding) = &found[0];
        assert_eq!(secret, &key, "{text}");
        assert!(span.starts_with(head) && span.ends_with(tail), "{text}: {span}");
        assert_eq!(encoding, &[Encoding::Joined]);
    }
    // Two literals that are arguments, not one string: never joined.
    assert!(wayscloud(&format!("f(\"{head}\", \"{tail}\")")).is_empty());
}

#[test]
fn base64_wrapped_at_76_columns_is_found_when_the_break_falls_inside_the_key() {
    let key = fake_key("gpu", 94);
    let encoded = general_purpose::STANDARD.encode(format!("user=ci\npassword={key}\n"));
    // The key's base64 straddles the break at column 76.
    let (a, b) = encoded.split_at(76);
    let mail = format!("Content-Transfer-Encoding: base64\n\n{a}\n{b}\n");
    let found = wayscloud(&mail);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, key);
    assert!(found[0].1.contains('\n'), "the span runs across the break");
    // Indented, as in a YAML block scalar.
    let yaml = format!("data: |\n    {a}\n    {b}\n");
    assert_eq!(wayscloud(&yaml).len(), 1);
}

/// The keys rules imported from gitleaks carry, each pinned against what gitleaks
/// does (its detect.go and utils.go, v8.30.1).
#[test]
fn gitleaks_semantics_keys_do_what_gitleaks_does() {
    let rule = |id: &str, regex: &str, extra: &str| {
        format!(
            "[[rules]]\nid = \"{id}\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nscope = \"file\"\n\
             regex = '''{regex}'''\nmessage = \"m\"\nremediation = \"r\"\n{extra}\n"
        )
    };
    let text = [
        rule("whole", r"(?P<secret>tok_[a-z]+\n?)", "trim_newlines = true"),
        rule("above", r"ent_(?P<secret>[a-d]{4})", "entropy_above = 2.0"),
        rule("least", r"min_(?P<secret>[a-d]{4})", "min_entropy = 2.0"),
        rule(
            "placeheld",
            r"(?P<secret>pw_[a-z]+)",
            "match_placeholders = ['''^pw_test''']\nline_placeholders = ['''#\\s*example''']",
        ),
        rule(
            "spread",
            r"curl[^\n]*\n[^\n]*-u (?P<secret>[a-z]+:[a-z]+)",
            "report_match_start = true",
        ),
        rule("generic-key", r"key=(?P<secret>[A-Z0-9]{8})", "specificity = 0"),
        rule("specific-key", r"key=(?P<secret>AKIA[A-Z0-9]{4})", ""),
    ]
    .concat();
    let set = RuleSet::from_sources(&[("gl.toml".to_string(), text)]).expect("rules compile");
    let matcher = Matcher::new(&set);
    let found = |text: &str| -> Vec<(String, usize, String)> {
        crate::engine::detect::detect(&matcher, text.as_bytes())
            .found
            .into_iter()
            .map(|d| {
                let secret = d.secret.map(|s| s.value.expose().to_string()).unwrap_or_default();
                (d.rule_id, d.start.line, secret)
            })
            .collect()
    };
    let one = |id: &str, line: usize, secret: &str| vec![(id.to_string(), line, secret.to_string())];
    // gitleaks trims newlines off the match, and so off a whole-match secret.
    assert_eq!(found("tok_abc\n"), one("whole", 1, "tok_abc"));
    // `entropy`: dropped unless above (four distinct letters: exactly 2 bits).
    assert_eq!(found("ent_abcd"), vec![]);
    assert_eq!(found("min_abcd"), one("least", 1, "abcd"));
    // regexTarget "match" and "line".
    assert_eq!(found("pw_testing"), vec![]);
    assert_eq!(found("pw_secret # example"), vec![]);
    assert_eq!(found("pw_secret\n# example"), one("placeheld", 1, "pw_secret"));
    // The line is where the match starts, not where the secret is.
    assert_eq!(
        found("x\ncurl https://h\n  -u ann:hunter"),
        one("spread", 2, "ann:hunter")
    );
    // Both rules detect a secret they share; which one reports it is decided on the
    // findings, once allowlists ran (model::Outcome::keep_most_specific).
    let mut both = found("key=AKIA1234");
    both.sort();
    assert_eq!(
        both,
        [one("generic-key", 1, "AKIA1234"), one("specific-key", 1, "AKIA1234")].concat()
    );
}
