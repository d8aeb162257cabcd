//! The GitHub Action's logic (`scripts/action.sh`), run here with the runner emulated:
//! real pull_request, push and schedule payloads, GITHUB_OUTPUT and
//! GITHUB_STEP_SUMMARY files, against temporary repositories.

use crate::sandbox::{output_text, path_with_wayscan, sarif_results, Sandbox};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use wayscan::testkeys::fake_key;

struct ActionRun {
    code: i32,
    log: String,
    outputs: HashMap<String, String>,
    summary: String,
    report: serde_json::Value,
}

/// Runs `action.sh scan` in `repo` for `event` with `payload` and `inputs`.
fn run_action(repo: &Sandbox, event: &str, payload: serde_json::Value, inputs: &[(&str, &str)]) -> ActionRun {
    run_action_env(repo, event, payload, inputs, &[])
}

/// `run_action` with extra environment variables (the workflow's `env:`).
fn run_action_env(
    repo: &Sandbox,
    event: &str,
    payload: serde_json::Value,
    inputs: &[(&str, &str)],
    env: &[(&str, &str)],
) -> ActionRun {
    let runner = tempfile::tempdir().unwrap();
    let file = |name: &str| runner.path().join(name);
    std::fs::create_dir(file("temp")).unwrap();
    std::fs::write(file("event.json"), payload.to_string()).unwrap();
    std::fs::write(file("output"), "").unwrap();
    std::fs::write(file("summary"), "").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh");
    let mut command = Command::new("bash");
    command
        .arg(script)
        .arg("scan")
        .current_dir(runner.path())
        .env("PATH", path_with_wayscan())
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", file("event.json"))
        .env("GITHUB_OUTPUT", file("output"))
        .env("GITHUB_STEP_SUMMARY", file("summary"))
        .env("INPUT_SARIF_FILE", file("wayscan.sarif"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("RUNNER_TEMP", file("temp"))
        .env_remove("WAYSCLOUD_API_URL")
        .envs(env.iter().copied());
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_uppercase().replace('-', "_")), value);
    }
    let out = command.output().expect("bash runs");
    // The step's JSON report (findings, paths) is not left behind on the runner,
    // whether the step passed or failed.
    let left: Vec<_> = std::fs::read_dir(file("temp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in RUNNER_TEMP: {left:?}\n{}", output_text(&out));
    let outputs = std::fs::read_to_string(file("output"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let report = std::fs::read_to_string(file("wayscan.sarif"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null);
    ActionRun {
        code: out.status.code().unwrap_or(-1),
        log: output_text(&out),
        outputs,
        summary: std::fs::read_to_string(file("summary")).unwrap(),
        report,
    }
}

/// (path, commit) of each SARIF result.
fn results(run: &ActionRun) -> Vec<(String, String)> {
    sarif_results(&run.report, |r| {
        r["properties"]["commitSha"].as_str().unwrap_or("").to_string()
    })
}

/// main: an old key (added then removed), then a feature branch adding a key.
fn repo_with_feature() -> (Sandbox, String, String, String) {
    let s = Sandbox::git_repo();
    s.write("old.txt", fake_key("storage", 80));
    let old = s.commit("old key");
    s.write("old.txt", "rotated\n");
    let base = s.commit("remove it");
    s.git(&["checkout", "-q", "-b", "feature"]);
    s.write("src/new.py", format!("K = '{}'\n", fake_key("llm", 81)));
    let head = s.commit("feature");
    (s, old, base, head)
}

#[test]
fn a_pull_request_scans_base_to_head_only() {
    let (s, _, base, head) = repo_with_feature();
    let payload = json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "title": "a title with $(touch pwned) and `backticks`",
            "head": {"sha": head, "ref": "feature\"; touch pwned; #"},
            "base": {"sha": base, "ref": "main"}
        }
    });
    let run = run_action(&s, "pull_request", payload, &[]);
    assert_eq!(run.code, 1, "findings fail the step:\n{}", run.log);
    assert_eq!(run.outputs["mode"], "range");
    assert_eq!(run.outputs["range"], format!("{base}..{head}"));
    assert_eq!(run.outputs["findings"], "1");
    assert_eq!(run.outputs["category"], "wayscan/range");
    assert_eq!(results(&run), vec![("src/new.py".to_string(), head.clone())]);
    assert!(run.summary.contains("| wayscloud-api-key | 1 |"), "{}", run.summary);
    assert!(run.summary.contains("`src/new.py`"), "{}", run.summary);
    assert!(run.summary.contains("Revoke every key"), "{}", run.summary);
    assert!(!run.summary.contains(&fake_key("llm", 81)), "redacted in the summary");
    assert!(!s.join("pwned").exists() && !Path::new("pwned").exists());
}

#[test]
fn a_push_scans_before_to_after() {
    let (s, _, base, head) = repo_with_feature();
    let payload = json!({"ref": "refs/heads/feature", "before": base, "after": head, "forced": false,
        "repository": {"default_branch": "main"}});
    let run = run_action(&s, "push", payload, &[("fail-on-findings", "false")]);
    assert_eq!(run.code, 0, "fail-on-findings false:\n{}", run.log);
    assert_eq!(run.outputs["range"], format!("{base}..{head}"));
    assert_eq!(run.outputs["findings"], "1");
}

#[test]
fn a_new_branch_or_a_force_push_scans_from_the_merge_base_with_the_default_branch() {
    let (s, _, base, head) = repo_with_feature();
    let zeros = "0".repeat(40);
    let new_branch = json!({"ref": "refs/heads/feature", "before": zeros, "after": head, "forced": false,
        "repository": {"default_branch": "main"}});
    let run = run_action(&s, "push", new_branch, &[]);
    assert_eq!(run.outputs["range"], format!("{base}..{head}"), "{}", run.log);
    assert_eq!(results(&run), vec![("src/new.py".to_string(), head.clone())]);

    // A force push: `before` is not an ancestor of `after` any more.
    s.git(&["checkout", "-q", "main"]);
    s.git(&["checkout", "-q", "-b", "rewritten"]);
    s.write("other.txt", "x\n");
    let rewritten = s.commit("unrelated");
    let forced = json!({"ref": "refs/heads/feature", "before": rewritten, "after": head, "forced": true,
        "repository": {"default_branch": "main"}});
    let run = run_action(&s, "push", forced, &[]);
    assert_eq!(run.outputs["range"], format!("{base}..{head}"), "{}", run.log);
}

#[test]
fn schedule_and_dispatch_scan_the_whole_history_and_modes_can_be_forced() {
    let (s, old, _, head) = repo_with_feature();
    for event in ["schedule", "workflow_dispatch"] {
        let run = run_action(&s, event, json!({}), &[]);
        assert_eq!(run.outputs["mode"], "history", "{}", run.log);
        assert_eq!(run.outputs["category"], "wayscan/history");
        assert_eq!(
            results(&run),
            vec![
                ("old.txt".to_string(), old.clone()),
                ("src/new.py".to_string(), head.clone())
            ]
        );
    }
    let run = run_action(&s, "schedule", json!({}), &[("mode", "tree"), ("category", "secrets")]);
    assert_eq!(run.outputs["mode"], "tree");
    assert_eq!(run.outputs["category"], "secrets");
    assert_eq!(results(&run), vec![("src/new.py".to_string(), String::new())]);

    let run = run_action(&s, "schedule", json!({}), &[("mode", "range")]);
    assert_eq!(run.code, 2);
    assert!(
        run.log.contains("mode range needs a pull_request or push event"),
        "{}",
        run.log
    );
    let run = run_action(&s, "schedule", json!({}), &[("mode", "everything")]);
    assert_eq!(run.code, 2);
    assert!(
        run.log.contains("mode must be auto, tree, history or range"),
        "{}",
        run.log
    );
}

#[test]
fn a_clean_change_passes_with_an_empty_summary_table() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    let base = s.commit("a");
    s.write("b.txt", "b\n");
    let head = s.commit("b");
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let run = run_action(&s, "pull_request", payload, &[]);
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["findings"], "0");
    assert!(run.summary.contains("No findings."), "{}", run.summary);
    assert_eq!(run.report["runs"][0]["results"].as_array().map(Vec::len), Some(0));
}

#[test]
fn action_yml_passes_event_values_to_shell_steps_only_through_env() {
    let action = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml")).unwrap();
    let mut in_run = false;
    for line in action.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("run:") {
            in_run = true;
            assert!(!trimmed.contains("${{"), "template expression in run: {line}");
            continue;
        }
        if in_run && (trimmed.starts_with("- ") || trimmed.ends_with(':') && !line.starts_with("        ")) {
            in_run = false;
        }
        if in_run {
            assert!(!line.contains("${{"), "template expression in a run block: {line}");
        }
    }
    for input in [
        "path",
        "mode",
        "sarif-file",
        "fail-on-findings",
        "upload-sarif",
        "category",
        "verify",
        "version",
    ] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
    assert!(action.contains("github/codeql-action/upload-sarif"));
    assert!(action.contains("if: always()"));
}

/// Runs `action.sh COMMAND` with `INPUT_VERSION`; (exit code, log, GITHUB_OUTPUT).
fn run_step(command: &str, version: &str, path: &str) -> (i32, String, String) {
    let runner = tempfile::tempdir().unwrap();
    let output = runner.path().join("output");
    std::fs::write(&output, "").unwrap();
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh"))
        .arg(command)
        .env("PATH", path)
        .env("INPUT_VERSION", version)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", runner.path().join("path"))
        .env("RUNNER_TEMP", runner.path())
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        output_text(&out),
        std::fs::read_to_string(&output).unwrap(),
    )
}

#[test]
fn the_cache_key_follows_the_sources_and_install_checks_its_version_input() {
    let (code, log, output) = run_step("cache-key", "source", &path_with_wayscan());
    assert_eq!(code, 0, "{log}");
    let key = output
        .trim()
        .strip_prefix("key=wayscan-")
        .unwrap_or_else(|| panic!("{output}"));
    let digest = key.rsplit('-').next().unwrap();
    assert_eq!(digest.len(), 32, "{key}");
    assert!(digest.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    let (_, _, again) = run_step("cache-key", "source", &path_with_wayscan());
    assert_eq!(output, again, "the same sources give the same key");
    let (_, _, tagged) = run_step("cache-key", "v0.1.0", &path_with_wayscan());
    assert!(tagged.trim().ends_with("-v0.1.0"), "{tagged}");

    let (code, log, _) = run_step("install", "path", &path_with_wayscan());
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("wayscan 0."), "{log}");
    let (code, log, _) = run_step("install", "path", "/usr/bin:/bin");
    assert_eq!(code, 2);
    assert!(log.contains("wayscan is not on PATH"), "{log}");
    let (code, log, _) = run_step("install", "latest; rm -rf /", &path_with_wayscan());
    assert_eq!(code, 2);
    assert!(log.contains("version must be source, path or a tag"), "{log}");
}

#[test]
fn verify_marks_live_keys_in_the_summary_and_the_sarif() {
    let (s, _, base, head) = repo_with_feature();
    let live = fake_key("llm", 81);
    let api = crate::fake_api::FakeApi::start(move |token, _| {
        crate::fake_api::Reply::status(if token == live { 200 } else { 401 })
    });
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let run = run_action_env(
        &s,
        "pull_request",
        payload,
        &[("verify", "true")],
        &[("WAYSCLOUD_API_URL", api.url.as_str())],
    );
    assert_eq!(run.code, 1, "{}", run.log);
    assert!(
        run.summary.contains("**1 key is live: revoke it first.**"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("| live |"), "{}", run.summary);
    let result = &run.report["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert_eq!(result["properties"]["verification"], "live");
    assert_eq!(api.seen().len(), 1);
    let run = run_action(&s, "schedule", json!({}), &[("verify", "maybe")]);
    assert_eq!(run.code, 2);
}

#[test]
fn a_pull_request_that_edits_the_configuration_is_noted_and_still_scanned_by_the_base_rules() {
    let s = Sandbox::git_repo();
    s.write(".wayscan.toml", "exclude = [\"docs/**\"]\n");
    let base = s.commit("base");
    s.write("src/key.py", format!("K = '{}'\n", fake_key("dns", 140)));
    s.write(".wayscan.toml", "exclude = [\"docs/**\", \"src/**\"]\n");
    let head = s.commit("hide a key");
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let run = run_action(&s, "pull_request", payload, &[]);
    assert_eq!(run.code, 1, "{}", run.log);
    assert_eq!(results(&run), vec![("src/key.py".to_string(), head.clone())]);
    assert!(
        run.summary.contains("this change edits `.wayscan.toml`"),
        "{}",
        run.summary
    );
    assert!(run.log.contains("note: this change edits .wayscan.toml"), "{}", run.log);
}

#[test]
fn unread_input_fails_the_step_and_the_summary_names_it() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    s.commit("a");
    s.write("config.txt", "settings that git stores as a loose object\n");
    s.commit("config");
    // Damage the blob's loose object: its bytes no longer inflate.
    let blob = s.git(&["rev-parse", "HEAD:config.txt"]).trim().to_string();
    let object = s.join(&format!(".git/objects/{}/{}", &blob[..2], &blob[2..]));
    crate::sandbox::make_writable(&object);
    std::fs::write(&object, b"not zlib at all").unwrap();
    let run = run_action(&s, "schedule", json!({}), &[]);
    assert_eq!(run.code, 2, "{}", run.log);
    assert_eq!(run.outputs["findings"], "0");
    assert!(run.summary.contains("The scan did not complete"), "{}", run.summary);
    assert!(
        run.summary.contains("config.txt"),
        "the summary names what was not read: {}",
        run.summary
    );
    assert!(!run.summary.contains("No findings."), "{}", run.summary);
}

/// The SARIF's own `automationDetails.id` is what code scanning files an analysis
/// under (the upload step's `category` is ignored when it is there). Before, every
/// scan wrote `wayscan/history/`, so each push replaced the weekly analysis and
/// closed its alerts as fixed. A pull request, a push and a schedule each get their
/// own, and the `category` input reaches the SARIF.
#[test]
fn pull_requests_pushes_and_schedules_file_their_sarif_under_distinct_categories() {
    let (s, _, base, head) = repo_with_feature();
    let id = |run: &ActionRun| {
        run.report["runs"][0]["automationDetails"]["id"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let pr = run_action(
        &s,
        "pull_request",
        json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}}),
        &[],
    );
    let push = run_action(
        &s,
        "push",
        json!({"ref": "refs/heads/feature", "before": base, "after": head, "repository": {"default_branch": "main"}}),
        &[("mode", "tree")],
    );
    let schedule = run_action(&s, "schedule", json!({}), &[]);
    let ids = [id(&pr), id(&push), id(&schedule)];
    assert_eq!(
        ids,
        ["wayscan/range/", "wayscan/tree/", "wayscan/history/"],
        "{}",
        schedule.log
    );
    let named = run_action(&s, "schedule", json!({}), &[("category", "secrets/weekly")]);
    assert_eq!(id(&named), "secrets/weekly/");
    assert_eq!(named.outputs["category"], "secrets/weekly");
}

/// With `format: text` the step counted findings by reading the text report: a key in
/// a file named `0 findings in x` passed with `findings=0`, and the summary always
/// said "No findings". The outcome comes from the exit code and a JSON report.
#[test]
fn the_step_outcome_never_depends_on_the_report_format() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    let base = s.commit("a");
    s.write("0 findings in x", format!("K = '{}'\n", fake_key("dns", 82)));
    let head = s.commit("b");
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    for format in ["text", "json", "sarif"] {
        let run = run_action(&s, "pull_request", payload.clone(), &[("format", format)]);
        assert_eq!(run.code, 1, "{format}: {}", run.log);
        assert_eq!(run.outputs["findings"], "1", "{format}");
        assert!(
            run.summary.contains("| wayscloud-api-key | 1 |"),
            "{format}: {}",
            run.summary
        );
        assert!(!run.summary.contains("No findings"), "{format}: {}", run.summary);
    }
}

/// A committed baseline reaches the Action: through the project's `baseline` key
/// (read from the base commit for a pull request), or the `baseline` input.
#[test]
fn the_action_applies_the_baseline_of_the_project_or_its_input() {
    let s = Sandbox::git_repo();
    s.write("old.py", format!("K = '{}'\n", fake_key("gpu", 83)));
    s.commit("an accepted key");
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    s.write(".wayscan.toml", "baseline = \".wayscan-baseline.json\"\n");
    let base = s.commit("baseline");
    let run = run_action(&s, "schedule", json!({}), &[]);
    assert_eq!(
        run.code, 0,
        "the accepted finding does not fail the weekly scan: {}",
        run.log
    );
    assert_eq!(run.outputs["findings"], "0");

    s.write("new.py", format!("K = '{}'\n", fake_key("gpu", 84)));
    let head = s.commit("a new key");
    let payload = json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}});
    let run = run_action(&s, "pull_request", payload, &[]);
    assert_eq!(run.code, 1, "{}", run.log);
    assert_eq!(results(&run), vec![("new.py".to_string(), head.clone())]);

    // Without the key, the input names the file.
    s.write(".wayscan.toml", "");
    s.commit("no key");
    let run = run_action(&s, "schedule", json!({}), &[]);
    assert_eq!(run.outputs["findings"], "2", "{}", run.log);
    let run = run_action(&s, "schedule", json!({}), &[("baseline", ".wayscan-baseline.json")]);
    assert_eq!(run.outputs["findings"], "1", "{}", run.log);
}

/// A fake release on a loopback HTTP server: the archive `action.sh` expects (a
/// stand-in binary inside) and a checksums file made by `checksums`.
struct FakeRelease {
    /// Held so the served files outlive the test's requests.
    _dir: tempfile::TempDir,
    url: String,
}

fn fake_release(version: &str, checksums: impl Fn(&str, &str) -> String) -> FakeRelease {
    let dir = tempfile::tempdir().unwrap();
    let target = "x86_64-unknown-linux-musl";
    let name = format!("wayscan-{version}-{target}");
    let release = dir.path().join(version);
    std::fs::create_dir_all(release.join(&name)).unwrap();
    // A stand-in binary: what the test checks is what was installed, and how.
    std::fs::write(
        release.join(&name).join("wayscan"),
        format!("#!/bin/sh\necho 'wayscan {} (release stand-in)'\n", &version[1..]),
    )
    .unwrap();
    let archive = format!("{name}.tar.gz");
    let tar = Command::new("tar")
        .args(["-czf", &archive, &name])
        .current_dir(&release)
        .status()
        .unwrap();
    assert!(tar.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .current_dir(&release)
        .output()
        .unwrap();
    let sum = String::from_utf8_lossy(&sum.stdout)
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        release.join(format!("wayscan-{version}-checksums.txt")),
        checksums(&sum, &archive),
    )
    .unwrap();
    let url = crate::fake_api::serve_dir(dir.path().to_path_buf());
    FakeRelease { _dir: dir, url }
}

/// `action.sh install` for `version` from `release`; (exit code, log, installed).
fn install_from(release: &FakeRelease, version: &str) -> (i32, String, bool) {
    let runner = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/action.sh"))
        .arg("install")
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("INPUT_VERSION", version)
        .env("RUNNER_TEMP", runner.path())
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("WAYSCAN_RELEASE_BASE_URL", &release.url)
        .env_remove("GITHUB_PATH")
        .output()
        .expect("bash runs");
    let installed = runner.path().join("wayscan/bin/wayscan").exists();
    (out.status.code().unwrap_or(-1), output_text(&out), installed)
}

/// The Action downloads a release binary instead of compiling: the archive's SHA-256
/// must match the release's checksums file, or nothing is installed (fail closed).
#[test]
fn the_action_installs_a_release_only_when_its_checksum_matches() {
    let good = fake_release("v9.9.9", |sum, name| {
        format!("{sum}  {name}\n{}  other.tar.gz\n", "0".repeat(64))
    });
    let (code, log, installed) = install_from(&good, "v9.9.9");
    assert_eq!(code, 0, "{log}");
    assert!(installed && log.contains("wayscan 9.9.9 (release stand-in)"), "{log}");

    let forged = fake_release("v9.9.9", |_, name| format!("{}  {name}\n", "ab".repeat(32)));
    let (code, log, installed) = install_from(&forged, "v9.9.9");
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("does not match the release's SHA-256"), "{log}");
    assert!(!installed, "nothing is installed after a mismatch");

    let missing = fake_release("v9.9.9", |sum, _| format!("{sum}  something-else.tar.gz\n"));
    let (code, log, installed) = install_from(&missing, "v9.9.9");
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("have no SHA-256 for"), "{log}");
    assert!(!installed);

    let (code, log, installed) = install_from(&good, "v1.2.3");
    assert_eq!(code, 2, "a release that does not exist: {log}");
    assert!(log.contains("cannot download"), "{log}");
    assert!(!installed);
}
