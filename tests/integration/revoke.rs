//! `wayscan revoke` and `wayscan check-key` against a scripted API on 127.0.0.1.

use crate::fake_api::{FakeApi, Reply};
use crate::sandbox::Sandbox;
use wayscan::testkeys::{fake_key, key_id};

const TOKEN: &str = "mgmt-token-for-tests";

/// The key API (verification: live for `live`, 401 otherwise) and the management
/// API (revocation answers by key id: live -> 204, gone -> 404, locked -> 403, else 500).
fn api(live: &[String], gone: &str, locked: &str) -> FakeApi {
    let live: Vec<String> = live.to_vec();
    let (gone, locked) = (gone.to_string(), locked.to_string());
    FakeApi::start_routes(move |method, path, token, _| match (method, path) {
        ("GET", "/v1/storage/") if live.iter().any(|k| k == token) => Reply::status(200),
        ("GET", _) => Reply::status(401),
        ("DELETE", p) if token != TOKEN => Reply::status(401).header("X-Path", p),
        ("DELETE", p) if p.ends_with(&gone) => Reply::status(404),
        ("DELETE", p) if p.ends_with(&locked) => Reply::status(403),
        ("DELETE", p) if p.starts_with("/v1/api-keys/") && !p.contains("x500") => Reply::status(204),
        _ => Reply::status(500),
    })
}

#[test]
fn live_keys_of_a_report_are_listed_then_revoked_with_the_management_token() {
    let (a, b, dead) = (fake_key("storage", 100), fake_key("llm", 101), fake_key("dns", 102));
    let api = api(&[a.clone(), b.clone()], "nothing", "nothing");
    let s = Sandbox::new();
    s.write("a.txt", format!("{a}\n"));
    s.write("b.txt", format!("{b}\n{a}\n"));
    s.write("dead.txt", format!("{dead}\n"));
    let state = tempfile::tempdir().unwrap();
    let run = s.write_verified_report(&api.url, &state.path().join("cache"));
    assert_eq!(run.code, 1, "{}", run.stderr);

    // Without --yes, and not on a terminal: a dry run.
    let audit = state.path().join("audit.jsonl");
    let revoke = [
        "revoke",
        "--report",
        "report.json",
        "--api-url",
        &api.url,
        "--audit-log",
        audit.to_str().unwrap(),
    ];
    let run = s.run_with_env(&revoke, &[("WAYSCLOUD_MANAGEMENT_TOKEN", TOKEN)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("live keys to revoke (2)"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("key {}", key_id(&a))), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("left alone: key {}", key_id(&dead))),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dry run: nothing revoked"), "{}", run.stdout);
    assert!(
        api.seen().iter().all(|(m, _, _)| m == "GET"),
        "nothing deleted in a dry run"
    );

    let run = s.run_with_env(
        &[&revoke[..], &["--yes"]].concat(),
        &[("WAYSCLOUD_MANAGEMENT_TOKEN", TOKEN)],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let deletes: Vec<_> = api.seen().into_iter().filter(|(m, _, _)| m == "DELETE").collect();
    assert_eq!(deletes.len(), 2, "each live key once: {deletes:?}");
    for (_, path, token) in &deletes {
        assert_eq!(token, TOKEN, "the management token, never a scanned key");
        assert!(path == &format!("/v1/api-keys/{}", key_id(&a)) || path == &format!("/v1/api-keys/{}", key_id(&b)));
    }
    let log = std::fs::read_to_string(&audit).unwrap();
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines
            .iter()
            .all(|l| l["outcome"] == "revoked" && l["http_status"] == 204),
        "{log}"
    );
    for key in [&a, &b, &dead] {
        let secret = key.rsplit('_').next().unwrap();
        assert!(!log.contains(secret) && !run.stdout.contains(secret) && !run.stderr.contains(secret));
    }
    assert!(!log.contains(TOKEN));
}

#[test]
fn each_answer_of_the_management_api_is_reported_and_failures_are_not_retried() {
    let api = api(&[], "gone1234", "lock1234");
    let s = Sandbox::new();
    let audit = s.join("audit.jsonl");
    let run = s.run_with_env(
        &[
            "revoke",
            "--yes",
            "--api-url",
            &api.url,
            "--audit-log",
            audit.to_str().unwrap(),
            "--key-id",
            "gone1234",
            "--key-id",
            "lock1234",
            "--key-id",
            "x5001234",
            "--key-id",
            "fine1234",
        ],
        &[("WAYSCLOUD_MANAGEMENT_TOKEN", TOKEN)],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    for needle in [
        "key gone1234: not found",
        "key lock1234: refused: the management token may not revoke keys",
        "key x5001234: failed: the API answered 500",
        "key fine1234: revoked",
    ] {
        assert!(run.stdout.contains(needle), "{needle}:\n{}", run.stdout);
    }
    assert_eq!(
        api.seen().iter().filter(|(_, p, _)| p.contains("x5001234")).count(),
        1,
        "a 500 is not retried"
    );
    let outcomes: Vec<String> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(outcomes, ["not-found", "refused", "failed", "revoked"]);

    let run = s.run(&["revoke", "--yes", "--key-id", "../../admin"]);
    run.assert_stderr(2, "is not a key id");
}

#[test]
fn without_a_management_token_the_steps_from_the_docs_are_printed() {
    let api = api(&[], "x", "y");
    let s = Sandbox::new();
    let audit = s.join("audit.jsonl");
    let run = s.run(&[
        "revoke",
        "--yes",
        "--api-url",
        &api.url,
        "--audit-log",
        audit.to_str().unwrap(),
        "--key-id",
        "a1b2c3d4",
    ]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    for needle in [
        "WAYSCLOUD_MANAGEMENT_TOKEN is not set",
        "my.wayscloud.services/api-keys",
        "a1b2c3d4",
        "Revoke",
        "staging",
    ] {
        assert!(run.stdout.contains(needle), "{needle}:\n{}", run.stdout);
    }
    assert!(api.seen().is_empty());
    assert!(std::fs::read_to_string(&audit)
        .unwrap()
        .contains("\"outcome\":\"not-attempted\""));
}

#[test]
fn check_key_reads_stdin_or_the_environment_and_never_prints_the_key() {
    let key = fake_key("storage", 103);
    let secret = key.rsplit('_').next().unwrap().to_string();
    let api = api(std::slice::from_ref(&key), "x", "y");
    let s = Sandbox::new();
    let run = s.run_with_env(
        &["check-key", "--verify", "--api-url", &api.url],
        &[("WAYSCLOUD_API_KEY", key.as_str())],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("prefix wayscloud_storage_"), "{}", run.stdout);
    assert!(run.stdout.contains("LIVE live"), "{}", run.stdout);
    assert!(!run.stdout.contains(&secret) && !run.stderr.contains(&secret));

    let bad_header = format!("Authorization: bearer  {key}\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wayscan"))
        .arg("check-key")
        .env_remove("WAYSCLOUD_API_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bad_header.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("`bearer` should be written `Bearer`"), "{stdout}");
    assert!(stdout.contains("2 spaces between `Bearer` and the key"), "{stdout}");
    assert!(!stdout.contains(&secret));
}

/// A forged report of many keys must not become a burst of DELETEs: `revoke` keeps
/// to `--rate` requests per second, as `--verify` does.
#[test]
fn revocations_keep_to_the_rate_limit() {
    let api = api(&[], "gone1234", "lock1234");
    let s = Sandbox::new();
    let mut args = vec!["revoke", "--yes", "--api-url", &api.url, "--rate", "4"];
    let ids: Vec<String> = (0..5).map(|i| format!("rate{i:04}")).collect();
    for id in &ids {
        args.extend(["--key-id", id.as_str()]);
    }
    let started = std::time::Instant::now();
    let run = s.run_with_env(&args, &[("WAYSCLOUD_MANAGEMENT_TOKEN", TOKEN)]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(api.seen().len(), 5, "one request per key");
    // Five requests at four a second: the last no sooner than a second after the first.
    assert!(elapsed >= std::time::Duration::from_millis(1000), "{elapsed:?}");
}
