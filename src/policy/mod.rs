//! What is found but not reported, decided after detection and before any key is
//! sent: a project's excludes and allowlists (`allowlist`) and a baseline of accepted
//! findings (`baseline`). Pure functions of a finding and its repository-relative
//! path, so a leak is judged the same whichever directory a scan starts in.

pub mod allowlist;
pub mod baseline;
