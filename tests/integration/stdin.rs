//! Piped input is scanned, not skipped as a special file: `wayscan scan -`,
//! `/dev/stdin` and process substitution (issue 15, point 6).

use crate::sandbox::{places, Sandbox, KEY_RULE};
use wayscan::testkeys::fake_key;

fn piped(key: &str) -> Vec<u8> {
    format!("line one\nexport WAYSCLOUD_API_KEY={key}\n").into_bytes()
}

#[test]
fn scan_dash_reads_standard_input() {
    let s = Sandbox::new();
    let key = fake_key("storage", 71);
    let wayscan = env!("CARGO_BIN_EXE_wayscan");
    let run = s.run_with_stdin(wayscan, &["scan", "-", "-f", "json"], &piped(&key));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(places(&report), [("stdin".to_string(), 2, 26, KEY_RULE.to_string())]);

    // --stdin-name names it, and a clean input passes.
    let run = s.run_with_stdin(
        wayscan,
        &["scan", "-", "--stdin-name", "deploy/prod.env", "-f", "json"],
        &piped(&key),
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(places(&report)[0].0, "deploy/prod.env");
    let run = s.run_with_stdin(wayscan, &["scan", "-"], b"nothing here\n");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("1 file scanned") || run.stderr.contains("0 findings"),
        "{}",
        run.stderr
    );
}

#[test]
fn dev_stdin_and_process_substitution_are_read_as_streams() {
    let s = Sandbox::new();
    let key = fake_key("llm", 72);
    let wayscan = env!("CARGO_BIN_EXE_wayscan");
    let run = s.run_with_stdin(wayscan, &["scan", "/dev/stdin", "-f", "json"], &piped(&key));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(places(&report), [("stdin".to_string(), 2, 26, KEY_RULE.to_string())]);

    // `<(…)` is a pipe under /dev/fd: bash hands its path to wayscan.
    std::fs::write(s.join("key.txt"), piped(&key)).unwrap();
    let run = s.run_with_stdin("bash", &["-c", "wayscan scan <(cat key.txt) -f json"], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found = places(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.starts_with("/dev/fd/") || found[0].0.starts_with("/proc/"),
        "{found:?}"
    );
}

#[test]
fn standard_input_over_the_size_limit_is_a_counted_skip() {
    let s = Sandbox::new();
    let key = fake_key("dns", 73);
    let mut input = piped(&key);
    input.extend(std::iter::repeat_n(b'x', 4096));
    let wayscan = env!("CARGO_BIN_EXE_wayscan");
    let run = s.run_with_stdin(wayscan, &["scan", "-", "--max-file-size", "1K", "-f", "json"], &input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(places(&report), []);
    assert_eq!(report["skipped"][0]["path"], "stdin", "{report}");
}
