//! Progress as a parameter: scans report what they have done through this trait and
//! never draw anything themselves. The terminal bar (indicatif) lives with the
//! commands (`app/progress.rs`); tests, audits and pipes pass [`Quiet`].

/// What a long scan tells whoever watches it. Called from many threads.
pub trait Progress: Sync {
    /// A new stage of `total` items (0: not known yet), named `what`.
    fn stage(&self, what: &str, total: u64);
    /// `n` more items done; returns how many are done in this stage.
    fn advance(&self, n: u64) -> u64;
    /// A line of detail beside the count (bytes scanned, findings so far).
    fn note(&self, text: &str);
    /// The work is over: nothing more is drawn.
    fn done(&self);
}

/// Progress nobody watches.
pub struct Quiet;

impl Progress for Quiet {
    fn stage(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) -> u64 {
        0
    }
    fn note(&self, _: &str) {}
    fn done(&self) {}
}
