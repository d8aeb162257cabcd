//! `wayscan history` and `wayscan staged` on real repositories built in the test.

use crate::sandbox::{command, credited, make_writable, pairs, paths, Sandbox};
use wayscan::testkeys::fake_key;

use crate::sandbox::KEY_RULE;

#[test]
fn a_key_added_then_deleted_is_found_at_the_commit_that_added_it() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    s.commit("init");
    s.write("app/config.py", format!("KEY = '{}'\n", fake_key("storage", 1)));
    let added = s.commit("add config");
    s.write("app/config.py", "KEY = os.environ['KEY']\n");
    s.commit("remove the key");
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        credited(&report),
        vec![("app/config.py".into(), added.clone(), KEY_RULE.into())]
    );
    let commit = &report["findings"][0]["commit"];
    assert_eq!(commit["author_name"], "Test");
    assert_eq!(commit["author_email"], "test@example.invalid");
    assert!(commit["date"].as_str().unwrap().ends_with('Z'));
    assert!(run.stderr.contains(" blobs ("), "{}", run.stderr);
    // The tree scan of today's checkout finds nothing: only history has it.
    assert_eq!(s.scan_json(&[]).0.code, 0);
}

#[test]
fn keys_only_on_an_unmerged_branch_or_only_in_a_tag_are_found() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    s.commit("init");
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.write("feature.js", format!("k='{}'\n", fake_key("llm", 2)));
    let on_branch = s.commit("feature work");
    s.git(&["checkout", "-q", "main"]);
    s.git(&["checkout", "-q", "--detach"]);
    s.write("release.txt", fake_key("dns", 3));
    let tagged = s.commit("release");
    s.git(&["tag", "v1", &tagged]);
    s.git(&["checkout", "-q", "main"]);
    let (_, report) = s.json_of("history", &[]);
    assert_eq!(
        credited(&report),
        vec![
            ("feature.js".into(), on_branch, KEY_RULE.into()),
            ("release.txt".into(), tagged, KEY_RULE.into()),
        ]
    );
    let (_, main_only) = s.json_of("history", &["--branch", "main"]);
    assert!(credited(&main_only).is_empty());
}

#[test]
fn the_same_blob_in_100_commits_is_scanned_once_and_credited_to_the_first() {
    let s = Sandbox::git_repo();
    s.write("secret.env.txt", fake_key("gpu", 4));
    let first = s.commit("c0");
    for i in 1..100 {
        s.write("counter.txt", format!("{i}\n"));
        s.commit(&format!("c{i}"));
    }
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(
        credited(&report),
        vec![("secret.env.txt".into(), first, KEY_RULE.into())]
    );
    // 1 secret blob + 99 counter blobs, each read once.
    assert_eq!(report["summary"]["files"], 100, "{}", run.stderr);
}

#[test]
fn a_committed_then_removed_env_file_stays_a_finding() {
    let s = Sandbox::git_repo();
    s.write(".env", "DEBUG=1\n");
    s.write(".env.example", "DEBUG=\n");
    let added = s.commit("oops");
    s.git(&["rm", "-q", "--cached", ".env"]);
    s.write(".gitignore", ".env\n");
    s.commit("ignore .env");
    let (_, report) = s.json_of("history", &[]);
    assert_eq!(
        credited(&report),
        vec![(".env".into(), added.clone(), "dotenv-not-ignored".into())]
    );
    let f = &report["findings"][0];
    assert!(f["remediation"].as_str().unwrap().contains("Rotate every key"));
    assert!(f["message"].as_str().unwrap().contains(&added[..12]));
}

#[test]
fn a_renamed_file_keeps_its_first_path_and_commit() {
    let s = Sandbox::git_repo();
    s.write("old/name.py", format!("K='{}'\n", fake_key("storage", 5)));
    let first = s.commit("add");
    s.git(&["mv", "old", "new"]);
    s.commit("rename");
    let (_, report) = s.json_of("history", &[]);
    assert_eq!(credited(&report), vec![("old/name.py".into(), first, KEY_RULE.into())]);
}

#[test]
fn a_range_reports_only_what_its_commits_introduced_including_a_merge_resolution() {
    let s = Sandbox::git_repo();
    s.write("conf.txt", format!("old = {}\n", fake_key("dns", 6)));
    let base = s.commit("base with an old key");
    s.git(&["checkout", "-q", "-b", "topic"]);
    s.write("conf.txt", "value = topic\n");
    s.commit("topic");
    s.git(&["checkout", "-q", "main"]);
    s.write("conf.txt", "value = main\n");
    s.commit("main");
    assert!(
        !s.git_may_fail(&["merge", "-q", "topic", "-m", "merge"]),
        "the merge must conflict"
    );
    // Resolve the conflict with a new key: only the merge commit introduces it.
    let key = fake_key("llm", 7);
    s.write("conf.txt", format!("value = {key}\n"));
    let merged = s.commit("merge topic");
    let (run, report) = s.json_of("history", &["--range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        credited(&report),
        vec![("conf.txt".into(), merged.clone(), KEY_RULE.into())]
    );
    assert_eq!(
        report["findings"][0]["properties"]["key_id"],
        wayscan::testkeys::key_id(&key),
        "the old key from before the range is not reported"
    );
    let (_, since) = s.json_of("history", &["--since-commit", &base]);
    assert_eq!(credited(&since), credited(&report));
}

#[test]
fn an_empty_repository_has_no_history_to_scan() {
    let s = Sandbox::git_repo();
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["summary"]["files"], 0);
}

#[test]
fn a_shallow_clone_is_scanned_as_far_as_it_goes() {
    let origin = Sandbox::git_repo();
    origin.write("old.txt", fake_key("gpu", 8));
    origin.commit("old");
    origin.write("old.txt", "gone\n");
    origin.write("new.txt", fake_key("gpu", 9));
    let newest = origin.commit("new");
    let clone = Sandbox::new();
    let url = format!("file://{}", origin.path().display());
    clone.git(&["clone", "-q", "--depth", "1", &url, "repo"]);
    let (run, report) = clone.json_of("history", &["repo"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(credited(&report), vec![("new.txt".into(), newest, KEY_RULE.into())]);
}

#[test]
fn not_a_repository_is_an_error_naming_the_path() {
    let s = Sandbox::new();
    let run = s.run(&["history", "."]);
    run.assert_stderr(2, "wayscan: error: .: not a git repository");
    let run = s.run(&["staged", "."]);
    run.assert_stderr(2, "not a git repository");
}

#[test]
fn history_sarif_carries_commit_properties_outside_the_fingerprint() {
    let s = Sandbox::git_repo();
    s.write("k.txt", fake_key("storage", 10));
    let id = s.commit("k");
    let run = s.run(&["history", "--format", "sarif"]);
    let sarif = run.json();
    let r = &sarif["runs"][0];
    assert_eq!(r["automationDetails"]["id"], "wayscan/history/");
    let result = &r["results"][0];
    assert_eq!(result["properties"]["commitSha"], id.as_str());
    assert_eq!(result["properties"]["author"], "Test <test@example.invalid>");
    let (_, tree) = s.scan_json(&[]);
    assert_eq!(
        result["partialFingerprints"]["wayscan/v1"], tree["findings"][0]["fingerprint"],
        "the same leak is the same alert in tree and history scans"
    );
}

#[test]
fn staged_reads_the_index_and_reports_only_added_lines() {
    let s = Sandbox::git_repo();
    let old = fake_key("storage", 11);
    s.write("app.py", format!("OLD = '{old}'  # accepted long ago\n"));
    s.commit("base");
    let new = fake_key("llm", 12);
    s.write("app.py", format!("OLD = '{old}'  # accepted long ago\nNEW = '{new}'\n"));
    s.git(&["add", "app.py"]);
    // The working tree moves on; the index is what will be committed.
    s.write("app.py", "clean = True\n");
    s.write("unstaged.py", fake_key("dns", 13));
    let (run, report) = s.json_of("staged", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&report, "path", "rule_id"),
        vec![("app.py".into(), KEY_RULE.into())]
    );
    assert_eq!(report["findings"][0]["line"], 2);
    assert_eq!(
        report["findings"][0]["properties"]["key_id"],
        wayscan::testkeys::key_id(&new)
    );
}

#[test]
fn staged_works_before_the_first_commit_and_flags_a_staged_env() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", ".env\n");
    s.write(".env", format!("K={}\n", fake_key("gpu", 14)));
    s.git(&["add", "-f", ".env", ".gitignore"]);
    let (run, report) = s.json_of("staged", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&report, "path", "rule_id"),
        vec![
            (".env".into(), "dotenv-not-ignored".into()),
            (".env".into(), KEY_RULE.into())
        ]
    );
    assert!(report["findings"][0]["message"].as_str().unwrap().contains("is staged"));
}

#[test]
fn staged_renames_deletions_and_binaries_do_not_report_old_content() {
    let s = Sandbox::git_repo();
    s.write("old.py", format!("K='{}'\n", fake_key("dns", 15)));
    s.write("gone.py", format!("K='{}'\n", fake_key("dns", 16)));
    s.commit("base");
    s.git(&["mv", "old.py", "renamed.py"]);
    s.git(&["rm", "-q", "gone.py"]);
    let mut binary = b"\x00\x01\x02".to_vec();
    binary.extend_from_slice(fake_key("dns", 17).as_bytes());
    s.write("blob.bin", binary);
    s.git(&["add", "blob.bin"]);
    let (run, report) = s.json_of("staged", &[]);
    // The binary's key is new: found in its text runs. The renamed file's is not.
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(paths(&report), ["blob.bin"]);
}

#[test]
fn bare_repositories_and_linked_worktrees_work() {
    let s = Sandbox::git_repo();
    s.write("k.txt", fake_key("llm", 20));
    let id = s.commit("k");
    s.git(&["clone", "-q", "--bare", ".", "bare.git"]);
    let (run, report) = s.json_of("history", &["bare.git"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(credited(&report), vec![("k.txt".into(), id.clone(), KEY_RULE.into())]);

    s.git(&["worktree", "add", "-q", "wt", "-b", "wt-branch"]);
    s.write("wt/new.txt", fake_key("dns", 21));
    s.git(&["-C", "wt", "add", "new.txt"]);
    let (run, report) = s.json_of("staged", &["wt"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&report, "path", "rule_id"),
        vec![("new.txt".into(), KEY_RULE.into())]
    );
}

#[test]
fn staged_on_a_detached_head_and_with_a_submodule() {
    let sub = Sandbox::git_repo();
    sub.write("lib.txt", fake_key("gpu", 22));
    sub.commit("lib");
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    s.commit("a");
    s.git(&["checkout", "-q", "--detach"]);
    let url = format!("file://{}", sub.path().display());
    s.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "vendor/lib",
    ]);
    s.write("b.txt", "b\n");
    s.git(&["add", "b.txt"]);
    let (run, report) = s.json_of("staged", &[]);
    assert_eq!(
        run.code, 0,
        "a submodule's content is its own repository's business: {}",
        run.stdout
    );
    assert_eq!(report["summary"]["files"], 2, ".gitmodules and b.txt");
    let (run, _) = s.json_of("history", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_missing_or_corrupt_object_is_reported_and_the_rest_is_scanned() {
    let s = Sandbox::git_repo();
    s.write("keep.txt", fake_key("storage", 23));
    s.write("lost.txt", "this blob will be lost\n");
    s.write("bad.txt", "this blob will be corrupted\n");
    let id = s.commit("three files");
    let object = |name: &str| {
        let oid = s.git(&["rev-parse", &format!("HEAD:{name}")]).trim().to_string();
        s.join(&format!(".git/objects/{}/{}", &oid[..2], &oid[2..]))
    };
    std::fs::remove_file(object("lost.txt")).unwrap();
    let bad = object("bad.txt");
    make_writable(&bad);
    std::fs::write(&bad, b"not zlib at all").unwrap();
    let (run, report) = s.json_of("history", &[]);
    // The key is still found, and the blobs that could not be read make the scan
    // incomplete: exit 2 (--allow-partial: the findings decide).
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(credited(&report), vec![("keep.txt".into(), id, KEY_RULE.into())]);
    assert!(run.stderr.contains("wayscan: error: lost.txt: blob"), "{}", run.stderr);
    assert!(run.stderr.contains("wayscan: error: bad.txt: blob"), "{}", run.stderr);
    assert_eq!(report["summary"]["errors"], 2);
    let (run, _) = s.json_of("history", &["--allow-partial"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("wayscan: warning: bad.txt: blob"), "{}", run.stderr);
}

/// A key in a commit no ref reaches any more (a branch deleted, its reflog expired:
/// what a force-push leaves behind) is still in the clone. `history` reads refs and
/// stays quiet; `history --unreachable` reports it at its path and commit, marked
/// `reachable: no`, and a blob no commit holds (`git hash-object -w`) by its id; in
/// loose and in packed objects.
#[test]
fn unreachable_reports_keys_in_objects_no_ref_reaches() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    s.commit("init");
    let default_branch = s.git(&["rev-parse", "--abbrev-ref", "HEAD"]);
    let default_branch = default_branch.trim();
    s.git(&["checkout", "-q", "-b", "mistake"]);
    s.write("leak.py", format!("KEY = '{}'\n", fake_key("storage", 81)));
    let lost_commit = s.commit("oops");
    s.git(&["checkout", "-q", default_branch]);
    s.git(&["branch", "-q", "-D", "mistake"]);
    s.write("loose.txt", format!("token {}\n", fake_key("llm", 82)));
    let dangling = s.git(&["hash-object", "-w", "loose.txt"]);
    std::fs::remove_file(s.join("loose.txt")).unwrap();
    s.git(&["reflog", "expire", "--expire=now", "--all"]);
    let dangling_path = format!("(unreachable blob {})", dangling.trim());
    for packed in [false, true] {
        if packed {
            // Into a pack, kept although unreachable (what a clone of a fork network has).
            s.git(&["repack", "-a", "-d", "-k", "-q"]);
        }
        let (run, report) = s.json_of("history", &[]);
        assert_eq!(run.code, 0, "refs only: {}", run.stderr);
        assert_eq!(report["findings"].as_array().unwrap().len(), 0);
        let (run, report) = s.json_of("history", &["--unreachable"]);
        assert_eq!(run.code, 1, "packed {packed}: {}", run.stderr);
        let mut found: Vec<(String, String, String)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["commit"]["id"].as_str().unwrap_or("none").to_string(),
                    f["properties"]["reachable"].as_str().unwrap_or("-").to_string(),
                )
            })
            .collect();
        found.sort();
        let mut expected = vec![
            ("leak.py".to_string(), lost_commit.clone(), "no".to_string()),
            (dangling_path.clone(), "none".to_string(), "-".to_string()),
        ];
        expected.sort();
        assert_eq!(found, expected, "packed {packed}");
    }
}

/// A `git clone --shared` keeps no copy of the objects it started from: they live in
/// the source's object directory, named in `objects/info/alternates`. Its history
/// is read whole, with the source's objects loose or packed, and the clone's own.
#[test]
fn a_shared_clone_reads_the_objects_of_its_alternates() {
    for packed in [false, true] {
        let source = Sandbox::git_repo();
        source.write("a.py", format!("k = '{}'\n", fake_key("storage", 101)));
        let first = source.commit("one");
        if packed {
            source.git(&["repack", "-a", "-d", "-q"]);
        }
        let clone = Sandbox::new();
        let into = clone.path().join("clone");
        let cloned = command("git")
            .args(["clone", "-q", "--shared", source.path().to_str().unwrap(), "clone"])
            .current_dir(clone.path())
            .output()
            .unwrap();
        assert!(
            cloned.status.success(),
            "git clone --shared: {}",
            String::from_utf8_lossy(&cloned.stderr)
        );
        let alternates = std::fs::read_to_string(into.join(".git/objects/info/alternates")).unwrap();
        assert!(!alternates.trim().is_empty(), "the clone borrows its objects");
        std::fs::write(into.join("b.py"), format!("k = '{}'\n", fake_key("llm", 102))).unwrap();
        let run = |args: &[&str]| command("git").args(args).current_dir(&into).output().unwrap();
        run(&["-c", "user.email=t@example.invalid", "-c", "user.name=T", "add", "-A"]);
        let committed = run(&[
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "user.name=T",
            "commit",
            "-q",
            "-m",
            "two",
        ]);
        assert!(committed.status.success());
        let out = command(env!("CARGO_BIN_EXE_wayscan"))
            .args(["history", ".", "--format", "json"])
            .current_dir(&into)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "packed {packed}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut found = credited(&report);
        found.sort();
        assert_eq!(found.len(), 2, "packed {packed}: {found:?}");
        assert_eq!(
            found[0],
            ("a.py".to_string(), first.clone(), KEY_RULE.to_string()),
            "packed {packed}"
        );
        assert_eq!(found[1].0, "b.py");
        assert_eq!(
            report["errors"].as_array().unwrap().len(),
            0,
            "packed {packed}: {}",
            report["errors"]
        );
    }
}

/// A key copied from an excluded file into another is a finding at the copy: every
/// path a blob appears at is a place of its findings, each at the first commit that
/// has it there (issue 15), in whole-history and range scans alike.
#[test]
fn a_blob_is_found_at_every_path_it_appears_at() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    let base = s.commit("init");
    let key = fake_key("storage", 81);
    s.write("fixtures/creds.txt", format!("{key}\n"));
    let fixture = s.commit("a fixture");
    s.write("src/settings.py", format!("{key}\n"));
    let copy = s.commit("the same key, copied");
    let mut both = vec![
        ("fixtures/creds.txt".to_string(), fixture.clone(), KEY_RULE.to_string()),
        ("src/settings.py".to_string(), copy.clone(), KEY_RULE.to_string()),
    ];
    both.sort();

    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found = credited(&report);
    found.sort();
    assert_eq!(found, both);
    let range = format!("{base}..HEAD");
    let (run, report) = s.json_of("history", &["--range", &range]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found = credited(&report);
    found.sort();
    assert_eq!(found, both);

    // Excluding the fixture leaves the copy reported.
    s.write(".wayscan.toml", "exclude = [\"fixtures/**\"]\n");
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        credited(&report),
        [("src/settings.py".to_string(), copy, KEY_RULE.to_string())]
    );
}

/// Commit and annotated-tag messages are content: a key pasted into one is found,
/// at `commit <id> message` (credited to that commit) or `tag <id> message`.
#[test]
fn keys_in_commit_and_tag_messages_are_found() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    let base = s.commit("init");
    s.write("app.py", "print('hi')\n");
    let key = fake_key("llm", 82);
    s.git(&["add", "-A"]);
    s.git(&[
        "commit",
        "-q",
        "-m",
        &format!("deploy\n\nused WAYSCLOUD_API_KEY={key} to test"),
    ]);
    let commit = s.git(&["rev-parse", "HEAD"]).trim().to_string();
    let at = format!("commit {commit} message");

    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(credited(&report), [(at.clone(), commit.clone(), KEY_RULE.to_string())]);
    // The line is the message's own: the key is on its third line.
    assert_eq!(report["findings"][0]["line"], 3);
    let range = format!("{base}..HEAD");
    let (run, report) = s.json_of("history", &["--range", &range]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(credited(&report), [(at, commit, KEY_RULE.to_string())]);

    let tag_key = fake_key("dns", 83);
    s.git(&["tag", "-a", "v1", "-m", &format!("release\n\ntoken {tag_key}")]);
    let tag = s.git(&["rev-parse", "v1"]).trim().to_string();
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<String> = pairs(&report, "path", "rule_id").into_iter().map(|(p, _)| p).collect();
    assert!(found.contains(&format!("tag {tag} message")), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
}
