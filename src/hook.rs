//! Where wayscan meets `git commit`: the pre-commit hook it installs (and removes),
//! and what a blocked commit is told.
//!
//! The hook goes where git looks for it (`git rev-parse --git-path hooks`, so linked
//! worktrees and `core.hooksPath` work). A hook that is already there is kept and run
//! first; hooks that another manager owns (husky, the pre-commit framework) are never
//! touched: the user is told what to add to that manager's configuration instead.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The script `wayscan hook install` writes (`hooks/pre-commit` in this repository).
pub const SCRIPT: &str = include_str!("../hooks/pre-commit");

/// The line that marks a hook file as wayscan's.
const MARKER: &str = "# wayscan-managed-hook";

/// The hooks wayscan installs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `wayscan staged --hook` before each commit.
    PreCommit,
    /// `wayscan pre-push` before each push leaves the machine.
    PrePush,
    /// `wayscan pre-receive` on the server, before a push updates any ref.
    PreReceive,
}

impl HookKind {
    /// The hook's file name, as git runs it.
    pub fn name(self) -> &'static str {
        match self {
            HookKind::PreCommit => "pre-commit",
            HookKind::PrePush => "pre-push",
            HookKind::PreReceive => "pre-receive",
        }
    }

    fn script(self) -> &'static str {
        match self {
            HookKind::PreCommit => SCRIPT,
            HookKind::PrePush => include_str!("../hooks/pre-push"),
            HookKind::PreReceive => include_str!("../hooks/pre-receive"),
        }
    }

    /// Where an earlier hook is kept while wayscan's runs it first.
    fn chained(self) -> String {
        format!("{}.wayscan-chained", self.name())
    }
}

/// What the user must do next, printed under the findings of a blocked commit.
pub fn blocked_message(findings: usize) -> String {
    let what = if findings == 1 {
        "a secret".to_string()
    } else {
        format!("{findings} secrets")
    };
    format!(
        "\nwayscan blocked this commit: the staged changes add {what} (listed above).\n\
         \n\
         What to do:\n\
         \x20 1. Remove the secret from the file and stage the file again (git add <file>).\n\
         \x20    Read it from an environment variable or a secrets manager instead.\n\
         \x20    A staged .env file: git rm --cached <file>, then add it to .gitignore.\n\
         \x20 2. Revoke the key and issue a new one: a key that was typed into a commit may\n\
         \x20    already be copied (another branch, a stash, a backup, a push).\n\
         \x20 3. Not a secret? Add a comment holding `wayscan:allow` on that line.\n\
         \n\
         To commit anyway, this once: git commit --no-verify\n"
    )
}

/// Printed when the check itself failed, so the commit was blocked without findings.
pub const FAILED_MESSAGE: &str = "\nwayscan could not check this commit (see the error above), so it was blocked.\n\
     To commit anyway, this once: git commit --no-verify\n";

/// Why a hook was not installed or removed.
#[derive(Debug)]
pub enum HookError {
    /// Another tool owns the hooks; the message says what to add to it instead.
    Managed(String),
    Other(String),
}

impl fmt::Display for HookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookError::Managed(m) | HookError::Other(m) => f.write_str(m),
        }
    }
}

/// What install or uninstall did, for the user.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    Installed {
        kind: HookKind,
        hook: PathBuf,
        chained: Option<PathBuf>,
    },
    Updated {
        kind: HookKind,
        hook: PathBuf,
    },
    Removed {
        kind: HookKind,
        hook: PathBuf,
        restored: bool,
    },
    NotInstalled {
        kind: HookKind,
        hook: PathBuf,
    },
}

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Done::Installed {
                kind,
                hook,
                chained: None,
            } => write!(f, "installed the wayscan {} hook: {}", kind.name(), hook.display()),
            Done::Installed {
                kind,
                hook,
                chained: Some(kept),
            } => write!(
                f,
                "installed the wayscan {} hook: {}\nthe hook that was there runs first, kept as {}",
                kind.name(),
                hook.display(),
                kept.display()
            ),
            Done::Updated { kind, hook } => write!(
                f,
                "the wayscan {} hook is installed (updated): {}",
                kind.name(),
                hook.display()
            ),
            Done::Removed { kind, hook, restored } => {
                write!(f, "removed the wayscan {} hook: {}", kind.name(), hook.display())?;
                if *restored {
                    write!(f, "\nthe hook that was there before is back in place")?;
                }
                Ok(())
            }
            Done::NotInstalled { kind, hook } => write!(
                f,
                "no wayscan {} hook at {}: nothing to do",
                kind.name(),
                hook.display()
            ),
        }
    }
}

/// The directory git runs hooks from, for the repository holding `repo`.
pub fn hooks_dir(repo: &Path) -> Result<PathBuf, HookError> {
    // A path that is not a directory would make the spawn fail, and the error would
    // blame git ("cannot run git: No such file or directory").
    if let Err(e) = std::fs::metadata(repo) {
        return Err(io_error(repo, e));
    }
    if !repo.is_dir() {
        return Err(HookError::Other(format!("{}: not a directory", repo.display())));
    }
    let output = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .current_dir(repo)
        .output()
        .map_err(|e| HookError::Other(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        return Err(HookError::Other(format!(
            "{}: not a git repository: {}",
            repo.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    Ok(if dir.is_absolute() { dir } else { repo.join(dir) })
}

/// Which tool, if any, owns the hooks of `hooks_dir`.
fn manager(hooks_dir: &Path, existing: Option<&str>) -> Option<&'static str> {
    let dir = hooks_dir.to_string_lossy();
    let text = existing.unwrap_or("");
    if dir.contains(".husky") || text.contains("husky") {
        Some("husky")
    } else if text.contains("pre-commit.com") || text.contains("File generated by pre-commit") {
        Some("the pre-commit framework")
    } else {
        None
    }
}

fn instead(manager: &str) -> String {
    match manager {
        "husky" => "add this line to .husky/pre-commit instead:\n  wayscan staged --hook".into(),
        _ => "add this to .pre-commit-config.yaml instead:\n\
              \x20 - repo: https://github.com/wayscan/wayscan\n\
              \x20   rev: v0.1.0\n\
              \x20   hooks:\n\
              \x20     - id: wayscan"
            .into(),
    }
}

/// Installs wayscan's `kind` hook for the repository holding `repo`.
pub fn install(repo: &Path, kind: HookKind) -> Result<Done, HookError> {
    let dir = hooks_dir(repo)?;
    let hook = dir.join(kind.name());
    let existing = read_if_present(&hook)?;
    if existing.as_deref().is_some_and(|text| text.contains(MARKER)) {
        write_script(&hook, kind)?;
        return Ok(Done::Updated { kind, hook });
    }
    if let Some(manager) = manager(&dir, existing.as_deref()).filter(|_| kind == HookKind::PreCommit) {
        return Err(HookError::Managed(format!(
            "{} is managed by {manager}; wayscan leaves it alone. To run wayscan on every commit, {}",
            hook.display(),
            instead(manager)
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
    let chained = if existing.is_some() {
        let kept = dir.join(kind.chained());
        if kept.exists() {
            return Err(HookError::Other(format!(
                "{} already exists beside a {} hook that is not wayscan's; \
                 move one of them away, then install again",
                kept.display(),
                kind.name()
            )));
        }
        std::fs::rename(&hook, &kept).map_err(|e| io_error(&hook, e))?;
        Some(kept)
    } else {
        None
    };
    write_script(&hook, kind)?;
    Ok(Done::Installed { kind, hook, chained })
}

/// Removes wayscan's `kind` hook and puts back the one it kept, if any.
pub fn uninstall(repo: &Path, kind: HookKind) -> Result<Done, HookError> {
    let dir = hooks_dir(repo)?;
    let hook = dir.join(kind.name());
    match read_if_present(&hook)? {
        Some(text) if text.contains(MARKER) => {}
        _ => return Ok(Done::NotInstalled { kind, hook }),
    }
    std::fs::remove_file(&hook).map_err(|e| io_error(&hook, e))?;
    let kept = dir.join(kind.chained());
    let restored = kept.exists();
    if restored {
        std::fs::rename(&kept, &hook).map_err(|e| io_error(&kept, e))?;
    }
    Ok(Done::Removed { kind, hook, restored })
}

fn read_if_present(path: &Path) -> Result<Option<String>, HookError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

fn write_script(hook: &Path, kind: HookKind) -> Result<(), HookError> {
    std::fs::write(hook, kind.script()).map_err(|e| io_error(hook, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(hook, std::fs::Permissions::from_mode(0o755)).map_err(|e| io_error(hook, e))?;
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> HookError {
    HookError::Other(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_carries_the_marker_and_runs_the_staged_check() {
        assert!(SCRIPT.starts_with("#!/bin/sh\n"));
        assert!(SCRIPT.contains(MARKER));
        assert!(SCRIPT.contains("exec wayscan staged --hook"));
        assert!(SCRIPT.contains(&HookKind::PreCommit.chained()));
        for kind in [HookKind::PrePush, HookKind::PreReceive] {
            assert!(kind.script().contains(MARKER) && kind.script().contains(&kind.chained()));
            assert!(kind.script().contains(&format!("exec wayscan {}", kind.name())));
        }
    }

    #[test]
    fn the_blocked_message_says_how_to_proceed() {
        let text = blocked_message(2);
        for needle in [
            "2 secrets",
            "environment variable",
            "Revoke",
            "wayscan:allow",
            "git commit --no-verify",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        assert!(blocked_message(1).contains("add a secret"));
    }

    #[test]
    fn managers_are_recognised_by_path_or_content() {
        assert_eq!(manager(Path::new("/r/.husky/_"), None), Some("husky"));
        assert_eq!(
            manager(
                Path::new("/r/.git/hooks"),
                Some("#!/bin/sh\n# File generated by pre-commit: https://pre-commit.com\n")
            ),
            Some("the pre-commit framework")
        );
        assert_eq!(
            manager(Path::new("/r/.git/hooks"), Some("#!/bin/sh\nmake lint\n")),
            None
        );
    }
}
