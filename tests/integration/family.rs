//! The WAYSCloud credential family beyond service keys, as the vendor's SDK and CLI
//! use it: personal access tokens (`wayscloud_pat_`, Bearer), account API keys
//! (`wayscloud_api_`, X-API-Key) and the CLI's `~/.wayscloud/credentials` file.
//! Detection, placeholders, verification, check-key and revocation per type.

use crate::fake_api::{FakeApi, Reply};
use crate::sandbox::{pairs, Sandbox};
use wayscan::testkeys::{fake_family_token, fake_key, key_id};

const TOKEN: &str = "mgmt-token-for-tests";

/// A repository holding one of each kind, and the SDK's and docs' placeholders.
fn repo(pat: &str, api: &str, service: &str) -> Sandbox {
    let s = Sandbox::git_repo();
    s.write(
        ".wayscloud/credentials",
        format!("{{\n  \"version\": 1,\n  \"token\": \"{pat}\",\n  \"created_at\": \"2026-04-05T18:52:29+00:00\"\n}}"),
    );
    s.write(
        "client.py",
        format!("from wayscloud import WaysCloudClient\nclient = WaysCloudClient(api_key=\"{api}\")\n"),
    );
    s.write("deploy.sh", format!("export WAYSCLOUD_API_KEY={service}\n"));
    // The SDK's own tests and the docs' samples: never findings.
    s.write(
        "tests/test_smoke.py",
        "c = WaysCloudClient(token=\"wayscloud_pat_test123\")\n\
         c = WaysCloudClient(token=\"wayscloud_pat_x\", api_key=\"wayscloud_api_y\")\n\
         c = WaysCloudClient(api_key=\"wayscloud_api_abc\")\n\
         # Format: wayscloud_pat_{10-char prefix}_{56-char secret}\n\
         # wayscloud_pat_abc1234567_aBcDeFgHiJkLmNoPqRsTuVwXyZ...\n\
         # wayscloud_pat_abc1234567_yourSecretToken\n\
         NewClient(\"wayscloud_api_prefix1234_secretsecretsecretsecretsecretsecretsecretsecret\", \"\")\n\
         resource \"wayscloud_api_key\" \"deploy\" {}\n\
         variable \"wayscloud_pat_tokens_for_the_production_environment_reference\" {}\n",
    );
    s
}

#[test]
fn each_kind_is_found_by_its_own_rule_and_placeholders_stay_quiet() {
    let (pat, api, service) = (
        fake_family_token("pat", 1),
        fake_family_token("api", 2),
        fake_key("storage", 3),
    );
    let s = repo(&pat, &api, &service);
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        pairs(&report, "path", "rule_id"),
        vec![
            (".wayscloud/credentials".into(), "wayscloud-credentials-file".into()),
            (".wayscloud/credentials".into(), "wayscloud-pat".into()),
            ("client.py".into(), "wayscloud-account-key".into()),
            ("deploy.sh".into(), "wayscloud-api-key".into()),
        ],
        "one finding each; the service-key rule leaves pat and api to theirs"
    );
    for token in [&pat, &api, &service] {
        assert!(!run.stdout.contains(token.as_str()), "redacted");
    }
    let pat_finding = &report["findings"][1];
    assert_eq!(pat_finding["properties"]["key_id"], key_id(&pat));
    assert!(pat_finding["remediation"]
        .as_str()
        .unwrap()
        .contains("Personal Access Tokens"));
    let file_finding = &report["findings"][0];
    assert!(
        file_finding["remediation"].as_str().unwrap().contains("cloud login"),
        "the file rule's own advice: {file_finding}"
    );

    // Committed, then deleted: still in history.
    s.commit("add");
    s.git(&["rm", "-q", "-r", ".wayscloud"]);
    s.commit("remove");
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let rules: Vec<(String, String)> = pairs(&report, "path", "rule_id");
    assert!(rules.contains(&(".wayscloud/credentials".into(), "wayscloud-credentials-file".into())));
    assert!(rules.contains(&(".wayscloud/credentials".into(), "wayscloud-pat".into())));
}

/// Each token type is checked the way the vendor's tools send it: a PAT as Bearer to
/// the CLI's profile endpoint, an account key as X-API-Key, a service key as Bearer
/// to its service.
#[test]
fn verification_sends_each_type_where_and_how_its_rule_says() {
    let (pat, api_key, service) = (
        fake_family_token("pat", 11),
        fake_family_token("api", 12),
        fake_key("storage", 13),
    );
    let (p, a, k) = (pat.clone(), api_key.clone(), service.clone());
    let api = FakeApi::start_routes(move |_, path, token, _| match path {
        "/api/v1/dashboard/account/profile" if token == p => Reply::status(200),
        "/v1/account/profile" if token == a => Reply::status(403),
        "/v1/storage/" if token == k => Reply::status(401),
        _ => Reply::status(404),
    });
    let s = repo(&pat, &api_key, &service);
    let cache = tempfile::tempdir().unwrap();
    let run = s.run_with_env(
        &["scan", "--verify", "--api-url", &api.url, "--format", "json"],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let status = |rule: &str| {
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule)
            .unwrap_or_else(|| panic!("{rule}"));
        (
            f["verification"]["status"].as_str().unwrap_or("none").to_string(),
            f["verification"]["http_status"].as_u64(),
        )
    };
    assert_eq!(status("wayscloud-pat"), ("live".into(), Some(200)));
    assert_eq!(
        status("wayscloud-account-key"),
        ("live".into(), Some(403)),
        "403: authenticates"
    );
    assert_eq!(status("wayscloud-api-key"), ("revoked".into(), Some(401)));

    let mut asked: Vec<(String, String, String)> = api
        .seen()
        .into_iter()
        .zip(api.auth_headers())
        .map(|((_, path, token), header)| (path, header, token))
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        vec![
            (
                "/api/v1/dashboard/account/profile".into(),
                "authorization".into(),
                pat.clone()
            ),
            ("/v1/account/profile".into(), "x-api-key".into(), api_key.clone()),
            ("/v1/storage/".into(), "authorization".into(), service.clone()),
        ],
        "each key once, in its own header, to its own endpoint"
    );
    for token in [&pat, &api_key, &service] {
        assert!(!run.stdout.contains(token.as_str()) && !run.stderr.contains(token.as_str()));
    }
}

#[test]
fn check_key_knows_each_type_and_verifies_it_with_its_rule() {
    let (pat, api_key) = (fake_family_token("pat", 21), fake_family_token("api", 22));
    let (p, a) = (pat.clone(), api_key.clone());
    let api = FakeApi::start_routes(move |_, path, token, _| match path {
        "/api/v1/dashboard/account/profile" if token == p => Reply::status(200),
        "/v1/account/profile" if token == a => Reply::status(200),
        _ => Reply::status(401),
    });
    let s = Sandbox::new();
    for (var, token, kind, header) in [
        ("WAYSCLOUD_TOKEN", &pat, "personal access token", "authorization"),
        ("WAYSCLOUD_API_KEY", &api_key, "account API key", "x-api-key"),
    ] {
        let run = s.run_with_env(
            &["check-key", "--verify", "--api-url", &api.url],
            &[(var, token.as_str())],
        );
        assert_eq!(run.code, 0, "{var}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(kind), "{}", run.stdout);
        assert!(run.stdout.contains("LIVE live"), "{}", run.stdout);
        assert!(!run.stdout.contains(token.as_str()));
        assert_eq!(api.auth_headers().last().map(String::as_str), Some(header));
    }
    let run = s.run_with_env(&["check-key"], &[("WAYSCLOUD_TOKEN", "wayscloud_pat_test123")]);
    assert_eq!(run.code, 1, "a placeholder is not a well-formed token: {}", run.stdout);
}

#[test]
fn live_tokens_of_each_type_are_revoked_through_their_rule() {
    let (pat, api_key) = (fake_family_token("pat", 31), fake_family_token("api", 32));
    let (p, a) = (pat.clone(), api_key.clone());
    let api = FakeApi::start_routes(move |method, path, token, _| match (method, path) {
        ("GET", _) if token == p || token == a => Reply::status(200),
        ("GET", _) => Reply::status(401),
        ("DELETE", p) if token == TOKEN && p.starts_with("/v1/api-keys/") => Reply::status(204),
        _ => Reply::status(500),
    });
    let s = Sandbox::new();
    s.write(
        "a.env.sh",
        format!("WAYSCLOUD_TOKEN={pat}\nWAYSCLOUD_API_KEY={api_key}\n"),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = s.write_verified_report(&api.url, cache.path());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let audit = cache.path().join("audit.jsonl");
    let run = s.run_with_env(
        &[
            "revoke",
            "--report",
            "report.json",
            "--api-url",
            &api.url,
            "--yes",
            "--audit-log",
            audit.to_str().unwrap(),
        ],
        &[("WAYSCLOUD_MANAGEMENT_TOKEN", TOKEN)],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("live keys to revoke (2)"), "{}", run.stdout);
    let mut deleted: Vec<String> = api
        .seen()
        .into_iter()
        .filter(|(m, _, _)| m == "DELETE")
        .map(|(_, path, _)| path)
        .collect();
    deleted.sort();
    let mut expected = vec![
        format!("/v1/api-keys/{}", key_id(&pat)),
        format!("/v1/api-keys/{}", key_id(&api_key)),
    ];
    expected.sort();
    assert_eq!(deleted, expected);
}
