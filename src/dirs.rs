//! Where wayscan keeps its own files (the verification cache, the revocation log,
//! the audit's clones): the user's XDG directories, never a scanned repository.

use std::path::PathBuf;

/// The user's directory named by the XDG variable `var` (`XDG_CACHE_HOME`), else
/// `$HOME/<under_home>` (`.cache`); `None` when neither is set. Where wayscan keeps
/// its own files, never in a scanned repository.
pub fn user_dir(var: &str, under_home: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(under_home)))
}
