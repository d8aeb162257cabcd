//! wayscan: finds leaked WAYSCloud API keys in working trees.
//!
//! Data flows one way: `input` (files) -> `matcher` (prefilter, regex, decoders) ->
//! `finding` -> `filter` -> sorted `scan::Outcome` -> `report` -> `exit` code. Only
//! `input` and `report` (through `app`) touch the outside world.

pub mod app;
pub mod audit;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod dirs;
pub mod dotenv;
pub mod exit;
pub mod filter;
pub mod finding;
pub mod hook;
pub mod import;
pub mod input;
pub mod location;
pub mod matcher;
pub mod model;
pub mod progress;
pub mod project;
pub mod report;
pub mod rules;
pub mod scan;
#[doc(hidden)]
pub mod testkeys;
pub mod units;
pub mod verify;
