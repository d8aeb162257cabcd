//! Baselines: accept today's findings, report only new ones.

use crate::sandbox::Sandbox;
use wayscan::testkeys::fake_key;

fn lines_of(report: &serde_json::Value) -> Vec<(String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn a_baseline_hides_accepted_findings_through_moves_but_not_new_places() {
    let s = Sandbox::git_repo();
    let (a, b, new) = (fake_key("storage", 110), fake_key("llm", 111), fake_key("dns", 112));
    s.write("a.py", format!("KEY = '{a}'\n"));
    s.write("b.py", format!("OTHER = '{b}'\n"));
    s.write(".env", "DEBUG=1\n");
    let run = s.run(&["baseline", "create"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("3 findings accepted"), "{}", run.stdout);
    let text = std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["schema"], "wayscan-baseline/1");
    assert_eq!(file["entries"].as_array().unwrap().len(), 3);
    for key in [&a, &b] {
        let secret = key.rsplit('_').next().unwrap();
        assert!(!text.contains(secret), "never a raw secret:\n{text}");
    }
    assert!(text.contains("***"), "{text}");

    let (run, report) = s.scan_json(&["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(lines_of(&report).is_empty());
    assert_eq!(report["summary"]["baselined"], 3);
    assert!(run.stderr.contains("3 in the baseline"), "{}", run.stderr);

    // Lines move and the code is reformatted: still accepted.
    s.write("a.py", format!("import os\n\n\n# config\nKEY=\"{a}\"  # reformatted\n"));
    // The same key in a new file, and a new key: reported.
    s.write("c.py", format!("COPY = '{a}'\n"));
    s.write("b.py", format!("OTHER = '{b}'\nNEW = '{new}'\n"));
    let (run, report) = s.scan_json(&["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        lines_of(&report),
        vec![("b.py".to_string(), 2), ("c.py".to_string(), 1)]
    );

    // The same baseline works for staged and history scans.
    s.git(&["add", "-A"]);
    let (_, staged) = s.json_of("staged", &["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(
        lines_of(&staged),
        vec![("b.py".to_string(), 2), ("c.py".to_string(), 1)]
    );
    s.commit("all");
    let (_, history) = s.json_of("history", &["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(
        lines_of(&history),
        vec![("b.py".to_string(), 2), ("c.py".to_string(), 1)]
    );
}

#[test]
fn prune_drops_what_no_longer_occurs_and_create_keeps_reasons() {
    let s = Sandbox::new();
    let (a, b) = (fake_key("storage", 113), fake_key("gpu", 114));
    s.write("a.py", format!("KEY = '{a}'\n"));
    s.write("b.py", format!("KEY = '{b}'\n"));
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    // A person writes a reason for one entry.
    let path = s.join(".wayscan-baseline.json");
    let mut file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for entry in file["entries"].as_array_mut().unwrap() {
        if entry["path"] == "a.py" {
            entry["reason"] = "test fixture, never issued".into();
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();

    std::fs::remove_file(s.join("b.py")).unwrap();
    let run = s.run(&["baseline", "prune"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("pruned 1 entries that no longer occur; 1 kept"),
        "{}",
        run.stdout
    );
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("test fixture, never issued"), "{text}");
    assert!(!text.contains("b.py"));
}

#[test]
fn a_broken_baseline_stops_the_scan_naming_the_file() {
    let s = Sandbox::new();
    s.write("bad.json", "{\"schema\": \"something-else\", \"entries\": []}");
    let run = s.run(&["scan", "--baseline", "bad.json"]);
    run.assert_stderr(2, "baseline bad.json: schema");
    let run = s.run(&["scan", "--baseline", "missing.json"]);
    run.assert_stderr(2, "baseline missing.json");
    let run = s.run(&["baseline", "prune", "--baseline", "missing.json"]);
    run.assert_stderr(2, "baseline missing.json");
}
