//! `.wayscan.toml`: every key, where it is read from, and its errors.

use crate::sandbox::{pairs, Sandbox};
use wayscan::testkeys::{fake_key, fake_token, key_id};

const ACME_RULE: &str = r#"[[rules]]
id = "acme-token"
name = "ACME token"
description = "An ACME deploy token."
severity = "high"
keywords = ["acme_"]
regex = '''acme_(?P<secret>[a-f0-9]{32})\b'''
message = "ACME token"
remediation = "Rotate it."
"#;

fn found(s: &Sandbox, args: &[&str]) -> (i32, Vec<(String, String)>, serde_json::Value) {
    let (run, report) = s.scan_json(args);
    (run.code, pairs(&report, "path", "rule_id"), report)
}

#[test]
fn every_key_of_the_project_configuration_does_what_it_says() {
    let s = Sandbox::git_repo();
    s.write("security/acme.toml", ACME_RULE);
    s.write("deploy.sh", "curl -H 'X: acme_0123456789abcdef0123456789abcdef' x\n");
    s.write("vendor/lib/keys.txt", fake_key("storage", 120));
    s.write("big.txt", format!("{}\n{}", "x".repeat(3000), fake_key("llm", 121)));
    s.write("fixtures/test.txt", format!("FIXTURE = '{}'\n", fake_key("dns", 122)));
    s.write(
        "auth.py",
        format!("headers = {{'Authorization': 'Bearer {}'}}\n", fake_token(123)),
    );
    s.write("app.py", format!("KEY = '{}'\n", fake_key("gpu", 124)));
    let (_, before, _) = found(&s, &[]);
    assert_eq!(before.len(), 5, "{before:?}");

    let fixture_prefix = format!("^wayscloud_dns_{}_", key_id(&fake_key("dns", 122)));
    s.write(
        ".wayscan.toml",
        format!(
            "rules = [\"security/acme.toml\"]\ndisable_rules = [\"authorization-header\"]\n\
             exclude = [\"vendor/**\"]\nmax_file_size = \"2K\"\n\
             [allowlist]\nstopwords = [\"FIXTURE-NEVER-MATCHES\"]\nregexes = ['{fixture_prefix}']\n\
             [rule.wayscloud-api-key]\nstopwords = []\n"
        ),
    );
    let (code, after, report) = found(&s, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        after,
        vec![
            ("app.py".to_string(), "wayscloud-api-key".to_string()),
            ("deploy.sh".to_string(), "acme-token".to_string()),
        ],
        "acme rule added; authorization-header off; vendor excluded; big.txt too large; the fixture allowlisted"
    );
    assert_eq!(report["summary"]["allowlisted"], 2, "vendor/ and the fixture");
    assert_eq!(report["summary"]["skipped"]["too-large"], 1);

    // The command line's size limit wins over the file's.
    let (_, with_limit, _) = found(&s, &["--max-file-size", "1M"]);
    assert!(with_limit.contains(&("big.txt".to_string(), "wayscloud-api-key".to_string())));
    // --no-config ignores it; --config reads another file.
    let (_, ignored, _) = found(&s, &["--no-config"]);
    assert_eq!(ignored, before);
    s.write("other.toml", "exclude = [\"*.py\"]\n");
    let (_, other, _) = found(&s, &["--config", "other.toml"]);
    assert!(other.iter().all(|(p, _)| !p.ends_with(".py")), "{other:?}");

    // A per-rule stopword, in the staged and history scans too.
    s.write(".wayscan.toml", "[rule.wayscloud-api-key]\nstopwords = [\"_gpu_\"]\n");
    s.git(&["add", "-A"]);
    let (_, staged) = s.json_of("staged", &[]);
    assert!(!pairs(&staged, "path", "rule_id").iter().any(|(p, _)| p == "app.py"));
    s.commit("all");
    let (_, history) = s.json_of("history", &[]);
    let history = pairs(&history, "path", "rule_id");
    assert!(!history.iter().any(|(p, _)| p == "app.py"), "{history:?}");
    assert!(history.iter().any(|(p, _)| p == "fixtures/test.txt"), "{history:?}");
}

#[test]
fn mistakes_in_the_file_stop_the_scan_naming_file_line_and_key() {
    let s = Sandbox::git_repo();
    s.write(
        ".wayscan.toml",
        "exclude = [\"a\"]\n\n[allowlist]\nstopword = [\"x\"]\n",
    );
    let run = s.run(&["scan"]);
    run.assert_stderr(2, ".wayscan.toml");
    assert!(
        run.stderr.contains("line 4") && run.stderr.contains("stopword"),
        "{}",
        run.stderr
    );
    s.write(".wayscan.toml", "disable_rules = [\"no-such-rule\"]\n");
    let run = s.run(&["scan"]);
    run.assert_stderr(2, "no rule \"no-such-rule\"");
    s.write(".wayscan.toml", "rules = [\"missing.toml\"]\n");
    let run = s.run(&["scan"]);
    run.assert_stderr(2, "missing.toml");
}

#[test]
fn config_init_writes_a_starter_that_loads() {
    let s = Sandbox::git_repo();
    let run = s.run(&["config", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(s.join(".wayscan.toml")).unwrap();
    for key in [
        "rules",
        "disable_rules",
        "exclude",
        "max_file_size",
        "[allowlist]",
        "regexes",
        "stopwords",
        "[rule.",
    ] {
        assert!(text.contains(key), "{key}");
    }
    assert_eq!(s.run(&["scan"]).code, 0, "the starter file is valid");
    s.run(&["config", "init"])
        .assert_stderr(2, "exists; --force replaces it");
    assert_eq!(s.run(&["config", "init", "--force"]).code, 0);
}

#[test]
fn a_change_cannot_loosen_its_own_range_scan() {
    let s = Sandbox::git_repo();
    s.write(".wayscan.toml", "exclude = [\"docs/**\"]\n");
    s.write("README.md", "hello\n");
    let base = s.commit("base");
    // The change adds a key and, beside it, an exclude and a baseline that hide it.
    s.write("src/key.py", format!("KEY = '{}'\n", fake_key("storage", 130)));
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    s.write(".wayscan.toml", "exclude = [\"docs/**\", \"src/**\"]\n");
    let head = s.commit("add a key and hide it");
    let range = format!("{base}..{head}");

    let (run, report) = s.json_of("history", &["--range", &range, "--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&report, "path", "rule_id"),
        vec![("src/key.py".to_string(), "wayscloud-api-key".to_string())]
    );
    assert!(
        run.stderr.contains("note: this change edits .wayscan.toml"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("note: .wayscan-baseline.json is not in the base commit"),
        "{}",
        run.stderr
    );

    // Asked for, the change's own settings apply.
    let (run, report) = s.json_of(
        "history",
        &[
            "--range",
            &range,
            "--baseline",
            ".wayscan-baseline.json",
            "--config-from-head",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(pairs(&report, "path", "rule_id").is_empty());

    // A configuration that stays the same is read from the base without a note.
    s.write("src/other.py", format!("K = '{}'\n", fake_key("llm", 131)));
    let next = s.commit("another key");
    let (run, report) = s.json_of("history", &["--range", &format!("{head}..{next}")]);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
    assert!(
        pairs(&report, "path", "rule_id").is_empty(),
        "src/** is excluded by the base now"
    );
}

#[test]
fn allowlists_by_path_commit_and_condition_apply_to_history() {
    let s = Sandbox::git_repo();
    s.write("old.py", format!("KEY = '{}'\n", fake_key("storage", 130)));
    let accepted = s.commit("an old key, rotated long ago");
    s.write("new.py", format!("KEY = '{}'\n", fake_key("llm", 131)));
    s.write("docs/sample.md", format!("`{}`\n", fake_key("dns", 132)));
    s.write("docs/real.md", format!("`{}`\n", fake_key("gpu", 133)));
    s.commit("more");
    s.write(
        ".wayscan.toml",
        format!(
            "[allowlist]\ncommits = [\"{accepted}\"]\n\n[[allowlists]]\nrules = [\"wayscloud-api-key\"]\ncondition = \"and\"\npaths = ['^docs/']\nregexes = ['_dns_']\n"
        ),
    );
    let (run, history) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&history, "path", "rule_id"),
        [
            ("docs/real.md".to_string(), "wayscloud-api-key".to_string()),
            ("new.py".to_string(), "wayscloud-api-key".to_string()),
        ],
        "old.py's commit is allowlisted; docs/sample.md matches both parts of the and-list"
    );
    assert_eq!(history["summary"]["allowlisted"], 2);
    // A tree scan has no commits: the commit list cannot hide anything there.
    let (_, tree) = s.scan_json(&[]);
    assert!(pairs(&tree, "path", "rule_id").contains(&("old.py".to_string(), "wayscloud-api-key".to_string())));
}
