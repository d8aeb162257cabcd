//! Integration tests: the real `wayscan` binary on real temporary directories and git
//! repositories. Keys are generated (`wayscan::testkeys`), never written as literals.

mod action;
mod audit;
mod authorization;
mod bad_input;
mod baseline;
mod containers;
mod decoders;
mod dotenv;
mod fake_api;
mod family;
mod framework;
mod gitleaks_default;
mod history;
mod history_refs;
mod hooks;
mod hostile;
mod http_credentials;
mod identity;
mod import;
mod interrupt;
mod layers;
mod memory;
mod packs;
mod project_config;
mod pushes;
mod reports;
mod revoke;
mod rules_cmd;
mod sandbox;
mod sha256;
mod stdin;
mod suppressed;
mod tracked;
mod tree;
mod verify;
