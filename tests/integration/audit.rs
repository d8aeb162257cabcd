//! `wayscan audit` and `wayscan merge`: many repositories (work trees, bare ones,
//! URLs cloned into a cache), one index, per-repository reports, reruns that skip
//! what did not change, shards that merge into the bytes of one run, and the HTML
//! report as headless Chromium draws it.

use crate::sandbox::Sandbox;
use std::path::{Path, PathBuf};
use std::process::Command;
use wayscan::testkeys::fake_key;

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A repository at `rel` with one commit per (path, contents) list.
fn repo(s: &Sandbox, rel: &str, commits: &[&[(&str, String)]]) -> PathBuf {
    let dir = s.join(rel);
    std::fs::create_dir_all(&dir).unwrap();
    git_in(&dir, &["init", "-q", "-b", "main"]);
    git_in(&dir, &["config", "user.email", "dev@example.invalid"]);
    git_in(&dir, &["config", "user.name", "Dev"]);
    for (i, files) in commits.iter().enumerate() {
        for (path, contents) in files.iter() {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            if contents.is_empty() {
                let _ = std::fs::remove_file(&file);
            } else {
                std::fs::write(&file, contents).unwrap();
            }
        }
        git_in(&dir, &["add", "-A"]);
        git_in(&dir, &["commit", "-q", "--allow-empty", "-m", &format!("commit {i}")]);
    }
    dir
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// An organisation: `shared` is committed in two repositories and a cloned one,
/// one key was deleted long ago, one sits untracked in a work tree.
struct Org {
    s: Sandbox,
    shared: String,
    deleted: String,
    untracked: String,
}

fn org() -> Org {
    let s = Sandbox::new();
    let (shared, deleted, untracked) = (fake_key("storage", 501), fake_key("llm", 502), fake_key("dns", 503));
    repo(&s, "org/team-a/api", &[&[("config.py", format!("KEY = '{shared}'\n"))]]);
    repo(
        &s,
        "org/team-a/web",
        &[
            &[("src/old.js", format!("const k = '{deleted}';\n"))],
            &[("src/old.js", String::new()), ("README.md", "web\n".into())],
        ],
    );
    let tools = repo(
        &s,
        "org/team-b/tools",
        &[&[("deploy.sh", format!("export K={shared}\n"))]],
    );
    std::fs::write(tools.join("local.txt"), format!("{untracked}\n")).unwrap();
    // A bare repository among the work trees, and one reached by URL only.
    let infra = repo(
        &s,
        "elsewhere/infra",
        &[&[("main.tf", format!("key = \"{shared}\"\n"))]],
    );
    git_in(
        s.path(),
        &["clone", "-q", "--bare", infra.to_str().unwrap(), "org/team-b/infra.git"],
    );
    let lib = repo(&s, "remote/lib", &[&[("lib.rb", "puts 1\n".into())]]);
    git_in(
        s.path(),
        &["clone", "-q", "--bare", lib.to_str().unwrap(), "remote/lib.git"],
    );
    s.write(
        "repos.txt",
        format!("# repositories by URL\nfile://{}\n", s.join("remote/lib.git").display()),
    );
    Org {
        s,
        shared,
        deleted,
        untracked,
    }
}

/// `wayscan audit org repos.txt` into `out`, cloning into the sandbox's `cache`.
fn audit_org(s: &Sandbox) -> crate::sandbox::Run {
    let cache = s.join("cache");
    s.run(&[
        "audit",
        "org",
        "repos.txt",
        "-o",
        "out",
        "--cache",
        cache.to_str().unwrap(),
    ])
}

#[test]
fn an_audit_dedupes_keys_across_repositories_and_writes_every_report() {
    let Org {
        s,
        shared,
        deleted,
        untracked,
    } = org();
    let run = audit_org(&s);
    assert_eq!(run.code, 1, "findings: {}", run.stderr);
    assert!(
        run.stderr
            .contains("audited 5 of 5 repositories: 5 findings, 3 distinct keys (1 in several repositories)"),
        "{}",
        run.stderr
    );
    let index = read_json(&s.join("out/index.json"));
    assert_eq!(index["schema"], "wayscan-audit/1");
    assert_eq!(index["totals"]["findings"], 5);
    let names: Vec<&str> = index["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    for expected in [
        "team-a/api",
        "team-a/web",
        "team-b/tools",
        "team-b/infra.git",
        "remote/lib",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }

    // The shared key once, with its three places (infra is bare: history only).
    let keys = index["keys"].as_array().unwrap();
    let key_id = |key: &str| key.split('_').nth(2).unwrap().to_string();
    let first = &keys[0];
    assert_eq!(first["key_id"], key_id(&shared));
    assert_eq!(first["repositories"], 3);
    let places: Vec<String> = first["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(places.len(), 3);
    for path in ["config.py", "deploy.sh", "main.tf"] {
        assert!(places.contains(&path.to_string()), "{places:?}");
    }
    // History finds the deleted key, the work tree the untracked one.
    let by_id = |id: String| {
        keys.iter()
            .find(|k| k["key_id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id}"))
    };
    assert_eq!(by_id(key_id(&deleted))["places"][0]["path"], "src/old.js");
    assert!(by_id(key_id(&deleted))["places"][0]["commit"].is_string());
    let tree_only = &by_id(key_id(&untracked))["places"][0];
    assert_eq!(tree_only["path"], "local.txt");
    assert!(tree_only.get("commit").is_none(), "{tree_only}");
    assert_eq!(index["by_year"]["uncommitted"], 1);
    assert_eq!(index["by_service"]["storage"], 3);

    // Per repository: JSON and SARIF (valid SARIF 2.1.0), never a whole key anywhere.
    let schema: serde_json::Value = serde_json::from_str(include_str!("../fixtures/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for record in index["repositories"].as_array().unwrap() {
        let slug = record["slug"].as_str().unwrap();
        let sarif = read_json(&s.join(&format!("out/repos/{slug}.sarif")));
        let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{slug}: {errors:?}");
        let json = read_json(&s.join(&format!("out/repos/{slug}.json")));
        assert_eq!(json["scan"]["kind"], "repository");
        assert_eq!(
            json["findings"].as_array().unwrap().len(),
            record["findings"].as_array().unwrap().len()
        );
    }
    for entry in walk(&s.join("out")) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        for key in [&shared, &deleted, &untracked] {
            assert!(!text.contains(key.as_str()), "{} holds a key", entry.display());
        }
    }
    let html = std::fs::read_to_string(s.join("out/report.html")).unwrap();
    assert!(
        html.contains("3 repositories</b>"),
        "the shared key is shown once with its places"
    );
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_rerun_scans_only_what_moved_and_a_broken_repository_never_stops_the_audit() {
    let Org { s, .. } = org();
    let cache = s.join("cache");
    let audit = audit_org;
    let first = audit(&s);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let index = std::fs::read(s.join("out/index.json")).unwrap();

    let again = audit(&s);
    assert_eq!(
        again.stderr.matches("unchanged, not scanned again").count(),
        5,
        "{}",
        again.stderr
    );
    assert_eq!(
        std::fs::read(s.join("out/index.json")).unwrap(),
        index,
        "same refs, same index"
    );

    // A new commit in one repository, and one repository broken beyond reading.
    let api = s.join("org/team-a/api");
    std::fs::write(api.join("more.py"), format!("K2 = '{}'\n", fake_key("gpu", 504))).unwrap();
    git_in(&api, &["add", "-A"]);
    git_in(&api, &["commit", "-q", "-m", "more"]);
    let objects = s.join("org/team-a/web/.git/objects");
    std::fs::remove_dir_all(&objects).unwrap();
    std::fs::create_dir_all(objects.join("pack")).unwrap();
    let third = audit(&s);
    assert_eq!(third.code, 2, "a repository could not be audited: {}", third.stderr);
    assert_eq!(
        third.stderr.matches("unchanged, not scanned again").count(),
        3,
        "{}",
        third.stderr
    );
    assert!(third.stderr.contains("team-a/api: 2 findings"), "{}", third.stderr);
    assert!(third.stderr.contains("team-a/web: error:"), "{}", third.stderr);
    let index = read_json(&s.join("out/index.json"));
    assert_eq!(index["totals"]["failed"], 1);
    assert_eq!(index["totals"]["audited"], 4);

    // A URL with credentials that cannot be reached: an error naming the repository,
    // never the password.
    s.write(
        "more.txt",
        "https://auditor:hunter2pass@127.0.0.1:9/org/private.git\nno/such/dir\n",
    );
    let run = s.run(&["audit", "more.txt", "-o", "out2", "--cache", cache.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("more.txt:2: no/such/dir: not a git repository"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("org/private: error: clone failed"),
        "{}",
        run.stderr
    );
    let all: String = walk(&s.join("out2"))
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        !run.stderr.contains("hunter2pass") && !all.contains("hunter2pass"),
        "{}",
        run.stderr
    );
    assert!(
        all.contains("https://127.0.0.1:9/org/private"),
        "the identity, without credentials"
    );
}

#[test]
fn shards_merged_give_the_index_of_one_run() {
    let s = Sandbox::new();
    for i in 0..9u64 {
        let mut files = vec![("app.py", format!("KEY = '{}'\n", fake_key("storage", 600 + i % 4)))];
        if i % 3 == 0 {
            files.push((".env", "DEBUG=1\n".into()));
        }
        repo(&s, &format!("fleet/svc-{i}"), &[&files]);
    }
    let one = s.run(&["audit", "fleet", "-o", "whole"]);
    assert_eq!(one.code, 1, "{}", one.stderr);
    let mut dirs = Vec::new();
    let mut counted = 0;
    for k in 1..=3 {
        let dir = format!("shard-{k}");
        let run = s.run(&["audit", "fleet", "-o", &dir, "--shard", &format!("{k}/3")]);
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
        counted += read_json(&s.join(&dir).join("index.json"))["totals"]["repositories"]
            .as_u64()
            .unwrap();
        dirs.push(dir);
    }
    assert_eq!(counted, 9, "every repository in exactly one shard");
    let mut args = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["-o", "merged"]);
    let merged = s.run(&args);
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    assert_eq!(
        std::fs::read(s.join("merged/index.json")).unwrap(),
        std::fs::read(s.join("whole/index.json")).unwrap(),
        "byte-identical index"
    );
    assert_eq!(
        std::fs::read(s.join("merged/report.html")).unwrap(),
        std::fs::read(s.join("whole/report.html")).unwrap()
    );
    assert_eq!(walk(&s.join("merged/repos")).len(), walk(&s.join("whole/repos")).len());
    assert!(!merged.stderr.contains("warning"), "{}", merged.stderr);
    // A shard audited with other rules is merged, with a warning. The fullest shard
    // holds at least 3 of the 9 (which shard holds which depends on the paths).
    s.write(
        "extra.toml",
        "[[rules]]\nid = \"x-token\"\nname = \"x\"\ndescription = \"x\"\nseverity = \"low\"\nkeywords = [\"xtok_\"]\nregex = 'xtok_(?P<secret>[0-9]{8})'\nmessage = \"x\"\nremediation = \"x\"\n",
    );
    let fullest = (1..=3)
        .max_by_key(|k| read_json(&s.join(&format!("shard-{k}/index.json")))["totals"]["repositories"].as_u64())
        .unwrap();
    let other = s.run(&[
        "audit",
        "fleet",
        "-o",
        "other-rules",
        "--shard",
        &format!("{fullest}/3"),
        "--rules",
        "extra.toml",
    ]);
    assert!(other.code <= 1, "{}", other.stderr);
    let mixed = s.run(&["merge", "whole", "other-rules", "-o", "mixed"]);
    assert!(
        mixed.stderr.contains("2 different rule sets or versions"),
        "{}",
        mixed.stderr
    );

    let bad = s.run(&["audit", "fleet", "--shard", "4/3"]);
    bad.assert_stderr(2, "K must be from 1 to N");
}

/// Debian's chromium, or the one `WAYSCAN_TEST_CHROMIUM` names.
fn chromium() -> Option<String> {
    let candidates = match std::env::var("WAYSCAN_TEST_CHROMIUM") {
        Ok(program) => vec![program],
        Err(_) => vec!["chromium".into(), "chromium-browser".into(), "google-chrome".into()],
    };
    candidates.into_iter().find(|p| {
        Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
#[ignore = "needs chromium (apt-get install chromium); .ci/run runs it"]
fn the_html_report_draws_in_headless_chromium() {
    let chromium = chromium().expect("chromium is not installed (apt-get install chromium)");
    let Org { s, .. } = org();
    let run = audit_org(&s);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let page = format!("file://{}", s.join("out/report.html").display());
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("audit-report.png");
    let _ = std::fs::remove_file(&shot);
    let profile = s.join("chromium-profile");
    let headless = |extra: &[String]| {
        Command::new(&chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&page)
            .output()
            .expect("chromium runs")
    };
    let dom = headless(&["--dump-dom".into()]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Secrets, each once (3)"), "{dom}");
    assert!(dom.contains("<svg"), "charts are inline SVG");
    let out = headless(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,1800".into(),
    ]);
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The screenshot shows the charts: their bar colours are on the page.
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let bytes_per_pixel = frame.line_size / frame.width as usize;
    assert!(bytes_per_pixel >= 3);
    let has = |rgb: [u8; 3]| {
        pixels[..frame.buffer_size()]
            .chunks(bytes_per_pixel)
            .filter(|p| p[..3] == rgb)
            .count()
            > 200
    };
    assert!(has([0x82, 0x50, 0xdf]), "the by-rule chart");
    assert!(has([0x09, 0x69, 0xda]), "the by-service chart");
    assert!(has([0x24, 0x29, 0x2f]), "the header");
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn verify_marks_live_keys_once_across_repositories_in_the_index_and_the_page() {
    let Org { s, shared, deleted, .. } = org();
    let live = shared.clone();
    let api = crate::fake_api::FakeApi::start(move |token, _| {
        if token == live {
            crate::fake_api::Reply::status(200)
        } else {
            crate::fake_api::Reply::status(401)
        }
    });
    let cache = tempfile::tempdir().unwrap();
    let run = s.run_with_env(
        &[
            "audit",
            "org",
            "-o",
            "out",
            "--verify",
            "--api-url",
            &api.url,
            "--parallel",
            "1",
        ],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let index = read_json(&s.join("out/index.json"));
    assert_eq!(index["by_verification"]["live"], 1, "{}", index["by_verification"]);
    assert_eq!(index["by_verification"]["revoked"], 2);
    let key_id = |key: &str| key.split('_').nth(2).unwrap().to_string();
    let shared_group = index["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == key_id(&shared).as_str())
        .unwrap();
    assert_eq!(shared_group["verification"], "live");
    assert_eq!(shared_group["repositories"], 3, "api, tools and the bare infra.git");
    let html = std::fs::read_to_string(s.join("out/report.html")).unwrap();
    assert!(html.contains("<span class=\"live\">live</span>"), "the page marks it");
    assert!(html.contains("Distinct keys by status (--verify)"));
    for path in walk(&s.join("out")) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains(&shared) && !text.contains(&deleted),
            "{}",
            path.display()
        );
    }
    // --only-live keeps the live key's places alone; --fail-on live fails on them only.
    let run = s.run_with_env(
        &[
            "audit",
            "org",
            "-o",
            "live",
            "--verify",
            "--api-url",
            &api.url,
            "--only-live",
            "--fail-on",
            "live",
        ],
        &[("XDG_CACHE_HOME", cache.path().to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let index = read_json(&s.join("live/index.json"));
    assert_eq!(index["totals"]["findings"], 3, "the live key's three places");
    assert_eq!(index["totals"]["keys"], 1);
}

#[test]
fn a_partial_clone_leaves_large_blobs_on_the_server_and_says_so() {
    let s = Sandbox::new();
    let key = fake_key("gpu", 520);
    let big: String = (0..40_000)
        .map(|i| format!("line {i} of a large generated file\n"))
        .collect();
    let source = repo(
        &s,
        "upstream/data",
        &[&[("big.txt", big), ("app.py", format!("KEY = '{key}'\n"))]],
    );
    git_in(
        s.path(),
        &["clone", "-q", "--bare", source.to_str().unwrap(), "served.git"],
    );
    // A server that allows filters, as GitHub and GitLab do.
    git_in(&s.join("served.git"), &["config", "uploadpack.allowFilter", "true"]);
    s.write("list.txt", format!("file://{}\n", s.join("served.git").display()));
    let run = s.run(&[
        "audit",
        "list.txt",
        "-o",
        "out",
        "--cache",
        "cache",
        "--max-file-size",
        "1MiB",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let index = read_json(&s.join("out/index.json"));
    let record = &index["repositories"][0];
    assert_eq!(record["findings"].as_array().unwrap().len(), 1, "{record}");
    assert_eq!(record["skipped"], 1, "{record}");
    assert_eq!(
        record["warnings"], 0,
        "a blob left on the server is not damage: {record}"
    );
    let report = read_json(&s.join(&format!("out/repos/{}.json", record["slug"].as_str().unwrap())));
    assert_eq!(report["skipped"][0]["reason"], "not-fetched");
    assert!(report["skipped"][0]["path"]
        .as_str()
        .unwrap()
        .starts_with("big.txt (blob "));
    // The clone really is partial: the large blob is not in the cache.
    let cached = walk(&s.join("cache"))
        .iter()
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum::<u64>();
    assert!(cached < 1_000_000, "{cached} bytes cached");
}

#[test]
fn refs_all_fetches_pull_request_heads_where_keys_of_closed_pull_requests_live() {
    let s = Sandbox::new();
    let source = repo(&s, "upstream/app", &[&[("README.md", "hello\n".to_string())]]);
    git_in(
        s.path(),
        &["clone", "-q", "--bare", source.to_str().unwrap(), "served.git"],
    );
    // A pull request that was closed unmerged: its head lives on as refs/pull/1/head
    // on the server, in no branch.
    git_in(&source, &["checkout", "-q", "-b", "contribution"]);
    std::fs::write(source.join("deploy.sh"), format!("TOKEN={}\n", fake_key("llm", 530))).unwrap();
    git_in(&source, &["add", "deploy.sh"]);
    git_in(&source, &["commit", "-q", "-m", "deploy"]);
    let served = s.join("served.git");
    git_in(
        &source,
        &["push", "-q", served.to_str().unwrap(), "contribution:refs/pull/1/head"],
    );
    s.write("list.txt", format!("file://{}\n", served.display()));

    let audit = |args: &[&str]| {
        let mut all = vec!["audit", "list.txt", "-o", "out", "--cache", "cache", "--fresh"];
        all.extend_from_slice(args);
        let run = s.run(&all);
        let index = read_json(&s.join("out/index.json"));
        (run, index["repositories"][0]["findings"].as_array().unwrap().len())
    };
    let (run, found) = audit(&[]);
    assert_eq!((run.code, found), (0, 0), "branches and tags only: {}", run.stderr);
    let (run, found) = audit(&["--refs", "all"]);
    assert_eq!((run.code, found), (1, 1), "{}", run.stderr);
    // Fetched again into the same cache: still there, still one finding.
    let (run, found) = audit(&["--refs", "all"]);
    assert_eq!((run.code, found), (1, 1), "{}", run.stderr);
    // The branches-only clone is its own: it never scans what --refs all fetched.
    let (run, found) = audit(&[]);
    assert_eq!((run.code, found), (0, 0), "{}", run.stderr);
}
