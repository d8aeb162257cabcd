//! `wayscan scan` over working trees: what is walked, what is found, what is not.

use crate::sandbox::{pairs, paths, places, Sandbox, KEY_RULE};
use base64::Engine;
use wayscan::testkeys::{fake_key, key_id};

#[test]
fn finds_a_key_with_its_location_and_properties() {
    let s = Sandbox::git_repo();
    let key = fake_key("storage", 1);
    s.write("src/settings.py", format!("import os\n\nAPI_KEY = \"{key}\"\n"));
    s.write("README.md", "nothing here\n");
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        places(&report),
        vec![("src/settings.py".into(), 3, 12, "wayscloud-api-key".into())]
    );
    let f = &report["findings"][0];
    assert_eq!(f["properties"]["service"], "storage");
    assert_eq!(f["properties"]["key_id"], key_id(&key));
    assert_eq!(f["end_column"], 12 + key.len() as u64);
    assert_eq!(
        f["secret"],
        format!("wayscloud_storage_{}_{}***", key_id(&key), &key[27..31])
    );
    assert_eq!(f["secret_redacted"], true);
    assert!(
        !run.stdout.contains(&key) && !run.stderr.contains(&key),
        "raw key printed"
    );
}

#[test]
fn every_documented_service_is_reported() {
    let s = Sandbox::new();
    let services = ["storage", "llm", "database", "dns", "gpu"];
    for (i, service) in services.iter().enumerate() {
        s.write(
            &format!("{service}.env"),
            format!("KEY={}\n", fake_key(service, 100 + i as u64)),
        );
    }
    let (_, report) = s.scan_json(&[]);
    let mut found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["service"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    assert_eq!(found, ["database", "dns", "gpu", "llm", "storage"]);
}

#[test]
fn placeholders_from_the_docs_are_quiet() {
    let s = Sandbox::new();
    s.write(
        "docs/keys.md",
        "Key format: wayscloud_{service}_{keyid}_{secret}\n\
         Authorization: Bearer wayscloud_storage_abc123_secret\n\
         export WAYSCLOUD_API_KEY=\"wayscloud_storage_a1b2c3d4_YourSecretKey\"\n\
         wayscloud_storage_a1b2c3d4_XyZ789SecretKeyThatYouMustCopyNow123456\n\
         wayscloud_dns_<keyid>_<secret> and wayscloud_llm_xxxxxxxx_xxxx…\n",
    );
    let run = s.run(&["scan"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("0 findings"), "{}", run.stderr);
}

#[test]
fn gitignore_at_every_level_exclude_and_ignore_files_are_honoured() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", "/build/\n");
    s.write("sub/.gitignore", "local.cfg\n");
    s.write(".git/info/exclude", "scratch.txt\n");
    s.write(".ignore", "vendor/\n");
    for (i, file) in [
        "build/out.js",
        "sub/local.cfg",
        "scratch.txt",
        "vendor/lib.js",
        "sub/kept.cfg",
    ]
    .iter()
    .enumerate()
    {
        s.write(file, format!("k = '{}'\n", fake_key("llm", 200 + i as u64)));
    }
    let (_, report) = s.scan_json(&[]);
    assert_eq!(paths(&report), vec!["sub/kept.cfg"]);

    let (_, report) = s.scan_json(&["--no-ignore"]);
    assert_eq!(
        paths(&report),
        vec![
            "build/out.js",
            "scratch.txt",
            "sub/kept.cfg",
            "sub/local.cfg",
            "vendor/lib.js"
        ]
    );
}

#[test]
fn dot_git_is_never_entered() {
    let s = Sandbox::git_repo();
    s.write(".git/wayscan-test-note", fake_key("dns", 300));
    s.write(".hidden/config", fake_key("dns", 301));
    let (_, report) = s.scan_json(&["--no-ignore"]);
    assert_eq!(
        paths(&report),
        vec![".hidden/config"],
        "hidden files are scanned, .git is not"
    );
}

#[test]
fn a_file_named_on_the_command_line_is_scanned_even_if_ignored() {
    let s = Sandbox::git_repo();
    s.write(".gitignore", "secret.txt\n");
    s.write("secret.txt", fake_key("gpu", 400));
    s.write("other.txt", fake_key("gpu", 401));
    let (run, report) = s.scan_json(&["secret.txt"]);
    assert_eq!(run.code, 1);
    assert_eq!(paths(&report), vec!["secret.txt"]);
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn several_paths_are_scanned_with_their_names() {
    let s = Sandbox::new();
    s.write("a/x.txt", fake_key("gpu", 410));
    s.write("b/y.txt", fake_key("gpu", 411));
    s.write("c/z.txt", fake_key("gpu", 412));
    let (_, report) = s.scan_json(&["a", "./b/y.txt"]);
    assert_eq!(paths(&report), vec!["a/x.txt", "b/y.txt"]);
}

#[test]
fn binary_files_are_read_for_their_text_and_large_files_are_skipped_and_counted() {
    let s = Sandbox::new();
    let key = fake_key("storage", 500);
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0".to_vec();
    binary.extend_from_slice(key.as_bytes());
    s.write("logo.png", binary);
    s.write("big.txt", format!("{}{key}\n", "a".repeat(2048)));
    s.write("small.txt", format!("{key}\n"));
    let (run, report) = s.scan_json(&["--max-file-size", "1K", "-v"]);
    // Lines and columns of a binary's text runs point into the file.
    assert_eq!(
        places(&report),
        [
            ("logo.png".to_string(), 3, 3, KEY_RULE.to_string()),
            ("small.txt".to_string(), 1, 1, KEY_RULE.to_string())
        ]
    );
    assert_eq!(report["summary"]["skipped"]["too-large"], 1);
    assert_eq!(
        report["skipped"],
        serde_json::json!([{"path": "big.txt", "reason": "too-large"}])
    );
    assert!(run.stderr.contains("skipped 1 (too-large 1)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("wayscan: skipped (too-large): big.txt"),
        "{}",
        run.stderr
    );
}

#[test]
fn inline_allow_suppresses_only_its_own_line() {
    let s = Sandbox::new();
    let a = fake_key("llm", 600);
    let b = fake_key("llm", 601);
    s.write(
        "conf.yml",
        format!("# wayscan:allow\nfirst: {a}\nsecond: {b}  # wayscan:allow test fixture\n"),
    );
    let (run, report) = s.scan_json(&[]);
    assert_eq!(
        places(&report),
        vec![("conf.yml".into(), 2, 8, "wayscloud-api-key".into())]
    );
    assert_eq!(report["summary"]["suppressed"], 1);
    assert!(run.stderr.contains("1 suppressed inline"), "{}", run.stderr);
}

#[test]
fn allow_next_line_and_gitleaks_allow_suppress_exactly_one_line_in_every_scan() {
    let s = Sandbox::git_repo();
    let keys: Vec<String> = (602..606).map(|i| fake_key("storage", i)).collect();
    s.write(
        "conf.py",
        format!(
            "# wayscan:allow-next-line\nA = '{}'\nB = '{}'\nC = '{}'  # gitleaks:allow\nD = '{}'  # wayscan:allow-next-line\n",
            keys[0], keys[1], keys[2], keys[3]
        ),
    );
    let lines = |report: &serde_json::Value| -> Vec<u64> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["line"].as_u64().unwrap())
            .collect()
    };
    let (_, report) = s.scan_json(&[]);
    assert_eq!(
        lines(&report),
        vec![3, 5],
        "line 2 (next-line) and 4 (gitleaks:allow) are suppressed"
    );
    assert_eq!(report["summary"]["suppressed"], 2);
    let (_, report) = s.scan_json(&["--no-gitleaks-allow"]);
    assert_eq!(lines(&report), vec![3, 4, 5]);

    s.git(&["add", "conf.py"]);
    let (_, staged) = s.json_of("staged", &[]);
    assert_eq!(lines(&staged), vec![3, 5]);
    s.commit("conf");
    let (_, history) = s.json_of("history", &[]);
    assert_eq!(lines(&history), vec![3, 5]);
    assert_eq!(history["summary"]["suppressed"], 2);
}

#[test]
fn fingerprint_survives_lines_added_above() {
    let s = Sandbox::new();
    let key = fake_key("database", 700);
    s.write("app.js", format!("const k = '{key}';\n"));
    let (_, before) = s.scan_json(&[]);
    s.write("app.js", format!("// header\n// more\n\nconst k = '{key}';\n"));
    let (_, after) = s.scan_json(&[]);
    assert_eq!(before["findings"][0]["line"], 1);
    assert_eq!(after["findings"][0]["line"], 4);
    assert_eq!(
        before["findings"][0]["fingerprint"],
        after["findings"][0]["fingerprint"]
    );
}

#[test]
fn base64_in_a_kubernetes_secret_is_found_at_the_encoded_text() {
    let s = Sandbox::new();
    let key = fake_key("storage", 800);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&key);
    s.write(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ndata:\n  key: {encoded}\n"),
    );
    let (_, report) = s.scan_json(&[]);
    assert_eq!(
        places(&report),
        vec![("k8s/secret.yaml".into(), 6, 8, "wayscloud-api-key".into())]
    );
    assert_eq!(report["findings"][0]["encoding"], "base64");
    assert_eq!(report["findings"][0]["properties"]["key_id"], key_id(&key));
}

#[test]
fn percent_and_json_escaped_keys_are_found() {
    let s = Sandbox::new();
    let a = fake_key("llm", 810);
    let b = fake_key("dns", 811);
    s.write(
        "urls.txt",
        format!("https://hooks.invalid/x?key={}\n", a.replace('_', "%5F")),
    );
    s.write("data.json", format!("{{\"key\": \"{}\"}}\n", b.replace('_', "\\u005f")));
    let (_, report) = s.scan_json(&[]);
    let encodings: Vec<(String, String)> = pairs(&report, "path", "encoding");
    assert_eq!(
        encodings,
        vec![
            ("data.json".into(), "escape".into()),
            ("urls.txt".into(), "percent".into())
        ]
    );
}

#[test]
fn utf16_and_latin1_files_are_scanned() {
    let s = Sandbox::new();
    let a = fake_key("gpu", 900);
    let b = fake_key("gpu", 901);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(
        format!("Windows Registry Editor\r\n\"Key\"=\"{a}\"\r\n")
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes()),
    );
    s.write("export.reg", utf16);
    let mut latin1 = b"caf\xe9 = '".to_vec();
    latin1.extend_from_slice(b.as_bytes());
    latin1.extend_from_slice(b"'\n");
    s.write("legacy.ini", latin1);
    let (_, report) = s.scan_json(&[]);
    assert_eq!(
        places(&report),
        vec![
            ("export.reg".into(), 2, 8, "wayscloud-api-key".into()),
            ("legacy.ini".into(), 1, 9, "wayscloud-api-key".into()),
        ]
    );
}

#[test]
fn output_is_identical_across_runs() {
    let s = Sandbox::new();
    for i in 0..40u64 {
        s.write(
            &format!("d{}/f{i}.txt", i % 7),
            format!("x\n{}\n", fake_key("llm", 1000 + i)),
        );
    }
    let mask = |mut v: serde_json::Value| {
        v["summary"]["elapsed_ms"] = 0.into();
        v
    };
    let (_, a) = s.scan_json(&[]);
    let (_, b) = s.scan_json(&["-j", "1"]);
    assert_eq!(a["findings"].as_array().unwrap().len(), 40);
    assert_eq!(mask(a), mask(b));
}
