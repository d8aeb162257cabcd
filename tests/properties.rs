//! Property tests: the parts that read untrusted bytes, fed random inputs (with
//! shrinking to a minimal case on failure). `cargo test` runs a bounded number of
//! cases per property; `PROPTEST_CASES=100000 cargo test --test properties` runs
//! longer on demand. Issue 16, point 7: fuzzing on stable Rust.

use base64::Engine as _;
use proptest::prelude::*;
use std::sync::OnceLock;
use wayscan::engine::matcher::Matcher;
use wayscan::engine::rules::RuleSet;
use wayscan::pipeline::scan_bytes;
use wayscan::testkeys::fake_key;

/// `cases` per property, unless `PROPTEST_CASES` asks for more.
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules load"))
}

/// Printable text without the characters a key is made of next to it, so the key's
/// edges are where the test put them.
fn noise() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ \n\t=:;,(){}\"'<>#a-z]{0,200}").unwrap()
}

fn service() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("storage"), Just("llm"), Just("database"), Just("dns"), Just("gpu")]
}

/// The WAYSCloud keys found in `hay`, as exposed secrets.
fn keys_found(hay: &[u8]) -> Vec<(String, String)> {
    let matcher = Matcher::new(rules());
    scan_bytes(&matcher, 0, "x.txt", hay)
        .findings
        .into_iter()
        .filter(|f| f.rule_id == "wayscloud-api-key")
        .map(|f| {
            let chain = f
                .encoding
                .iter()
                .map(|e| format!("{e:?}"))
                .collect::<Vec<_>>()
                .join(">");
            (f.secret.unwrap().value.expose().to_string(), chain)
        })
        .collect()
}

proptest! {
    #![proptest_config(config(48))]

    /// Any bytes: no panic, and every finding lies inside the input.
    #[test]
    fn the_matcher_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let matcher = Matcher::new(rules());
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        for f in scan_bytes(&matcher, 0, "any.bin", &bytes).findings {
            prop_assert!(f.start.line >= 1 && f.start.line <= lines, "{} of {lines}", f.start.line);
            prop_assert!(f.end.line >= f.start.line && f.end.line <= lines);
        }
    }

    /// Text made mostly of the characters the rules look for: keyword fragments,
    /// quotes, escapes, base64 and header words, so the decoders and checks run.
    #[test]
    fn the_matcher_takes_any_text_made_of_what_rules_look_for(
        parts in proptest::collection::vec(prop_oneof![
            proptest::sample::select(vec![
                "wayscloud_", "storage_", "Authorization: Bearer ", "Basic ", "\\u005f", "&#95;", "%5F",
                "\\\n", "\" +\n\"", "d2F5c2Nsb3Vk", "==", "0x", "a1b2c3d4_", "\\x5f", "\n", "'",
            ]).prop_map(str::to_string),
            "[A-Za-z0-9+/=_]{1,24}",
        ], 0..60)
    ) {
        let text = parts.concat();
        let matcher = Matcher::new(rules());
        let _ = scan_bytes(&matcher, 0, "mixed.txt", text.as_bytes());
    }

    /// A key set between arbitrary noise is found, exactly once, as written.
    #[test]
    fn a_key_in_noise_is_found(before in noise(), after in noise(), service in service(), seed in 0u64..1000) {
        let key = fake_key(service, seed);
        let hay = format!("{before} {key} {after}");
        prop_assert_eq!(keys_found(hay.as_bytes()), vec![(key, String::new())]);
    }

    /// The same key, base64-encoded in noise (once or twice), is found and its
    /// encoding named.
    #[test]
    fn a_base64_key_in_noise_is_found(before in noise(), after in noise(), seed in 0u64..1000, twice in any::<bool>()) {
        let key = fake_key("storage", seed);
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut encoded = b64.encode(&key);
        if twice {
            encoded = b64.encode(&encoded);
        }
        let hay = format!("{before} {encoded} {after}");
        let found = keys_found(hay.as_bytes());
        prop_assert_eq!(found.len(), 1, "{:?}", found);
        prop_assert_eq!(&found[0].0, &key);
        prop_assert!(found[0].1.starts_with("Base64"), "{}", found[0].1);
    }

    /// The unpacker takes any bytes behind each container's magic number: no panic,
    /// and what it hands on is bounded by its limits.
    #[test]
    fn the_unpacker_takes_any_bytes(
        magic in prop_oneof![
            Just(&b"PK\x03\x04"[..]), Just(&b"\x1f\x8b\x08"[..]), Just(&b"BZh9"[..]),
            Just(&b"\xfd7zXZ\x00"[..]), Just(&b"\x28\xb5\x2f\xfd"[..]), Just(&b""[..]),
        ],
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let bytes = [magic, &body].concat();
        let limits = wayscan::engine::unpack::Limits::for_file_size(1 << 20);
        let mut total = 0usize;
        wayscan::engine::unpack::unpack(&bytes, &limits, &mut |piece| {
            if let wayscan::engine::unpack::Piece::Text { bytes, .. } = piece {
                total += bytes.len();
            }
        });
        // The budget of a 1 MiB file size: four files' worth, at least 256 MiB.
        prop_assert!(total as u64 <= (256u64 << 20) + bytes.len() as u64);
    }

    /// Git's object parsers take any bytes: no panic, and a well-formed commit
    /// header reads back.
    #[test]
    fn object_parsers_take_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        use wayscan::git::objects::{HashKind, TreeEntries};
        let _ = wayscan::git::objects::commit_header(&bytes);
        let _ = wayscan::git::objects::tag_target(&bytes);
        let mut tree = b"100644 ".to_vec();
        tree.extend_from_slice(&bytes);
        for hash in [HashKind::Sha1, HashKind::Sha256] {
            let _ = TreeEntries::new(&bytes, hash).count();
            // Every id handed out is the format's length.
            prop_assert!(TreeEntries::new(&tree, hash).all(|e| e.id.len() == hash.len_in_bytes()));
        }
    }

    #[test]
    fn commit_headers_read_back(digits in prop_oneof![Just(40usize), Just(64)], seed in "[0-9a-f]{64}", parents in proptest::collection::vec("[0-9a-f]{64}", 0..3), time in 0i64..4_000_000_000) {
        // SHA-1 (40 digits) or SHA-256 (64) ids.
        let tree = &seed[..digits];
        let parents: Vec<&str> = parents.iter().map(|p| &p[..digits]).collect();
        let mut text = format!("tree {tree}\n");
        for p in &parents {
            text.push_str(&format!("parent {p}\n"));
        }
        text.push_str(&format!("author A <a@b> {time} +0000\ncommitter C <c@d> {time} +0100\n\nmessage\n"));
        let header = wayscan::git::objects::commit_header(text.as_bytes()).expect("a valid header");
        prop_assert_eq!(header.parents.len(), parents.len());
        prop_assert_eq!(header.tree.to_string(), tree);
        prop_assert_eq!(header.time, time);
    }
}

/// A value that must never be quoted back: looks like a key, found nowhere else.
/// Put together at run time, so the source holds nothing key-like.
fn mark() -> &'static str {
    static MARK: OnceLock<String> = OnceLock::new();
    MARK.get_or_init(|| ["wayscloud", "storage", "q9z8y7x6", "PropertyMarkNeverQuoted01"].join("_"))
}

/// TOML lines for `.wayscan.toml`, some valid, some not, with the mark in values.
fn project_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(format!("exclude = ['{}[']", mark())),
        Just(format!("exclude = [\"{}\"]", mark())),
        Just(format!("max_file_size = \"{}\"", mark())),
        Just(format!("fingerprint_salt = \"{}\"", mark())),
        Just(format!("disable_rules = [\"{}\"]", mark())),
        Just(format!("rules = {}", mark())),
        Just("[allowlist]".to_string()),
        Just(format!("regexes = ['({}']", mark())),
        Just(format!("regexes = ['{}']", mark())),
        Just(format!("stopwords = [\"{}\"]", mark())),
        Just(format!("paths = ['{}**(']", mark())),
        Just(format!("commits = [\"{}\"]", mark())),
        Just("condition = \"and\"".to_string()),
        Just("[[allowlists]]".to_string()),
        Just(format!("description = \"{}\" trailing", mark())),
        Just(format!("\"{}\"", mark())),
        Just(format!("x = '''{}", mark())),
        "[ -~]{0,40}",
    ]
}

/// Rule file lines, with the mark in values.
fn rule_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[rules]]".to_string()),
        Just("id = \"p\"".to_string()),
        Just("name = \"P\"".to_string()),
        Just("description = \"p\"".to_string()),
        Just("severity = \"high\"".to_string()),
        Just("message = \"m\"".to_string()),
        Just("remediation = \"r\"".to_string()),
        Just("keywords = [\"wayscloud_\"]".to_string()),
        Just(format!("regex = '''(?P<secret>{}('''", mark())),
        Just(format!("regex = '''(?P<secret>{})'''", mark())),
        Just(format!("path = '''{}['''", mark())),
        Just(format!("examples = [\"{}\"]", mark())),
        Just(format!("severity = \"{}\"", mark())),
        Just(format!("properties = [\"{}\"]", mark())),
        Just(format!("regex = \"{}", mark())),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(config(96))]

    /// Any project configuration: loads or fails with a message that never quotes
    /// a value of the file.
    #[test]
    fn project_errors_never_quote_the_file(lines in proptest::collection::vec(project_line(), 0..12)) {
        let text = lines.join("\n");
        if let Err(e) = wayscan::settings::project::Project::parse(&text, ".wayscan.toml", std::path::Path::new("")) {
            let message = e.to_string();
            prop_assert!(!message.contains(&mark()[10..]), "{message}\n--- from ---\n{text}");
            prop_assert!(message.starts_with(".wayscan.toml"), "{message}");
        }
    }

    /// Any rule file: loads or fails naming the file, never quoting a value.
    #[test]
    fn rule_file_errors_never_quote_the_file(lines in proptest::collection::vec(rule_line(), 0..16)) {
        let text = lines.join("\n");
        if let Err(e) = wayscan::engine::rules::parse_rule_file("team.toml", &text) {
            let message = e.to_string();
            prop_assert!(!message.contains(&mark()[10..]), "{message}\n--- from ---\n{text}");
            prop_assert!(message.contains("team.toml"), "{message}");
        }
    }
}
