//! A leak's identity does not depend on where a scan starts: the fingerprint, the
//! baseline, `exclude` and allowlist paths use the repository-relative path.

use crate::sandbox::{pairs, Sandbox};
use wayscan::testkeys::fake_key;

/// (shown path, fingerprint) of each finding.
fn fingerprints(report: &serde_json::Value) -> Vec<(String, String)> {
    pairs(report, "path", "fingerprint")
}

#[test]
fn scan_dot_scan_src_history_and_staged_give_one_fingerprint() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    s.commit("init");
    s.write("src/vendor/lib.py", format!("k = \"{}\"\n", fake_key("storage", 91)));

    let (run, staged) = s.json_of("staged", &[]);
    assert_eq!(run.code, 0, "nothing staged yet: {}", run.stderr);
    assert_eq!(fingerprints(&staged), []);
    s.git(&["add", "src/vendor/lib.py"]);
    let (run, staged) = s.json_of("staged", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    s.commit("vendor a library");

    let (_, root) = s.scan_json(&[]);
    let (_, sub) = s.scan_json(&["src"]);
    let (_, deeper) = s.json_of("scan", &["src/vendor/lib.py"]);
    let (_, history) = s.json_of("history", &[]);
    let root = fingerprints(&root);
    assert_eq!(root.len(), 1);
    let id = root[0].1.clone();
    // Shown relative to where the scan started; named the same everywhere.
    assert_eq!(root[0].0, "src/vendor/lib.py");
    assert_eq!(fingerprints(&sub), [("vendor/lib.py".to_string(), id.clone())]);
    assert_eq!(fingerprints(&deeper), [("src/vendor/lib.py".to_string(), id.clone())]);
    assert_eq!(fingerprints(&history), [("src/vendor/lib.py".to_string(), id.clone())]);
    assert_eq!(fingerprints(&staged), [("src/vendor/lib.py".to_string(), id)]);
}

#[test]
fn a_baseline_and_excludes_made_at_the_top_hold_in_a_subdirectory_scan() {
    let s = Sandbox::git_repo();
    s.write("src/vendor/lib.py", format!("k = \"{}\"\n", fake_key("llm", 92)));
    s.write("src/app.py", format!("k = \"{}\"\n", fake_key("gpu", 93)));
    s.commit("init");
    let run = s.run(&["baseline", "create"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for root in [".", "src"] {
        let run = s.run(&["scan", root, "--baseline", ".wayscan-baseline.json", "-q"]);
        assert_eq!(run.code, 0, "scan {root}: {}{}", run.stdout, run.stderr);
    }
    std::fs::remove_file(s.join(".wayscan-baseline.json")).unwrap();
    s.write(".wayscan.toml", "exclude = [\"src/vendor/**\"]\n");
    for root in [".", "src"] {
        let (run, report) = s.scan_json(&[root]);
        assert_eq!(run.code, 1, "scan {root}: {}", run.stderr);
        let shown: Vec<String> = fingerprints(&report).into_iter().map(|(p, _)| p).collect();
        let expected = if root == "." { "src/app.py" } else { "app.py" };
        assert_eq!(shown, [expected], "scan {root}: the vendored key is excluded");
    }
}

/// GitHub code scanning resolves SARIF URIs against the repository's top: a scan of
/// a subdirectory still points at the right file.
#[test]
fn sarif_uris_are_repository_relative_from_a_subdirectory() {
    let s = Sandbox::git_repo();
    s.write("src/app.py", format!("k = \"{}\"\n", fake_key("dns", 94)));
    s.commit("init");
    let run = s.run(&["scan", "src", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let uris = crate::sandbox::sarif_results(&sarif, |_| String::new());
    assert_eq!(uris, [("src/app.py".to_string(), String::new())]);
}

/// `baseline create` loads what a scan loads: the project's own rule files. A
/// baseline made without them would accept nothing the scan then reports.
#[test]
fn baseline_create_honours_the_project_rule_files() {
    let s = Sandbox::git_repo();
    s.write(
        "custom.toml",
        r#"
[[rules]]
id = "demo-token"
name = "Demo token"
description = "A demo token."
severity = "high"
keywords = ["demo_"]
regex = '''demo_(?P<secret>[A-Za-z0-9]{24})'''
message = "Demo token"
remediation = "Rotate it."
examples = ["demo_Q8zr2LmX0vT4bN7kD1sYq8zr"]
"#,
    );
    s.write(".wayscan.toml", "rules = [\"custom.toml\"]\n");
    s.write("app.cfg", "token = demo_Zq7Xk2Lm9Pw4Rt8Vn3Bc6Hs1\n");
    s.commit("init");
    let run = s.run(&["scan", ".", "-q"]);
    assert_eq!(run.code, 1, "the project's rule finds it: {}", run.stderr);
    let run = s.run(&["baseline", "create"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let made: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap()).unwrap();
    let accepted: Vec<(&str, &str)> = made["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["rule_id"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    assert!(accepted.contains(&("demo-token", "app.cfg")), "{accepted:?}");
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json", "-q"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// A baseline made from a subdirectory before fingerprints used repository paths
/// names its entries by the subdirectory-relative path: `baseline prune` renames
/// them once, keeping their reasons, and they hold from then on.
#[test]
fn baseline_prune_migrates_entries_made_from_a_subdirectory() {
    let s = Sandbox::git_repo();
    let key = fake_key("storage", 95);
    s.write("src/vendor/lib.py", format!("k = \"{key}\"\n"));
    s.commit("init");
    let (_, report) = s.scan_json(&[]);
    let redacted = report["findings"][0]["secret"].as_str().unwrap().to_string();
    let old = wayscan::model::fingerprint("wayscloud-api-key", &key, "vendor/lib.py");
    let baseline = serde_json::json!({
        "schema": "wayscan-baseline/1",
        "entries": [{
            "fingerprint": old,
            "rule_id": "wayscloud-api-key",
            "path": "vendor/lib.py",
            "secret": redacted,
            "reason": "vendored test key, revoked"
        }]
    });
    s.write(
        ".wayscan-baseline.json",
        serde_json::to_string_pretty(&baseline).unwrap(),
    );
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json", "-q"]);
    assert_eq!(run.code, 1, "the old entry no longer matches");
    let run = s.run(&["baseline", "prune"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 entries made from a subdirectory renamed"),
        "{}",
        run.stdout
    );
    let migrated: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap()).unwrap();
    assert_eq!(migrated["entries"][0]["path"], "src/vendor/lib.py");
    assert_eq!(migrated["entries"][0]["reason"], "vendored test key, revoked");
    for root in [".", "src"] {
        let run = s.run(&["scan", root, "--baseline", ".wayscan-baseline.json", "-q"]);
        assert_eq!(run.code, 0, "scan {root}: {}{}", run.stdout, run.stderr);
    }
}
