//! The pre-commit framework (https://pre-commit.com) running our
//! `.pre-commit-hooks.yaml`, for real: the `pre-commit` package from PyPI in temporary
//! repositories. `.ci/run` installs it; without it these tests say so and pass.

use crate::sandbox::{output_text, path_with_wayscan, path_without_wayscan, Sandbox};
use std::path::{Path, PathBuf};
use std::process::Command;
use wayscan::testkeys::fake_key;

/// The `pre-commit` program, if installed.
fn pre_commit() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("pre-commit"))
        .find(|p| p.is_file())
}

/// A repository holding our `.pre-commit-hooks.yaml` (plus `extra` files), committed;
/// returns it and its commit.
fn hook_repository(extra: &[&str]) -> (Sandbox, String) {
    let repo = Sandbox::git_repo();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rel in [".pre-commit-hooks.yaml"].iter().chain(extra) {
        copy(&root.join(rel), &repo.join(rel));
    }
    let rev = repo.commit("hooks");
    (repo, rev)
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// A project using hook `id` from `hooks`, with the framework's git hook installed.
fn project(hooks: &Sandbox, rev: &str, id: &str, env: &Env) -> Sandbox {
    let s = Sandbox::git_repo();
    s.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: {id}\n",
            hooks.path().display()
        ),
    );
    s.write("README.md", "hello\n");
    s.commit("init");
    let (ok, out) = framework(&s, &["install"], env);
    assert!(ok, "{out}");
    s
}

/// Where the framework keeps its environments, and the PATH hooks run with.
struct Env {
    home: tempfile::TempDir,
    path: String,
}

/// Runs `program ARGS` in the project with the framework's environment;
/// (succeeded, output).
fn run_in(s: &Sandbox, program: &Path, args: &[&str], env: &Env) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .current_dir(s.path())
        .env("PRE_COMMIT_HOME", env.home.path())
        .env("PATH", &env.path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", program.display()));
    (out.status.success(), output_text(&out))
}

/// Runs `pre-commit ARGS` in the project.
fn framework(s: &Sandbox, args: &[&str], env: &Env) -> (bool, String) {
    run_in(s, &pre_commit().unwrap(), args, env)
}

/// `git commit`, which runs the framework's hook.
fn commit(s: &Sandbox, message: &str, env: &Env) -> (bool, String) {
    run_in(s, Path::new("git"), &["commit", "-q", "-m", message], env)
}

/// The checks every variant of the hook must pass.
fn blocks_keys_and_scans_all_files(s: &Sandbox, env: &Env) {
    let key = fake_key("storage", 70);
    s.write("app.py", format!("KEY = '{key}'\n"));
    s.git(&["add", "app.py"]);
    let (ok, out) = commit(s, "key", env);
    assert!(!ok, "blocked:\n{out}");
    assert!(out.contains("wayscloud-api-key") && out.contains("app.py"), "{out}");
    assert!(out.contains("git commit --no-verify"), "{out}");
    assert!(!out.contains(&key), "redacted:\n{out}");

    // The framework stashes what is not staged: a key only in the working tree does
    // not block a commit of the clean staged version.
    s.write("app.py", "KEY = os.environ['KEY']\n");
    s.git(&["add", "app.py"]);
    s.write("app.py", format!("KEY = '{key}'\n"));
    let (ok, out) = commit(s, "clean staged version", env);
    assert!(ok, "{out}");
    assert_eq!(
        std::fs::read_to_string(s.join("app.py")).unwrap(),
        format!("KEY = '{key}'\n")
    );

    // A staged .env is a finding.
    s.write(".env", "DEBUG=1\n");
    s.git(&["add", ".env"]);
    let (ok, out) = commit(s, "env", env);
    assert!(!ok && out.contains("dotenv-not-ignored"), "{out}");
    s.git(&["rm", "-q", "--cached", ".env"]);
    std::fs::remove_file(s.join(".env")).unwrap();

    // --all-files scans every tracked file, not nothing.
    s.write("old.txt", fake_key("dns", 71));
    s.git(&["add", "old.txt"]);
    s.git(&["commit", "-q", "--no-verify", "-m", "slipped in"]);
    s.git(&["checkout", "-q", "--", "app.py"]);
    let (ok, out) = framework(s, &["run", "--all-files"], env);
    assert!(!ok, "{out}");
    assert!(out.contains("old.txt"), "{out}");
}

#[test]
#[ignore = "needs the pre-commit package (pip install pre-commit); .ci/run runs it"]
fn the_system_hook_blocks_keys_through_the_pre_commit_framework() {
    pre_commit().expect("the pre-commit package is not installed (pip install pre-commit)");
    let env = Env {
        home: tempfile::tempdir().unwrap(),
        path: path_with_wayscan(),
    };
    let (hooks, rev) = hook_repository(&[]);
    let s = project(&hooks, &rev, "wayscan-system", &env);
    blocks_keys_and_scans_all_files(&s, &env);
    // `wayscan hook install` leaves the framework's hook alone.
    let run = s.run(&["hook", "install"]);
    run.assert_stderr(2, "managed by the pre-commit framework");
}

/// The framework builds the `wayscan` hook from source with cargo: minutes, so only
/// with `--include-ignored` (`.ci/run`).
#[test]
#[ignore = "needs the pre-commit package and builds wayscan with cargo (minutes); .ci/run runs it"]
fn the_rust_hook_is_built_by_the_framework_and_blocks_keys() {
    pre_commit().expect("the pre-commit package is not installed (pip install pre-commit)");
    // The binary under test is off PATH: only the framework's own build can answer.
    let env = Env {
        home: tempfile::tempdir().unwrap(),
        path: path_without_wayscan(),
    };
    let (hooks, rev) = hook_repository(&["Cargo.toml", "Cargo.lock", "build.rs", "src", "rules", "hooks"]);
    let s = project(&hooks, &rev, "wayscan", &env);
    let (ok, out) = framework(&s, &["install-hooks"], &env);
    assert!(ok, "{out}");
    blocks_keys_and_scans_all_files(&s, &env);
}
