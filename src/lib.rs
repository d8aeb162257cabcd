//! wayscan: finds leaked WAYSCloud API keys in working trees and git history.
//!
//! Data flows one way, and a module imports only from the layers before it
//! (`tests/integration/layers.rs` holds the rule): `model` (plain data) <- `engine`
//! (rules, matcher, decoders: bytes in, matches out) <- `git` (the only module naming
//! a git library), `sources` (the tree walk, repository lists) <- `scan` (the scan
//! loops) <- `settings` <- `app` (one entry per command) -> `report` -> `exit` code.

pub mod app;
pub mod audit;
pub mod baseline;
pub mod cli;

pub mod dirs;
pub mod dotenv;
pub mod engine;
pub mod exit;
pub mod git;
pub mod hook;
pub mod import;
pub mod model;
pub mod progress;
pub mod project;
pub mod report;
pub mod scan;
pub mod settings;
pub mod sources;
#[doc(hidden)]
pub mod testkeys;
pub mod units;
pub mod verify;
