//! Runs a parsed command: loads rules, opens the output, scans, writes the report and
//! the messages on standard error, and decides the exit code.

use crate::baseline::Baseline;
use crate::cli::{Cli, Command, FailOn, HookCommand, RulesCommand, StagedArgs};
use crate::config::{HistoryConfig, ReportConfig, ScanConfig, VerifyConfig};
use crate::exit::Exit;
use crate::hook;
use crate::matcher::Matcher;
use crate::project::Project;
use crate::report::text::{clean, summary_line};
use crate::report::{self, Report, ScanKind};
use crate::rules::{check_rules, RuleSet};
use crate::scan;
use clap::CommandFactory;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Scan(args) => with_verify(&args.verify, |verify| {
            let mut config = ScanConfig::from_args(&args);
            config.report.fail_on_live = verify.options.is_some() && args.verify.fail_on == FailOn::Live;
            run_scan(&config, verify)
        }),
        Command::History(args) => with_verify(&args.verify, |verify| {
            let mut config = HistoryConfig::from_args(&args);
            config.report.fail_on_live = verify.options.is_some() && args.verify.fail_on == FailOn::Live;
            run_history(&config, verify)
        }),
        Command::Staged(args) => run_staged(&args),
        Command::Rules(RulesCommand::List { rules, json }) => list_rules(&rules, json),
        Command::Rules(RulesCommand::Check { files }) => check(&files),
        Command::Hook(HookCommand::Install { repo }) => hook_result(hook::install(&repo)),
        Command::Hook(HookCommand::Uninstall { repo }) => hook_result(hook::uninstall(&repo)),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(shell, &mut command, "wayscan", &mut io::stdout());
            Exit::Clean
        }
        Command::Baseline(command) => run_baseline(command),
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
fn verify_findings(outcome: &mut scan::Outcome, rules: &RuleSet, verify: &VerifyConfig) {
    let Some(options) = &verify.options else { return };
    let problems = crate::verify::verify(&mut outcome.findings, rules, options);
    outcome.problems.extend(problems);
    if verify.only_live {
        outcome.findings.retain(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == crate::verify::Status::Live)
        });
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

fn error(message: impl std::fmt::Display) {
    eprintln!("wayscan: error: {message}");
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

/// Loads the project configuration, the rules and the baseline and opens the output:
/// the work every scan of `root` does before scanning, so a mistake in any of them
/// stops it before it starts.
fn prepare(
    rule_files: &[PathBuf],
    report: &ReportConfig,
    root: &std::path::Path,
    from: Option<&BaseCommit>,
) -> Result<Prepared, Exit> {
    let fail = |message: String| {
        error(message);
        Exit::Error
    };
    // The project configuration: a file named on the command line (the caller's own),
    // else `.wayscan.toml` of the base commit for a range, else of the work tree.
    let (project, commit_rules) = match (&report.config, report.no_config, from) {
        (_, true, _) => (None, None),
        (Some(file), false, _) => (Some(Project::load(file).map_err(fail)?), None),
        (None, false, Some(base)) => match base.read(crate::project::FILE_NAME) {
            Some(text) => {
                let origin = format!("{}:{}", base.short(), crate::project::FILE_NAME);
                let project = Project::parse(&text, &origin, std::path::Path::new("")).map_err(fail)?;
                let mut texts = Vec::new();
                for file in &project.rule_files {
                    let path = file.to_string_lossy();
                    let text = base
                        .read(&path)
                        .ok_or_else(|| fail(format!("{origin}: rule file {path} is not in commit {}", base.short())))?;
                    texts.push((format!("{}:{path}", base.short()), text));
                }
                (Some(project), Some(texts))
            }
            None => (None, None),
        },
        (None, false, None) => (
            Project::find(root)
                .as_deref()
                .map(Project::load)
                .transpose()
                .map_err(fail)?,
            None,
        ),
    };
    // Rule files the configuration names: read from the commit it came from, or
    // from the disk beside it.
    let mut all_rule_files = rule_files.to_vec();
    if let (Some(project), None) = (&project, &commit_rules) {
        all_rule_files.extend(project.rule_files.iter().cloned());
    }
    let mut rules =
        RuleSet::load_with(&all_rule_files, commit_rules.unwrap_or_default()).map_err(|e| fail(e.to_string()))?;
    if let Some(project) = &project {
        let known: Vec<&str> = rules.rules.iter().map(|r| r.spec.id.as_str()).collect();
        project.check_rule_ids(&known).map_err(fail)?;
        rules.rules.retain(|r| !project.disable_rules.contains(&r.spec.id));
    }
    let baseline = match (&report.baseline, from) {
        (None, _) => None,
        (Some(path), None) => Some(Baseline::load(path).map_err(fail)?),
        (Some(path), Some(base)) => {
            let relative = path.to_string_lossy();
            match base.read(&relative) {
                Some(text) => {
                    let origin = format!("{}:{relative}", base.short());
                    Some(Baseline::parse(&text, &origin).map_err(fail)?)
                }
                None => {
                    eprintln!(
                        "wayscan: note: {relative} is not in the base commit {}: no baseline applies",
                        base.short()
                    );
                    None
                }
            }
        }
    };
    if let Some(base) = from {
        base.note_changes(&[crate::project::FILE_NAME], report.baseline.as_deref());
    }
    let out = open_output(report.output.as_ref())?;
    Ok(Prepared {
        rules,
        baseline,
        project,
        out,
    })
}

/// The base commit of a range: where its project configuration and baseline come
/// from, so a change cannot loosen its own scan.
struct BaseCommit {
    repo: git2::Repository,
    base: git2::Oid,
    head: git2::Oid,
}

impl BaseCommit {
    /// The base of `range` (`A..B`, `A...B`) in the repository holding `repo`.
    fn of(repo: &std::path::Path, range: &str) -> Result<BaseCommit, String> {
        let repository =
            git2::Repository::discover(repo).map_err(|e| format!("not a git repository: {}", e.message()))?;
        let (left, right) = range.split_once("..").unwrap_or((range, ""));
        let right = right.trim_start_matches('.');
        let commit = |rev: &str| {
            repository
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|e| format!("bad range {range:?}: {}", e.message()))
        };
        let base = commit(left)?;
        let head = commit(if right.is_empty() { "HEAD" } else { right })?;
        Ok(BaseCommit {
            repo: repository,
            base,
            head,
        })
    }

    fn short(&self) -> String {
        self.base.to_string()[..12].to_string()
    }

    fn blob(&self, commit: git2::Oid, path: &str) -> Option<git2::Oid> {
        let tree = self.repo.find_commit(commit).ok()?.tree().ok()?;
        Some(tree.get_path(std::path::Path::new(path)).ok()?.id())
    }

    /// The text of `path` in the base commit.
    fn read(&self, path: &str) -> Option<String> {
        let id = self.blob(self.base, path)?;
        let blob = self.repo.find_blob(id).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    /// Says when the change edits its own settings: they were not applied.
    fn note_changes(&self, files: &[&str], baseline: Option<&std::path::Path>) {
        let baseline = baseline.map(|b| b.to_string_lossy().into_owned());
        for path in files.iter().copied().chain(baseline.as_deref()) {
            if self.blob(self.base, path) != self.blob(self.head, path) {
                eprintln!(
                    "wayscan: note: this change edits {path}; the version of the base commit {} applies \
                     (--config-from-head applies the change's own)",
                    self.short()
                );
            }
        }
    }
}

/// What every scan loads before it starts.
struct Prepared {
    rules: RuleSet,
    baseline: Option<Baseline>,
    project: Option<Project>,
    out: Box<dyn Write>,
}

/// Drops what the project configuration excludes or allowlists, counting it.
fn apply_project(outcome: &mut scan::Outcome, project: Option<&Project>) {
    let Some(project) = project else { return };
    let before = outcome.findings.len();
    outcome.findings.retain(|f| !project.drops(f));
    outcome.stats.allowlisted = (before - outcome.findings.len()) as u64;
}

/// The size limit: the command line's, else the project's, else the default.
fn max_file_size(given: Option<u64>, project: Option<&Project>) -> u64 {
    given
        .or(project.and_then(|p| p.max_file_size))
        .unwrap_or(crate::cli::DEFAULT_MAX_FILE_SIZE)
}

/// Drops the findings the baseline accepts, counting them.
fn apply_baseline(outcome: &mut scan::Outcome, baseline: Option<&Baseline>) {
    let Some(baseline) = baseline else { return };
    let before = outcome.findings.len();
    outcome.findings.retain(|f| !baseline.contains(f));
    outcome.stats.baselined = (before - outcome.findings.len()) as u64;
}

pub fn run_scan(config: &ScanConfig, verify: &VerifyConfig) -> Exit {
    let root = config.roots.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let Prepared {
        rules,
        baseline,
        project,
        out,
    } = match prepare(&config.rule_files, &config.report, &root, None) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let mut matcher = Matcher::new(&rules);
    matcher.inline.gitleaks_allow = config.report.gitleaks_allow;
    let mut walk = config.walk.clone();
    walk.max_file_size = max_file_size(config.max_file_size, project.as_ref());
    let mut outcome = scan::scan_tree(&matcher, &config.roots, &walk);
    if config.fix_gitignore {
        fix_gitignore(&mut outcome);
    }
    // What is accepted is dropped before any key is sent to the API.
    apply_project(&mut outcome, project.as_ref());
    apply_baseline(&mut outcome, baseline.as_ref());
    verify_findings(&mut outcome, &rules, verify);
    let roots = config.roots.iter().map(|r| r.display().to_string()).collect();
    finish(ScanKind::Tree, roots, &outcome, &rules, &config.report, out)
}

pub fn run_history(config: &HistoryConfig, verify: &VerifyConfig) -> Exit {
    // A range reads its settings from its base commit, unless told otherwise.
    let base = match (&config.selection.range, config.config_from_head) {
        (Some(range), false) => match BaseCommit::of(&config.repo, range) {
            Ok(base) => Some(base),
            Err(message) => {
                error(message);
                return Exit::Error;
            }
        },
        _ => None,
    };
    let Prepared {
        rules,
        baseline,
        project,
        out,
    } = match prepare(&config.rule_files, &config.report, &config.repo, base.as_ref()) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let mut matcher = Matcher::new(&rules);
    matcher.inline.gitleaks_allow = config.report.gitleaks_allow;
    let mut walk = config.walk.clone();
    walk.max_file_size = max_file_size(config.max_file_size, project.as_ref());
    let mut outcome = scan::scan_history(&matcher, &config.repo, &config.selection, &walk, config.progress);
    apply_project(&mut outcome, project.as_ref());
    apply_baseline(&mut outcome, baseline.as_ref());
    verify_findings(&mut outcome, &rules, verify);
    let roots = vec![config.repo.display().to_string()];
    finish(ScanKind::History, roots, &outcome, &rules, &config.report, out)
}

pub fn run_staged(args: &StagedArgs) -> Exit {
    let report = ReportConfig {
        hook: args.hook,
        ..ReportConfig::from_args(&args.output)
    };
    let Prepared {
        rules,
        baseline,
        project,
        out,
    } = match prepare(&args.rules, &report, &args.repo, None) {
        Ok(prepared) => prepared,
        Err(exit) => return exit,
    };
    let mut matcher = Matcher::new(&rules);
    matcher.inline.gitleaks_allow = report.gitleaks_allow;
    let limit = max_file_size(args.max_file_size, project.as_ref());
    let mut outcome = scan::scan_staged(&matcher, &args.repo, limit);
    apply_project(&mut outcome, project.as_ref());
    apply_baseline(&mut outcome, baseline.as_ref());
    let roots = vec![args.repo.display().to_string()];
    finish(ScanKind::Staged, roots, &outcome, &rules, &report, out)
}

/// Prints problems (and skips with `-v`), writes the report and the summary line,
/// and decides the exit code.
fn finish(
    kind: ScanKind,
    roots: Vec<String>,
    outcome: &scan::Outcome,
    rules: &RuleSet,
    config: &ReportConfig,
    mut out: Box<dyn Write>,
) -> Exit {
    for p in &outcome.problems {
        let level = if p.fatal { "error" } else { "warning" };
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
        rules,
        show_secrets: config.show_secrets,
    };
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
            .filter(|f| {
                f.verification
                    .as_ref()
                    .is_some_and(|v| v.status == crate::verify::Status::Live)
            })
            .count()
    } else {
        outcome.findings.len()
    };
    let exit = Exit::of_scan(outcome.has_fatal_problem(), counted, config.findings_exit_code);
    if config.hook {
        match exit {
            Exit::Error => eprint!("{}", hook::FAILED_MESSAGE),
            // `--exit-code 0` lets the commit through: nothing was blocked.
            Exit::Findings(code) if code != 0 => eprint!("{}", hook::blocked_message(outcome.findings.len())),
            _ => {}
        }
    }
    exit
}

/// Applies `--fix-gitignore`: appends the lines, says what changed, and drops the
/// findings it resolved. Tracked files stay findings: ignoring them does not untrack
/// them, and their keys are in history.
fn fix_gitignore(outcome: &mut scan::Outcome) {
    let fixes: Vec<_> = outcome.gitignore_fixes.iter().map(|(_, _, fix)| fix).collect();
    let (changes, errors) = crate::dotenv::fix::apply(&fixes);
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
    let rules = match RuleSet::load(files) {
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
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &list)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        rules.rules.iter().try_for_each(|r| {
            writeln!(
                out,
                "{:<28} {:<9} {:<10} {}  ({})",
                r.spec.id,
                r.spec.severity.as_str(),
                r.spec.precision.as_str(),
                r.spec.name,
                r.origin
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
    let rules = match RuleSet::load(files) {
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
    if failures.is_empty() {
        println!("rules check: {} rules, {examples} examples: ok", checked.len());
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

/// `wayscan config init`: the commented starter file in the current directory.
fn config_init(force: bool) -> Exit {
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
fn run_baseline(command: crate::cli::BaselineCommand) -> Exit {
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

/// `wayscan revoke`: list, confirm, revoke, audit.
fn run_revoke(args: &crate::cli::RevokeArgs) -> Exit {
    use crate::verify::revoke::{self, Outcome, Target};
    let fail = |message: String| {
        error(message);
        Exit::Error
    };
    let rules = match RuleSet::load(&args.rules) {
        Ok(rules) => rules,
        Err(e) => return fail(e.to_string()),
    };
    let api = match crate::verify::api_base(args.api_url.as_deref()) {
        Ok(api) => api,
        Err(message) => return fail(message),
    };
    const RULE: &str = "wayscloud-api-key";
    let (targets, left) = match &args.report {
        Some(path) => match std::fs::read_to_string(path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|text| revoke::targets_from_report(&text, &rules).map_err(|e| format!("{}: {e}", path.display())))
        {
            Ok(found) => found,
            Err(message) => return fail(message),
        },
        None => {
            if let Some(bad) = args.key_id.iter().find(|id| !revoke::valid_key_id(id)) {
                return fail(format!("{bad:?} is not a key id (4 to 64 letters and digits)"));
            }
            let targets = args
                .key_id
                .iter()
                .map(|id| Target {
                    key_id: id.clone(),
                    service: String::new(),
                    rule_id: RULE.into(),
                    places: vec!["--key-id".into()],
                })
                .collect();
            (targets, Vec::new())
        }
    };
    for l in &left {
        println!("left alone: key {}: {}", l.key_id, l.why);
    }
    if targets.is_empty() {
        println!("nothing to revoke: no live key");
        return Exit::Clean;
    }
    println!("live keys to revoke ({}):", targets.len());
    for t in &targets {
        let service = if t.service.is_empty() {
            String::new()
        } else {
            format!(" ({})", t.service)
        };
        println!("  key {}{service}, found at {}", t.key_id, t.places.join(", "));
    }
    let Some(spec) = revoke::spec(&rules, RULE) else {
        return fail(format!("rule {RULE} has no revocation section"));
    };
    let audit_log = args.audit_log.clone().or_else(revoke::default_audit_log);
    let audit = |t: &Target, outcome: &Outcome, status: Option<u16>| {
        if let Some(log) = &audit_log {
            if let Err(message) = revoke::audit(log, t, outcome, status) {
                eprintln!("wayscan: warning: {message}");
            }
        }
    };
    let token = std::env::var(&spec.token_env).ok().filter(|t| !t.trim().is_empty());
    let Some(token) = token else {
        println!(
            "\n{} is not set, so nothing is revoked. Revoke each key by hand:\n",
            spec.token_env
        );
        for t in &targets {
            println!("{}\n", revoke::manual_steps(t));
            audit(t, &Outcome::NotAttempted, None);
        }
        return Exit::Findings(1);
    };
    if !args.yes && !confirm(targets.len()) {
        println!("dry run: nothing revoked (add --yes to revoke; revoking cannot be undone)");
        return Exit::Clean;
    }
    let mut all_done = true;
    for t in &targets {
        let (outcome, status) = revoke::revoke(&api, spec, &t.key_id, token.trim(), std::time::Duration::from_secs(10));
        println!("key {}: {}", t.key_id, outcome.describe());
        all_done &= matches!(outcome, Outcome::Revoked | Outcome::NotFound);
        audit(t, &outcome, status);
    }
    if let Some(log) = &audit_log {
        eprintln!("wayscan: audit log: {}", log.display());
    }
    if all_done {
        Exit::Clean
    } else {
        Exit::Findings(1)
    }
}

/// On a terminal, asks before revoking; elsewhere (a pipe, CI) the answer is no.
fn confirm(count: usize) -> bool {
    use std::io::{BufRead, IsTerminal};
    if !io::stdin().is_terminal() || !io::stderr().is_terminal() {
        return false;
    }
    eprint!("Revoke {count} key(s) now? Applications using them stop working at once. [y/N] ");
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

/// `wayscan check-key`: one key from standard input or WAYSCLOUD_API_KEY.
fn run_check_key(args: &crate::cli::CheckKeyArgs) -> Exit {
    use crate::verify::checkkey;
    use std::io::Read;
    let input = match std::env::var("WAYSCLOUD_API_KEY").ok().filter(|k| !k.is_empty()) {
        Some(key) => key,
        None => {
            let mut text = String::new();
            if let Err(e) = io::stdin().lock().take(64 * 1024).read_to_string(&mut text) {
                error(format_args!("cannot read the key from standard input: {e}"));
                return Exit::Error;
            }
            // One line: the key or the header.
            text.lines().next().unwrap_or("").to_string()
        }
    };
    if input.trim().is_empty() {
        error("no key: pipe it in (wayscan check-key < file) or set WAYSCLOUD_API_KEY");
        return Exit::Error;
    }
    let diagnosis = checkkey::diagnose(&input);
    println!("key: {}", diagnosis.shown);
    for c in &diagnosis.checks {
        println!("  {} {}", if c.ok { "ok  " } else { "FIX " }, c.text);
    }
    let mut fine = diagnosis.ok();
    if args.verify {
        let (Some(key), Some(service)) = (&diagnosis.key, &diagnosis.service) else {
            println!("not verified: the key is not well-formed");
            return Exit::Findings(1);
        };
        let api = match crate::verify::api_base(args.api_url.as_deref()) {
            Ok(api) => api,
            Err(message) => {
                error(message);
                return Exit::Error;
            }
        };
        let limits = crate::verify::Limits {
            timeout: std::time::Duration::from_secs(10),
            attempts: 3,
            max_retry_after: std::time::Duration::from_secs(30),
        };
        // The request the rule file describes, as for `scan --verify`.
        let rules = match RuleSet::load(&[] as &[PathBuf]) {
            Ok(rules) => rules,
            Err(e) => {
                error(e);
                return Exit::Error;
            }
        };
        let Some(spec) = rules
            .rules
            .iter()
            .find(|r| r.spec.id == "wayscloud-api-key")
            .and_then(|r| r.spec.verify.as_ref())
        else {
            error("the wayscloud-api-key rule has no verify section");
            return Exit::Error;
        };
        let path = spec.service_paths.get(service).unwrap_or(&spec.path);
        let url = format!("{}{path}", api.as_str());
        let answer = crate::verify::check(
            &crate::verify::agent(&limits),
            &url,
            key,
            service,
            &spec.checked_service,
            &limits,
            &|| {},
        );
        println!(
            "  {} {}: {}",
            if answer.status == crate::verify::Status::Live {
                "LIVE"
            } else {
                "    "
            },
            answer.status.as_str(),
            answer.detail
        );
        if answer.http_status == Some(403) {
            println!("       the docs: a key must have each service it uses checked at creation; create a new key with the services you need");
        }
        fine &= answer.status == crate::verify::Status::Live;
    }
    if fine {
        Exit::Clean
    } else {
        Exit::Findings(1)
    }
}
