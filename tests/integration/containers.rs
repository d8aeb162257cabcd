//! Archives, compressed files and binaries are read, not skipped (issue 15, point 3):
//! each container kind in tree, staged and history scans, nesting, and zip bombs
//! that end as counted skips within the budget.

use crate::sandbox::{pairs, places, Sandbox, KEY_RULE};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};
use wayscan::testkeys::fake_key;

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut writer = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// One file per container kind, each with its own key on line 2 of the text inside;
/// returns (file name, expected place).
fn write_containers(s: &Sandbox) -> Vec<String> {
    let text = |seed: u64| format!("# settings\nkey = {}\n", fake_key("storage", seed)).into_bytes();
    let jar = zip_of(&[
        ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
        ("config/app.properties", &text(1)),
    ]);
    s.write("lib/app.jar", &jar);
    s.write(
        "release.tar.gz",
        gzip(&tar_of(&[("etc/app.conf", &text(2)), ("lib/app.jar", &jar)])),
    );
    s.write("dump.sql.bz2", bzip2(&text(3)));
    s.write("logs/app.log.xz", xz(&text(4)));
    s.write("cache.json.zst", zstd(&text(5)));
    s.write("report.docx", zip_of(&[("word/document.xml", &text(6))]));
    vec![
        "cache.json.zst".to_string(),
        "dump.sql.bz2".to_string(),
        "lib/app.jar!config/app.properties".to_string(),
        "logs/app.log.xz".to_string(),
        "release.tar.gz!etc/app.conf".to_string(),
        "release.tar.gz!lib/app.jar!config/app.properties".to_string(),
        "report.docx!word/document.xml".to_string(),
    ]
}

fn found_at(report: &serde_json::Value) -> Vec<String> {
    let mut found: Vec<String> = places(report)
        .into_iter()
        .map(|(path, line, _, rule)| {
            assert_eq!((line, rule.as_str()), (2, KEY_RULE), "{path}");
            path
        })
        .collect();
    found.sort();
    found
}

#[test]
fn every_container_kind_is_opened_in_tree_staged_and_history_scans() {
    let s = Sandbox::git_repo();
    s.write("README.md", "hi\n");
    s.commit("init");
    let expected = write_containers(&s);

    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found_at(&report), expected);

    s.git(&["add", "-A"]);
    let (run, report) = s.json_of("staged", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found_at(&report), expected);

    s.commit("containers");
    for args in [&[][..], &["--range", "HEAD~1..HEAD"][..]] {
        let (run, report) = s.json_of("history", args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(found_at(&report), expected, "{args:?}");
    }
    // The same key inside the jar and inside the tarball's copy of it is one
    // secret at two places: two findings.
    assert_eq!(report["summary"]["distinct_secrets"], 6);
}

#[test]
fn zip_bombs_end_as_counted_skips_within_the_budget() {
    let s = Sandbox::git_repo();
    // 42.zip-style: 8 copies per level, 3 levels of zips around 4 MiB of zeros
    // (2 GiB if all were expanded), plus a key beside it that must still be found.
    let mut level = zip_of(&[("zeros.bin", &vec![0u8; 4 << 20])]);
    for _ in 0..3 {
        let names: Vec<String> = (0..8).map(|i| format!("part{i}.zip")).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), level.as_slice())).collect();
        level = zip_of(&files);
    }
    s.write("bomb.zip", &level);
    // A gigabyte of zeros in about a megabyte of gzip, written in chunks.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        encoder.write_all(&chunk).unwrap();
    }
    s.write("zeros.gz", encoder.finish().unwrap());
    s.write("app.env.example", format!("x\nKEY={}\n", fake_key("llm", 9)));

    let started = Instant::now();
    let (run, report) = s.scan_json(&["-v"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(found_at(&report), ["app.env.example"]);
    let skips: Vec<(String, String)> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let skipped = |path: &str| skips.iter().any(|s| s.0 == path && s.1 == "archive-limit");
    assert!(skipped("zeros.gz"), "{:?}", &skips[skips.len().saturating_sub(3)..]);
    // Each innermost zip of the bomb is one level too deep: a skip each (8^3),
    // nothing expanded past the limit.
    assert!(skipped("bomb.zip!part7.zip!part7.zip!part7.zip"));
    assert_eq!(skips.len(), 8 * 8 * 8 + 1);
    assert!(report["summary"]["skipped"]["archive-limit"].as_u64().unwrap() >= 2);

    // History reads the same blobs with the same limits.
    s.commit("bombs");
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(found_at(&report), ["app.env.example"]);
    assert!(report["summary"]["skipped"]["archive-limit"].as_u64().unwrap() >= 2);
}

#[test]
fn binaries_are_read_for_their_text_runs_and_damaged_archives_are_named() {
    let s = Sandbox::new();
    // An SQLite-like page: binary framing around a row that holds a key.
    let mut db = b"SQLite format 3\0\x10\0\x01\x01\0@  \0\0\0\x02".to_vec();
    db.extend_from_slice(&[0u8; 64]);
    db.extend_from_slice(format!("\x05\x17\x1busers{}\0\0", fake_key("dns", 11)).as_bytes());
    s.write("app.db", db);
    // A log that starts with NUL bytes (a file preallocated then written).
    s.write(
        "app.log",
        format!("\0\0\0\0boot\nAuthorization ok\ntoken={}\n", fake_key("gpu", 12)),
    );
    // UTF-16LE without a byte order mark (`cmd /u`).
    let utf16: Vec<u8> = format!("set KEY={}\r\n", fake_key("llm", 13))
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    s.write("env.txt", utf16);
    // A Java class file's constant pool: separate strings, never one header (found
    // in tomcat-embed-core's Authorization$1.class).
    s.write(
        "Authorization$1.class",
        b"\xca\xfe\xba\xbe\0\0\0\x34\x01\0\x11ser/Authorization\x01\0:org/apache/tomcat/util/http/parser/Authorization$FieldType\x01\0",
    );
    // A zip cut short.
    let whole = zip_of(&[("a.txt", b"hello\n")]);
    s.write("broken.zip", &whole[..whole.len() - 30]);

    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "a damaged archive is a warning: {}", run.stderr);
    let mut found: Vec<String> = places(&report).into_iter().map(|p| p.0).collect();
    found.sort();
    assert_eq!(found, ["app.db", "app.log", "env.txt"]);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "broken.zip");
    assert!(
        run.stderr.contains("wayscan: warning: broken.zip: cannot open"),
        "{}",
        run.stderr
    );
}

/// An archive member is named from the top of the repository, whichever root a scan
/// starts in, and shown from the root the user named: the report works the shown
/// path out, in JSON and in text alike.
#[test]
fn archive_members_are_shown_from_the_root_given_and_named_from_the_top() {
    let s = Sandbox::git_repo();
    let key = fake_key("storage", 95);
    let jar = zip_of(&[("conf/app.properties", format!("k={key}\n").as_bytes())]);
    s.write("src/lib/app.jar", jar);
    s.write("docs/guide.md", "nothing here\n");
    s.commit("init");
    let member = "lib/app.jar!conf/app.properties";
    let (_, top) = s.scan_json(&[]);
    let top = pairs(&top, "path", "fingerprint");
    assert_eq!(top.len(), 1, "{top:?}");
    assert_eq!(top[0].0, format!("src/{member}"));
    let id = top[0].1.clone();
    let (_, sub) = s.scan_json(&["src"]);
    assert_eq!(pairs(&sub, "path", "fingerprint"), [(member.to_string(), id.clone())]);
    // Several roots: each file shown under the root as given.
    let (_, both) = s.scan_json(&["docs", "./src/"]);
    assert_eq!(
        pairs(&both, "path", "fingerprint"),
        [(format!("src/{member}"), id.clone())]
    );
    let (_, history) = s.json_of("history", &[]);
    assert_eq!(pairs(&history, "path", "fingerprint"), [(format!("src/{member}"), id)]);
    let text = s.run(&["scan", "src", "--color", "never"]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(text.stdout.lines().any(|l| l == member), "{}", text.stdout);
    assert!(!text.stdout.contains("src/lib"), "{}", text.stdout);
}

/// Gives the project a rule, `zeta-key`, for `.properties` files only.
fn with_properties_rule(s: &Sandbox) {
    s.write(
        "rules.toml",
        "[[rules]]\nid = \"zeta-key\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\n\
         keywords = [\"key=\"]\nregex = '''key=(?P<secret>ZETA[a-z]{16})'''\nmessage = \"m\"\n\
         remediation = \"r\"\npath = '''\\.properties$'''\n",
    );
    s.write(".wayscan.toml", "rules = [\"rules.toml\"]\n");
}

/// A rule's `path` is judged against the full place of a finding, the archive member
/// included, in every scan kind. History judged the archive's own path, so a rule
/// for `.properties` files missed the key in a jar's `conf/app.properties` that
/// `scan` and `staged` reported.
#[test]
fn a_rule_path_is_judged_at_the_member_in_every_scan_kind() {
    let s = Sandbox::git_repo();
    with_properties_rule(&s);
    s.write("README.md", "hello\n");
    let base = s.commit("init");
    let line = "key=ZETAqwertyuiopasdfgh\n";
    s.write("lib/app.jar", zip_of(&[("conf/app.properties", line.as_bytes())]));
    // The same key where the rule does not apply: outside a .properties file, in a
    // file and in a member.
    s.write("notes.txt", line);
    s.write("lib/other.jar", zip_of(&[("conf/notes.txt", line.as_bytes())]));
    s.git(&["add", "-A"]);
    let zeta = |report: &serde_json::Value| -> Vec<String> {
        pairs(report, "rule_id", "path")
            .into_iter()
            .filter(|(rule, _)| rule == "zeta-key")
            .map(|(_, path)| path)
            .collect()
    };
    let expected = ["lib/app.jar!conf/app.properties".to_string()];
    let (_, staged) = s.json_of("staged", &[]);
    assert_eq!(zeta(&staged), expected, "staged");
    s.commit("add libraries");
    let (_, tree) = s.scan_json(&[]);
    assert_eq!(zeta(&tree), expected, "scan");
    let (_, whole) = s.json_of("history", &[]);
    assert_eq!(zeta(&whole), expected, "history");
    let (_, range) = s.json_of("history", &["--range", &format!("{base}..HEAD")]);
    assert_eq!(zeta(&range), expected, "history --range");
}

/// Every file read is counted once, as a history counts each blob once: an archive
/// with three members is one file, and a binary without a text run is a file
/// scanned (it was read), not one that vanished from the counts. The tree scan
/// counted each member, and no binary without text.
#[test]
fn every_scan_kind_counts_a_file_once_whatever_it_holds() {
    let s = Sandbox::git_repo();
    s.write(
        "lib/app.jar",
        zip_of(&[("a.txt", b"one\n"), ("b.txt", b"two\n"), ("c.txt", b"three\n")]),
    );
    let binary: Vec<u8> = (0..4096u32).map(|i| [0u8, 0xff, 0x01, 0xfe][i as usize % 4]).collect();
    s.write("data.bin", binary);
    s.write("README.md", "hello\n");
    s.git(&["add", "-A"]);
    let files = |report: &serde_json::Value| report["summary"]["files"].as_u64();
    let (_, staged) = s.json_of("staged", &[]);
    assert_eq!(files(&staged), Some(3), "staged");
    s.commit("init");
    let (_, tree) = s.scan_json(&[]);
    assert_eq!(files(&tree), Some(3), "scan");
    let (_, history) = s.json_of("history", &[]);
    assert_eq!(files(&history), Some(3), "history");
}

/// A tree only a tag holds is read at `ref:path`; a rule's `path` is judged on
/// `path` there too (the member included), as in every other place of a history.
#[test]
fn a_rule_path_is_judged_in_a_tree_only_a_tag_holds() {
    let s = Sandbox::git_repo();
    with_properties_rule(&s);
    s.commit("init");
    let line = "key=ZETAqwertyuiopasdfgh\n";
    s.write("t/conf/app.properties", line);
    s.write("t/notes.txt", line);
    s.write("t/lib/app.jar", zip_of(&[("conf/db.properties", line.as_bytes())]));
    s.git(&["add", "t"]);
    let tree = s.git(&["write-tree"]).trim().to_string();
    s.git(&["reset", "-q"]);
    std::fs::remove_dir_all(s.join("t")).unwrap();
    s.git(&["tag", "tree-tag", &tree]);
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut zeta: Vec<String> = pairs(&report, "rule_id", "path")
        .into_iter()
        .filter(|(rule, _)| rule == "zeta-key")
        .map(|(_, path)| path)
        .collect();
    zeta.sort();
    assert_eq!(
        zeta,
        [
            "refs/tags/tree-tag:t/conf/app.properties",
            "refs/tags/tree-tag:t/lib/app.jar!conf/db.properties"
        ]
    );
}
