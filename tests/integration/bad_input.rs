//! Bad input: each gets a message naming the path; the scan goes on where it can, and
//! exits 2 only when it could not do its job.

use crate::sandbox::{paths, Sandbox};
use wayscan::testkeys::fake_key;

#[test]
fn a_missing_path_is_named_and_the_other_paths_are_still_scanned() {
    let s = Sandbox::new();
    s.write("real/app.py", format!("k='{}'\n", fake_key("llm", 1)));
    let (run, report) = s.scan_json(&["nope/missing", "real"]);
    run.assert_stderr(
        2,
        "wayscan: error: nope/missing: cannot scan: No such file or directory",
    );
    assert_eq!(paths(&report), vec!["real/app.py"]);
    assert_eq!(report["errors"][0]["path"], "nope/missing");
}

#[test]
fn an_unwritable_output_path_fails_before_scanning() {
    let s = Sandbox::new();
    s.write("a.txt", "hello\n");
    let run = s.run(&["scan", "-o", "no/such/dir/report.json"]);
    run.assert_stderr(2, "cannot write the report to no/such/dir/report.json");
    assert!(
        !run.stderr.contains("scanned"),
        "scan ran although the report cannot be written"
    );
}

#[test]
fn an_unreadable_file_is_reported_and_the_rest_is_scanned() {
    use std::os::unix::fs::PermissionsExt;
    let s = Sandbox::new();
    s.write("locked.txt", fake_key("dns", 2));
    s.write("open.txt", fake_key("dns", 3));
    let locked = s.join("locked.txt");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads mode-000 files; a write-only kernel setting it cannot, reached
    // through a link --follow reads. The case runs for every user.
    let mut args: Vec<&str> = Vec::new();
    if std::fs::read(&locked).is_ok() {
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("/proc/sys/vm/compact_memory", &locked).unwrap();
        assert!(std::fs::read(&locked).is_err(), "nothing this user cannot read");
        args.push("--follow");
    }
    // A file that could not be read makes the scan incomplete: exit 2, whatever
    // else was found; --allow-partial lets the findings decide.
    let (run, report) = s.scan_json(&args);
    assert_eq!(run.code, 2, "unread input is not a clean scan: {}", run.stderr);
    assert!(
        run.stderr
            .contains("wayscan: error: locked.txt: cannot read: Permission denied"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("the scan is incomplete"), "{}", run.stderr);
    assert_eq!(paths(&report), vec!["open.txt"]);
    assert_eq!(report["summary"]["errors"], 1);
    let (run, _) = s.scan_json(&[&args[..], &["--allow-partial"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("wayscan: warning: locked.txt"), "{}", run.stderr);

    std::fs::remove_file(&locked).unwrap();
    s.write("locked.txt", fake_key("dns", 2));
    // A dangling link that --follow must read fails for every user, root included.
    std::os::unix::fs::symlink(s.join("gone.txt"), s.join("dangling.txt")).unwrap();
    let (run, report) = s.scan_json(&["--follow"]);
    run.assert_stderr(1, "wayscan: warning: dangling.txt:");
    assert_eq!(paths(&report), vec!["locked.txt", "open.txt"]);
    assert_eq!(report["errors"][0]["path"], "dangling.txt");
}

#[test]
fn a_symlink_loop_is_reported_not_followed_forever() {
    let s = Sandbox::new();
    s.write("dir/app.env", format!("KEY={}\n", fake_key("gpu", 4)));
    std::os::unix::fs::symlink(s.join("dir"), s.join("dir/loop")).unwrap();
    let (run, report) = s.scan_json(&["--follow"]);
    run.assert_stderr(1, "dir/loop: symbolic link loop");
    assert_eq!(paths(&report), vec!["dir/app.env"]);

    let (run, report) = s.scan_json(&[]);
    assert_eq!(report["summary"]["skipped"]["symlink"], 1, "{}", run.stderr);
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let s = Sandbox::new();
    let key = fake_key("storage", 5);
    let mut invalid = b"\xff\xfe\xfd garbage \xc3\x28 ".to_vec();
    invalid.extend_from_slice(key.as_bytes());
    s.write("invalid.txt", invalid);
    let mut nul = key.as_bytes().to_vec();
    nul.extend_from_slice(b"\0\0\0");
    s.write("nul.bin", nul);
    let (run, report) = s.scan_json(&["-v"]);
    // A NUL byte makes a file binary: it is read for its runs of text.
    assert_eq!(paths(&report), vec!["invalid.txt", "nul.bin"], "{}", run.stderr);
    assert!(run.stderr.contains("skipped 0;"), "{}", run.stderr);
}

#[test]
fn a_50_mb_single_line_file_is_scanned_to_its_end() {
    let s = Sandbox::new();
    let key = fake_key("llm", 6);
    let mut line = "function(a){return a*2};".repeat(50 * 1024 * 1024 / 24);
    let column = line.len() + 1;
    line.push_str(&key);
    s.write("bundle.min.js", line);
    let (run, report) = s.scan_json(&[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(report["findings"][0]["line"], 1);
    assert_eq!(report["findings"][0]["column"], column as u64);
}

#[test]
fn a_control_character_in_a_file_name_is_shown_escaped_on_the_terminal() {
    let s = Sandbox::new();
    s.write("evil\x1b[2J.txt", fake_key("dns", 7));
    let run = s.run(&["scan"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("evil\\u{1b}[2J.txt"), "{}", run.stdout);
    assert!(!run.stdout.contains('\x1b'), "raw escape reached the terminal");
}

#[test]
fn a_broken_rule_file_names_the_file_and_the_rule() {
    let s = Sandbox::new();
    s.write(
        "bad.toml",
        "[[rules]]\nid = \"my-token\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"high\"\n\
         keywords = [\"tok_\"]\nregex = 'tok_(?P<secret>[a-z'\nmessage = \"m\"\nremediation = \"r\"\n",
    );
    let run = s.run(&["scan", "--rules", "bad.toml"]);
    run.assert_stderr(2, "wayscan: error: rule file bad.toml: rule 'my-token': invalid regex");
    let run = s.run(&["scan", "--rules", "missing.toml"]);
    run.assert_stderr(2, "rule file missing.toml: cannot read");
}

#[test]
fn exit_codes() {
    let s = Sandbox::new();
    s.write("clean.txt", "nothing\n");
    assert_eq!(s.run(&["scan"]).code, 0);
    s.write("leak.txt", fake_key("gpu", 8));
    assert_eq!(s.run(&["scan"]).code, 1);
    assert_eq!(s.run(&["scan", "--exit-code", "42"]).code, 42);
    assert_eq!(s.run(&["scan", "--exit-code", "0"]).code, 0);
    assert_eq!(s.run(&["scan", "--bogus-flag"]).code, 2);
}
