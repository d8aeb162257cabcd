//! `wayscan config init` and `wayscan baseline create|prune`.

use super::error;
use crate::exit::Exit;
use crate::pipeline;
use crate::policy::baseline::Baseline;
use crate::report::text::clean;
use std::path::PathBuf;

/// `wayscan config init`: the commented starter file in the current directory.
pub(super) fn config_init(force: bool) -> Exit {
    let file = PathBuf::from(crate::settings::project::FILE_NAME);
    match crate::tree_write::existing(&file) {
        Ok(Some(_)) if !force => {
            error(format_args!("{} exists; --force replaces it", file.display()));
            return Exit::Error;
        }
        Err(e) => {
            error(format_args!("{}: {e}", file.display()));
            return Exit::Error;
        }
        Ok(_) => {}
    }
    let salt = match fresh_salt() {
        Ok(salt) => salt,
        Err(e) => {
            error(format_args!("cannot make a fingerprint salt: {e}"));
            return Exit::Error;
        }
    };
    let text = crate::settings::project::starter(&salt);
    match crate::tree_write::replace(&file, text.as_bytes()) {
        Ok(()) => {
            println!(
                "wayscan: wrote {} (every key commented out; see the README)",
                file.display()
            );
            Exit::Clean
        }
        Err(e) => {
            error(format_args!("{}: {e}", file.display()));
            Exit::Error
        }
    }
}

/// 16 bytes from the operating system's generator.
pub(super) fn fresh_salt() -> Result<crate::model::Salt, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(crate::model::Salt::from_bytes(&bytes))
}

/// `wayscan baseline create|prune`.
pub(super) fn run_baseline(command: crate::cli::BaselineCommand) -> Exit {
    use crate::cli::BaselineCommand;
    let (paths, file, rule_files, prune) = match command {
        BaselineCommand::Create { paths, output, rules } => (paths, output, rules, false),
        BaselineCommand::Prune { paths, baseline, rules } => (paths, baseline, rules, true),
    };
    // The same settings a scan of these paths loads: the project's rule files,
    // disabled rules and size limit (a baseline that skipped them would accept
    // nothing the scan then reports). Not its baseline: that is what is made here.
    let settings = crate::settings::ReportConfig {
        baseline: None,
        ..crate::settings::ReportConfig::quiet_defaults()
    };
    let root = paths.first().cloned().unwrap_or_else(|| std::path::PathBuf::from("."));
    let prepared = match crate::settings::load::Loaded::load(&rule_files, &settings, &root, None) {
        Ok(prepared) => prepared,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    // A prune needs the file; a create keeps the reasons of one already there.
    let previous = match Baseline::load(&file) {
        Ok(baseline) => Some(baseline),
        Err(message) if prune || file.exists() => {
            error(message);
            return Exit::Error;
        }
        Err(_) => None,
    };
    let matcher = prepared.matcher(&settings);
    let walk = crate::sources::tree::WalkOptions {
        no_ignore: false,
        follow_links: false,
        max_file_size: prepared.max_file_size(None),
        threads: 0,
        stdin_name: None,
    };
    let mut outcome = pipeline::scan_tree(&matcher, &paths, &walk);
    // Keyed by the project's salt; what the configuration excludes or allowlists is
    // never reported, so nothing to accept (no baseline is loaded here).
    prepared.drop_accepted(&mut outcome);
    for p in &outcome.problems {
        eprintln!("wayscan: warning: {}: {}", clean(&p.path), clean(&p.message));
    }
    if outcome.has_fatal_problem() {
        return Exit::Error;
    }
    let (baseline, said) = match previous {
        Some(mut baseline) if prune => {
            let migrated = baseline.migrate(&outcome.findings);
            let dropped = baseline.prune(&outcome.findings);
            let kept = baseline.entries.len();
            let migrated = if migrated > 0 {
                format!("; {migrated} entries made from a subdirectory renamed to their repository paths")
            } else {
                String::new()
            };
            (
                baseline,
                format!("pruned {dropped} entries that no longer occur; {kept} kept{migrated}"),
            )
        }
        previous => {
            let baseline = Baseline::of(&outcome.findings, previous.as_ref());
            let said = format!("{} findings accepted", baseline.entries.len());
            (baseline, said)
        }
    };
    match baseline.save(&file) {
        Ok(()) => {
            println!("wayscan: {}: {said}", file.display());
            if prepared.project.as_ref().is_none_or(|p| p.baseline.is_none()) {
                // Named in the configuration, it reaches every scan: the hook, the
                // Action, a range's base commit.
                println!(
                    "wayscan: to apply it in every scan (the hook, the Action), add to {}:\n  baseline = {}",
                    crate::settings::project::FILE_NAME,
                    toml_string(&file.to_string_lossy())
                );
            }
            Exit::Clean
        }
        Err(message) => {
            error(message);
            Exit::Error
        }
    }
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}
