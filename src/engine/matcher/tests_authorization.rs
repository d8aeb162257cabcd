//! Table-driven tests of the `authorization-header` rule: each syntax the rule must
//! cover, with the exact credential it must report, and each shape it must leave alone.

use super::*;
use crate::testkeys::{fake_key, fake_token};
use base64::engine::general_purpose::STANDARD;

/// The credentials `authorization-header` reports in `text`.
fn credentials(text: &str) -> Vec<String> {
    let set = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&set);
    matcher
        .find(text.as_bytes())
        .into_iter()
        .filter(|m| set.rules[m.rule].id() == "authorization-header")
        .map(|m| {
            assert_eq!(
                &text.as_bytes()[m.span.clone()],
                &m.secret[..],
                "span is not the credential"
            );
            String::from_utf8(m.secret.to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn every_syntax_reports_the_credential_itself() {
    let t = fake_token;
    let key = fake_key("storage", 77);
    let basic = STANDARD.encode("deploy:Xk9mQ2vLpR7z");
    let cases: Vec<(String, String)> = vec![
        (
            format!("curl -H \"Authorization: Bearer {}\" https://x.invalid", t(1)),
            t(1),
        ),
        (
            format!("curl --header 'Authorization: Bearer {}' https://x.invalid", t(2)),
            t(2),
        ),
        (
            format!("curl https://x.invalid \\\n  -H \"Authorization: Bearer {}\"", t(3)),
            t(3),
        ),
        (
            format!("curl https://x.invalid -H \\\n  'authorization: token {}'", t(4)),
            t(4),
        ),
        (
            format!("wget --header=\"Authorization: Bearer {}\" https://x.invalid", t(5)),
            t(5),
        ),
        (
            format!("http GET https://x.invalid Authorization:\"Bearer {}\"", t(6)),
            t(6),
        ),
        (format!("http https://x.invalid 'Authorization: Token {}'", t(7)), t(7)),
        (
            format!("GET / HTTP/1.1\r\nAuthorization: Bearer {}\r\n\r\n", t(8)),
            t(8),
        ),
        (
            format!("POST https://x.invalid/v1\nAuthorization: Bearer {}\n\n{{}}", t(9)),
            t(9),
        ),
        (format!("authorization: bearer {}", t(10)), t(10)),
        (format!("AUTHORIZATION: BEARER {}", t(11)), t(11)),
        (format!("Authorization: Bearer  {key}"), key.clone()),
        (format!("Authorization: {key}"), key.clone()),
        (format!("Authorization: Basic {basic}"), basic.clone()),
        (format!("{{\"Authorization\": \"Bearer {}\"}}", t(12)), t(12)),
        (
            format!(
                "{{\"key\": \"Authorization\", \"value\": \"Bearer {}\", \"type\": \"text\"}}",
                t(13)
            ),
            t(13),
        ),
        (format!("headers:\n  Authorization: \"Bearer {}\"\n", t(14)), t(14)),
        (
            format!("- name: Authorization\n  in: header\n  example: Bearer {}\n", t(15)),
            t(15),
        ),
        (format!("headers = {{'Authorization': 'Token {}'}}", t(16)), t(16)),
        (format!("const h = {{ Authorization: 'Bearer {}' }};", t(17)), t(17)),
        (
            format!("fetch(u, {{ headers: {{ Authorization: `Bearer {}` }} }})", t(18)),
            t(18),
        ),
        (
            format!(
                "axios.get(u, {{ headers: {{ 'Authorization': \"Bearer {}\" }} }})",
                t(19)
            ),
            t(19),
        ),
        (format!("headers.set('Authorization', 'Bearer {}');", t(20)), t(20)),
        (
            format!("req.Header.Set(\"Authorization\", \"Bearer {}\")", t(21)),
            t(21),
        ),
        (
            format!("conn.setRequestProperty(\"Authorization\", \"Bearer {}\");", t(22)),
            t(22),
        ),
        (
            format!("builder.addHeader(\"Authorization\", \"Bearer {}\")", t(23)),
            t(23),
        ),
        (
            format!(
                "client.DefaultRequestHeaders.Add(\"Authorization\", \"Bearer {}\");",
                t(24)
            ),
            t(24),
        ),
        (
            format!(
                "x.Authorization = new AuthenticationHeaderValue(\"Bearer\", \"{}\");",
                t(25)
            ),
            t(25),
        ),
        (format!("request[\"Authorization\"] = \"Bearer {}\"", t(26)), t(26)),
        (format!("$h = ['Authorization' => 'Bearer {}'];", t(27)), t(27)),
        (format!("header(\"Authorization: Bearer {}\");", t(28)), t(28)),
        (format!("proxy_set_header Authorization \"Bearer {}\";", t(29)), t(29)),
        (format!("\"Authorization\": \"Bot {}\",", t(30)), t(30)),
        (
            format!("<string name=\"authorization\">Bearer {}</string>", t(31)),
            t(31),
        ),
    ];
    assert!(cases.len() >= 30);
    for (text, expected) in cases {
        assert_eq!(credentials(&text), vec![expected], "in: {text}");
    }
}

#[test]
fn non_literal_values_and_placeholders_stay_quiet() {
    let cases = [
        "curl -H \"Authorization: Bearer $TOKEN\" https://x.invalid",
        "curl -H \"Authorization: Bearer ${TOKEN}\" https://x.invalid",
        "curl -H \"Authorization: Bearer ${{ secrets.API_TOKEN }}\" https://x.invalid",
        "Authorization: Bearer {{ token }}",
        "Authorization: Bearer <token>",
        "Authorization: Bearer <your-token>",
        "Authorization: Bearer %TOKEN%",
        "headers = {\"Authorization\": f\"Bearer {key}\"}",
        "headers = {\"Authorization\": \"Bearer %s\" % key}",
        "headers = {\"Authorization\": \"Bearer {}\".format(key)}",
        "const h = { Authorization: `Bearer ${key}` };",
        "const h = { Authorization: 'Bearer ' + token };",
        "req.Header.Set(\"Authorization\", \"Bearer \"+token)",
        "String h = \"Bearer \" + accessToken; conn.setRequestProperty(\"Authorization\", h);",
        "const h = { Authorization: process.env.API_TOKEN };",
        "headers = {\"Authorization\": os.environ[\"API_TOKEN\"]}",
        "headers = {\"Authorization\": os.environ.get(\"API_TOKEN\")}",
        "const h = { Authorization: import.meta.env.VITE_API_TOKEN };",
        "headers: { Authorization: authorizationHeaderValue },",
        "request['Authorization'] = auth_token_from_vault",
        "Authorization: Bearer YOUR_API_KEY",
        "Authorization: Bearer your-api-token-goes-here",
        "Authorization: Bearer xxxxxxxxxxxxxxxxxxxx",
        "Authorization: Bearer ...",
        "Authorization: Bearer abc123",
        "Authorization: Bearer wayscloud_storage_abc123_secret",
        "Authorization: Bearer wayscloud_storage_a1b2c3d4_YourSecretKey",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=",
        "Authorization: Basic YWRtaW46YWRtaW4=",
        "Authorization: Basic $(echo -n user:pass | base64)",
        "The Authorization header carries the bearer token.",
        "proxy_set_header Authorization $http_authorization;",
        "authorization_code_flow_enabled: true",
    ];
    assert!(cases.len() >= 30);
    for text in cases {
        assert_eq!(credentials(text), Vec::<String>::new(), "in: {text}");
    }
}

#[test]
fn a_wayscloud_key_in_a_header_is_reported_by_both_rules_at_the_key() {
    let set = RuleSet::builtin().unwrap();
    let matcher = Matcher::new(&set);
    let key = fake_key("dns", 5);
    let text = format!("curl -H \"Authorization: Bearer {key}\" https://x.invalid");
    let found: Vec<(&str, Range<usize>)> = matcher
        .find(text.as_bytes())
        .into_iter()
        .map(|m| (set.rules[m.rule].id(), m.span))
        .collect();
    let at = text.find(&key).unwrap();
    assert_eq!(
        found,
        vec![
            ("authorization-header", at..at + key.len()),
            ("wayscloud-api-key", at..at + key.len()),
        ]
    );
}
