//! `wayscan rules list|check` and user rule files.

use crate::sandbox::{places, Sandbox};

const CUSTOM: &str = r#"
[[rules]]
id = "acme-token"
name = "ACME token"
description = "An ACME deploy token."
severity = "high"
precision = "high"
tags = ["security"]
keywords = ["acme_"]
regex = '''acme_(?P<secret>[a-f0-9]{32})\b'''
min_entropy = 2.5
message = "ACME deploy token"
remediation = "Rotate it in the ACME console."
examples = ["token = acme_0123456789abcdef0123456789abcdef"]
negative_examples = ["acme_00000000000000000000000000000000"]
"#;

#[test]
fn builtin_rules_check_passes() {
    let s = Sandbox::new();
    let run = s.run(&["rules", "check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("rules check: 8 rules, "), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with(": ok"));
}

#[test]
fn rules_list_shows_builtin_and_user_rules() {
    let s = Sandbox::new();
    s.write("acme.toml", CUSTOM);
    let run = s.run(&["rules", "list", "--rules", "acme.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ids: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "authorization-header",
            "dotenv-not-ignored",
            "http-client-credential",
            "http-auth-config",
            "wayscloud-api-key",
            "wayscloud-pat",
            "wayscloud-account-key",
            "wayscloud-credentials-file",
            "acme-token"
        ]
    );
    let run = s.run(&["rules", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list[4]["id"], "wayscloud-api-key");
    assert_eq!(list[4]["encodings"], serde_json::json!(["base64", "percent", "escape"]));
}

#[test]
fn a_user_rule_file_finds_its_secrets() {
    let s = Sandbox::new();
    s.write("acme.toml", CUSTOM);
    s.write("deploy.sh", "export T=acme_9f86d081884c7d659a2feaa0c55ad015\n");
    let (run, report) = s.scan_json(&["--rules", "acme.toml", "deploy.sh"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(places(&report), vec![("deploy.sh".into(), 1, 15, "acme-token".into())]);
    assert_eq!(report["findings"][0]["secret"], "9f86***");
}

#[test]
fn rules_check_catches_a_failing_example_without_printing_it() {
    let s = Sandbox::new();
    let broken = CUSTOM.replace(
        "negative_examples = [\"acme_00000000000000000000000000000000\"]",
        "negative_examples = [\"acme_9f86d081884c7d659a2feaa0c55ad015\"]",
    );
    s.write("acme.toml", broken);
    let run = s.run(&["rules", "check", "acme.toml"]);
    run.assert_stderr(
        2,
        "rule file acme.toml: rule 'acme-token': negative_examples[0] is matched",
    );
    assert!(!run.stderr.contains("9f86d081"), "the example was printed");
}

#[test]
fn rules_check_rejects_a_duplicate_id() {
    let s = Sandbox::new();
    s.write("dup.toml", CUSTOM.replace("acme-token", "wayscloud-api-key"));
    let run = s.run(&["rules", "check", "dup.toml"]);
    run.assert_stderr(2, "rule file dup.toml: rule 'wayscloud-api-key': duplicate rule id");
}
