//! A fresh temporary directory (optionally a git repository) and a way to run the real
//! `wayscan` binary in it.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Sandbox {
    dir: tempfile::TempDir,
}

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code and that standard error says `needle`.
    pub fn assert_stderr(&self, code: i32, needle: &str) {
        assert_eq!(self.code, code, "exit code; stderr:\n{}", self.stderr);
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
    }

    /// Parses standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

impl Sandbox {
    /// An empty directory.
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("wayscan-test")
                .tempdir()
                .expect("temp dir"),
        }
    }

    /// An empty git repository.
    pub fn git_repo() -> Sandbox {
        let sandbox = Sandbox::new();
        sandbox.git(&["init", "-q", "-b", "main"]);
        sandbox.git(&["config", "user.email", "test@example.invalid"]);
        sandbox.git(&["config", "user.name", "Test"]);
        sandbox
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel`, creating parent directories.
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> &Sandbox {
        let path = self.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    /// Runs git; returns whether it succeeded (for commands expected to fail, such
    /// as a merge that conflicts).
    pub fn git_may_fail(&self, args: &[&str]) -> bool {
        self.git_command(args).status.success()
    }

    fn git_command(&self, args: &[&str]) -> std::process::Output {
        command("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs")
    }

    /// Runs git with `path` as PATH, so the hooks it runs find (or miss) wayscan;
    /// returns (succeeded, stdout + stderr).
    pub fn git_with_path(&self, args: &[&str], path: &str) -> (bool, String) {
        self.git_with_input(args, path, "")
    }

    /// Like `git_with_path`, with `input` on git's standard input (the answers of
    /// `git commit -p`).
    pub fn git_with_input(&self, args: &[&str], path: &str, input: &str) -> (bool, String) {
        use std::io::Write;
        let mut child = command("git")
            .args(args)
            .current_dir(self.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PATH", path)
            .env_remove("NO_COLOR")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("git runs");
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let out = child.wait_with_output().expect("git runs");
        (out.status.success(), output_text(&out))
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_command(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Stages everything and commits; returns the new commit's id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Runs `wayscan ARGS` with the sandbox as working directory.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_env(args, &[])
    }

    /// Runs `wayscan ARGS` with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = command(env!("CARGO_BIN_EXE_wayscan"))
            .args(args)
            .current_dir(self.path())
            .env_remove("NO_COLOR")
            .env_remove("WAYSCLOUD_API_URL")
            .envs(env.iter().copied())
            .output()
            .expect("wayscan runs");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `program ARGS` with `input` on its standard input (a pipe).
    pub fn run_with_stdin(&self, program: &str, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = command(program)
            .args(args)
            .current_dir(self.path())
            .env("PATH", path_with_wayscan())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the command runs");
        let mut stdin = child.stdin.take().expect("a pipe");
        let input = input.to_vec();
        // Written from a thread: a large input would fill the pipe before the reader reads.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("the command finishes");
        writer.join().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `wayscan scan --verify` against `api_url`, writing a JSON report to
    /// `report.json` (what `wayscan revoke --report` reads), with the verification
    /// cache under `cache`.
    pub fn write_verified_report(&self, api_url: &str, cache: &Path) -> Run {
        let args = [
            "scan",
            "--verify",
            "--api-url",
            api_url,
            "--format",
            "json",
            "-o",
            "report.json",
        ];
        self.run_with_env(&args, &[("XDG_CACHE_HOME", cache.to_str().unwrap())])
    }

    /// `wayscan scan --format json ARGS`, parsed.
    pub fn scan_json(&self, args: &[&str]) -> (Run, serde_json::Value) {
        self.json_of("scan", args)
    }

    /// `wayscan COMMAND --format json ARGS`, parsed.
    pub fn json_of(&self, command: &str, args: &[&str]) -> (Run, serde_json::Value) {
        let mut all = vec![command, "--format", "json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let json = run.json();
        (run, json)
    }
}

/// (path, line, column, rule) of each finding in a JSON report.
pub fn places(report: &serde_json::Value) -> Vec<(String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Paths of the findings in a JSON report.
pub fn paths(report: &serde_json::Value) -> Vec<String> {
    places(report).into_iter().map(|p| p.0).collect()
}

/// Two string fields of each finding in a JSON report, e.g. ("path", "rule_id").
pub fn pairs(report: &serde_json::Value, a: &str, b: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            (
                f[a].as_str().unwrap_or("").to_string(),
                f[b].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub const KEY_RULE: &str = "wayscloud-api-key";

/// (path, commit id, rule) of each finding of a history report.
pub fn credited(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["commit"]["id"].as_str().unwrap_or("").to_string(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A command without the variables through which git hands a repository and an index
/// to the commands and hooks it runs: a test run from inside a git hook (a developer's own
/// pre-commit running `cargo test`) must not scan the outer repository.
pub fn command(program: &str) -> Command {
    let mut command = Command::new(program);
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
    ] {
        command.env_remove(var);
    }
    command
}

/// PATH with the directory of the wayscan binary under test first.
pub fn path_with_wayscan() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_wayscan"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    format!("{bin}:{}", std::env::var("PATH").unwrap_or_default())
}

/// PATH without the wayscan binary under test (git is still found).
pub fn path_without_wayscan() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_wayscan")).parent().unwrap().to_path_buf();
    let dirs: Vec<String> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|d| *d != bin && !d.join("wayscan").exists())
        .map(|d| d.display().to_string())
        .collect();
    dirs.join(":")
}

/// Makes a file git wrote read-only (an object, a pack) writable, to damage it.
pub fn make_writable(path: &Path) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
}

/// A finished command's standard output, then its standard error, as text.
pub fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// (uri, `field` of the result) for each result of a SARIF report's first run.
pub fn sarif_results(sarif: &serde_json::Value, field: impl Fn(&serde_json::Value) -> String) -> Vec<(String, String)> {
    sarif["runs"][0]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap_or("")
                        .to_string();
                    (uri, field(r))
                })
                .collect()
        })
        .unwrap_or_default()
}
