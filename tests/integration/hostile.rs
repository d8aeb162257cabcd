//! Attacks by a scanned repository on the person running wayscan, each reproduced
//! with a real repository and loopback listeners, and shown not to work.

use crate::fake_api::{FakeApi, Reply};
use crate::sandbox::Sandbox;
use wayscan::testkeys::fake_key;

/// A rule that finds WAYSCloud keys under another id and sends each to `path`.
fn exfiltrating_rule(path: &str) -> String {
    format!(
        r#"[[rules]]
id = "collector"
name = "Collector"
description = "finds keys"
severity = "high"
keywords = ["wayscloud_"]
regex = '''(?P<secret>wayscloud_(?P<service>[a-z]+)_(?P<key_id>[a-z0-9]{{8}})_[A-Za-z0-9]{{16,}})'''
properties = ["service", "key_id"]
message = "key"
remediation = "none"
verify = {{ path = "{path}", checked_service = "storage" }}
"#
    )
}

/// `.wayscan.toml` names a rule file in the repository whose `verify.path` turns the
/// API URL `http://127.0.0.1:API` into `http://127.0.0.1:API@127.0.0.1:ATTACKER/…`.
/// The scan must refuse the rule file before any key is sent anywhere.
#[test]
fn a_project_rule_file_cannot_send_keys_to_a_host_it_chooses() {
    let api = FakeApi::start(|_, _| Reply::status(200));
    let attacker = FakeApi::start(|_, _| Reply::status(401));
    let attacker_authority = attacker.url.trim_start_matches("http://").to_string();
    let key = fake_key("storage", 201);

    for path in [format!("@{attacker_authority}/collect"), "/v1/storage/".to_string()] {
        let s = Sandbox::git_repo();
        s.write("app.py", format!("KEY = '{key}'\n"));
        s.write(".wayscan.toml", "rules = [\"ci/rules.toml\"]\n");
        s.write("ci/rules.toml", exfiltrating_rule(&path));
        s.commit("init");
        for command in [&["scan", "."][..], &["history", "."][..]] {
            let args = [command, &["--verify", "--api-url", &api.url]].concat();
            let run = s.run(&args);
            run.assert_stderr(2, "ci/rules.toml");
            // The path is refused as a path first; a plain one for being in the project.
            let why = if path.starts_with('@') {
                "must start with a single '/'"
            } else {
                "may not have a verify or revoke section"
            };
            assert!(run.stderr.contains(why), "{}", run.stderr);
            assert!(!run.stderr.contains(&key) && !run.stdout.contains(&key));
        }
    }
    assert_eq!(attacker.seen(), vec![], "no request reached the other listener");
    assert_eq!(api.seen(), vec![], "nothing was verified with a refused configuration");
}

/// The same rule on the command line is the user's own choice, but its path is still
/// a path: anything a URL parser could read as another host is refused.
#[test]
fn an_api_path_that_could_name_another_host_is_refused_everywhere() {
    let s = Sandbox::new();
    for path in [
        "@evil.example/x",
        "//evil.example/x",
        "v1/x",
        "/v1/x?u=1",
        "/v1\\x",
        "/v1/#x",
        "/../x",
        "/v1/ x",
    ] {
        s.write("rules.toml", exfiltrating_rule(&path.replace('\\', "\\\\")));
        let run = s.run(&["rules", "list", "--rules", "rules.toml"]);
        run.assert_stderr(2, "API path");
    }
    s.write("rules.toml", exfiltrating_rule("/v1/storage/"));
    let run = s.run(&["rules", "list", "--rules", "rules.toml"]);
    assert_eq!(run.code, 0, "a plain path is accepted: {}", run.stderr);
    assert!(run.stdout.contains("collector"), "{}", run.stdout);
}

/// `--fix-gitignore` appended through a `.gitignore` that was a symlink, for
/// example to the user's `~/.bashrc`.
#[cfg(unix)]
#[test]
fn fix_gitignore_does_not_write_through_a_symlinked_gitignore() {
    let s = Sandbox::git_repo();
    let outside = tempfile::tempdir().unwrap();
    let bashrc = outside.path().join(".bashrc");
    std::fs::write(&bashrc, "export PATH=$HOME/bin:$PATH\n").unwrap();
    std::os::unix::fs::symlink(&bashrc, s.join(".gitignore")).unwrap();
    s.write(".env", "DEBUG=1\n");
    let run = s.run(&["scan", "--fix-gitignore", "-q"]);
    assert_eq!(run.code, 1, "the .env finding stays: {}", run.stderr);
    assert!(
        run.stderr.contains("cannot update .gitignore") && run.stderr.contains("symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&bashrc).unwrap(),
        "export PATH=$HOME/bin:$PATH\n"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
}

/// A `.env` file named `.env.local;touch PWNED`: the advice quoted it unquoted, so
/// pasting the suggested command ran the rest of the name. Names with gitignore
/// wildcards get lines that match only themselves.
#[test]
fn file_names_reach_the_advice_quoted_and_gitignore_lines_escaped() {
    let s = Sandbox::git_repo();
    s.write(".env.local;touch PWNED", "DEBUG=1\n");
    s.git(&["add", "--", ".env.local;touch PWNED"]);
    s.write("app/.env.[prod]", "DEBUG=1\n");
    let run = s.run(&["scan", "--format", "json", "--fix-gitignore"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let advice: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["remediation"].as_str().unwrap().to_string())
        .collect();
    assert!(
        advice
            .iter()
            .any(|a| a.contains("git rm --cached ':/.env.local;touch PWNED'")),
        "{advice:?}"
    );
    assert!(
        !advice.iter().any(|a| a.contains("cached .env.local;touch")),
        "{advice:?}"
    );
    let gitignore = std::fs::read_to_string(s.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "/app/.env.\\[prod]"), "{gitignore}");
    assert!(s.git_may_fail(&["check-ignore", "-q", "--no-index", "--", "app/.env.[prod]"]));
    // Unescaped, `[prod]` would be a character class and hide `.env.p` too.
    s.write("app/.env.p", "DEBUG=1\n");
    assert!(
        !s.git_may_fail(&["check-ignore", "-q", "--no-index", "--", "app/.env.p"]),
        "the line matches only its own name: {gitignore}"
    );
    assert!(!s.join("PWNED").exists());
}

/// `wayscan import gitleaks` and `wayscan config init` wrote through a dangling
/// `.wayscan.toml` symlink a repository committed, creating the file it names.
#[cfg(unix)]
#[test]
fn import_and_config_init_do_not_write_through_a_dangling_symlink() {
    let s = Sandbox::git_repo();
    let outside = tempfile::tempdir().unwrap();
    let planted = outside.path().join("profile.d-wayscan.sh");
    std::os::unix::fs::symlink(&planted, s.join(".wayscan.toml")).unwrap();
    s.write(
        ".gitleaks.toml",
        "title = \"t\"\n[[rules]]\nid = \"demo\"\nregex = '''demo_[a-z0-9]{16}'''\nkeywords = [\"demo_\"]\n",
    );
    for args in [
        &["import", "gitleaks", "--force"][..],
        &["config", "init", "--force"][..],
    ] {
        let run = s.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("symbolic link"), "{args:?}: {}", run.stderr);
        assert!(!planted.exists(), "{args:?} created the file the link names");
    }
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

/// `rules = ["/proc/self/environ"]` in `.wayscan.toml` made the rule file's parse
/// error quote the whole environment into the CI log; `../` and links reached the
/// user's other files the same way.
#[test]
fn a_project_cannot_make_wayscan_read_files_outside_the_repository() {
    let s = Sandbox::git_repo();
    let outside = tempfile::tempdir().unwrap();
    let marker = "NOT_FOR_LOGS_7f3a9c1e55d04b2b";
    std::fs::write(
        outside.path().join("credentials"),
        format!("[default]\naws_secret_access_key = {marker}\n"),
    )
    .unwrap();
    let relative = format!(
        "../{}/credentials",
        outside.path().file_name().unwrap().to_string_lossy()
    );
    let up = s.join("x").parent().unwrap().parent().unwrap().join(&relative[3..]);
    assert!(up.exists(), "the test's outside file is reachable as {relative}");
    let mut cases = vec![format!("rules = [{relative:?}]\n")];
    if cfg!(target_os = "linux") {
        cases.push("rules = [\"/proc/self/environ\"]\n".to_string());
    }
    for config in cases {
        s.write(".wayscan.toml", &config);
        let run = s.run_with_env(&["scan", "-q"], &[("WAYSCAN_TEST_MARKER", marker)]);
        assert_eq!(run.code, 2, "{config}: {}", run.stderr);
        assert!(
            run.stderr.contains("outside the repository"),
            "{config}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains(marker) && !run.stdout.contains(marker),
            "{config}: {}",
            run.stderr
        );
    }
    // The configuration itself, a link to a file outside: not read.
    std::fs::remove_file(s.join(".wayscan.toml")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("credentials"), s.join(".wayscan.toml")).unwrap();
        let run = s.run(&["scan", "-q"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("outside the repository"), "{}", run.stderr);
        assert!(!run.stderr.contains(marker), "{}", run.stderr);
        std::fs::remove_file(s.join(".wayscan.toml")).unwrap();
    }
    // A mistake in the repository's own file names the line, not its content.
    s.write(".wayscan.toml", format!("exclude = \"{marker}\"\n"));
    let run = s.run(&["scan", "-q"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".wayscan.toml: line 1, column 11"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(marker), "{}", run.stderr);
}

/// Without `HOME`, the audit cloned into `/tmp/wayscan`, where another user could
/// plant a cache repository with `ext::` remote configuration.
#[test]
fn an_audit_without_a_home_never_clones_into_a_shared_folder() {
    let s = Sandbox::new();
    s.write("list.txt", "https://127.0.0.1:9/org/repo.git\n");
    let out = crate::sandbox::command(env!("CARGO_BIN_EXE_wayscan"))
        .args(["audit", "list.txt", "-o", "out"])
        .current_dir(s.path())
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no cache directory for the clone"), "{stderr}");
    assert!(!stderr.contains("clone failed"), "nothing was cloned: {stderr}");
}

/// A forged shard's slug `../../x` made `wayscan merge` write files outside its
/// output folder.
#[test]
fn merge_refuses_a_forged_slug() {
    let s = Sandbox::new();
    s.write("fleet/svc/app.py", "print('hello')\n");
    crate::sandbox::command("git")
        .args(["init", "-q"])
        .current_dir(s.join("fleet/svc"))
        .status()
        .unwrap();
    let run = s.run(&["audit", "fleet", "-o", "shard"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let index_file = s.join("shard/index.json");
    let mut index: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&index_file).unwrap()).unwrap();
    index["repositories"][0]["slug"] = "../../victim".into();
    std::fs::write(&index_file, index.to_string()).unwrap();
    // What merged/repos/../../victim.json names (and shard/repos/../../, the copy's
    // source): a file beside the output folders.
    s.write("victim.json", "keep me\n");
    let run = s.run(&["merge", "shard", "-o", "merged"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("is not a repository slug"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(s.join("victim.json")).unwrap(), "keep me\n");
}

/// `-j 5000` spun for minutes; it is capped at four threads per core, with a warning.
#[test]
fn thread_counts_are_capped_at_four_per_core() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "nothing\n");
    let cap = 4 * std::thread::available_parallelism().map_or(1, |n| n.get());
    let run = s.run(&["scan", "-j", "5000", "-q"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("-j 5000 is more than 4 threads per core") && run.stderr.contains(&format!("using {cap}")),
        "{}",
        run.stderr
    );
    let run = s.run(&["scan", "-j", &cap.to_string(), "-q"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

/// A key given to `check-key` as an argument appeared in clap's error, in full.
#[test]
fn check_key_refuses_a_key_on_the_command_line_without_echoing_it() {
    let s = Sandbox::new();
    let key = fake_key("storage", 96);
    for args in [
        vec!["check-key", key.as_str()],
        vec!["check-key", "--verify", "--", key.as_str()],
    ] {
        let run = s.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("never as an argument"), "{}", run.stderr);
        let secret_part = &key[key.len() - 20..];
        assert!(
            !run.stderr.contains(secret_part) && !run.stdout.contains(secret_part),
            "{}",
            run.stderr
        );
    }
}

/// A rule's `properties` could name the secret group (or a group around it), and
/// the SARIF, which never holds a secret, then carried the raw key.
#[test]
fn a_rule_cannot_carry_the_secret_out_as_a_property() {
    let s = Sandbox::git_repo();
    let key = fake_key("storage", 97);
    s.write("app.py", format!("k = \"{key}\"\n"));
    let rule = |regex: &str, property: &str| {
        format!(
            "[[rules]]\nid = \"leaky\"\nname = \"Leaky\"\ndescription = \"d\"\nseverity = \"high\"\n\
             keywords = [\"wayscloud_\"]\nregex = '''{regex}'''\nproperties = [\"{property}\"]\n\
             message = \"m\"\nremediation = \"r\"\n"
        )
    };
    s.write(
        "named.toml",
        rule("(?P<secret>wayscloud_[a-z]+_[a-z0-9]{8}_[A-Za-z0-9]{16,})", "secret"),
    );
    let run = s.run(&["scan", "--rules", "named.toml", "-q"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("property 'secret' is the secret group"),
        "{}",
        run.stderr
    );
    s.write(
        "around.toml",
        rule(
            "(?P<whole>(?P<secret>wayscloud_[a-z]+_[a-z0-9]{8}_[A-Za-z0-9]{16,}))",
            "whole",
        ),
    );
    let run = s.run(&["scan", "--rules", "around.toml", "--format", "sarif", "-o", "out.sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = std::fs::read_to_string(s.join("out.sarif")).unwrap();
    assert!(sarif.contains("\"leaky\""), "the rule found the key");
    assert!(!sarif.contains(&key[key.len() - 20..]), "no raw key in the SARIF");
}

/// A committed baseline or an uploaded report named a weak password by its plain
/// SHA-256 fingerprint: ten guesses found it. A project made by `config init` has a
/// salt, and its fingerprints and leak ids are keyed by it: the plain recipe confirms
/// no guess. Every mode still names the leak alike, and the baseline still holds.
#[test]
fn fingerprints_of_a_salted_project_do_not_confirm_a_guessed_secret() {
    let s = Sandbox::git_repo();
    let key = fake_key("storage", 71);
    s.write("app.py", format!("k = \"{key}\"\n"));
    s.commit("init");
    let (_, plain) = s.scan_json(&[]);
    let plain_id = plain["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    // Without a salt the fingerprint is the plain recipe (the documented trade-off).
    assert_eq!(
        plain_id,
        wayscan::model::fingerprint("wayscloud-api-key", &key, "app.py")
    );

    let run = s.run(&["config", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = std::fs::read_to_string(s.join(".wayscan.toml")).unwrap();
    let salt_line = config.lines().find(|l| l.starts_with("fingerprint_salt = ")).unwrap();
    s.commit("configure");
    let (run, tree) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let salted = tree["findings"][0]["fingerprint"].as_str().unwrap().to_string();
    assert_ne!(salted, plain_id, "the plain recipe confirms the secret");
    let (_, history) = s.json_of("history", &[]);
    assert_eq!(history["findings"][0]["fingerprint"], salted.as_str());
    s.write("more.py", format!("k = \"{key}\"\n"));
    s.git(&["add", "more.py"]);
    let (_, staged) = s.json_of("staged", &[]);
    let staged: Vec<&str> = staged["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(staged.len(), 1, "the staged file only");
    assert_ne!(staged[0], salted, "another path is another finding");
    s.git(&["rm", "-q", "--cached", "more.py"]);
    std::fs::remove_file(s.join("more.py")).unwrap();

    // The leak id (SARIF correlationGuid) is keyed too: one repeated key has one.
    s.write("copy.py", format!("k = \"{key}\"\n"));
    let run = s.run(&["scan", ".", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let guids: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["correlationGuid"].as_str().unwrap())
        .collect();
    assert_eq!(guids.len(), 2);
    assert_eq!(guids[0], guids[1]);
    let plain_leak = wayscan::model::digest(&["leak", "wayscloud-api-key", &key]);
    assert_ne!(guids[0].replace('-', ""), plain_leak);
    std::fs::remove_file(s.join("copy.py")).unwrap();

    // A baseline made under the salt holds; another salt renames every finding.
    assert_eq!(s.run(&["baseline", "create"]).code, 0);
    let baseline = std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap();
    assert!(
        baseline.contains(&salted) && !baseline.contains(&plain_id),
        "{baseline}"
    );
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json", "-q"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let other = config.replace(salt_line, "fingerprint_salt = \"00112233445566778899aabbccddeeff\"");
    s.write(".wayscan.toml", other);
    let run = s.run(&["scan", ".", "--baseline", ".wayscan-baseline.json", "-q"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);

    // Each `config init` makes its own salt; a malformed one is refused by name.
    let t = Sandbox::git_repo();
    assert_eq!(t.run(&["config", "init"]).code, 0);
    let theirs = std::fs::read_to_string(t.join(".wayscan.toml")).unwrap();
    assert!(!theirs.contains(salt_line));
    t.write(".wayscan.toml", "fingerprint_salt = \"0123\"\n");
    t.run(&["scan", "."])
        .assert_stderr(2, "fingerprint_salt: must be at least 32 hexadecimal digits");
}

/// A forged report given to `revoke` carried terminal escapes and line breaks in its
/// paths, services and key ids, and the listing printed them raw: they reach the
/// terminal (or a CI log, as forged lines) escaped.
#[test]
fn revoke_listings_of_a_forged_report_echo_nothing_raw() {
    let s = Sandbox::new();
    let finding = |key_id: &str, path: &str, service: &str, status: &str| {
        serde_json::json!({
            "rule_id": "wayscloud-api-key",
            "path": path,
            "line": 1,
            "properties": {"key_id": key_id, "service": service},
            "verification": {"status": status},
        })
    };
    let report = serde_json::json!({
        "schema": "wayscan-report/1",
        "findings": [
            finding("abcd1234", "app\u{1b}]0;owned\u{7}.py\n::error::forged", "stor\u{1b}[2Jage", "live"),
            finding("bad\u{1b}[31mid", "x.py", "llm", "live"),
        ],
    });
    s.write("report.json", report.to_string());
    // No management token: it lists, then gives the manual steps; nothing is sent.
    let run = s.run_with_env(
        &["revoke", "--report", "report.json", "--api-url", "http://127.0.0.1:9"],
        &[("WAYSCLOUD_MANAGEMENT_TOKEN", "")],
    );
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
    assert!(!all.lines().any(|l| l.starts_with("::error::")), "{all}");
    assert!(
        all.contains("app\\u{1b}]0;owned\\u{7}.py\\u{a}::error::forged:1"),
        "{all}"
    );
    assert!(all.contains("left alone: key bad\\u{1b}[31mid"), "{all}");
}

/// Errors about a configuration quoted it: a regex that does not compile was drawn in
/// full (with a key in it, in a public CI log), as was the line of a TOML error in a
/// rule file. They name the file, the place and the reason only.
#[test]
fn configuration_errors_never_quote_what_the_file_holds() {
    let key = fake_key("storage", 72);
    let s = Sandbox::git_repo();
    s.write(".wayscan.toml", format!("[allowlist]\nregexes = ['({key}']\n"));
    let run = s.run(&["scan", "."]);
    run.assert_stderr(2, "allowlist.regexes[0]: invalid regex: unclosed group");
    assert!(!run.stderr.contains(&key[10..]), "{}", run.stderr);

    s.write(".wayscan.toml", "rules = [\"team.toml\"]\n");
    s.write(
        "team.toml",
        format!("[[rules]]\nid = \"team\"\nregex = \"{key}\" oops\n"),
    );
    let run = s.run(&["scan", "."]);
    run.assert_stderr(2, "team.toml");
    assert!(run.stderr.contains("line 3, column"), "{}", run.stderr);
    assert!(!run.stderr.contains(&key[10..]), "{}", run.stderr);

    let rule = exfiltrating_rule("/v1/keys/verify").replace("verify = {", "# verify = {");
    s.write(
        "team.toml",
        rule.replace("[a-z0-9]{8}", &format!("[a-z0-9]{{8}}({key}")),
    );
    let run = s.run(&["scan", "."]);
    run.assert_stderr(2, "invalid regex: unclosed group");
    assert!(!run.stderr.contains(&key[10..]), "{}", run.stderr);
}

/// `HTTP_PROXY` was honoured for the key API without a word. The environment is the
/// user's, so a proxy still applies, but wayscan says which one; and an API on this
/// machine, reached over plain http, never goes through one (the proxy would read
/// the key).
#[test]
fn the_proxy_keys_go_through_is_named_and_never_used_for_plain_http() {
    let api = FakeApi::start(|_, _| Reply::status(200));
    let proxy = FakeApi::start(|_, _| Reply::status(502));
    let key = fake_key("storage", 73);
    let s = Sandbox::git_repo();
    s.write("app.py", format!("KEY = '{key}'\n"));
    s.commit("init");
    let env = [("HTTP_PROXY", proxy.url.as_str()), ("ALL_PROXY", proxy.url.as_str())];
    let run = s.run_with_env(&["scan", ".", "--verify", "--api-url", &api.url, "-q"], &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(api.count(&key), 1, "asked directly: {}", run.stderr);
    assert_eq!(proxy.seen(), vec![], "the proxy never saw a plain-http request");
    assert!(!run.stderr.contains("proxy"), "{}", run.stderr);

    // An https API goes through the proxy, and the user is told. (The fake proxy
    // refuses the tunnel, so the key stays unknown; it never reaches the proxy in
    // the clear: CONNECT carries only the host.)
    let run = s.run_with_env(
        &[
            "scan",
            ".",
            "--verify",
            "--api-url",
            "https://api.wayscan-test.invalid",
            "-q",
        ],
        &[("HTTPS_PROXY", proxy.url.as_str())],
    );
    let authority = proxy.url.trim_start_matches("http://");
    assert!(
        run.stderr.contains(&format!("go through the proxy {authority}")),
        "{}",
        run.stderr
    );
    assert_eq!(proxy.count(&key), 0, "the key never reached the proxy in the clear");
}

/// An API's 401 was cached by key alone, for 24 hours and every repository: one
/// answer from another API (a test server, or one a configuration chose) marked the
/// live key "revoked" everywhere. Answers are kept by API origin and key.
#[test]
fn a_verdict_from_one_api_is_never_reused_for_another() {
    let other = FakeApi::start(|_, _| Reply::status(401));
    let api = FakeApi::start(|_, _| Reply::status(200));
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let key = fake_key("storage", 75);
    let s = Sandbox::git_repo();
    s.write("app.py", format!("KEY = '{key}'\n"));
    s.commit("init");
    let status = |url: &str| {
        let run = s.run_with_env(&["scan", ".", "--verify", "--api-url", url, "--format", "json"], &env);
        run.json()["findings"][0]["verification"]["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status(&other.url), "revoked");
    assert_eq!(status(&api.url), "live", "the other API's answer was not reused");
    assert_eq!(api.count(&key), 1);
    assert_eq!(status(&other.url), "revoked");
    assert_eq!(other.count(&key), 1, "each API's own answer is reused");
}

/// A gitleaks allowlist regex holding line breaks was written raw into the imported
/// `.wayscan.toml`, so a shared gitleaks configuration could add keys of its own
/// (here a table that turns a rule off). The written file holds it as one value.
#[test]
fn an_imported_regex_cannot_write_lines_of_its_own() {
    let s = Sandbox::git_repo();
    s.write(
        ".gitleaks.toml",
        "[allowlist]\nregexes = [\"\"\"abc\ndisable_rules = [\\\"wayscloud\\\"]\n[x]\"\"\"]\n",
    );
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(s.join(".wayscan.toml")).unwrap();
    let table: toml::Table = toml::from_str(&written).unwrap();
    let keys: Vec<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(keys, ["allowlists", "fingerprint_salt"], "no key of its own: {written}");
    assert_eq!(
        table["allowlists"][0]["regexes"][0].as_str(),
        Some("abc\ndisable_rules = [\"wayscloud\"]\n[x]"),
        "kept as one value"
    );
    // What it wrote loads, and still finds keys.
    s.write("app.py", format!("KEY = '{}'\n", fake_key("llm", 76)));
    let scan = s.run(&["scan", ".", "-q"]);
    assert_eq!(scan.code, 1, "{}", scan.stderr);
}

/// `https://user:pa/ss@host/repo` in an audit list: the `/` in the password ended the
/// user information early, and the rest of the password reached the output.
#[test]
fn an_audit_never_shows_a_password_holding_a_slash() {
    let s = Sandbox::new();
    let cache = s.join("cache");
    s.write(
        "repos.txt",
        "https://auditor:hunter2/pass@127.0.0.1:9/org/private.git\n",
    );
    let run = s.run(&["audit", "repos.txt", "-o", "out", "--cache", cache.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("org/private"), "{}", run.stderr);
    let mut written = String::new();
    for entry in walk_files(&s.join("out")) {
        written.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
    }
    for said in [&run.stdout, &run.stderr, &written] {
        assert!(!said.contains("hunter2") && !said.contains("/pass@"), "{said}");
    }
}

fn walk_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.file_type().is_ok_and(|t| t.is_dir()) {
                true => stack.push(entry.path()),
                false => found.push(entry.path()),
            }
        }
    }
    found
}
