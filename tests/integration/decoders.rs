//! Keys under layers of encodings and split across literals (issue 15, points 4
//! and 5): each found at the outermost encoded span, with its encoding chain, in
//! tree and history scans of a real repository.

use crate::sandbox::{Sandbox, KEY_RULE};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::io::Write;
use wayscan::testkeys::fake_key;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// (path, line, encoding chain) of every finding.
fn chains(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["rule_id"], KEY_RULE, "{f}");
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["encoding"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn layered_encodings_and_split_literals_are_found_with_their_chain() {
    let s = Sandbox::git_repo();
    let key = |seed| fake_key("storage", seed);
    // A docker registry auth inside a Kubernetes Secret: base64 of base64.
    let docker = format!(
        "{{\"auths\":{{\"r.example\":{{\"auth\":\"{}\"}}}}}}",
        STANDARD.encode(format!("ci:{}", key(1)))
    );
    s.write(
        "k8s/pull-secret.yaml",
        format!(
            "kind: Secret\ndata:\n  .dockerconfigjson: {}\n",
            STANDARD.encode(docker)
        ),
    );
    // A Helm release Secret: base64(base64(gzip(json))).
    let release = format!("{{\"name\":\"app\",\"config\":{{\"apiKey\":\"{}\"}}}}", key(2));
    s.write(
        "k8s/sh.helm.release.v1.app.v1.yaml",
        format!(
            "kind: Secret\ntype: helm.sh/release.v1\ndata:\n  release: {}\n",
            STANDARD.encode(STANDARD.encode(gzip(release.as_bytes())))
        ),
    );
    // PowerShell -EncodedCommand: base64 of UTF-16LE.
    let command: Vec<u8> = format!("$env:WAYSCLOUD_API_KEY = '{}'", key(3))
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    s.write(
        "deploy.ps1",
        format!("# deploy\npowershell -EncodedCommand {}\n", STANDARD.encode(command)),
    );
    // A PostgreSQL bytea dump: hex.
    let hex: String = format!("token={}", key(4))
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect();
    s.write("dump.sql", format!("-- dump\nINSERT INTO t VALUES ('\\x{hex}');\n"));
    // HTML character references.
    s.write(
        "page.html",
        format!("<p>\n<code>{}</code>\n", key(5).replace('_', "&#x5f;")),
    );
    // Split literals: Java concatenation over lines, a .properties continuation.
    let java = key(6);
    let (head, tail) = java.split_at(25);
    s.write(
        "src/Config.java",
        format!("class Config {{\n  static final String KEY = \"{head}\" +\n      \"{tail}\";\n}}\n"),
    );
    let properties = key(7);
    let (head, tail) = properties.split_at(31);
    s.write("app.properties", format!("name=app\napi.key={head}\\\n    {tail}\n"));
    // A MIME mail whose base64 body wraps at 76 columns inside the key.
    let body = STANDARD.encode(format!("Hello,\nthe key is {}\n", key(8)));
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    s.write(
        "notes/mail.eml",
        format!(
            "Subject: key\nContent-Transfer-Encoding: base64\n\n{}\n",
            lines.join("\n")
        ),
    );
    let expected = [
        ("app.properties".to_string(), 2, "joined".to_string()),
        ("deploy.ps1".to_string(), 2, "base64>utf16".to_string()),
        ("dump.sql".to_string(), 2, "hex".to_string()),
        ("k8s/pull-secret.yaml".to_string(), 3, "base64>base64".to_string()),
        (
            "k8s/sh.helm.release.v1.app.v1.yaml".to_string(),
            4,
            "base64>base64>gzip".to_string(),
        ),
        ("notes/mail.eml".to_string(), 4, "base64".to_string()),
        ("page.html".to_string(), 2, "html".to_string()),
        ("src/Config.java".to_string(), 2, "joined".to_string()),
    ];

    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(chains(&report), expected);
    // The text report says how each was written.
    let text = s.run(&["scan"]);
    assert!(
        text.stdout.contains("(base64>base64>gzip-encoded in the file)"),
        "{}",
        text.stdout
    );

    s.commit("encoded keys");
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(chains(&report), expected);
}
