//! The terminal's progress bar: the one place indicatif draws a scan's progress.

use crate::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A bar on standard error, a spinner while the total is not known.
pub(super) struct Bar(ProgressBar);

impl Bar {
    pub(super) fn new() -> Bar {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Bar(bar)
    }
}

impl Progress for Bar {
    fn stage(&self, what: &str, total: u64) {
        let template = if total == 0 {
            "{spinner} {pos} {prefix}, {msg} {per_sec}, {elapsed}"
        } else {
            "{bar:30} {pos}/{len} {prefix}, {msg} {elapsed}"
        };
        self.0
            .set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner()));
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_prefix(what.to_string());
        self.0.set_message("");
    }

    fn advance(&self, n: u64) -> u64 {
        self.0.inc(n);
        self.0.position()
    }

    fn note(&self, text: &str) {
        self.0.set_message(text.to_string());
    }

    fn done(&self) {
        self.0.finish_and_clear();
    }
}
