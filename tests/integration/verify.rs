//! `--verify` against a scripted API on 127.0.0.1: what each answer means, how often a
//! key is sent, the cache, and that no key leaks into any output.

use crate::fake_api::{FakeApi, Reply};
use crate::sandbox::{sarif_results, Sandbox};
use std::time::Duration;
use wayscan::testkeys::fake_key;

/// One key per behaviour, each in its own file.
struct Keys {
    live: String,
    other_service: String,
    revoked: String,
    rate_limited: String,
    flaky: String,
    slow: String,
    redirected: String,
}

fn keys() -> Keys {
    Keys {
        live: fake_key("storage", 90),
        other_service: fake_key("llm", 91),
        revoked: fake_key("dns", 92),
        rate_limited: fake_key("gpu", 93),
        flaky: fake_key("database", 94),
        slow: fake_key("storage", 95),
        redirected: fake_key("storage", 96),
    }
}

/// The API: each key answers as its name says; the redirect points at `elsewhere`.
fn api(k: &Keys, elsewhere: &str) -> FakeApi {
    let (live, other, revoked, limited, flaky, slow, redirected) = (
        k.live.clone(),
        k.other_service.clone(),
        k.revoked.clone(),
        k.rate_limited.clone(),
        k.flaky.clone(),
        k.slow.clone(),
        k.redirected.clone(),
    );
    let elsewhere = format!("{elsewhere}/v1/storage/");
    FakeApi::start(move |token, n| match token {
        t if t == live => Reply::status(200),
        t if t == other => Reply::status(403),
        t if t == revoked => Reply::status(401),
        t if t == limited && n == 0 => Reply::status(429).header("Retry-After", "1"),
        t if t == limited => Reply::status(200),
        t if t == flaky && n == 0 => Reply::status(500),
        t if t == flaky => Reply::status(200),
        t if t == slow => Reply::status(200).after(Duration::from_secs(4)),
        t if t == redirected => Reply::status(302).header("Location", &elsewhere),
        _ => Reply::status(401),
    })
}

fn repo(k: &Keys) -> Sandbox {
    let s = Sandbox::new();
    for (name, key) in [
        ("live.txt", &k.live),
        ("other.txt", &k.other_service),
        ("revoked.txt", &k.revoked),
        ("limited.txt", &k.rate_limited),
        ("flaky.txt", &k.flaky),
        ("slow.txt", &k.slow),
        ("redirected.txt", &k.redirected),
    ] {
        s.write(name, format!("KEY={key}\n"));
    }
    s
}

/// path -> (status, http status) from a JSON report.
fn statuses(report: &serde_json::Value) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let v = &f["verification"];
            (
                f["path"].as_str().unwrap().to_string(),
                v["status"].as_str().unwrap_or("none").to_string(),
                v["http_status"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn each_answer_means_what_the_docs_say_and_each_key_is_sent_once() {
    let k = keys();
    let elsewhere = FakeApi::start(|_, _| Reply::status(200));
    let api = api(&k, &elsewhere.url);
    let s = repo(&k);
    s.write("copy-of-live.txt", format!("again {}\n", k.live));
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let args = [
        "--format",
        "json",
        "--verify",
        "--api-url",
        &api.url,
        "--verify-timeout",
        "2",
    ];
    let run = s.run_with_env(&[&["scan"][..], &args].concat(), &env);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let found = statuses(&report);
    let expect = |path: &str, status: &str, http: Option<u64>| {
        assert!(
            found.contains(&(path.to_string(), status.to_string(), http)),
            "{path}: {found:?}"
        );
    };
    expect("live.txt", "live", Some(200));
    expect("copy-of-live.txt", "live", Some(200));
    expect("other.txt", "live", Some(403));
    expect("revoked.txt", "revoked", Some(401));
    expect("limited.txt", "live", Some(200));
    expect("flaky.txt", "live", Some(200));
    expect("slow.txt", "unknown", None);
    expect("redirected.txt", "unknown", Some(302));
    let detail = |path: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .unwrap()["verification"]["detail"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        detail("other.txt").contains("llm key, not enabled for storage"),
        "{}",
        detail("other.txt")
    );
    assert!(
        detail("slow.txt").contains("no answer within"),
        "{}",
        detail("slow.txt")
    );
    assert!(
        detail("redirected.txt").contains("never followed"),
        "{}",
        detail("redirected.txt")
    );

    // Each distinct key once; retried only where the answer asked for it.
    assert_eq!(api.count(&k.live), 1, "one request for a key found twice");
    assert_eq!(api.count(&k.rate_limited), 2);
    assert_eq!(api.count(&k.flaky), 2);
    assert_eq!(api.count(&k.revoked), 1);
    assert!(elsewhere.seen().is_empty(), "a redirect never takes the key elsewhere");
    for (method, path, _) in api.seen() {
        assert_eq!((method.as_str(), path.as_str()), ("GET", "/v1/storage/"));
    }

    // No output holds a whole key; the cache holds none either.
    let cache_text = std::fs::read_to_string(cache.path().join("wayscan/verify.json")).unwrap();
    for key in [
        &k.live,
        &k.other_service,
        &k.revoked,
        &k.rate_limited,
        &k.flaky,
        &k.slow,
        &k.redirected,
    ] {
        assert!(!run.stdout.contains(key.as_str()) && !run.stderr.contains(key.as_str()));
        assert!(!cache_text.contains(key.as_str()));
        let secret_part = key.rsplit('_').next().unwrap();
        assert!(!cache_text.contains(secret_part));
    }

    // A second run answers from the cache: nothing definite is asked again.
    let before = api.seen().len();
    let run = s.run_with_env(&[&["scan"][..], &args].concat(), &env);
    let again = api.seen()[before..].to_vec();
    assert!(
        again.iter().all(|(_, _, t)| *t == k.slow || *t == k.redirected),
        "only unknown keys are asked again: {again:?}"
    );
    let report = run.json();
    assert!(
        statuses(&report).contains(&("live.txt".to_string(), "live".to_string(), Some(200))),
        "{}",
        run.stdout
    );
    // --no-verify-cache asks everything again.
    let before = api.seen().len();
    s.run_with_env(&[&["scan", "--no-verify-cache"][..], &args].concat(), &env);
    assert!(api.seen().len() - before >= 7);
}

#[test]
fn live_keys_come_first_in_text_and_set_the_sarif_level() {
    let k = keys();
    let api = api(&k, "http://127.0.0.1:9");
    let s = Sandbox::new();
    s.write("a-revoked.txt", format!("{}\n", k.revoked));
    s.write("b-live.txt", format!("{}\n", k.live));
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let run = s.run_with_env(&["scan", "--verify", "--api-url", &api.url, "--color", "never"], &env);
    let first = run.stdout.lines().next().unwrap_or("");
    assert!(first.contains("1 KEY IS LIVE"), "{}", run.stdout);
    assert!(
        run.stdout.lines().nth(1).unwrap_or("").contains("b-live.txt"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("verified     LIVE"), "{}", run.stdout);
    assert!(run.stdout.contains("verified     revoked"), "{}", run.stdout);

    let run = s.run_with_env(&["scan", "--verify", "--api-url", &api.url, "--format", "sarif"], &env);
    let sarif = run.json();
    let levels = sarif_results(&sarif, |r| r["level"].as_str().unwrap().to_string());
    assert_eq!(
        levels,
        vec![
            ("a-revoked.txt".into(), "note".into()),
            ("b-live.txt".into(), "error".into())
        ]
    );
}

#[test]
fn only_live_and_fail_on_live_decide_what_is_reported_and_the_exit_code() {
    let k = keys();
    let api = api(&k, "http://127.0.0.1:9");
    let s = Sandbox::new();
    s.write("revoked.txt", format!("{}\n", k.revoked));
    let cache = tempfile::tempdir().unwrap();
    let env = [("XDG_CACHE_HOME", cache.path().to_str().unwrap())];
    let base = ["scan", "--format", "json", "--verify", "--api-url", &api.url];
    let run = s.run_with_env(&[&base[..], &["--fail-on", "live"]].concat(), &env);
    assert_eq!(
        run.code, 0,
        "a revoked key does not fail --fail-on live: {}",
        run.stderr
    );
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 1);
    let run = s.run_with_env(&[&base[..], &["--only-live"]].concat(), &env);
    assert_eq!(run.code, 0);
    assert!(run.json()["findings"].as_array().unwrap().is_empty());

    s.write("live.txt", format!("{}\n", k.live));
    let run = s.run_with_env(&[&base[..], &["--fail-on", "live"]].concat(), &env);
    assert_eq!(run.code, 1, "{}", run.stderr);

    let run = s.run(&["scan", "--fail-on", "live"]);
    run.assert_stderr(2, "--fail-on live needs --verify");
    let run = s.run(&["staged", "--verify"]);
    assert_eq!(run.code, 2, "the hook's command cannot send keys anywhere");
}

#[test]
fn nothing_in_the_scanned_repository_changes_where_keys_go() {
    let k = keys();
    let trusted = api(&k, "http://127.0.0.1:9");
    let hostile = FakeApi::start(|_, _| Reply::status(200));
    let s = Sandbox::git_repo();
    s.write("app.py", format!("KEY = '{}'\n", k.live));
    s.write(
        ".wayscan.toml",
        format!(
            "api_url = \"{}\"\n[verify]\napi_url = \"{}\"\n",
            hostile.url, hostile.url
        ),
    );
    s.write(".env", format!("WAYSCLOUD_API_URL={}\n", hostile.url));
    s.write(".wayscloud", format!("api_url={}\n", hostile.url));
    s.commit("hostile");
    let cache = tempfile::tempdir().unwrap();
    let env = [
        ("XDG_CACHE_HOME", cache.path().to_str().unwrap()),
        ("WAYSCLOUD_API_URL", trusted.url.as_str()),
    ];
    // The project configuration has no such key: the scan stops, naming it.
    let run = s.run_with_env(&["scan", "--verify"], &env);
    run.assert_stderr(2, "unknown field `api_url`");
    assert!(hostile.seen().is_empty() && trusted.seen().is_empty());
    // Without it, the .env and any other file in the tree are just content.
    s.write(".wayscan.toml", "exclude = [\"docs/**\"]\n");
    s.commit("valid configuration");
    for command in [
        &["scan", "--verify"][..],
        &["history", "--verify", "--no-verify-cache"][..],
    ] {
        let run = s.run_with_env(command, &env);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    assert!(hostile.seen().is_empty(), "the repository's own settings were obeyed");
    assert_eq!(
        trusted.count(&k.live),
        2,
        "one request per run (the second without the cache)"
    );
}

#[test]
fn the_api_url_is_https_or_this_machine() {
    let s = Sandbox::new();
    s.write("k.txt", fake_key("storage", 97));
    let run = s.run(&["scan", "--verify", "--api-url", "http://api.example.com"]);
    run.assert_stderr(2, "plain http is allowed only to this machine");
    let run = s.run_with_env(&["scan", "--verify"], &[("WAYSCLOUD_API_URL", "http://10.0.0.8:80")]);
    run.assert_stderr(2, "plain http is allowed only to this machine");
    // An unreachable API leaves the key unknown, with the reason, and the scan goes on.
    let cache = tempfile::tempdir().unwrap();
    let run = s.run_with_env(
        &[
            "scan",
            "--format",
            "json",
            "--verify",
            "--api-url",
            "http://127.0.0.1:9",
        ],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 1);
    let report = run.json();
    let v = &report["findings"][0]["verification"];
    assert_eq!(v["status"], "unknown");
    assert!(v["detail"].as_str().unwrap().contains("cannot reach the API"), "{v}");
}

#[test]
fn placeholders_and_malformed_keys_are_never_sent() {
    let k = keys();
    let api = api(&k, "http://127.0.0.1:9");
    let s = Sandbox::new();
    s.write(
        "docs.md",
        "export WAYSCLOUD_API_KEY=wayscloud_storage_abc123_secret\n\
         wayscloud_storage_a1b2c3d4_YourSecretKeyGoesHere\n\
         wayscloud_{service}_{keyid}_{secret}\n",
    );
    s.write("real.txt", format!("{}\n", k.live));
    let cache = tempfile::tempdir().unwrap();
    let run = s.run_with_env(
        &["scan", "--verify", "--api-url", &api.url],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let tokens: Vec<String> = api.seen().into_iter().map(|(_, _, t)| t).collect();
    assert_eq!(tokens, vec![k.live.clone()], "only the real key is sent");
}
