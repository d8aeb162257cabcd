//! Every shape a credential gets into an HTTP request in, one file each, positive
//! and negative: the exact place of each finding, and silence on the negatives
//! (interpolation in 13 languages, placeholders, code that names a value).

use crate::sandbox::{places, Sandbox};
use wayscan::testkeys::fake_chars;

const TOKEN: &str = "{T}";

/// (file, content with {T} where the credential goes, rule that must find it).
const POSITIVE: &[(&str, &str, &str)] = &[
    (
        "call.sh",
        "curl -H \"Authorization: Bearer {T}\" https://api.invalid\n",
        "authorization-header",
    ),
    (
        "api.http",
        "GET https://api.invalid/v1\nAuthorization: Token {T}\n",
        "authorization-header",
    ),
    ("x.yaml", "headers:\n  X-API-Key: {T}\n", "authorization-header"),
    (
        "client.py",
        "headers = {\"X-Auth-Token\": \"{T}\"}\n",
        "authorization-header",
    ),
    (
        "nb.ipynb",
        "{\"source\": [\"h = {\\\"Authorization\\\": \\\"Bearer {T}\\\"}\"]}\n",
        "authorization-header",
    ),
    (
        "Main.java",
        "conn.setRequestProperty(\"Authorization\", \"Bearer {T}\");\n",
        "authorization-header",
    ),
    (
        "main.go",
        "req.Header.Set(\"Api-Key\", \"{T}\")\n",
        "authorization-header",
    ),
    (
        "client.rb",
        "request[\"Authorization\"] = \"Token token=\\\"{T}\\\"\"\n",
        "authorization-header",
    ),
    (
        "app.php",
        "$h = ['Authorization' => 'Splunk {T}'];\n",
        "authorization-header",
    ),
    (
        "res.xml",
        "<string name=\"authorization\">Bearer {T}</string>\n",
        "authorization-header",
    ),
    (
        "openapi.yaml",
        "parameters:\n  - name: Authorization\n    in: header\n    example: Bearer {T}\n",
        "authorization-header",
    ),
    (
        "run.sh",
        "curl -u deploy:{T} https://api.invalid\n",
        "http-client-credential",
    ),
    (
        "fetch.sh",
        "curl --oauth2-bearer {T} https://api.invalid\n",
        "http-client-credential",
    ),
    (
        "get.sh",
        "wget --user=backup --password={T} https://files.invalid/x\n",
        "http-client-credential",
    ),
    (
        "req.py",
        "requests.get(url, auth=(\"deploy\", \"{T}\"))\n",
        "http-client-credential",
    ),
    (
        "basic.py",
        "s.auth = HTTPBasicAuth(\"svc-reports\", \"{T}\")\n",
        "http-client-credential",
    ),
    (
        "client.rs",
        "client.get(url).bearer_auth(\"{T}\")\n",
        "http-client-credential",
    ),
    (
        "auth.go",
        "req.SetBasicAuth(\"metrics\", \"{T}\")\n",
        "http-client-credential",
    ),
    (
        "Auth.kt",
        "val c = Credentials.basic(\"jesse\", \"{T}\")\n",
        "http-client-credential",
    ),
    (
        "axios.js",
        "axios.get(u, { auth: { username: 'reports', password: '{T}' } })\n",
        "http-client-credential",
    ),
    (
        "guzzle.php",
        "$c->get($u, ['auth' => ['deploy', '{T}']]);\n",
        "http-client-credential",
    ),
    // pretty-printed exports: HAR, Postman header list, Envoy flow mapping
    (
        "session.har",
        "{\n  \"headers\": [\n    {\n      \"name\": \"Authorization\",\n      \"value\": \"Bearer {T}\"\n    }\n  ]\n}\n",
        "authorization-header",
    ),
    (
        "c.postman_collection.json",
        "\"header\": [\n  {\n    \"key\": \"X-API-Key\",\n    \"value\": \"{T}\",\n    \"type\": \"text\"\n  }\n]\n",
        "authorization-header",
    ),
    (
        "envoy.yaml",
        "request_headers_to_add:\n  - header: {key: authorization, value: \"Bearer {T}\"}\n",
        "authorization-header",
    ),
    // escaped source: HTTPie and HAProxy escaped spaces
    (
        "httpie.sh",
        "http GET https://api.invalid Authorization:Bearer\\ {T}\n",
        "authorization-header",
    ),
    (
        "haproxy.cfg",
        "backend api\n    reqadd Authorization:\\ Bearer\\ {T}\n",
        "authorization-header",
    ),
    // code shapes: value on the next line, constant names, Go composite literal
    (
        "next.py",
        "headers = {\n    \"Authorization\":\n        \"Bearer {T}\",\n}\n",
        "authorization-header",
    ),
    (
        "Const.java",
        "req.setHeader(HttpHeaders.AUTHORIZATION, \"Bearer {T}\");\n",
        "authorization-header",
    ),
    (
        "header.go",
        "req.Header = http.Header{\"Authorization\": {\"Bearer {T}\"}}\n",
        "authorization-header",
    ),
    // a shell default is a literal; any scheme word
    (
        "default.sh",
        "curl -H \"Authorization: Bearer ${API_TOKEN:-{T}}\" https://api.invalid\n",
        "authorization-header",
    ),
    ("scheme.http", "Authorization: Api-Token {T}\n", "authorization-header"),
    // client options
    (
        "httpie-auth.sh",
        "http -a admin:{T} https://api.invalid\n",
        "http-client-credential",
    ),
    (
        "basic.rs",
        "client.get(url).basic_auth(\"deploy\", Some(\"{T}\"))\n",
        "http-client-credential",
    ),
    // the header name in any casing; the value before the name; target-typed `new`
    (
        "odd.sh",
        "curl -H 'authoriZation: Bearer {T}' https://api.invalid\n",
        "authorization-header",
    ),
    (
        "Client.swift",
        "request.setValue(\"Bearer {T}\", forHTTPHeaderField: \"Authorization\")\n",
        "authorization-header",
    ),
    (
        "Client.m",
        "[request setValue:@\"{T}\" forHTTPHeaderField:@\"X-API-Key\"];\n",
        "authorization-header",
    ),
    (
        "Client.cs",
        "client.DefaultRequestHeaders.Authorization = new(\"Bearer\", \"{T}\");\n",
        "authorization-header",
    ),
    // tools' authentication settings
    (
        "prometheus.yml",
        "scrape_configs:\n  - job_name: api\n    authorization:\n      type: Bearer\n      credentials: {T}\n",
        "http-auth-config",
    ),
    (
        "alertmanager.yml",
        "receivers:\n  - webhook_configs:\n      - http_config:\n          basic_auth:\n            username: am\n            password: '{T}'\n",
        "http-auth-config",
    ),
    (
        "datasource.yaml",
        "datasources:\n  - name: prom\n    secureJsonData:\n      basicAuthPassword: {T}\n",
        "http-auth-config",
    ),
    (
        "playbook.yml",
        "- uri:\n    url: https://api.invalid\n    url_username: deploy\n    url_password: {T}\n",
        "http-auth-config",
    ),
    (
        "api.postman_collection.json",
        "{\"auth\": {\n  \"type\": \"bearer\",\n  \"bearer\": [\n    {\n      \"key\": \"token\",\n      \"value\": \"{T}\",\n      \"type\": \"string\"\n    }\n  ]\n}}\n",
        "http-auth-config",
    ),
    (
        "get.bru",
        "meta {\n  name: get\n}\n\nauth:bearer {\n  token: {T}\n}\n",
        "http-auth-config",
    ),
    (
        "insomnia.json",
        "{\"authentication\": {\n  \"type\": \"bearer\",\n  \"token\": \"{T}\"\n}}\n",
        "http-auth-config",
    ),
];

/// Files that must give no finding at all.
const NEGATIVE: &[(&str, &str)] = &[
    // interpolation, one language a line
    ("i.py", "h = {\"Authorization\": f\"Bearer {token}\"}\n"),
    ("i.js", "const h = { Authorization: `Bearer ${token}` };\n"),
    ("i.rb", "h = { \"Authorization\" => \"Bearer #{token}\" }\n"),
    ("i.php", "$h = ['Authorization' => \"Bearer $token\"];\n"),
    ("i.go", "req.Header.Set(\"Authorization\", fmt.Sprintf(\"Bearer %s\", token))\n"),
    ("I.java", "conn.setRequestProperty(\"Authorization\", \"Bearer \" + token);\n"),
    ("I.cs", "req.Headers.Add(\"Authorization\", $\"Bearer {token}\");\n"),
    ("I.kt", "addHeader(\"Authorization\", \"Bearer ${token}\")\n"),
    ("I.swift", "req.setValue(\"Bearer \\(token)\", forHTTPHeaderField: \"Authorization\")\n"),
    ("i.rs", "req.header(\"Authorization\", format!(\"Bearer {}\", token))\n"),
    ("i.sh", "curl -H \"Authorization: Bearer $TOKEN\" -u \"$USER:$PASS\" https://api.invalid\n"),
    ("i.ps1", "$h = @{ Authorization = \"Bearer $env:API_TOKEN\" }\n"),
    ("i.pl", "$ua->default_header('Authorization' => \"Bearer $token\");\n"),
    ("i.yaml", "headers:\n  Authorization: Bearer ${{ secrets.API_TOKEN }}\n  X-API-Key: {{ api_key }}\n"),
    // placeholders, public examples, test values
    ("p.md", "curl -H 'Authorization: Bearer YOUR_ACCESS_TOKEN' -u username:password https://api.example.com\n"),
    ("p.http", "Authorization: Bearer mF_9.B5f-4.1JqM\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\n"),
    ("p.py", "headers = {\"Authorization\": \"Bearer secret-token\"}\nauth = (\"user\", \"pass\")\n"),
    ("p.sh", "curl -u myuser:mypass https://api.example.com\n"),
    // schemes whose value is no reusable secret
    ("s.txt", "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb\n"),
    ("s2.txt", "Authorization: NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==\n"),
    // code that names a value
    ("c.py", "SENSITIVE = {\"authorization\", \"proxy-authorization\"}\nh = {\"Authorization\": Constants.AUTH_TOKEN}\n"),
    ("c.ts", "headers: { Authorization: session.accessToken },\n"),
    // tools' settings that name a file or a variable, or hold test values
    (
        "prom.yml",
        "authorization:\n  type: Bearer\n  credentials_file: /etc/prometheus/token\nbasic_auth:\n  username: u\n  password_file: /run/pw\n",
    ),
    ("ds.yaml", "basicAuthPassword: $__env{GRAFANA_PW}\nurl_password: \"{{ vault_pw }}\"\n"),
    ("t.bru", "auth:bearer {\n  token: {{token}}\n}\nauth:basic {\n  username: john\n  password: secret\n}\n"),
    (
        "t.postman_collection.json",
        "\"bearer\": [{\"key\": \"token\", \"value\": \"bearer-token-value\", \"type\": \"string\"}]\n",
    ),
];

#[test]
fn every_shape_is_found_at_the_credential_and_nothing_else_is() {
    let s = Sandbox::new();
    let mut expected = Vec::new();
    for (i, (file, template, rule)) in POSITIVE.iter().enumerate() {
        let token = fake_chars(
            500 + i as u64,
            28,
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
        );
        let content = template.replace(TOKEN, &token);
        let at = content.find(&token).unwrap();
        let line = content[..at].matches('\n').count() + 1;
        let column = at - content[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        s.write(file, &content);
        expected.push((file.to_string(), line as u64, column as u64, rule.to_string()));
    }
    for (file, content) in NEGATIVE {
        s.write(file, content);
    }
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    expected.sort();
    let mut found = places(&report);
    found.sort();
    assert_eq!(found, expected);
}

/// A header finding says where to revoke what it found: the issuer is known by the
/// token's shape (or the Basic scheme), and a token of no known shape keeps the
/// rule's own text.
#[test]
fn header_findings_name_the_issuer_and_its_remediation() {
    let s = Sandbox::new();
    let alnum = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let github = format!("ghp_{}", fake_chars(901, 36, alnum));
    let basic = base64_of(&format!("deploy:{}", fake_chars(902, 16, alnum)));
    let unknown = fake_chars(903, 32, alnum);
    s.write(
        "calls.sh",
        format!(
            "curl -H 'Authorization: Bearer {github}' https://api.invalid\n\
             curl -H 'Authorization: Basic {basic}' https://api.invalid\n\
             curl -H 'Authorization: Bearer {unknown}' https://api.invalid\n"
        ),
    );
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = report["findings"].as_array().unwrap();
    let by_line = |line: u64| {
        findings
            .iter()
            .find(|f| f["line"] == line)
            .unwrap_or_else(|| panic!("no finding on line {line}: {findings:?}"))
    };
    assert_eq!(by_line(1)["properties"]["issuer"], "GitHub");
    assert!(by_line(1)["remediation"]
        .as_str()
        .unwrap()
        .contains("github.com/settings/tokens"));
    assert_eq!(by_line(2)["properties"]["issuer"], "Basic user and password");
    assert!(by_line(2)["remediation"].as_str().unwrap().contains("password"));
    assert!(by_line(3)["properties"].get("issuer").is_none());
    assert!(by_line(3)["remediation"]
        .as_str()
        .unwrap()
        .starts_with("Treat the credential as leaked"));
    for f in findings {
        assert!(!f["remediation"].as_str().unwrap().contains("WAYSCloud"), "{f}");
    }
}

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
