//! `dotenv-not-ignored`: every scenario is built as a real repository, and wayscan's
//! decision is cross-checked against `git check-ignore` and `git ls-files`.

use crate::sandbox::{command, pairs, Run, Sandbox};
use std::collections::BTreeSet;
use wayscan::testkeys::fake_key;

fn dotenv_paths(report: &serde_json::Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "dotenv-not-ignored")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// What git says should be reported: tracked files, and files no .gitignore rule
/// covers. `--no-index` asks about ignore rules alone; the sandbox's git reads no
/// global or system configuration, so `core.excludesFile` is unset.
fn git_expectation(s: &Sandbox, candidates: &[&str]) -> BTreeSet<String> {
    candidates
        .iter()
        .filter(|path| {
            let tracked = s.git_may_fail(&["ls-files", "--error-unmatch", "--", path]);
            let ignored = s.git_may_fail(&["check-ignore", "-q", "--no-index", "--", path]);
            tracked || !ignored
        })
        .map(|p| p.to_string())
        .collect()
}

struct Scenario {
    name: &'static str,
    gitignores: &'static [(&'static str, &'static str)],
    envs: &'static [&'static str],
    tracked: &'static [&'static str],
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "no rules",
        gitignores: &[],
        envs: &[".env", "api/.env", ".env.local"],
        tracked: &[],
    },
    Scenario {
        name: "anchored /.env covers only the root",
        gitignores: &[(".gitignore", "/.env\n")],
        envs: &[".env", "api/.env"],
        tracked: &[],
    },
    Scenario {
        name: "unanchored .env covers every level",
        gitignores: &[(".gitignore", ".env\n")],
        envs: &[".env", "api/.env", "api/v2/.env", ".env.local"],
        tracked: &[],
    },
    Scenario {
        name: "negation re-includes",
        gitignores: &[(".gitignore", ".env*\n!.env.production\n")],
        envs: &[".env", ".env.local", ".env.production", "web/.env.production"],
        tracked: &[],
    },
    Scenario {
        name: "directory pattern",
        gitignores: &[(".gitignore", "config/\n")],
        envs: &["config/.env", "app/config/.env", "configs/.env"],
        tracked: &[],
    },
    Scenario {
        // Git has no {a,b} alternation: the braces are plain characters.
        name: "braces are literal, as git reads them",
        gitignores: &[(".gitignore", ".env.{local,prod}\n")],
        envs: &[".env.local", ".env.prod", "api/.env.local"],
        tracked: &[],
    },
    Scenario {
        name: "star-dot-env",
        gitignores: &[(".gitignore", "*.env\n")],
        envs: &[".env", "a/.env", ".env.test"],
        tracked: &[],
    },
    Scenario {
        name: "dot-env-star",
        gitignores: &[(".gitignore", ".env*\n")],
        envs: &[".env", ".env.local", "deep/er/.env.staging"],
        tracked: &[],
    },
    Scenario {
        name: "nested .gitignore files",
        gitignores: &[
            (".gitignore", ".env\n"),
            ("services/.gitignore", "!.env\n"),
            ("services/auth/.gitignore", ".env\n"),
        ],
        envs: &[".env", "services/.env", "services/auth/.env", "services/billing/.env"],
        tracked: &[],
    },
    Scenario {
        name: "excluded directory cannot be re-included",
        gitignores: &[(".gitignore", "secrets/\n"), ("secrets/.gitignore", "!.env\n")],
        envs: &["secrets/.env", "secrets/inner/.env"],
        tracked: &[],
    },
    Scenario {
        name: "tracked files whatever .gitignore says",
        gitignores: &[(".gitignore", ".env\n")],
        envs: &[".env", "app/.env", "lib/.env"],
        tracked: &["app/.env"],
    },
    Scenario {
        name: "double star patterns",
        gitignores: &[(".gitignore", "**/deploy/.env\nlocal/**\n")],
        envs: &["deploy/.env", "x/y/deploy/.env", "local/a/.env", "other/.env"],
        tracked: &[],
    },
];

#[test]
fn wayscan_agrees_with_git_in_every_scenario() {
    for scenario in SCENARIOS {
        let s = Sandbox::git_repo();
        for (path, text) in scenario.gitignores {
            s.write(path, text);
        }
        for env in scenario.envs {
            s.write(env, "DEBUG=1\n");
        }
        s.write(".env.example", "API_KEY=\n");
        for tracked in scenario.tracked {
            s.git(&["add", "-f", tracked]);
        }
        let (run, report) = s.scan_json(&[]);
        let found = dotenv_paths(&report);
        let expected = git_expectation(&s, scenario.envs);
        assert_eq!(found, expected, "scenario '{}': {}", scenario.name, run.stderr);
        assert!(!found.contains(".env.example"), "template reported");
    }
}

#[test]
fn git_info_exclude_protects_nobody_else_and_does_not_count() {
    let s = Sandbox::git_repo();
    s.write(".git/info/exclude", ".env\n");
    s.write(".env", "DEBUG=1\n");
    let (_, report) = s.scan_json(&[]);
    assert_eq!(dotenv_paths(&report), BTreeSet::from([".env".to_string()]));
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("no .gitignore rule covers it"), "{message}");
}

#[test]
fn templates_are_not_reported() {
    let s = Sandbox::git_repo();
    for name in [
        ".env.example",
        ".env.sample",
        ".env.template",
        ".env.dist",
        ".env.defaults",
        "web/.env.local.example",
    ] {
        s.write(name, "API_KEY=\n");
    }
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(dotenv_paths(&report).is_empty());
}

#[test]
fn outside_a_repository_every_env_file_is_reported() {
    let s = Sandbox::new();
    s.write(".gitignore", ".env\n");
    s.write(".env", "DEBUG=1\n");
    s.write("sub/.env.local", "DEBUG=1\n");
    let (_, report) = s.scan_json(&[]);
    assert_eq!(
        dotenv_paths(&report),
        BTreeSet::from([".env".to_string(), "sub/.env.local".to_string()])
    );
    assert!(report["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("not in a git repository"));
}

#[test]
fn the_message_names_the_line_and_the_file_and_tracked_files_get_git_rm() {
    let s = Sandbox::git_repo();
    s.write("api/.env", "DEBUG=1\n");
    s.write("web/.gitignore", "!.env\n");
    s.write("web/.env", "DEBUG=1\n");
    s.write("old/.env", "DEBUG=1\n");
    s.git(&["add", "old/.env"]);
    let (_, report) = s.scan_json(&[]);
    let by_path = |p: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .unwrap_or_else(|| panic!("no finding for {p}"))
            .clone()
    };
    let api = by_path("api/.env");
    assert_eq!(api["properties"]["gitignore"], ".gitignore");
    assert_eq!(api["properties"]["ignore_line"], "/api/.env");
    assert!(api["remediation"]
        .as_str()
        .unwrap()
        .starts_with("Add the line `/api/.env` to .gitignore"));
    let web = by_path("web/.env");
    assert_eq!(
        web["properties"]["gitignore"], "web/.gitignore",
        "a root rule would lose to the negation"
    );
    assert_eq!(web["properties"]["ignore_line"], "/.env");
    let old = by_path("old/.env");
    assert_eq!(old["properties"]["tracked"], "true");
    let fix = old["remediation"].as_str().unwrap();
    assert!(fix.contains("git rm --cached :/old/.env"), "{fix}");
    assert!(fix.contains("rotate every key"), "{fix}");
}

#[test]
fn fix_gitignore_appends_lines_that_git_then_honours() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", "node_modules/\n# keep this comment");
    s.write(".env", "DEBUG=1\n");
    s.write("api/.env.local", "DEBUG=1\n");
    s.write("web/.gitignore", "!.env\n");
    s.write("web/.env", "DEBUG=1\n");
    s.write("tracked/.env", "DEBUG=1\n");
    s.git(&["add", "tracked/.env"]);
    let run: Run = s.run(&["scan", "--fix-gitignore", "--format", "json"]);
    assert!(
        run.stderr.contains("wayscan: added `/.env` to .gitignore"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("wayscan: added `/api/.env.local` to .gitignore"));
    assert!(run.stderr.contains("wayscan: added `/.env` to web/.gitignore"));
    assert_eq!(
        std::fs::read_to_string(s.join(".gitignore")).unwrap(),
        "node_modules/\n# keep this comment\n/.env\n/api/.env.local\n/tracked/.env\n"
    );
    assert_eq!(
        std::fs::read_to_string(s.join("web/.gitignore")).unwrap(),
        "!.env\n/.env\n"
    );
    for path in [".env", "api/.env.local", "web/.env", "tracked/.env"] {
        assert!(
            git_expectation(&s, &[path]).is_empty() || path == "tracked/.env",
            "{path} still not ignored"
        );
    }
    // Only the tracked file is still a finding: ignoring it does not untrack it.
    assert_eq!(dotenv_paths(&run.json()), BTreeSet::from(["tracked/.env".to_string()]));
    let (_, again) = s.scan_json(&["--fix-gitignore"]);
    assert_eq!(dotenv_paths(&again), BTreeSet::from(["tracked/.env".to_string()]));
    assert_eq!(
        std::fs::read_to_string(s.join(".gitignore"))
            .unwrap()
            .lines()
            .filter(|l| *l == "/.env")
            .count(),
        1,
        "a second run must not append again"
    );
}

#[test]
fn ignored_env_files_are_read_only_with_no_ignore_and_others_always() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", ".env\n");
    s.write(".env", format!("WAYSCLOUD_API_KEY={}\n", fake_key("storage", 1)));
    s.write("app/.env.local", format!("WAYSCLOUD_API_KEY={}\n", fake_key("llm", 2)));
    let (_, report) = s.scan_json(&[]);
    let rules: Vec<(String, String)> = pairs(&report, "path", "rule_id");
    assert_eq!(
        rules,
        vec![
            ("app/.env.local".into(), "dotenv-not-ignored".into()),
            ("app/.env.local".into(), "wayscloud-api-key".into()),
        ]
    );
    let (_, report) = s.scan_json(&["--no-ignore"]);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        3,
        "the ignored .env's key is read too"
    );
}

#[test]
fn a_named_env_file_is_judged_too() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", "/ignored/\n");
    s.write("app/.env", "DEBUG=1\n");
    s.write("ignored/.env", "DEBUG=1\n");
    let (_, report) = s.scan_json(&["app/.env", "ignored/.env"]);
    assert_eq!(dotenv_paths(&report), BTreeSet::from(["app/.env".to_string()]));
}

#[test]
fn a_dot_ignore_file_hides_content_but_not_the_env_finding() {
    let s = Sandbox::git_repo();
    s.write(".ignore", ".env\n");
    s.write("svc/.env", format!("K={}\n", fake_key("dns", 3)));
    let (_, report) = s.scan_json(&[]);
    assert_eq!(dotenv_paths(&report), BTreeSet::from(["svc/.env".to_string()]));
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        ".ignore keeps the content out of the scan"
    );
}

/// Git has no `{a,b}` alternation in ignore patterns; the walk's ignore crate has. A
/// `.gitignore` line with braces hid files from the walk that git shows as
/// untracked: the scan names the line, and reads those files after the walk, as git
/// lists them.
#[test]
fn a_gitignore_with_braces_hides_nothing_git_would_commit() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", "# local files\n.env.{local,prod}\n*.{key}\n");
    s.write(".env.local", format!("KEY={}\n", fake_key("storage", 74)));
    s.write("notes.key", format!("{}\n", fake_key("storage", 77)));
    s.git(&["add", ".gitignore"]);
    s.git(&["commit", "-q", "-m", "ignore rules"]);
    assert!(
        !s.git_may_fail(&["check-ignore", "-q", "--no-index", "--", ".env.local"]),
        "git does not ignore it"
    );
    let run = s.run(&["scan", ".", "--format", "json"]);
    assert!(run.stderr.contains(".gitignore: line 2 has braces"), "{}", run.stderr);
    assert_eq!(
        dotenv_paths(&run.json()),
        BTreeSet::from([".env.local".to_string()]),
        "{}",
        run.stderr
    );
    let found: BTreeSet<String> = crate::sandbox::paths(&run.json()).into_iter().collect();
    assert!(found.contains("notes.key") && found.contains(".env.local"), "{found:?}");
    // A file git does ignore stays unread.
    s.write(".gitignore", "# local files\n.env.{local,prod}\n.env.local\n");
    let run = s.run(&["scan", ".", "--format", "json"]);
    assert_eq!(dotenv_paths(&run.json()), BTreeSet::new(), "{}", run.stderr);
}

/// The `.env` findings of `scan .` run in a subdirectory read as those of a scan from
/// the top (only the shown path differs), and the `git rm --cached` they and the
/// staged check advise works when pasted in that subdirectory: the advice named the
/// path from the top, which git read from the current directory and refused.
#[test]
fn file_findings_read_the_same_from_a_subdirectory_and_their_advice_works_there() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    s.write("src/sub/.env", "DEBUG=1\n");
    s.write("src/.env.local", "DEBUG=1\n");
    s.git(&["add", "src/sub/.env"]);
    let in_src = |program: &str, args: &[&str]| {
        let out = command(program)
            .args(args)
            .current_dir(s.join("src"))
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
    };
    let findings = |report: &serde_json::Value| -> Vec<serde_json::Value> {
        let mut found: Vec<serde_json::Value> = report["findings"].as_array().unwrap().clone();
        for f in &mut found {
            f.as_object_mut().unwrap().remove("path");
        }
        found
    };
    let (_, top) = s.scan_json(&[]);
    let (code, json, stderr) = in_src(env!("CARGO_BIN_EXE_wayscan"), &["scan", ".", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let sub: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(findings(&sub).len(), 2, "{sub}");
    assert_eq!(findings(&sub), findings(&top), "only the shown path may differ");
    let tracked = findings(&sub)
        .into_iter()
        .find(|f| f["properties"]["tracked"] == "true")
        .unwrap();
    assert!(
        tracked["message"]
            .as_str()
            .unwrap()
            .starts_with("src/sub/.env is tracked"),
        "{tracked}"
    );

    // The advice, pasted as it is, in the directory the scan ran in.
    let advised = |remediation: &str| -> String {
        let start = remediation.find("`git rm").expect("advice to untrack") + 1;
        let end = start + remediation[start..].find('`').unwrap();
        remediation[start..end].to_string()
    };
    let untrack = advised(tracked["remediation"].as_str().unwrap());
    assert_eq!(untrack, "git rm --cached :/src/sub/.env");
    let (code, _, stderr) = in_src("sh", &["-c", &untrack]);
    assert_eq!(code, 0, "{untrack}: {stderr}");
    assert_eq!(s.git(&["ls-files", "--", "src/sub/.env"]), "");

    s.git(&["add", "src/.env.local"]);
    let (code, json, stderr) = in_src(env!("CARGO_BIN_EXE_wayscan"), &["staged", "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let staged: serde_json::Value = serde_json::from_str(&json).unwrap();
    let unstage = advised(staged["findings"][0]["remediation"].as_str().unwrap());
    assert_eq!(unstage, "git rm --cached :/src/.env.local");
    let (code, _, stderr) = in_src("sh", &["-c", &unstage]);
    assert_eq!(code, 0, "{unstage}: {stderr}");
    assert_eq!(s.git(&["ls-files", "--", "src/.env.local"]), "");
    assert!(s.join("src/.env.local").exists(), "the file stays on disk");
}
