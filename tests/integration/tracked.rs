//! Ignore rules keep untracked files out of a tree scan, never tracked ones: every
//! clone has a tracked file, whatever `.gitignore`, `.ignore` or
//! `.git/info/exclude` say about it (issue 15).

use crate::sandbox::{places, Sandbox, KEY_RULE};
use wayscan::testkeys::fake_key;

/// A repository whose tracked files are each hidden from the walk by a different
/// ignore rule, and an untracked ignored file that must stay unread.
fn hidden_but_tracked() -> Sandbox {
    let s = Sandbox::git_repo();
    s.write("app.log", format!("token={}\n", fake_key("storage", 61)));
    s.write("config/secrets.yml", format!("key: {}\n", fake_key("llm", 62)));
    s.write("vendor/lib.py", format!("K = \"{}\"\n", fake_key("dns", 63)));
    s.write("local/notes.txt", format!("{}\n", fake_key("gpu", 64)));
    s.commit("init");
    // Ignore rules written after the files were committed.
    s.write(".gitignore", "*.log\nconfig/secrets.yml\n");
    s.write(".ignore", "vendor/\n");
    s.write(".git/info/exclude", "local/\n");
    s.write("debug.log", format!("token={}\n", fake_key("database", 65)));
    s.git(&["add", ".gitignore", ".ignore"]);
    s.commit("ignore rules");
    s
}

#[test]
fn tracked_files_that_ignore_rules_match_are_read() {
    let s = hidden_but_tracked();
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, u64, String)> = places(&report).into_iter().map(|(p, l, _, r)| (p, l, r)).collect();
    assert_eq!(
        found,
        [
            ("app.log".to_string(), 1, KEY_RULE.to_string()),
            ("config/secrets.yml".to_string(), 1, KEY_RULE.to_string()),
            ("local/notes.txt".to_string(), 1, KEY_RULE.to_string()),
            ("vendor/lib.py".to_string(), 1, KEY_RULE.to_string()),
        ],
        "every tracked file is read; the untracked, ignored debug.log is not"
    );
    // --no-ignore reads the untracked ignored file too.
    let (_, all) = s.scan_json(&["--no-ignore"]);
    let all: Vec<String> = places(&all).into_iter().map(|p| p.0).collect();
    assert!(all.contains(&"debug.log".to_string()), "{all:?}");
}

#[test]
fn tracked_files_that_ignore_rules_match_are_read_from_a_subdirectory() {
    let s = hidden_but_tracked();
    let (run, report) = s.scan_json(&["config"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(found, ["secrets.yml"]);
    // Each hidden file is read once, whichever way the scan names it.
    let (_, both) = s.scan_json(&[".", "config"]);
    let both: Vec<String> = places(&both).into_iter().map(|p| p.0).collect();
    assert_eq!(
        both.iter().filter(|p| p.ends_with("secrets.yml")).count(),
        2,
        "{both:?}"
    );
}

#[test]
fn the_keys_in_a_tracked_env_file_that_gitignore_lists_are_found() {
    let s = Sandbox::git_repo();
    s.write(".env", format!("WAYSCLOUD_API_KEY={}\n", fake_key("storage", 66)));
    s.commit("init");
    s.write(".gitignore", ".env\n");
    s.commit("ignore .env");
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut rules: Vec<(String, String)> = places(&report).into_iter().map(|p| (p.0, p.3)).collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            (".env".to_string(), "dotenv-not-ignored".to_string()),
            (".env".to_string(), KEY_RULE.to_string()),
        ]
    );
}

#[test]
fn outside_git_ignore_files_still_keep_files_out() {
    let s = Sandbox::new();
    s.write(".ignore", "vendor/\n");
    s.write("vendor/lib.py", format!("K = \"{}\"\n", fake_key("dns", 67)));
    s.write("app.py", format!("K = \"{}\"\n", fake_key("dns", 68)));
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    assert_eq!(found, ["app.py"]);
}
