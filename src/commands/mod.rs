//! The commands: the right end of the stack and the only place that prints. Each
//! resolves its settings, runs the pipeline, applies the policy, verifies when
//! asked, writes the report and the messages on standard error, and decides the
//! exit code. Progress bars (indicatif) and the run's one thread pool live here.

use crate::cli::{Cli, Command, HookCommand, RulesCommand};
use crate::engine::matcher::check_rules;
use crate::engine::rules::RuleSet;
use crate::exit::Exit;
use crate::hook;
use crate::model::Verifications;
use crate::pipeline;
use crate::report::text::{clean, summary_line};
use crate::report::{self, Report, ScanKind};
use crate::settings::load::{BaseCommit, Loaded};
use crate::settings::{HistoryConfig, ReportConfig, ScanConfig, StagedConfig, VerifyConfig};
use clap::CommandFactory;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

mod audit;
mod import;
mod keys;
mod progress;
mod project_cmds;
mod push;

use keys::{run_check_key, run_revoke};
use project_cmds::{config_init, run_baseline};

pub fn run(mut cli: Cli) -> Exit {
    on_interrupt();
    cap_threads(&mut cli.command);
    match cli.command {
        Command::Scan(args) => with_verify(&args.verify, |verify| run_scan(&ScanConfig::from_args(&args), verify)),
        Command::History(args) => with_verify(&args.verify, |verify| {
            run_history(&HistoryConfig::from_args(&args), verify)
        }),
        Command::Staged(args) => run_staged(&StagedConfig::from_args(&args)),
        Command::Rules(RulesCommand::List { rules, json }) => list_rules(&rules, json),
        Command::Rules(RulesCommand::Check { files }) => check(&files),
        Command::Hook(HookCommand::Install { repo, kind }) => hook_result(hook::install(&repo, hook_kind(&kind))),
        Command::Hook(HookCommand::Uninstall { repo, kind }) => hook_result(hook::uninstall(&repo, hook_kind(&kind))),
        Command::PrePush(args) => push::run_pre_push(&args),
        Command::PreReceive(args) => push::run_pre_receive(&args),
        Command::Completions { shell } => {
            // clap_complete panics when its writer fails (a closed pipe): it writes
            // into memory, and only this write can meet the pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "wayscan", &mut script);
            match io::stdout().write_all(&script).and_then(|()| io::stdout().flush()) {
                Ok(()) => Exit::Clean,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
                Err(e) => {
                    error(format_args!("cannot write the completions: {e}"));
                    Exit::Error
                }
            }
        }
        Command::Baseline(command) => run_baseline(command),
        Command::Import(crate::cli::ImportCommand::Gitleaks(args)) => import::run_import_gitleaks(&args),
        Command::Audit(args) => with_verify(&args.verify, |verify| audit::run_audit(&args, verify)),
        Command::Merge(args) => audit::run_merge(&args),
        Command::Config(crate::cli::ConfigCommand::Init { force }) => config_init(force),
        Command::Revoke(args) => run_revoke(&args),
        Command::CheckKey(args) => run_check_key(&args),
        Command::Man => match clap_mangen::Man::new(Cli::command()).render(&mut io::stdout()) {
            Ok(()) => Exit::Clean,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
            Err(e) => {
                error(format_args!("cannot write the manual page: {e}"));
                Exit::Error
            }
        },
    }
}

/// Resolves the verification options first: a bad API URL stops before scanning.
fn with_verify(args: &crate::cli::VerifyArgs, run: impl FnOnce(&VerifyConfig) -> Exit) -> Exit {
    match VerifyConfig::from_args(args) {
        Ok(verify) => run(&verify),
        Err(message) => {
            error(message);
            Exit::Error
        }
    }
}

/// Asks the API about the found keys (`--verify`), then keeps only live ones when
/// `--only-live` says so.
/// Asks the API about the findings' keys (`--verify`); the answers are kept by
/// fingerprint, beside the findings. `--only-live` then keeps the live ones only.
fn verify_findings(outcome: &mut crate::model::Outcome, rules: &RuleSet, verify: &VerifyConfig) -> Verifications {
    let Some(options) = &verify.options else {
        return Verifications::default();
    };
    say_proxy(&options.api);
    let (verifications, problems) = crate::verify::verify(&outcome.findings, rules, options);
    outcome.problems.extend(problems);
    if verify.only_live {
        outcome.findings.retain(|f| verifications.is_live(&f.fingerprint));
    }
    verifications
}

/// Says which proxy, if any, keys go through: the environment chooses it, and the
/// person running wayscan should know.
fn say_proxy(api: &crate::verify::ApiBase) {
    if let Some(note) = api.proxy_note() {
        eprintln!("wayscan: note: {}", crate::model::clean_message(&note));
    }
}

fn hook_kind(args: &crate::cli::HookKindArgs) -> hook::HookKind {
    match (args.pre_push, args.pre_receive) {
        (true, _) => hook::HookKind::PrePush,
        (_, true) => hook::HookKind::PreReceive,
        _ => hook::HookKind::PreCommit,
    }
}

fn hook_result(result: Result<hook::Done, hook::HookError>) -> Exit {
    match result {
        Ok(done) => {
            println!("wayscan: {done}");
            Exit::Clean
        }
        Err(e) => {
            error(e);
            Exit::Error
        }
    }
}

/// Ctrl-C and SIGTERM ask the scan to stop (it then reports what it found and
/// exits 130); a second one ends the process at once. Without a handler (another
/// one installed, an exotic platform) the signal kills the process as usual.
fn on_interrupt() {
    let _ = ctrlc::set_handler(|| {
        if crate::interrupt::request() {
            std::process::exit(crate::interrupt::EXIT_CODE);
        }
        eprintln!("wayscan: interrupted: stopping (press Ctrl-C again to quit at once)");
    });
}

fn error(message: impl std::fmt::Display) {
    eprintln!("wayscan: error: {}", crate::model::clean_message(&message.to_string()));
}

/// Opens where the report goes before scanning: a report that cannot be written
/// makes the scan pointless, so it fails fast.
fn open_output(path: Option<&PathBuf>) -> Result<Box<dyn Write>, Exit> {
    match path {
        None => Ok(Box::new(BufWriter::new(io::stdout().lock()))),
        Some(path) => match File::create(path) {
            Ok(file) => Ok(Box::new(BufWriter::new(file))),
            Err(e) => {
                error(format_args!("cannot write the report to {}: {}", path.display(), e));
                Err(Exit::Error)
            }
        },
    }
}

/// Resolves a scan's settings and opens its output, saying what stops it.
fn prepare(
    rule_files: &[PathBuf],
    report: &ReportConfig,
    root: &std::path::Path,
    from: Option<&BaseCommit>,
) -> Result<(Loaded, Box<dyn Write>), Exit> {
    let loaded = Loaded::load(rule_files, report, root, from).map_err(|e| {
        error(e);
        Exit::Error
    })?;
    for note in &loaded.notes {
        eprintln!("wayscan: note: {}", crate::model::clean_message(note));
    }
    let out = open_output(report.output.as_ref())?;
    Ok((loaded, out))
}

/// Caps `-j` (and an audit's `--parallel`) at four threads per core: more only
/// costs memory and switching, and `-j 5000` once spun for minutes.
fn cap_threads(command: &mut Command) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = 4 * cores;
    let cap_one = |flag: &str, value: &mut usize| {
        if *value > cap {
            eprintln!("wayscan: warning: {flag} {value} is more than 4 threads per core ({cores} cores); using {cap}");
            *value = cap;
        }
    };
    match command {
        Command::Scan(args) => cap_one("-j", &mut args.threads),
        Command::History(args) => cap_one("-j", &mut args.threads),
        Command::Audit(args) => {
            cap_one("-j", &mut args.threads);
            if let Some(parallel) = &mut args.parallel {
                cap_one("--parallel", parallel);
            }
        }
        _ => {}
    }
}

/// Sizes the run's one rayon pool: `-j N`, else one thread per core (rayon's
/// default). Every scan of the run shares it, and an audit's repositories divide it
/// rather than each building a pool of their own.
pub(super) fn use_threads(threads: usize) {
    if threads > 0 {
        // Fails only when the pool is already built: the first size stands.
        let _ = rayon::ThreadPoolBuilder::new().num_threads(threads).build_global();
    }
}

/// The process exits right after a scan: freeing every finding and every regex
/// cache one by one cost a tenth of a scan with many findings (bench/longline.sh),
/// for memory the exit returns anyway.
fn left_for_exit<T>(value: T) {
    std::mem::forget(value);
}

pub fn run_scan(config: &ScanConfig, verify: &VerifyConfig) -> Exit {
    let root = config.roots.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let (prepared, out) = match prepare(&config.rule_files, &config.report, &root, None) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let matcher = prepared.matcher(&config.report);
    let mut walk = config.walk.clone();
    walk.max_file_size = prepared.max_file_size(config.max_file_size);
    let mut outcome = pipeline::scan_tree(&matcher, &config.roots, &walk);
    if config.fix_gitignore {
        fix_gitignore(&mut outcome);
    }
    prepared.drop_accepted(&mut outcome);
    let verifications = verify_findings(&mut outcome, &prepared.rules, verify);
    let roots = config.roots.iter().map(|r| r.display().to_string()).collect();
    left_for_exit(matcher);
    let exit = finish(
        ScanKind::Tree,
        roots,
        &mut outcome,
        &verifications,
        &prepared.rules,
        &config.report,
        out,
    );
    left_for_exit((outcome, verifications, prepared.rules));
    exit
}

pub fn run_history(config: &HistoryConfig, verify: &VerifyConfig) -> Exit {
    // A range reads its settings from its base commit, unless told otherwise.
    let base = match (&config.selection.range, config.config_from_head, &config.settings_from) {
        (Some(range), false, _) => match BaseCommit::of(&config.repo, range) {
            Ok(base) => Some(base),
            Err(message) => {
                error(message);
                return Exit::Error;
            }
        },
        // A server reads its settings from a commit (the default branch); an empty
        // repository has none yet.
        (None, _, Some(commit)) => BaseCommit::of(&config.repo, &format!("{commit}..{commit}")).ok(),
        _ => None,
    };
    let (prepared, out) = match prepare(&config.rule_files, &config.report, &config.repo, base.as_ref()) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let matcher = prepared.matcher(&config.report);
    let mut walk = config.walk.clone();
    walk.max_file_size = prepared.max_file_size(config.max_file_size);
    use_threads(config.walk.threads);
    let bar = config.progress.then(progress::Bar::new);
    let shown: &dyn crate::progress::Progress = match &bar {
        Some(bar) => bar,
        None => &crate::progress::Quiet,
    };
    let mut outcome = pipeline::scan_history(&matcher, &config.repo, &config.selection, &walk, shown);
    prepared.drop_accepted(&mut outcome);
    let verifications = verify_findings(&mut outcome, &prepared.rules, verify);
    let roots = vec![config.repo.display().to_string()];
    left_for_exit(matcher);
    let kind = match (&config.selection.range, &config.selection.pushed) {
        (None, None) => ScanKind::History,
        _ => ScanKind::Range,
    };
    let exit = finish(
        kind,
        roots,
        &mut outcome,
        &verifications,
        &prepared.rules,
        &config.report,
        out,
    );
    left_for_exit((outcome, verifications, prepared.rules));
    exit
}

pub fn run_staged(config: &StagedConfig) -> Exit {
    let report = &config.report;
    let (prepared, out) = match prepare(&config.rule_files, report, &config.repo, None) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let matcher = prepared.matcher(report);
    let limit = prepared.max_file_size(config.max_file_size);
    let mut outcome = pipeline::scan_staged(&matcher, &config.repo, limit);
    prepared.drop_accepted(&mut outcome);
    let roots = vec![config.repo.display().to_string()];
    finish(
        ScanKind::Staged,
        roots,
        &mut outcome,
        &Verifications::default(),
        &prepared.rules,
        report,
        out,
    )
}

/// Prints problems (and skips with `-v`), writes the report and the summary line,
/// and decides the exit code.
fn finish(
    kind: ScanKind,
    roots: Vec<String>,
    outcome: &mut crate::model::Outcome,
    verifications: &Verifications,
    rules: &RuleSet,
    config: &ReportConfig,
    mut out: Box<dyn Write>,
) -> Exit {
    // The report says so too: an interrupted scan must not read as a clean one.
    if crate::interrupt::requested() {
        outcome.problems.push(interrupted_problem(&roots));
    }
    let outcome = &*outcome;
    for p in &outcome.problems {
        let failing = p.is_fatal() || (p.left_input_unread() && !config.allow_partial);
        let level = if failing { "error" } else { "warning" };
        eprintln!("wayscan: {level}: {}: {}", clean(&p.path), clean(&p.message));
    }
    if config.verbose {
        for s in &outcome.skipped {
            eprintln!("wayscan: skipped ({}): {}", s.reason, clean(&s.path));
        }
    }
    let report = Report {
        kind,
        roots,
        outcome,
        verifications,
        rules,
        show_secrets: config.show_secrets,
        show_suppressed: config.show_suppressed,
        category: config.sarif_category.clone(),
    };
    if let Some(path) = &config.json_report {
        let written = std::fs::File::create(path)
            .and_then(|mut file| report::render(crate::units::Format::Json, &report, false, &mut file));
        if let Err(e) = written {
            error(format_args!("cannot write the JSON report to {}: {e}", path.display()));
            return Exit::Error;
        }
    }
    let written = report::render(config.format, &report, config.color, &mut out).and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        // A reader that went away (`| head`) is not a failed scan.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            let target = config
                .output
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            error(format_args!("cannot write the report to {target}: {e}"));
            return Exit::Error;
        }
    }
    if !config.quiet {
        eprintln!("{}", summary_line(outcome));
    }
    // `--fail-on live`: only keys the API says are live count towards the exit code.
    let counted = if config.fail_on_live {
        outcome
            .findings
            .iter()
            .filter(|f| verifications.is_live(&f.fingerprint))
            .count()
    } else {
        outcome.findings.len()
    };
    // Input that could not be read makes the run fail, as a fatal problem does: a
    // scan that did not read everything must not pass as clean.
    let unread = outcome
        .problems
        .iter()
        .filter(|p| p.left_input_unread() && !p.is_fatal())
        .count();
    if unread > 0 && !config.allow_partial {
        error(format_args!(
            "{} left input unread: the scan is incomplete (exit code 2; --allow-partial accepts it)",
            if unread == 1 {
                "1 problem".to_string()
            } else {
                format!("{unread} problems")
            }
        ));
    }
    let failed = outcome.has_fatal_problem() || (unread > 0 && !config.allow_partial);
    let exit = match Exit::of_scan(failed, counted, config.findings_exit_code) {
        _ if crate::interrupt::requested() => Exit::Interrupted,
        exit => exit,
    };
    if config.hook {
        match exit {
            Exit::Error | Exit::Interrupted => eprint!("{}", hook::FAILED_MESSAGE),
            // `--exit-code 0` lets the commit through: nothing was blocked.
            Exit::Findings(code) if code != 0 => eprint!("{}", hook::blocked_message(outcome.findings.len())),
            _ => {}
        }
    }
    exit
}

fn interrupted_problem(roots: &[String]) -> crate::model::Problem {
    crate::model::Problem {
        path: roots.join(", "),
        message: "interrupted: the scan stopped before it read everything".to_string(),
        kind: crate::model::ProblemKind::Fatal,
    }
}

/// Applies `--fix-gitignore`: appends the lines, says what changed, and drops the
/// findings it resolved. Tracked files stay findings: ignoring them does not untrack
/// them, and their keys are in history.
fn fix_gitignore(outcome: &mut crate::model::Outcome) {
    let fixes: Vec<_> = outcome.gitignore_fixes.iter().map(|(_, _, fix)| fix).collect();
    let (changes, errors) = crate::exposure::fix::apply(&fixes);
    for change in &changes {
        for line in &change.lines {
            eprintln!("wayscan: added `{}` to {}", clean(line), clean(&change.shown));
        }
    }
    for (file, message) in &errors {
        eprintln!("wayscan: error: cannot update {}: {}", clean(file), clean(message));
    }
    let failed: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    let resolved: Vec<&str> = outcome
        .gitignore_fixes
        .iter()
        .filter(|(_, tracked, fix)| !tracked && !failed.contains(&fix.shown.as_str()))
        .map(|(fingerprint, _, _)| fingerprint.as_str())
        .collect();
    outcome.findings.retain(|f| !resolved.contains(&f.fingerprint.as_str()));
}

fn list_rules(files: &[PathBuf], json: bool) -> Exit {
    let rules = match crate::settings::load_rules(files) {
        Ok(rules) => rules,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let mut out = io::stdout().lock();
    let written = if json {
        let list: Vec<serde_json::Value> = rules
            .rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "id": r.spec.id,
                    "name": r.spec.name,
                    "description": r.spec.description,
                    "severity": r.spec.severity,
                    "precision": r.spec.precision,
                    "keywords": r.spec.keywords,
                    "encodings": r.spec.encodings,
                    "tags": r.spec.tags,
                    "file": r.origin,
                    "imported_from": r.spec.imported_from,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        rules.rules.iter().try_for_each(|r| {
            let from = match &r.spec.imported_from {
                Some(source) => format!("{}, imported from {source}", r.origin),
                None => r.origin.clone(),
            };
            writeln!(
                out,
                "{:<28} {:<9} {:<10} {}  ({})",
                r.spec.id,
                r.spec.severity.as_str(),
                r.spec.precision.as_str(),
                clean(&r.spec.name),
                clean(&from)
            )
        })
    };
    match written {
        Ok(()) => Exit::Clean,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
        Err(e) => {
            error(format_args!("cannot write to standard output: {e}"));
            Exit::Error
        }
    }
}

fn check(files: &[PathBuf]) -> Exit {
    let rules = match crate::settings::load_rules(files) {
        Ok(rules) => rules,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let checked: Vec<_> = rules
        .rules
        .iter()
        .filter(|r| names.is_empty() || names.contains(&r.origin))
        .collect();
    let failures = check_rules(&rules, &names);
    for failure in &failures {
        error(failure);
    }
    let examples: usize = checked
        .iter()
        .map(|r| r.spec.examples.len() + r.spec.negative_examples.len())
        .sum();
    let imported = checked.iter().filter(|r| r.spec.imported_from.is_some()).count();
    let imported = match imported {
        0 => String::new(),
        n => format!(" ({n} imported: examples optional)"),
    };
    if failures.is_empty() {
        println!(
            "rules check: {} rules{imported}, {examples} examples: ok",
            checked.len()
        );
        Exit::Clean
    } else {
        eprintln!(
            "rules check: {} rules, {examples} examples: {} failed",
            checked.len(),
            failures.len()
        );
        Exit::Error
    }
}
