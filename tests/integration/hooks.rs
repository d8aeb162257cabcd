//! The git pre-commit hook: `wayscan hook install|uninstall`, and real `git commit`s
//! it blocks or lets through. Also the completions and man page.

use crate::sandbox::{output_text, path_with_wayscan, path_without_wayscan, paths, places, Sandbox};
use wayscan::testkeys::fake_key;

fn hook_file(s: &Sandbox) -> String {
    std::fs::read_to_string(s.join(".git/hooks/pre-commit")).unwrap()
}

/// A repository with one commit, so commits under test are ordinary ones.
fn repo() -> Sandbox {
    let s = Sandbox::git_repo();
    s.write("README.md", "hello\n");
    s.commit("init");
    s
}

#[test]
fn a_commit_adding_a_key_is_blocked_and_a_clean_one_passes() {
    let s = repo();
    let run = s.run(&["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("installed the wayscan pre-commit hook"),
        "{}",
        run.stdout
    );
    assert!(hook_file(&s).contains("wayscan staged --hook"));

    let key = fake_key("storage", 60);
    s.write("app.py", format!("KEY = '{key}'\n"));
    s.git(&["add", "app.py"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "add key"], &path_with_wayscan());
    assert!(!ok, "the commit must be blocked:\n{out}");
    assert!(out.contains("app.py"), "{out}");
    assert!(out.contains("wayscloud-api-key"), "{out}");
    assert!(!out.contains(&key), "the key is printed redacted only:\n{out}");
    for advice in [
        "Revoke",
        "environment variable",
        "git commit --no-verify",
        "wayscan:allow",
    ] {
        assert!(out.contains(advice), "{advice}:\n{out}");
    }
    assert_eq!(s.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

    s.write("app.py", "KEY = os.environ['KEY']\n");
    s.git(&["add", "app.py"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "clean"], &path_with_wayscan());
    assert!(ok, "a clean commit passes:\n{out}");
    assert_eq!(s.git(&["rev-list", "--count", "HEAD"]).trim(), "2");

    // Bypass once, as the message says.
    s.write("again.py", format!("KEY = '{key}'\n"));
    s.git(&["add", "again.py"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "--no-verify", "-m", "bypass"], &path_with_wayscan());
    assert!(ok, "{out}");
}

/// `git commit -a`, `commit PATH`, `commit -i PATH`, `commit --only PATH`,
/// `commit -p` and `commit --amend -a` hand the hook a temporary index through
/// `GIT_INDEX_FILE`; `.git/index` then does not hold the key. Each must be blocked
/// by the installed hook, and the same forms pass when the change is clean.
#[test]
fn every_commit_form_that_uses_a_temporary_index_is_checked() {
    let forms: [(&str, &[&str], &str); 6] = [
        ("commit -a", &["commit", "-q", "-a", "-m", "x"], ""),
        ("commit PATH", &["commit", "-q", "-m", "x", "app.py"], ""),
        ("commit -i PATH", &["commit", "-q", "-i", "-m", "x", "app.py"], ""),
        (
            "commit --only PATH",
            &["commit", "-q", "--only", "-m", "x", "app.py"],
            "",
        ),
        ("commit -p", &["commit", "-q", "-p", "-m", "x"], "y\n"),
        ("commit --amend -a", &["commit", "-q", "--amend", "-a", "-m", "x"], ""),
    ];
    for (index, (form, args, answers)) in forms.into_iter().enumerate() {
        let s = repo();
        s.write("app.py", "KEY = None\n");
        s.commit("app");
        assert_eq!(s.run(&["hook", "install"]).code, 0);

        // The key is only in the work tree: the index git keeps holds the old file.
        let key = fake_key("storage", 70 + index as u64);
        s.write("app.py", format!("KEY = '{key}'\n"));
        let before = s.git(&["rev-parse", "HEAD"]);
        let (ok, out) = s.git_with_input(args, &path_with_wayscan(), answers);
        assert!(!ok, "{form} must be blocked:\n{out}");
        assert!(
            out.contains("app.py") && out.contains("wayscloud-api-key"),
            "{form}:\n{out}"
        );
        // `commit -p` shows the hunk (git's output); wayscan's report starts after it.
        let report = &out[out.find("wayscloud-api-key").unwrap_or(0)..];
        assert!(
            !report.contains(&key),
            "{form}: the key is printed redacted only:\n{out}"
        );
        assert_eq!(s.git(&["rev-parse", "HEAD"]), before, "{form} committed nothing");

        s.write("app.py", "KEY = os.environ['KEY']\n");
        let (ok, out) = s.git_with_input(args, &path_with_wayscan(), answers);
        assert!(ok, "{form} of a clean change passes:\n{out}");
        assert_ne!(s.git(&["rev-parse", "HEAD"]), before, "{form} committed");
    }
}

/// A relative `GIT_INDEX_FILE` is relative to the top of the work tree, as in git.
#[test]
fn the_staged_scan_reads_the_index_git_index_file_names() {
    let s = repo();
    s.write("sub/k.txt", fake_key("dns", 76));
    let other = [("GIT_INDEX_FILE", ".git/other-index")];
    let out = std::process::Command::new("git")
        .args(["add", "sub/k.txt"])
        .current_dir(s.path())
        .env("GIT_INDEX_FILE", ".git/other-index")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));

    let run = s.run(&["staged"]);
    assert_eq!(run.code, 0, "the repository's own index holds no key:\n{}", run.stdout);
    let (run, report) = s.json_of("staged", &[]);
    assert_eq!(places(&report), vec![], "{}", run.stdout);

    let run = s.run_with_env(&["staged", "--format", "json"], &other);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        paths(&run.json()),
        vec!["sub/k.txt".to_string()],
        "the index GIT_INDEX_FILE names is scanned"
    );

    let missing = [("GIT_INDEX_FILE", ".git/no-such-index")];
    let run = s.run_with_env(&["staged"], &missing);
    run.assert_stderr(2, "no-such-index");
    assert!(run.stderr.contains("GIT_INDEX_FILE"), "{}", run.stderr);
}

#[test]
fn installing_twice_is_installing_once_and_an_existing_hook_is_chained_and_restored() {
    let s = repo();
    let original = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/chained-ran\"\n";
    s.write(".git/hooks/pre-commit", original);
    make_executable(&s.join(".git/hooks/pre-commit"));

    let run = s.run(&["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("runs first"), "{}", run.stdout);
    let run = s.run(&["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("updated"), "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(s.join(".git/hooks/pre-commit.wayscan-chained")).unwrap(),
        original,
        "the first hook is kept once, never wayscan's own"
    );

    s.write("ok.txt", "fine\n");
    s.git(&["add", "ok.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "ok"], &path_with_wayscan());
    assert!(ok, "{out}");
    assert_eq!(std::fs::read_to_string(s.join(".git/chained-ran")).unwrap(), "ran\n");

    let run = s.run(&["hook", "uninstall"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("back in place"), "{}", run.stdout);
    assert_eq!(hook_file(&s), original);
    assert!(!s.join(".git/hooks/pre-commit.wayscan-chained").exists());
    let run = s.run(&["hook", "uninstall"]);
    assert!(run.stdout.contains("nothing to do"), "{}", run.stdout);
    assert_eq!(hook_file(&s), original);
}

#[test]
fn a_failing_earlier_hook_blocks_before_wayscan_runs() {
    let s = repo();
    s.write(".git/hooks/pre-commit", "#!/bin/sh\necho 'lint failed' >&2\nexit 3\n");
    make_executable(&s.join(".git/hooks/pre-commit"));
    assert_eq!(s.run(&["hook", "install"]).code, 0);
    s.write("ok.txt", "fine\n");
    s.git(&["add", "ok.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "x"], &path_with_wayscan());
    assert!(!ok);
    assert!(out.contains("lint failed"), "{out}");
}

#[test]
fn hooks_managed_by_husky_or_pre_commit_are_left_alone() {
    let s = repo();
    s.git(&["config", "core.hooksPath", ".husky/_"]);
    let run = s.run(&["hook", "install"]);
    run.assert_stderr(2, "managed by husky");
    assert!(run.stderr.contains(".husky/pre-commit"), "{}", run.stderr);
    assert!(!s.join(".husky/_/pre-commit").exists());

    let s = repo();
    let framework = "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nexec pre-commit\n";
    s.write(".git/hooks/pre-commit", framework);
    let run = s.run(&["hook", "install"]);
    run.assert_stderr(2, "managed by the pre-commit framework");
    assert!(run.stderr.contains(".pre-commit-config.yaml"), "{}", run.stderr);
    assert_eq!(hook_file(&s), framework);
}

#[test]
fn the_hook_goes_where_git_looks_core_hooks_path_and_worktrees() {
    let s = repo();
    s.git(&["config", "core.hooksPath", "githooks"]);
    assert_eq!(s.run(&["hook", "install"]).code, 0);
    assert!(s.join("githooks/pre-commit").exists());
    assert!(!s.join(".git/hooks/pre-commit").exists());
    s.write("k.txt", fake_key("dns", 61));
    s.git(&["add", "k.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "k"], &path_with_wayscan());
    assert!(!ok, "{out}");

    let s = repo();
    s.git(&["worktree", "add", "-q", "wt", "-b", "wt"]);
    let run = s.run(&["hook", "install", "wt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(s.join(".git/hooks/pre-commit").exists(), "{}", run.stdout);
    s.write("wt/k.txt", fake_key("gpu", 62));
    s.git(&["-C", "wt", "add", "k.txt"]);
    let (ok, out) = s.git_with_path(&["-C", "wt", "commit", "-q", "-m", "k"], &path_with_wayscan());
    assert!(!ok, "{out}");
    assert!(out.contains("k.txt"), "{out}");
}

#[test]
fn without_wayscan_on_path_the_hook_says_so_and_does_not_block() {
    let s = repo();
    assert_eq!(s.run(&["hook", "install"]).code, 0);
    s.write("k.txt", fake_key("llm", 63));
    s.git(&["add", "k.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "k"], &path_without_wayscan());
    assert!(ok, "{out}");
    assert!(out.contains("NOT checked for secrets"), "{out}");
    assert!(out.contains("cargo install"), "{out}");
}

#[test]
fn completions_and_the_man_page_come_from_the_command_line_definition() {
    let s = Sandbox::new();
    for (shell, needle) in [
        ("bash", "_wayscan()"),
        ("zsh", "#compdef wayscan"),
        ("fish", "complete -c wayscan"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = s.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.contains(needle),
            "{shell}: {}",
            &run.stdout[..200.min(run.stdout.len())]
        );
        assert!(run.stdout.contains("history"), "{shell} completes subcommands");
    }
    let run = s.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains(".TH wayscan 1"), "{}", &run.stdout[..200]);
    assert!(run.stdout.contains("staged"));
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A baseline named in `.wayscan.toml` reaches the hook: editing a file that holds an
/// accepted key commits, and a new key is still blocked.
#[test]
fn the_hook_applies_the_baseline_the_configuration_names() {
    let s = repo();
    let accepted = fake_key("llm", 61);
    s.write("legacy.py", format!("KEY = '{accepted}'\n"));
    s.commit("legacy");
    let run = s.run(&["baseline", "create"]);
    assert!(
        run.stdout.contains("baseline = \".wayscan-baseline.json\""),
        "{}",
        run.stdout
    );
    s.write(".wayscan.toml", "baseline = \".wayscan-baseline.json\"\n");
    s.commit("baseline");
    assert_eq!(s.run(&["hook", "install"]).code, 0);

    s.write("legacy.py", format!("# to be moved\nKEY = '{accepted}'\n"));
    let (ok, out) = s.git_with_path(&["commit", "-q", "-a", "-m", "touch legacy"], &path_with_wayscan());
    assert!(ok, "the accepted key passes:\n{out}");
    s.write("new.py", format!("KEY = '{}'\n", fake_key("llm", 62)));
    s.git(&["add", "new.py"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "-m", "new key"], &path_with_wayscan());
    assert!(!ok, "a new key is blocked:\n{out}");
    assert!(out.contains("new.py") && !out.contains("legacy.py"), "{out}");
}

/// In range mode the baseline the configuration names comes from the base commit:
/// a change that adds its own key to the baseline is still failed by it.
#[test]
fn a_change_cannot_accept_its_own_key_through_the_configured_baseline() {
    let s = repo();
    s.write(".wayscan.toml", "baseline = \".wayscan-baseline.json\"\n");
    s.write(
        ".wayscan-baseline.json",
        "{\"schema\": \"wayscan-baseline/1\", \"entries\": []}\n",
    );
    let base = s.commit("empty baseline");
    s.write("new.py", format!("KEY = '{}'\n", fake_key("gpu", 63)));
    s.commit("a key");
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    let head = s.commit("accept it");
    let run = s.run(&["history", "--range", &format!("{base}..{head}"), "-q"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(".wayscan-baseline.json"),
        "the edit is noted: {}",
        run.stderr
    );
    let run = s.run(&["scan", ".", "-q"]);
    assert_eq!(
        run.code, 0,
        "the work tree's own baseline applies to a tree scan: {}",
        run.stderr
    );
}

/// The other commits git runs the pre-commit hook for: a merge whose conflict was
/// resolved (with a key), `cherry-pick --continue` after a conflict, and `commit
/// --amend` of a staged key. (Clean merges, cherry-picks, reverts and rebases make
/// their commits without running pre-commit: git's choice; what they bring was
/// checked when it was first committed.)
#[test]
fn merges_cherry_picks_and_amends_git_runs_the_hook_for_are_checked() {
    let conflicted = |s: &Sandbox| {
        s.write("f.txt", "base\n");
        s.commit("base");
        s.git(&["checkout", "-q", "-b", "other"]);
        s.write("f.txt", "theirs\n");
        s.commit("theirs");
        s.git(&["checkout", "-q", "-"]);
        s.write("f.txt", "ours\n");
        s.commit("ours");
        assert_eq!(s.run(&["hook", "install"]).code, 0);
    };
    let key = fake_key("database", 64);
    let with_key = format!("resolved = '{key}'\n");

    let s = repo();
    conflicted(&s);
    assert!(!s.git_may_fail(&["merge", "-q", "other"]), "a conflict");
    s.write("f.txt", &with_key);
    s.git(&["add", "f.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "--no-edit"], &path_with_wayscan());
    assert!(
        !ok && out.contains("f.txt"),
        "a merge resolved with a key is blocked:\n{out}"
    );
    s.write("f.txt", "resolved\n");
    s.git(&["add", "f.txt"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "--no-edit"], &path_with_wayscan());
    assert!(ok, "{out}");

    let s = repo();
    conflicted(&s);
    assert!(!s.git_may_fail(&["cherry-pick", "other"]), "a conflict");
    s.write("f.txt", &with_key);
    s.git(&["add", "f.txt"]);
    let (ok, out) = s.git_with_path(
        &["-c", "core.editor=true", "cherry-pick", "--continue"],
        &path_with_wayscan(),
    );
    assert!(
        !ok && out.contains("f.txt"),
        "cherry-pick --continue with a key is blocked:\n{out}"
    );

    let s = repo();
    assert_eq!(s.run(&["hook", "install"]).code, 0);
    s.write("f.txt", &with_key);
    s.git(&["add", "f.txt"]);
    let before = s.git(&["rev-parse", "HEAD"]);
    let (ok, out) = s.git_with_path(&["commit", "-q", "--amend", "--no-edit"], &path_with_wayscan());
    assert!(!ok && out.contains("f.txt"), "an amend adding a key is blocked:\n{out}");
    assert_eq!(s.git(&["rev-parse", "HEAD"]), before);
}

/// Smaller things a new user met: `hook install` on a path that does not exist blamed
/// git ("cannot run git"); `completions` into a closed pipe must not panic.
#[test]
fn hook_install_names_a_bad_path_and_completions_survive_a_closed_pipe() {
    let s = Sandbox::new();
    s.run(&["hook", "install", "/nonexistent/repo"])
        .assert_stderr(2, "/nonexistent/repo: No such file or directory");
    s.write("file.txt", "x");
    s.run(&["hook", "install", "file.txt"])
        .assert_stderr(2, "file.txt: not a directory");

    use std::io::Read;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wayscan"))
        .args(["completions", "zsh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{out:?}");
    assert!(out.status.code().is_some(), "ended by a signal or a panic: {out:?}");
}
