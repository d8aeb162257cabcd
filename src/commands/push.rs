//! `wayscan pre-push` and `wayscan pre-receive`: git's push hooks, on the client and
//! on the server. Both read git's lines on standard input, turn them into the set of
//! commits the push brings ([`Pushed`]), and scan it like a range.

use super::{error, run_history};
use crate::cli::{OnTimeout, PrePushArgs, PreReceiveArgs};
use crate::exit::Exit;
use crate::git::history::{Pushed, Selection};
use crate::model::{clean, is_full_object_id};
use crate::settings::{HistoryConfig, ReportConfig, VerifyConfig};
use crate::sources::tree::WalkOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

/// git's id of "no object": a ref created or deleted.
fn is_zero(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b == b'0')
}

fn stdin_text() -> Result<String, String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read git's lines on standard input: {e}"))?;
    Ok(text)
}

/// The commits of a client push: each line is `<local ref> <local id> <remote ref>
/// <remote id>`. What the remote has (its id, when known here, and the
/// remote-tracking refs of `remote`) bounds the walk; a deletion sends nothing.
pub fn client_push(text: &str, remote: Option<&str>) -> Result<Pushed, String> {
    let mut pushed = Pushed::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, local, _, remote_id] = fields[..] else {
            return Err(format!("not a pre-push line: {}", clean(line)));
        };
        if !is_full_object_id(local) || !is_full_object_id(remote_id) {
            return Err(format!("not a pre-push line: {}", clean(line)));
        }
        if is_zero(local) {
            continue;
        }
        pushed.include.push(local.to_string());
        if !is_zero(remote_id) {
            pushed.exclude.push(remote_id.to_string());
        }
    }
    // A remote's name comes from git; a glob character in it would widen the set.
    if let Some(remote) = remote.filter(|r| !r.is_empty() && !r.contains(['*', '?', '[', '\\'])) {
        pushed.exclude_refs.push(format!("refs/remotes/{remote}/*"));
    }
    Ok(pushed)
}

/// The commits of a push a server receives: each line is `<old> <new> <ref>`. What
/// no existing ref reaches is new (a new branch's own commits, a tag's, a force
/// push's); the refs have not moved yet while pre-receive runs.
pub fn server_push(text: &str) -> Result<(Pushed, Vec<String>), String> {
    let mut pushed = Pushed {
        exclude_refs: vec!["refs/*".to_string()],
        ..Pushed::default()
    };
    let mut refs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [old, new, name] = fields[..] else {
            return Err(format!("not a pre-receive line: {}", clean(line)));
        };
        if !is_full_object_id(old) || !is_full_object_id(new) {
            return Err(format!("not a pre-receive line: {}", clean(line)));
        }
        refs.push(name.to_string());
        if !is_zero(new) {
            pushed.include.push(new.to_string());
        }
    }
    Ok((pushed, refs))
}

fn history_config(repo: &Path, pushed: Pushed, rules: &[PathBuf], report: ReportConfig) -> HistoryConfig {
    HistoryConfig {
        repo: repo.to_path_buf(),
        selection: Selection {
            pushed: Some(pushed),
            ..Selection::default()
        },
        walk: WalkOptions {
            no_ignore: false,
            follow_links: false,
            max_file_size: crate::units::DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            stdin_name: None,
        },
        rule_files: rules.to_vec(),
        max_file_size: None,
        config_from_head: false,
        settings_from: None,
        progress: false,
        report,
    }
}

/// `wayscan pre-push`.
pub(super) fn run_pre_push(args: &PrePushArgs) -> Exit {
    let pushed = match stdin_text().and_then(|text| client_push(&text, args.remote.as_deref())) {
        Ok(pushed) => pushed,
        Err(message) => {
            error(message);
            return Exit::Error;
        }
    };
    if pushed.include.is_empty() {
        return Exit::Clean;
    }
    let config = history_config(&args.repo, pushed, &args.rules, ReportConfig::from_args(&args.output));
    let exit = run_history(&config, &VerifyConfig::default());
    explain(exit, "push", "git push --no-verify");
    exit
}

/// `wayscan pre-receive`.
pub(super) fn run_pre_receive(args: &PreReceiveArgs) -> Exit {
    let (pushed, refs) = match stdin_text().and_then(|text| server_push(&text)) {
        Ok(found) => found,
        Err(message) => {
            error(message);
            return Exit::Error;
        }
    };
    if let Some(exit) = skip_by_push_option(args, &refs) {
        return exit;
    }
    if pushed.include.is_empty() {
        return Exit::Clean;
    }
    let pushed = Pushed {
        // git keeps what a push brings apart until this hook accepts it.
        quarantine: std::env::var_os("GIT_QUARANTINE_PATH").map(PathBuf::from),
        ..pushed
    };
    let mut config = history_config(&args.repo, pushed, &args.rules, ReportConfig::from_args(&args.output));
    // The settings and the baseline of the default branch: a push cannot loosen the
    // scan of itself.
    config.settings_from = Some("HEAD".to_string());
    // The scan runs on a thread of its own, so the time budget holds whatever it
    // meets; a scan that runs out of time ends with the process.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(run_history(&config, &VerifyConfig::default()));
    });
    match receiver.recv_timeout(args.timeout) {
        Ok(exit) => {
            explain(exit, "push", "an administrator's exception");
            exit
        }
        Err(_) => match args.on_timeout {
            OnTimeout::Open => {
                eprintln!(
                    "wayscan: warning: the scan did not finish in {}s; the push is let through (--on-timeout open)",
                    args.timeout.as_secs()
                );
                Exit::Clean
            }
            OnTimeout::Closed => {
                error(format_args!(
                    "the scan did not finish in {}s; the push is refused (--on-timeout closed)",
                    args.timeout.as_secs()
                ));
                Exit::Error
            }
        },
    }
}

/// What a blocked push is told.
fn explain(exit: Exit, what: &str, bypass: &str) {
    match exit {
        Exit::Findings(code) if code != 0 => eprintln!(
            "\nwayscan refused this {what}: its new commits add the secrets listed above.\n\
             Remove them from the commits (rewrite them: git rebase -i, git commit --amend), and\n\
             revoke each key: a key that was committed may already be copied.\n\
             Not a secret? A comment holding `wayscan:allow` on that line. To {what} anyway: {bypass}.\n"
        ),
        Exit::Error => eprintln!("\nwayscan could not check this {what} (see above), so it was refused.\n"),
        _ => {}
    }
}

/// `git push -o wayscan.skip="reason"`: lets the push through, logged, unless the
/// server refuses skips. `None` when no skip was asked for.
fn skip_by_push_option(args: &PreReceiveArgs, refs: &[String]) -> Option<Exit> {
    let count: usize = std::env::var("GIT_PUSH_OPTION_COUNT").ok()?.parse().ok()?;
    let reason = (0..count)
        .filter_map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).ok())
        .find_map(|option| {
            option
                .strip_prefix("wayscan.skip")
                .map(|rest| rest.trim_start_matches('=').to_string())
        })?;
    if args.no_skip {
        error("this server does not accept wayscan.skip: the push is scanned like any other");
        return None;
    }
    if reason.trim().is_empty() {
        error("wayscan.skip needs a reason: git push -o wayscan.skip=\"why\"");
        return Some(Exit::Error);
    }
    let log = args
        .skip_log
        .clone()
        .unwrap_or_else(|| git_dir(&args.repo).join("wayscan-skips.log"));
    // Who pushed, as the hosting software tells its hooks.
    let pusher = ["GL_USERNAME", "GITEA_PUSHER_NAME", "GITHUB_USER_LOGIN", "USER"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    let entry = serde_json::json!({
        "time": crate::model::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        ),
        "pusher": pusher,
        "refs": refs,
        "reason": reason,
    });
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| std::io::Write::write_all(&mut file, format!("{entry}\n").as_bytes()));
    if let Err(e) = written {
        // A skip that cannot be audited is not taken.
        error(format_args!(
            "cannot log the skip to {}: {e}; the push is refused",
            log.display()
        ));
        return Some(Exit::Error);
    }
    eprintln!(
        "wayscan: warning: not scanned: skipped by push option ({}); logged to {}",
        clean(&reason),
        log.display()
    );
    Some(Exit::Clean)
}

/// The git directory a server hook runs in (`GIT_DIR`, else `repo`).
fn git_dir(repo: &Path) -> PathBuf {
    std::env::var_os("GIT_DIR").map_or_else(|| repo.to_path_buf(), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn client_lines_become_what_the_remote_lacks() {
        let text = format!("refs/heads/x {B} refs/heads/x {A}\nrefs/heads/new {A} refs/heads/new {Z}\n(delete) {Z} refs/heads/old {B}\n");
        let pushed = client_push(&text, Some("origin")).unwrap();
        assert_eq!(pushed.include, [B, A]);
        assert_eq!(pushed.exclude, [A]);
        assert_eq!(pushed.exclude_refs, ["refs/remotes/origin/*"]);
        assert!(client_push("garbage", None).is_err());
        assert!(client_push(&format!("a {A} b {A}"), Some("o*"))
            .unwrap()
            .exclude_refs
            .is_empty());
    }

    #[test]
    fn server_lines_include_what_is_new_and_hide_every_ref() {
        let text = format!("{A} {B} refs/heads/main\n{Z} {A} refs/tags/v1\n{B} {Z} refs/heads/gone\n");
        let (pushed, refs) = server_push(&text).unwrap();
        assert_eq!(pushed.include, [B, A]);
        assert_eq!(pushed.exclude_refs, ["refs/*"]);
        assert_eq!(refs, ["refs/heads/main", "refs/tags/v1", "refs/heads/gone"]);
        assert!(server_push("x y").is_err());
    }
}
