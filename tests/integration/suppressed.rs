//! `--show-suppressed`: every finding kept out of the report is counted and can be
//! listed with what kept it out, in every report format and scan kind.

use crate::sandbox::Sandbox;
use wayscan::testkeys::fake_key;

/// (path, line, suppressed_by) of the listed suppressed findings.
fn listed(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    report["suppressed"]
        .as_array()
        .expect("a suppressed list")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["suppressed_by"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn suppressed_findings_are_listed_with_why_only_when_asked() {
    let s = Sandbox::git_repo();
    let keys: Vec<String> = (900..905).map(|i| fake_key("storage", i)).collect();
    s.write(
        "app.py",
        format!(
            "A = '{}'  # wayscan:allow\n# wayscan:allow-next-line\nB = '{}'\nC = '{}'\n",
            keys[0], keys[1], keys[2]
        ),
    );
    s.write("vendor/lib.py", format!("V = '{}'\n", keys[3]));
    s.write(".wayscan.toml", "exclude = [\"vendor/**\"]\n");
    s.write("old.py", format!("OLD = '{}'\n", keys[4]));
    s.write(".gitignore", ".wayscan-baseline.json\n");
    // A baseline that accepts old.py's key only.
    let created = s.run(&["baseline", "create"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap()).unwrap();
    let kept: Vec<_> = baseline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"] == "old.py")
        .cloned()
        .collect();
    let mut trimmed = baseline.clone();
    trimmed["entries"] = serde_json::Value::Array(kept);
    std::fs::write(s.join(".wayscan-baseline.json"), trimmed.to_string()).unwrap();

    let args = ["--baseline", ".wayscan-baseline.json"];
    let (run, plain) = s.scan_json(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(plain.get("suppressed").is_none(), "not listed unless asked");
    assert_eq!(plain["summary"]["suppressed"], 2);
    assert_eq!(plain["summary"]["allowlisted"], 1);
    assert_eq!(plain["summary"]["baselined"], 1);
    assert!(
        run.stderr.contains(
            "2 suppressed inline; 1 excluded or allowlisted by the configuration; 1 in the baseline; 1 finding"
        ),
        "{}",
        run.stderr
    );

    let (run, report) = s.scan_json(&["--baseline", ".wayscan-baseline.json", "--show-suppressed"]);
    assert_eq!(run.code, 1, "suppressed findings never change the exit code");
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "only C is reported");
    assert_eq!(
        listed(&report),
        vec![
            ("app.py".into(), 1, "inline".into()),
            ("app.py".into(), 3, "inline".into()),
            ("old.py".into(), 1, "baseline".into()),
            ("vendor/lib.py".into(), 1, "configuration".into()),
        ]
    );
    let text = report.to_string();
    for key in &keys {
        let secret = key.rsplit('_').next().unwrap();
        assert!(!text.contains(secret), "listed redacted");
    }

    // Text: a section naming each one and why.
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json", "--show-suppressed"]);
    assert!(run.stdout.contains("Not reported (4):"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("vendor/lib.py:1:6  wayscloud-api-key  configuration"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("app.py:3:6  wayscloud-api-key  inline marker"),
        "{}",
        run.stdout
    );
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json"]);
    assert!(!run.stdout.contains("Not reported"), "{}", run.stdout);

    // SARIF: suppressed results carry SARIF suppressions, so they are not alerts.
    let run = s.run(&[
        "scan",
        ".",
        "--format",
        "sarif",
        "--baseline",
        ".wayscan-baseline.json",
        "--show-suppressed",
    ]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let kinds: Vec<String> = results
        .iter()
        .map(|r| r["suppressions"][0]["kind"].as_str().unwrap_or("none").to_string())
        .collect();
    assert_eq!(kinds, ["none", "inSource", "inSource", "external", "external"]);
    let schema: serde_json::Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");

    // Staged and history list the inline ones at their paths (and commits).
    s.git(&[
        "add",
        "app.py",
        "vendor/lib.py",
        "old.py",
        ".wayscan.toml",
        ".gitignore",
    ]);
    let (_, staged) = s.json_of("staged", &["--show-suppressed"]);
    assert_eq!(
        listed(&staged),
        vec![
            ("app.py".into(), 1, "inline".into()),
            ("app.py".into(), 3, "inline".into()),
            ("vendor/lib.py".into(), 1, "configuration".into()),
        ]
    );
    let commit = s.commit("all");
    let (_, history) = s.json_of("history", &["--show-suppressed"]);
    assert_eq!(history["summary"]["suppressed"], 2);
    let inline: Vec<_> = history["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed_by"] == "inline")
        .collect();
    assert_eq!(inline.len(), 2);
    for f in inline {
        assert_eq!(f["path"], "app.py");
        assert_eq!(f["commit"]["id"].as_str().unwrap(), commit);
    }
    let run = s.run(&["history", "--show-suppressed"]);
    let short = &commit[..12];
    assert!(
        run.stdout.lines().any(|l| l.contains("app.py:3:6")
            && l.contains("inline marker")
            && l.ends_with(&format!("commit {short}"))),
        "{}",
        run.stdout
    );
}
