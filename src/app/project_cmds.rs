//! `wayscan config init` and `wayscan baseline create|prune`.

use super::error;
use crate::baseline::Baseline;
use crate::exit::Exit;
use crate::matcher::Matcher;
use crate::report::text::clean;
use crate::rules::RuleSet;
use crate::scan;
use std::path::PathBuf;

/// `wayscan config init`: the commented starter file in the current directory.
pub(super) fn config_init(force: bool) -> Exit {
    let file = PathBuf::from(crate::project::FILE_NAME);
    if file.exists() && !force {
        error(format_args!("{} exists; --force replaces it", file.display()));
        return Exit::Error;
    }
    match std::fs::write(&file, crate::project::STARTER) {
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

/// `wayscan baseline create|prune`.
pub(super) fn run_baseline(command: crate::cli::BaselineCommand) -> Exit {
    use crate::cli::BaselineCommand;
    let (paths, file, rule_files, prune) = match command {
        BaselineCommand::Create { paths, output, rules } => (paths, output, rules, false),
        BaselineCommand::Prune { paths, baseline, rules } => (paths, baseline, rules, true),
    };
    let rules = match RuleSet::load(&rule_files) {
        Ok(rules) => rules,
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
    let matcher = Matcher::new(&rules);
    let walk = crate::input::fs::WalkOptions {
        no_ignore: false,
        follow_links: false,
        max_file_size: 100 << 20,
        threads: 0,
    };
    let outcome = scan::scan_tree(&matcher, &paths, &walk);
    for p in &outcome.problems {
        eprintln!("wayscan: warning: {}: {}", clean(&p.path), clean(&p.message));
    }
    if outcome.has_fatal_problem() {
        return Exit::Error;
    }
    let (baseline, said) = match previous {
        Some(mut baseline) if prune => {
            let dropped = baseline.prune(&outcome.findings);
            let kept = baseline.entries.len();
            (
                baseline,
                format!("pruned {dropped} entries that no longer occur; {kept} kept"),
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
            Exit::Clean
        }
        Err(message) => {
            error(message);
            Exit::Error
        }
    }
}
