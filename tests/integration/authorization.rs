//! `authorization-header` on real files: the credential's own line and column, the
//! double report of a WAYSCloud key, and quiet files full of non-literal headers.

use crate::sandbox::{places, Sandbox};
use wayscan::testkeys::{fake_key, fake_token};

#[test]
fn reports_the_credential_position_in_several_file_kinds() {
    let s = Sandbox::new();
    let (a, b, c) = (fake_token(1), fake_token(2), fake_token(3));
    s.write(
        "scripts/call.sh",
        format!("#!/bin/sh\ncurl https://api.invalid/v1 \\\n  -H \"Authorization: Bearer {a}\"\n"),
    );
    s.write(
        "api.http",
        format!("GET https://api.invalid/v1/storage/\nAuthorization: Token {b}\n"),
    );
    s.write(
        "postman.json",
        format!("{{\"header\": [{{\"key\": \"Authorization\", \"value\": \"Bearer {c}\"}}]}}\n"),
    );
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1);
    assert_eq!(
        places(&report),
        vec![
            ("api.http".into(), 2, 22, "authorization-header".into()),
            ("postman.json".into(), 1, 55, "authorization-header".into()),
            ("scripts/call.sh".into(), 3, 29, "authorization-header".into()),
        ]
    );
    assert_eq!(report["findings"][0]["properties"]["scheme"], "Token");
    for token in [&a, &b, &c] {
        assert!(!run.stdout.contains(token.as_str()), "raw token in the report");
    }
}

#[test]
fn a_wayscloud_key_in_a_header_is_reported_by_both_rules() {
    let s = Sandbox::new();
    let key = fake_key("storage", 9);
    s.write(
        "client.py",
        format!("headers = {{\"Authorization\": \"Bearer {key}\"}}\n"),
    );
    let (_, report) = s.scan_json(&[]);
    assert_eq!(
        places(&report),
        vec![
            ("client.py".into(), 1, 37, "authorization-header".into()),
            ("client.py".into(), 1, 37, "wayscloud-api-key".into()),
        ]
    );
    assert_ne!(
        report["findings"][0]["fingerprint"],
        report["findings"][1]["fingerprint"]
    );
}

#[test]
fn headers_built_from_variables_are_quiet() {
    let s = Sandbox::new();
    s.write(
        ".github/workflows/ci.yml",
        "steps:\n  - run: curl -H \"Authorization: Bearer ${{ secrets.WAYSCLOUD_API_KEY }}\" https://api.invalid\n",
    );
    s.write(
        "client.ts",
        "const h = { Authorization: `Bearer ${token}` };\nfetch(u, { headers: { Authorization: 'Bearer ' + key } });\n",
    );
    s.write(
        "client.py",
        "headers = {\"Authorization\": f\"Bearer {os.environ['KEY']}\"}\n",
    );
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(report["findings"].as_array().unwrap().is_empty());
}

/// Many findings on one long line (a one-line JSON export): each at its own column,
/// and a marker anywhere on the line allows all of them, and no other line's.
#[test]
fn findings_on_one_long_line_have_exact_columns_and_share_its_marker() {
    let s = Sandbox::new();
    let tokens: Vec<String> = (0..300).map(|i| fake_token(100 + i)).collect();
    let objects: Vec<String> = tokens
        .iter()
        .map(|t| format!("{{\"Authorization\": \"Bearer {t}\"}}"))
        .collect();
    let line = format!("[{}]", objects.join(","));
    s.write("export.json", format!("{line}\n"));
    s.write("allowed.json", format!("{line} // wayscan:allow\n{}\n", objects[0]));
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1);
    let mut expected: Vec<(String, u64, u64, String)> = Vec::new();
    expected.push(("allowed.json".into(), 2, 27, "authorization-header".into()));
    let mut column = 2; // after '['
    for object in &objects {
        let at = column + object.find("Bearer ").unwrap() + "Bearer ".len();
        expected.push(("export.json".into(), 1, at as u64, "authorization-header".into()));
        column += object.len() + 1;
    }
    assert_eq!(places(&report), expected);
    let (_, report) = s.scan_json(&["--show-suppressed"]);
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 300, "the marked line");
}
