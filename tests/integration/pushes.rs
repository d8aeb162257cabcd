//! Server and client push hooks: `wayscan hook install --pre-receive` in a bare
//! repository and `--pre-push` in a clone, with real `git push`es of real commits.

use crate::sandbox::{path_with_wayscan, Sandbox};
use wayscan::testkeys::fake_key;

/// A bare server with wayscan's pre-receive hook, and a clone of it holding one
/// commit on main (pushed before the hook was installed).
fn server_and_clone() -> (Sandbox, Sandbox) {
    let server = Sandbox::new();
    server.git(&["init", "-q", "--bare", "-b", "main"]);
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    let clone = Sandbox::git_repo();
    clone.git(&["remote", "add", "origin", server.path().to_str().unwrap()]);
    clone.write("README.md", "hello\n");
    clone.commit("init");
    clone.git(&["push", "-q", "origin", "main"]);
    let run = server.run(&["hook", "install", "--pre-receive"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("installed the wayscan pre-receive hook"),
        "{}",
        run.stdout
    );
    (server, clone)
}

fn push(clone: &Sandbox, args: &[&str]) -> (bool, String) {
    clone.git_with_path(&[&["push", "origin"][..], args].concat(), &path_with_wayscan())
}

fn server_ref(server: &Sandbox, name: &str) -> String {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--verify", "-q", name])
        .current_dir(server.path())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn the_server_refuses_pushes_that_bring_a_key_on_any_ref() {
    let (server, clone) = server_and_clone();
    let main_before = server_ref(&server, "refs/heads/main");

    // A clean push goes through.
    clone.write("a.txt", "a\n");
    let clean = clone.commit("clean");
    let (ok, out) = push(&clone, &["main"]);
    assert!(ok, "{out}");
    assert_eq!(server_ref(&server, "refs/heads/main"), clean);

    // A key two commits deep, on main: refused, the ref does not move, the key is
    // named redacted.
    let key = fake_key("storage", 90);
    clone.write("app.py", format!("KEY = '{key}'\n"));
    clone.commit("add a key");
    clone.write("b.txt", "b\n");
    clone.commit("on top");
    let (ok, out) = push(&clone, &["main"]);
    assert!(!ok, "refused:\n{out}");
    assert!(out.contains("app.py") && out.contains("wayscloud-api-key"), "{out}");
    assert!(!out.contains(&key), "redacted:\n{out}");
    assert!(out.contains("wayscan refused this push"), "{out}");
    assert_eq!(server_ref(&server, "refs/heads/main"), clean);
    assert_ne!(main_before, clean);

    // The same commits on a new branch, and under a tag: refused too.
    let (ok, out) = push(&clone, &["HEAD:refs/heads/feature"]);
    assert!(!ok && out.contains("app.py"), "new branch:\n{out}");
    clone.git(&["tag", "-a", "-m", "v1", "v1"]);
    let (ok, out) = push(&clone, &["v1"]);
    assert!(!ok && out.contains("app.py"), "tag:\n{out}");
    assert_eq!(server_ref(&server, "refs/tags/v1"), "");

    // Rewritten without the key, a force push goes through.
    clone.git(&["reset", "-q", "--hard", &clean]);
    clone.write("b.txt", "b\n");
    let rewritten = clone.commit("on top, no key");
    let (ok, out) = push(&clone, &["--force", "main"]);
    assert!(ok, "{out}");
    assert_eq!(server_ref(&server, "refs/heads/main"), rewritten);

    // A deletion brings nothing.
    let (ok, out) = push(&clone, &["HEAD:refs/heads/tmp"]);
    assert!(ok, "{out}");
    let (ok, out) = push(&clone, &[":refs/heads/tmp"]);
    assert!(ok, "{out}");
}

/// Commits the server already has are not scanned again: an old key on main does not
/// block a new branch made from it.
#[test]
fn only_what_no_ref_reaches_is_scanned() {
    let (server, clone) = server_and_clone();
    let old = fake_key("llm", 91);
    clone.write("old.py", format!("KEY = '{old}'\n"));
    clone.commit("an old key");
    // Slipped in before the hook (as with existing history on a new server).
    std::fs::rename(server.join("hooks/pre-receive"), server.join("hooks/off")).unwrap();
    let (ok, out) = push(&clone, &["main"]);
    assert!(ok, "{out}");
    std::fs::rename(server.join("hooks/off"), server.join("hooks/pre-receive")).unwrap();

    clone.git(&["checkout", "-q", "-b", "feature"]);
    clone.write("c.txt", "c\n");
    clone.commit("clean work");
    let (ok, out) = push(&clone, &["feature"]);
    assert!(ok, "the old key is not the push's:\n{out}");
}

/// The configuration and baseline of the default branch apply, not the push's own;
/// a push option skips the scan with a reason, logged.
#[test]
fn the_default_branch_settings_apply_and_a_skip_is_logged() {
    let (server, clone) = server_and_clone();
    let key = fake_key("gpu", 92);
    clone.write("fixtures/key.txt", format!("{key}\n"));
    clone.write(".wayscan.toml", "exclude = [\"fixtures/**\"]\n");
    clone.commit("a fixture, excluded by the push's own configuration");
    let (ok, out) = push(&clone, &["main"]);
    assert!(!ok, "the default branch has no such exclude:\n{out}");
    assert!(out.contains("fixtures/key.txt"), "{out}");

    // Skipped, with a reason: through, and logged with the refs and the reason.
    let (ok, out) = push(&clone, &["-o", "wayscan.skip=vendored test data, reviewed", "main"]);
    assert!(ok, "{out}");
    assert!(out.contains("skipped by push option"), "{out}");
    let log = std::fs::read_to_string(server.join("wayscan-skips.log")).unwrap();
    let entry: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(entry["reason"], "vendored test data, reviewed");
    assert_eq!(entry["refs"][0], "refs/heads/main");

    // Now on the default branch, its configuration applies to later pushes.
    clone.write("fixtures/other.txt", format!("{}\n", fake_key("gpu", 93)));
    clone.commit("another fixture");
    let (ok, out) = push(&clone, &["main"]);
    assert!(ok, "excluded by the default branch's configuration:\n{out}");

    // A skip needs a reason.
    clone.write("x.txt", format!("{}\n", fake_key("dns", 94)));
    clone.commit("a key");
    let (ok, out) = push(&clone, &["-o", "wayscan.skip", "main"]);
    assert!(!ok && out.contains("needs a reason"), "{out}");
}

/// The time budget: a scan that cannot finish in time refuses the push (closed), or
/// lets it through with a warning (open).
#[test]
fn a_scan_out_of_time_fails_closed_unless_told_open() {
    let (server, clone) = server_and_clone();
    clone.write("a.txt", "a\n");
    clone.commit("clean");
    let hook = server.join("hooks/pre-receive");
    let script = std::fs::read_to_string(&hook).unwrap();
    std::fs::write(&hook, script.replace("--timeout 60s", "--timeout 0s")).unwrap();
    let (ok, out) = push(&clone, &["main"]);
    assert!(!ok && out.contains("did not finish in 0s"), "{out}");
    std::fs::write(&hook, script.replace("--timeout 60s", "--timeout 0s --on-timeout open")).unwrap();
    let (ok, out) = push(&clone, &["main"]);
    assert!(ok && out.contains("let through"), "{out}");
}

/// The client's pre-push hook: the commits the remote lacks are scanned; what it has
/// already is not.
#[test]
fn the_pre_push_hook_blocks_a_push_whose_new_commits_add_a_key() {
    let server = Sandbox::new();
    server.git(&["init", "-q", "--bare", "-b", "main"]);
    let clone = Sandbox::git_repo();
    clone.git(&["remote", "add", "origin", server.path().to_str().unwrap()]);
    let old = fake_key("database", 95);
    clone.write("old.py", format!("KEY = '{old}'\n"));
    clone.commit("old key, already on the server");
    clone.git(&["push", "-q", "origin", "main"]);
    let run = clone.run(&["hook", "install", "--pre-push"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    clone.write("a.txt", "a\n");
    clone.commit("clean");
    let (ok, out) = push(&clone, &["main"]);
    assert!(ok, "the old key is the server's already:\n{out}");

    let key = fake_key("database", 96);
    clone.write("new.py", format!("KEY = '{key}'\n"));
    clone.commit("new key");
    let (ok, out) = push(&clone, &["main"]);
    assert!(!ok, "{out}");
    assert!(out.contains("new.py") && !out.contains("old.py"), "{out}");
    assert!(out.contains("git push --no-verify"), "{out}");
    let (ok, out) = push(&clone, &["HEAD:refs/heads/other"]);
    assert!(!ok && out.contains("new.py"), "a new branch:\n{out}");
    let (ok, _) = push(&clone, &["--no-verify", "main"]);
    assert!(ok);
}
