//! `wayscan audit` and `wayscan merge`: repositories found or cloned, each scanned
//! (history, then work tree) by a pool of workers, each written to its own reports
//! as it finishes, then the index and the HTML report built from all the records.

use super::error;
use crate::audit::{Index, RepoRecord};
use crate::cli::{AuditArgs, MergeArgs};
use crate::engine::matcher::Matcher;
use crate::engine::rules::RuleSet;
use crate::exit::Exit;
use crate::model::Outcome;
use crate::pipeline;
use crate::report::text::clean;
use crate::report::{self, Report, ScanKind};
use crate::settings::VerifyConfig;
use crate::sources::repos::{self, Location, Repo};
use crate::sources::tree::WalkOptions;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// What every repository's scan shares.
struct Audit<'a> {
    matcher: Matcher<'a>,
    rules: &'a RuleSet,
    verify: &'a VerifyConfig,
    walk: WalkOptions,
    cache: Option<PathBuf>,
    out: PathBuf,
    /// A digest of the rules and settings: a record made with others is not reused.
    settings: String,
    fresh: bool,
    /// `--refs all`: every ref of a URL, pull request heads too.
    all_refs: bool,
}

pub(super) fn run_audit(args: &AuditArgs, verify: &VerifyConfig) -> Exit {
    let rules = match crate::settings::load_rules(&args.rules) {
        Ok(rules) => rules,
        Err(e) => {
            error(e);
            return Exit::Error;
        }
    };
    let repos_dir = args.output_dir.join("repos");
    if let Err(e) = std::fs::create_dir_all(&repos_dir) {
        error(format_args!("cannot create {}: {e}", repos_dir.display()));
        return Exit::Error;
    }
    let (found, source_errors) = repos::discover(&args.sources);
    for e in &source_errors {
        eprintln!("wayscan: error: {}: {}", clean(&e.source), clean(&e.message));
    }
    let repos: Vec<Repo> = found
        .into_iter()
        .filter(|r| args.shard.is_none_or(|shard| shard.holds(&r.id)))
        .collect();
    super::use_threads(args.threads);
    let mut matcher = Matcher::new(&rules);
    matcher.inline.gitleaks_allow = !args.no_gitleaks_allow;
    let audit = Audit {
        matcher,
        rules: &rules,
        verify,
        walk: WalkOptions {
            no_ignore: false,
            follow_links: false,
            max_file_size: args.max_file_size,
            threads: args.threads,
            stdin_name: None,
        },
        // A shared temporary folder is no place for clones another user could
        // plant (with git configuration of their own): without a cache directory
        // of the user's, a repository that needs cloning fails, saying so.
        cache: args.cache.clone().or_else(default_cache),
        out: args.output_dir.clone(),
        settings: settings_digest(&rules, args),
        fresh: args.fresh,
        all_refs: args.refs == crate::cli::AuditRefs::All,
    };
    let parallel = args
        .parallel
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let show = !args.quiet && std::io::stderr().is_terminal();
    let records = run_all(&audit, &repos, parallel, show, args.quiet);
    // `--fail-on live` counts live findings, as `scan` and `history` do.
    let live_findings = records
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.verification.as_deref() == Some(crate::model::Status::Live.as_str()))
        .count();

    let index = Index::build(records);
    if let Err(message) = write_index(&args.output_dir, &index) {
        error(message);
        return Exit::Error;
    }
    if !args.quiet {
        let t = &index.totals;
        eprintln!(
            "wayscan: audited {} of {} repositories{}: {} findings, {} distinct keys ({} in several repositories); {}",
            t.audited,
            t.repositories,
            args.shard
                .map(|s| format!(" (shard {}/{})", s.k, s.n))
                .unwrap_or_default(),
            t.findings,
            t.keys,
            t.shared_keys,
            args.output_dir.join("report.html").display()
        );
    }
    // `--fail-on live`: only keys the API says are live make the audit fail.
    let counted = if crate::settings::fails_on_live(&args.verify) {
        live_findings
    } else {
        index.totals.findings as usize
    };
    if crate::interrupt::requested() {
        error("interrupted: the audit stopped before it scanned every repository");
        return Exit::Interrupted;
    }
    let failed = !source_errors.is_empty() || index.totals.failed > 0;
    Exit::of_scan(failed, counted, 1)
}

/// Scans `repos` on `parallel` workers, each taking the next repository when done.
fn run_all(audit: &Audit<'_>, repos: &[Repo], parallel: usize, show: bool, quiet: bool) -> Vec<RepoRecord> {
    let bars = MultiProgress::with_draw_target(if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    });
    let total = bars.add(ProgressBar::new(repos.len() as u64));
    total.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} repositories, {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let records = Mutex::new(Vec::with_capacity(repos.len()));
    std::thread::scope(|scope| {
        for _ in 0..parallel.min(repos.len()) {
            scope.spawn(|| {
                let line = bars.add(ProgressBar::new_spinner());
                line.set_style(
                    ProgressStyle::with_template("  {spinner} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                line.enable_steady_tick(std::time::Duration::from_millis(200));
                loop {
                    if crate::interrupt::requested() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(repo) = repos.get(i) else { break };
                    let say = |what: &str| line.set_message(format!("{}: {what}", clean(&repo.name)));
                    let (record, reused) = audit_one(audit, repo, &say);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    let status = match (&record.error, reused) {
                        (Some(message), _) => format!("error: {}", clean(message)),
                        (None, true) => format!("{} findings (unchanged, not scanned again)", record.findings.len()),
                        (None, false) => format!("{} findings", record.findings.len()),
                    };
                    if !quiet {
                        let message = format!("wayscan: [{n}/{}] {}: {status}", repos.len(), clean(&repo.name));
                        if show {
                            bars.suspend(|| eprintln!("{message}"));
                        } else {
                            eprintln!("{message}");
                        }
                    }
                    total.inc(1);
                    records.lock().unwrap_or_else(|p| p.into_inner()).push(record);
                }
                line.finish_and_clear();
            });
        }
    });
    total.finish_and_clear();
    records.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// One repository: fetched if remote, reused if unchanged, else scanned and written.
/// Returns its record and whether it was reused.
fn audit_one(audit: &Audit<'_>, repo: &Repo, say: &dyn Fn(&str)) -> (RepoRecord, bool) {
    let (git_dir, work_tree) = match &repo.location {
        Location::Local { git_dir, work_tree } => (git_dir.clone(), work_tree.clone()),
        Location::Remote { url } => {
            say("fetching");
            let Some(cache) = &audit.cache else {
                let message = "no cache directory for the clone: set XDG_CACHE_HOME or HOME, or give --cache DIR";
                return (RepoRecord::failed(repo, message.to_string()), false);
            };
            match repos::fetch(repo, url, cache, audit.walk.max_file_size, audit.all_refs) {
                Ok(dir) => (dir, None),
                Err(e) => return (RepoRecord::failed(repo, e.to_string()), false),
            }
        }
    };
    let state = match crate::git::repo::state_of(&git_dir) {
        Ok(refs) => format!("{refs}-{}", audit.settings),
        Err(message) => {
            return (
                RepoRecord::failed(repo, format!("cannot read its refs: {message}")),
                false,
            )
        }
    };
    let record_file = audit.out.join("repos").join(format!("{}.record.json", repo.slug));
    if !audit.fresh {
        if let Some(previous) = read_record(&record_file).filter(|r| r.state == state && r.status == "ok") {
            return (previous, true);
        }
    }
    say("history");
    let mut outcome = pipeline::scan_history(
        &audit.matcher,
        &git_dir,
        &Default::default(),
        &audit.walk,
        &crate::progress::Quiet,
    );
    if let Some(tree) = &work_tree {
        say("work tree");
        let current = pipeline::scan_tree(&audit.matcher, std::slice::from_ref(tree), &audit.walk);
        merge_tree(&mut outcome, current);
    }
    if audit.verify.options.is_some() {
        say("verifying");
    }
    let verifications = super::verify_findings(&mut outcome, audit.rules, audit.verify);
    // A record is what the next audit reuses unscanned: an interrupted scan leaves a
    // failed one, scanned again next time.
    if crate::interrupt::requested() {
        return (
            RepoRecord::failed(repo, "interrupted before its scan ended".to_string()),
            false,
        );
    }
    let record = RepoRecord::of(repo, state, &outcome, &verifications);
    say("writing");
    if let Err(message) = write_repo(audit, repo, &outcome, &verifications, &record, &record_file) {
        return (RepoRecord::failed(repo, message), false);
    }
    (record, false)
}

/// Adds what only the work tree holds (uncommitted, untracked) to the history's
/// findings: the same finding in both is the committed one.
fn merge_tree(history: &mut Outcome, tree: Outcome) {
    let known: std::collections::HashSet<String> = history.findings.iter().map(|f| f.fingerprint.clone()).collect();
    history
        .findings
        .extend(tree.findings.into_iter().filter(|f| !known.contains(&f.fingerprint)));
    history.skipped.extend(tree.skipped);
    history.problems.extend(tree.problems);
    history.suppressed.extend(tree.suppressed);
    history.stats.files += tree.stats.files;
    history.stats.bytes += tree.stats.bytes;
    let elapsed = history.stats.elapsed + tree.stats.elapsed;
    history.finish(history.stats.unit, elapsed);
}

/// The repository's JSON and SARIF reports, then its record (last: a record on
/// disk means its reports are complete).
fn write_repo(
    audit: &Audit<'_>,
    repo: &Repo,
    outcome: &Outcome,
    verifications: &crate::model::Verifications,
    record: &RepoRecord,
    record_file: &Path,
) -> Result<(), String> {
    let report = Report {
        kind: ScanKind::Repository,
        roots: vec![repo.id.clone()],
        outcome,
        verifications,
        rules: audit.rules,
        show_secrets: false,
        show_suppressed: false,
        category: None,
    };
    let dir = audit.out.join("repos");
    for (format, extension) in [
        (crate::units::Format::Json, "json"),
        (crate::units::Format::Sarif, "sarif"),
    ] {
        let path = dir.join(format!("{}.{extension}", repo.slug));
        let mut bytes = Vec::new();
        report::render(format, &report, false, &mut bytes).map_err(|e| e.to_string())?;
        write_atomically(&path, &bytes)?;
    }
    let text = serde_json::to_vec_pretty(record).map_err(|e| e.to_string())?;
    write_atomically(record_file, &text)
}

fn read_record(path: &Path) -> Option<RepoRecord> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// `index.json` and `report.html` of `index`.
fn write_index(dir: &Path, index: &Index) -> Result<(), String> {
    let mut json = serde_json::to_vec_pretty(index).map_err(|e| e.to_string())?;
    json.push(b'\n');
    write_atomically(&dir.join("index.json"), &json)?;
    let mut html = Vec::new();
    report::html::write(index, &mut html).map_err(|e| e.to_string())?;
    write_atomically(&dir.join("report.html"), &html)
}

/// Writes through a temporary file and a rename, so a killed audit leaves either
/// the old file or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let temporary = path.with_extension("partial");
    let written = std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What decides whether an earlier record still holds: the version, the rules
/// (their text) and the settings that change what is found.
fn settings_digest(rules: &RuleSet, args: &AuditArgs) -> String {
    let mut hash = Sha256::new();
    hash.update(env!("CARGO_PKG_VERSION").as_bytes());
    for rule in &rules.rules {
        hash.update(format!("{:?}", rule.spec).as_bytes());
    }
    hash.update(
        format!(
            "{} {} {} {:?}",
            args.max_file_size, args.no_gitleaks_allow, args.verify.verify, args.refs
        )
        .as_bytes(),
    );
    crate::model::hex(&hash.finalize()[..8])
}

/// `wayscan/repos` in the user's cache directory, as the verification cache; none
/// when neither `XDG_CACHE_HOME` nor `HOME` is set.
fn default_cache() -> Option<PathBuf> {
    crate::dirs::user_dir("XDG_CACHE_HOME", ".cache").map(|base| base.join("wayscan").join("repos"))
}

/// `wayscan merge`: the shards' records, and their per-repository reports, into one
/// folder, indexed as one run would index them.
pub(super) fn run_merge(args: &MergeArgs) -> Exit {
    let repos_out = args.output_dir.join("repos");
    if let Err(e) = std::fs::create_dir_all(&repos_out) {
        error(format_args!("cannot create {}: {e}", repos_out.display()));
        return Exit::Error;
    }
    let mut records = Vec::new();
    for dir in &args.dirs {
        let file = dir.join("index.json");
        let index: Index = match std::fs::read(&file)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
        {
            Ok(index) => index,
            Err(e) => {
                error(format_args!("{}: {e}", file.display()));
                return Exit::Error;
            }
        };
        if index.schema != crate::audit::INDEX_SCHEMA {
            error(format_args!(
                "{}: schema {:?}, expected {:?}",
                file.display(),
                index.schema,
                crate::audit::INDEX_SCHEMA
            ));
            return Exit::Error;
        }
        for record in &index.repositories {
            // A slug names files in the output folder: a forged one (`../../x`)
            // would name files anywhere.
            if !crate::audit::is_slug(&record.slug) {
                error(format_args!(
                    "{}: {:?} is not a repository slug (letters, digits, '.', '-', '_'); not merged",
                    file.display(),
                    clean(&record.slug)
                ));
                return Exit::Error;
            }
            for extension in ["json", "sarif", "record.json"] {
                let name = format!("{}.{extension}", record.slug);
                let from = dir.join("repos").join(&name);
                if from.is_file() && dir.join("repos") != repos_out {
                    if let Err(e) = std::fs::copy(&from, repos_out.join(&name)) {
                        error(format_args!("cannot copy {}: {e}", from.display()));
                        return Exit::Error;
                    }
                }
            }
        }
        records.extend(index.repositories);
    }
    // Shards scanned with other rules or another version do not add up to one run.
    let settings: std::collections::BTreeSet<&str> = records
        .iter()
        .filter_map(|r| r.state.rsplit_once('-').map(|(_, settings)| settings))
        .collect();
    if settings.len() > 1 {
        eprintln!(
            "wayscan: warning: the shards were audited with {} different rule sets or versions; \
             rerun them with the same wayscan and rules",
            settings.len()
        );
    }
    let index = Index::build(records);
    if let Err(message) = write_index(&args.output_dir, &index) {
        error(message);
        return Exit::Error;
    }
    eprintln!(
        "wayscan: merged {} folders: {} repositories, {} findings, {} distinct keys; {}",
        args.dirs.len(),
        index.totals.repositories,
        index.totals.findings,
        index.totals.keys,
        args.output_dir.join("report.html").display()
    );
    Exit::of_scan(index.totals.failed > 0, index.totals.findings as usize, 1)
}
