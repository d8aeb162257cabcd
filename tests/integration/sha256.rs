//! A repository made with `git init --object-format=sha256`: its ids are 32 bytes, its
//! packs and trees hold 32-byte ids. Every command reads it as it reads a SHA-1 one,
//! instead of judging it "not a git repository".

use crate::sandbox::{credited, path_with_wayscan, Sandbox, KEY_RULE};
use wayscan::testkeys::fake_key;

fn sha256_repo() -> Sandbox {
    let s = Sandbox::new();
    s.git(&["init", "-q", "-b", "main", "--object-format=sha256"]);
    s.git(&["config", "user.email", "test@example.invalid"]);
    s.git(&["config", "user.name", "Test"]);
    assert_eq!(s.git(&["rev-parse", "--show-object-format"]).trim(), "sha256");
    s
}

/// The rule ids of a report's findings at `path`.
fn rules_at(report: &serde_json::Value, path: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path)
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_sha256_history_is_read_packed_and_loose() {
    let s = sha256_repo();
    s.write("src/a.py", format!("k = '{}'\n", fake_key("storage", 301)));
    s.write(".env", "TOKEN=x\n");
    let first = s.commit("one");
    assert_eq!(first.len(), 64, "a SHA-256 commit id");
    // Packed (trees and blobs as deltas of each other), then a loose commit on top.
    for n in 0..4 {
        s.write("src/notes.txt", format!("version {n}\n").repeat(50));
        s.commit("notes");
    }
    s.git(&["repack", "-adfq"]);
    s.write("src/b.py", format!("k = '{}'\n", fake_key("llm", 302)));
    let last = s.commit("two");

    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{}", report["errors"]);
    let mut found = credited(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            (".env".to_string(), first.clone(), "dotenv-not-ignored".to_string()),
            ("src/a.py".to_string(), first.clone(), KEY_RULE.to_string()),
            ("src/b.py".to_string(), last.clone(), KEY_RULE.to_string()),
        ]
    );

    // A range reads through libgit2: the commits after the first.
    let (run, report) = s.json_of("history", &["--range", &format!("{first}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        credited(&report),
        vec![("src/b.py".to_string(), last.clone(), KEY_RULE.to_string())]
    );

    // An allowlist names a commit by its 64 digits.
    s.write(".wayscan.toml", format!("[allowlist]\ncommits = [\"{last}\"]\n"));
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths: Vec<String> = credited(&report).into_iter().map(|(path, _, _)| path).collect();
    assert!(!paths.contains(&"src/b.py".to_string()), "{paths:?}");
    assert!(paths.contains(&"src/a.py".to_string()), "{paths:?}");
}

#[test]
fn a_sha256_work_tree_is_judged_against_git() {
    let s = sha256_repo();
    s.write(".env", "TOKEN=x\n");
    s.write("app.py", format!("k = '{}'\n", fake_key("dns", 303)));
    s.commit("one");
    let (run, report) = s.json_of("scan", &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("cannot open the git repository"), "{}", run.stderr);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{}", report["errors"]);
    assert_eq!(rules_at(&report, "app.py"), vec![KEY_RULE]);
    // Tracked, as git says, not "outside git".
    let env = &report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == ".env")
        .unwrap()["message"];
    assert!(env.as_str().unwrap().contains("tracked by git"), "{env}");
}

#[test]
fn the_hook_blocks_a_key_in_a_sha256_repository_and_lets_a_clean_commit_pass() {
    let s = sha256_repo();
    s.write("app.py", "KEY = None\n");
    s.commit("app");
    assert_eq!(s.run(&["hook", "install"]).code, 0);
    let key = fake_key("gpu", 304);
    s.write("app.py", format!("KEY = '{key}'\n"));
    let before = s.git(&["rev-parse", "HEAD"]);
    // `commit -a` hands the hook a temporary index.
    let (ok, out) = s.git_with_path(&["commit", "-q", "-a", "-m", "x"], &path_with_wayscan());
    assert!(!ok, "the key must be blocked:\n{out}");
    assert!(out.contains("app.py") && out.contains(KEY_RULE), "{out}");
    assert!(!out.contains(&key), "redacted:\n{out}");
    assert_eq!(s.git(&["rev-parse", "HEAD"]), before);

    s.write("app.py", "KEY = os.environ['KEY']\n");
    let (ok, out) = s.git_with_path(&["commit", "-q", "-a", "-m", "x"], &path_with_wayscan());
    assert!(ok, "a clean change passes:\n{out}");
    assert_ne!(s.git(&["rev-parse", "HEAD"]), before);
}
