//! Ctrl-C stops a scan without losing what it found: the report is written, says
//! the scan is incomplete, and the run exits 130, never 0. A second Ctrl-C quits
//! at once.

#![cfg(target_os = "linux")]

use crate::sandbox::{command, places, Sandbox, KEY_RULE};
use std::io::Write;
use std::process::{Child, Stdio};
use std::time::Duration;
use wayscan::testkeys::fake_key;

/// `wayscan scan - -f json`, blocked on its standard input once `input` is written.
fn scan_waiting_on_stdin(s: &Sandbox, input: &[u8]) -> (Child, std::process::ChildStdin) {
    let mut child = command(env!("CARGO_BIN_EXE_wayscan"))
        .args(["scan", "-", "-f", "json"])
        .current_dir(s.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wayscan runs");
    let mut stdin = child.stdin.take().expect("a pipe");
    stdin.write_all(input).unwrap();
    wait_for_handler(&child);
    (child, stdin)
}

/// Waits until the process catches SIGINT (its handler is installed; a signal sent
/// before would kill it), as `/proc/PID/status` shows in `SigCgt`.
fn wait_for_handler(child: &Child) {
    let status = format!("/proc/{}/status", child.id());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let caught = std::fs::read_to_string(&status)
            .ok()
            .and_then(|text| {
                let mask = text.lines().find_map(|l| l.strip_prefix("SigCgt:"))?.trim().to_string();
                u64::from_str_radix(&mask, 16).ok()
            })
            .is_some_and(|mask| mask & (1 << (2 - 1)) != 0); // SIGINT is 2
        if caught {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "wayscan never installed its handler"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn interrupt(child: &Child) {
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[test]
fn an_interrupted_scan_reports_what_it_read_and_exits_130() {
    let s = Sandbox::new();
    let key = fake_key("dns", 73);
    let (child, stdin) = scan_waiting_on_stdin(&s, format!("x\nWAYSCLOUD_API_KEY={key}\n").as_bytes());
    interrupt(&child);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(places(&report), [("stdin".to_string(), 2, 19, KEY_RULE.to_string())]);
    let errors = report["errors"].as_array().expect("errors");
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap_or("").contains("interrupted")),
        "{errors:?}"
    );
}

#[test]
fn a_second_interrupt_quits_at_once() {
    let s = Sandbox::new();
    let (child, _stdin) = scan_waiting_on_stdin(&s, b"still typing");
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(100));
    interrupt(&child);
    // Input is still open: only the second signal can end the run.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "nothing is reported after quitting at once");
}
