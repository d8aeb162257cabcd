//! wayscan: finds leaked WAYSCloud API keys in working trees and git history.
//!
//! Data flows one way, and a module imports only from the layers before it
//! (`tests/integration/layers.rs` holds the rule): `model` (plain data) <- `engine`
//! (rules, matcher, decoders: bytes in, detections out; no I/O) <- `git` (the only
//! module naming a git library) <- `sources` (tree walk, staged index, repository
//! lists: bytes plus provenance) <- `exposure`, `policy`, `verify`, `audit`,
//! `report` <- `pipeline` (the one loop) <- `settings` (resolved once per command)
//! <- `commands` (one file per command) -> `exit` code.

pub mod audit;
pub mod cli;
pub mod commands;
pub mod dirs;
pub mod engine;
pub mod exit;
pub mod exposure;
pub mod git;
pub mod hook;
pub mod import;
pub mod interrupt;
pub mod model;
pub mod pipeline;
pub mod policy;
pub mod progress;
pub mod report;
pub mod settings;
pub mod sources;
#[doc(hidden)]
pub mod testkeys;
pub mod tree_write;
pub mod units;
pub mod verify;
