//! The three report formats: snapshots (volatile values masked), the SARIF schema, and
//! the redaction promise.

use crate::sandbox::{sarif_results, Sandbox};
use base64::Engine;
use serde_json::Value;
use wayscan::testkeys::fake_key;

/// A small tree with one of each kind of finding, a suppressed key and a skipped file.
fn fixture() -> (Sandbox, Vec<String>) {
    let s = Sandbox::git_repo();
    let keys: Vec<String> = (0..4)
        .map(|i| fake_key(["storage", "llm", "dns", "gpu"][i], 50 + i as u64))
        .collect();
    s.write(
        "config/settings.py",
        format!("import os\n\nWAYSCLOUD_KEY = \"{}\"\n", keys[0]),
    );
    s.write(
        "deploy/secret.yaml",
        format!(
            "kind: Secret\ndata:\n  key: {}\n",
            base64::engine::general_purpose::STANDARD.encode(&keys[1])
        ),
    );
    s.write("tests/fixture.txt", format!("{}  # wayscan:allow\n", keys[2]));
    s.write(
        "web/app.js",
        format!("fetch(url, {{headers: {{k: '{}'}}}});\n", keys[3]),
    );
    s.write("img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    s.write(".gitignore", "/.env.local\n");
    s.write("api/.env", "DEBUG=1\n");
    s.write(".env.local", "DEBUG=1\n");
    let token = wayscan::testkeys::fake_token(3);
    s.write(
        "api/requests.http",
        format!("GET https://api.invalid/v1\nAuthorization: Bearer {token}\n"),
    );
    let mut keys = keys;
    keys.push(token);
    (s, keys)
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn assert_valid_sarif(sarif: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

fn assert_no_raw_keys(text: &str, keys: &[String]) {
    for key in keys {
        assert!(!text.contains(key.as_str()), "raw key in output");
        let secret_part = &key[key.rfind('_').map_or(0, |i| i + 1)..];
        assert!(!text.contains(secret_part), "raw secret part in output");
    }
}

#[test]
fn text_report_groups_by_file_and_says_what_to_do() {
    let (s, keys) = fixture();
    let run = s.run(&["scan", "--format", "text"]);
    assert_eq!(run.code, 1);
    assert_no_raw_keys(&run.stdout, &keys);
    assert_no_raw_keys(&run.stderr, &keys);
    insta::assert_snapshot!("text_report", run.stdout);
}

#[test]
fn json_report_snapshot() {
    let (s, keys) = fixture();
    let run = s.run(&["scan", "--format", "json"]);
    assert_no_raw_keys(&run.stdout, &keys);
    let mut report = run.json();
    report["summary"]["elapsed_ms"] = "[elapsed]".into();
    insta::assert_json_snapshot!("json_report", report);
}

#[test]
fn sarif_report_snapshot_validates_against_the_schema() {
    let (s, keys) = fixture();
    let run = s.run(&["scan", "--format", "sarif", "--show-secrets"]);
    assert_no_raw_keys(&run.stdout, &keys);
    let mut sarif = run.json();
    assert_valid_sarif(&sarif);
    let r = &sarif["runs"][0];
    assert_eq!(r["automationDetails"]["id"], "wayscan/tree/");
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for result in results {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        if result["ruleId"] != "dotenv-not-ignored" {
            assert!(region["endColumn"].as_u64().unwrap() > region["startColumn"].as_u64().unwrap());
        }
        assert_eq!(result["partialFingerprints"]["wayscan/v1"].as_str().unwrap().len(), 32);
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(':'), "uri {uri} is not relative");
    }
    let rules = r["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|rule| rule["id"] == "wayscloud-api-key").unwrap();
    for (index, result) in results.iter().enumerate() {
        let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[rule_index]["id"], result["ruleId"], "result {index}");
    }
    for field in ["shortDescription", "fullDescription", "help"] {
        assert!(rule[field]["text"].as_str().is_some_and(|t| !t.is_empty()), "{field}");
    }
    let tags: Vec<&str> = rule["properties"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"security"));
    assert_eq!(rule["properties"]["precision"], "very-high");
    assert_eq!(rule["properties"]["security-severity"], "9.5");

    sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "[root]".into();
    insta::assert_json_snapshot!("sarif_report", sarif);
}

#[test]
fn sarif_without_findings_and_with_errors_validates() {
    let s = Sandbox::new();
    s.write("clean.txt", "nothing\n");
    let run = s.run(&["scan", "--format", "sarif"]);
    assert_eq!(run.code, 0);
    assert_valid_sarif(&run.json());

    let run = s.run(&["scan", "--format", "sarif", "missing-dir", "clean.txt"]);
    assert_eq!(run.code, 2);
    let sarif = run.json();
    assert_valid_sarif(&sarif);
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap()
        .starts_with("missing-dir: cannot scan"));
}

#[test]
fn show_secrets_reveals_keys_in_text_and_json_only_when_asked() {
    let (s, keys) = fixture();
    let run = s.run(&["scan", "--format", "json", "--show-secrets"]);
    let report = run.json();
    let settings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "config/settings.py")
        .unwrap();
    assert_eq!(settings["secret"], keys[0].as_str());
    assert_eq!(settings["secret_redacted"], false);
    let run = s.run(&["scan", "--show-secrets"]);
    assert!(run.stdout.contains(keys[3].as_str()));
}

#[test]
fn output_file_holds_the_report_and_nothing_is_printed_to_stdout() {
    let (s, keys) = fixture();
    let run = s.run(&["scan", "--format", "sarif", "-o", "report.sarif", "--quiet"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
    let written = std::fs::read_to_string(s.join("report.sarif")).unwrap();
    assert_no_raw_keys(&written, &keys);
    assert_valid_sarif(&serde_json::from_str(&written).unwrap());
}

#[test]
fn summary_line_counts_files_bytes_skips_and_findings() {
    let (s, _) = fixture();
    let run = s.run(&["scan", "--format", "json"]);
    let line = run.stderr.lines().last().unwrap();
    assert!(line.starts_with("wayscan: 8 files ("), "{line}");
    assert!(line.contains("skipped 0;"), "a binary is read for its text: {line}");
    assert!(line.contains("1 suppressed inline"), "{line}");
    assert!(line.ends_with("5 findings"), "{line}");
}

/// A secret copied to several places is one leak: the text report shows it once
/// with its other places, JSON lists it once in `repeated_secrets` with every
/// finding's fingerprint, and SARIF gives its results one correlationGuid. Every place stays a
/// finding of its own (each needs fixing, each has its fingerprint).
#[test]
fn a_secret_at_several_places_is_reported_as_one_leak() {
    let s = Sandbox::git_repo();
    let repeated = fake_key("storage", 71);
    let single = fake_key("llm", 72);
    for path in ["a/one.py", "b/two.py", "c/three.py"] {
        s.write(path, format!("KEY = \"{repeated}\"\n"));
    }
    s.write("d/other.py", format!("KEY = \"{single}\"\n"));

    let text = s.run(&["scan", ".", "--color", "never"]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    let entries = text.stdout.matches("wayscloud-api-key").count();
    assert_eq!(entries, 2, "one entry per secret:\n{}", text.stdout);
    assert!(
        text.stdout.contains("the same secret at 2 more places:"),
        "{}",
        text.stdout
    );
    for place in ["b/two.py:1:8", "c/three.py:1:8"] {
        assert!(text.stdout.contains(place), "{place} missing:\n{}", text.stdout);
    }
    assert!(
        text.stdout.contains("4 findings (2 distinct) in 4 files."),
        "{}",
        text.stdout
    );
    assert_no_raw_keys(&text.stdout, &[repeated.clone(), single.clone()]);

    let (_, report) = s.scan_json(&[]);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 4);
    let leaks = report["repeated_secrets"].as_array().unwrap();
    assert_eq!(report["summary"]["distinct_secrets"], 2);
    let sizes: Vec<usize> = leaks
        .iter()
        .map(|l| l["fingerprints"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [3]);
    let fingerprint_of = |path: &str| findings.iter().find(|f| f["path"] == path).unwrap()["fingerprint"].clone();
    assert_eq!(
        leaks[0]["fingerprints"],
        serde_json::json!([
            fingerprint_of("a/one.py"),
            fingerprint_of("b/two.py"),
            fingerprint_of("c/three.py")
        ])
    );

    let sarif_run = s.run(&["scan", ".", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif_run.stdout).unwrap();
    assert_valid_sarif(&sarif);
    let guids: Vec<(String, String)> =
        sarif_results(&sarif, |r| r["correlationGuid"].as_str().unwrap_or("none").to_string());
    let guid_of = |path: &str| guids.iter().find(|(p, _)| p == path).unwrap().1.clone();
    assert_eq!(guid_of("a/one.py").len(), 36, "a GUID");
    assert_eq!(guid_of("a/one.py"), guid_of("b/two.py"));
    assert_eq!(guid_of("a/one.py"), guid_of("c/three.py"));
    assert_eq!(
        guid_of("d/other.py"),
        "none",
        "a secret at one place needs no correlation"
    );
}
