//! The leaf layer: plain data every other layer shares (detections and findings,
//! positions, commits, skips, problems, secrets and the hashes that name them, the
//! API's verdicts). It imports nothing from the
//! crate, so no stage depends on another through a shared type; the layer test in
//! `tests/integration/layers.rs` keeps it so.

mod escape;
mod finding;
mod outcome;
mod place;
mod problem;
mod properties;
mod secret;
mod text;
mod time;
mod verdict;

pub use escape::{clean, clean_message, regex_error, toml_error};
pub use finding::{encoding_chain, Detection, Encoding, Finding, FoundSecret, Severity};
pub use outcome::{count_skips, GitignoreFix, Outcome, Stats, Suppressed, Suppression, Unit};
pub use place::{is_full_object_id, CommitInfo, Position, ShownPaths, ShownRoot};
pub use problem::{Problem, ProblemKind, Skip, SkipReason};
pub use properties::Properties;
pub use secret::{digest, fingerprint, hex, redact, Salt, Secret};
pub use text::{render_template, Text};
pub use time::rfc3339;
pub use verdict::{Status, Verification, Verifications};
