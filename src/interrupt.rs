//! Ctrl-C and SIGTERM as a flag, not a kill: the long loops (the tree walk, the pack
//! traversal, the commits of a range, the repositories of an audit, the keys sent to
//! the API) look at it between items and stop. The run then writes what it found,
//! says the scan is incomplete, and exits 130, rather than dying halfway through a
//! report or leaving a clone half-written. A second signal ends the process at once.
//!
//! One process-wide flag, as gitoxide's own `gix::interrupt` is: a signal reaches
//! the process, not a scan, and gix-pack takes it as `&AtomicBool`.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted run: 128 + SIGINT, as shells report it.
pub const EXIT_CODE: i32 = 130;

/// The flag itself, for libraries that take one (gix-pack's `should_interrupt`).
pub fn flag() -> &'static AtomicBool {
    &REQUESTED
}

/// Whether the run was asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks the run to stop; returns whether it had been asked before.
pub fn request() -> bool {
    REQUESTED.swap(true, Ordering::Relaxed)
}
