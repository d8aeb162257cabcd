//! `wayscan import gitleaks`: reads the gitleaks files of a repository, writes the
//! converted rule file, configuration and baseline, and says what did not convert.

use super::error;
use crate::cli::ImportGitleaksArgs;
use crate::engine::matcher::Matcher;
use crate::engine::rules::RuleSet;
use crate::exit::Exit;
use crate::import::{gitleaks, gitleaksignore};
use crate::model::Finding;
use crate::policy::baseline::{Baseline, Entry};
use crate::report::text::clean;
use std::path::Path;

pub(super) fn run_import_gitleaks(args: &ImportGitleaksArgs) -> Exit {
    match import(args) {
        Ok(notes) => {
            for note in &notes {
                eprintln!("wayscan: import: {}", clean(note));
            }
            Exit::Clean
        }
        Err(message) => {
            error(message);
            Exit::Error
        }
    }
}

/// Does the import; returns what did not convert.
fn import(args: &ImportGitleaksArgs) -> Result<Vec<String>, String> {
    let repo = &args.repo;
    let in_repo = |path: &Path| {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            repo.join(path)
        }
    };
    let config_file = match &args.config {
        Some(file) => Some(file.clone()),
        None => gitleaks::CONFIG_FILES
            .iter()
            .map(|name| repo.join(name))
            .find(|f| f.is_file()),
    };
    let ignore_file = match &args.ignore {
        Some(file) => Some(file.clone()),
        None => Some(repo.join(gitleaksignore::FILE)).filter(|f| f.is_file()),
    };
    if config_file.is_none() && ignore_file.is_none() {
        return Err(format!(
            "no {}, {} or {} in {}; name the configuration to convert",
            gitleaks::CONFIG_FILES[0],
            gitleaks::CONFIG_FILES[1],
            gitleaksignore::FILE,
            repo.display()
        ));
    }
    let (rules_out, config_out) = (in_repo(&args.rules_out), in_repo(&args.config_out));
    let mut notes = Vec::new();
    let mut ids = std::collections::BTreeMap::new();
    // The rules .gitleaksignore entries are matched with: the built-in ones, and the
    // converted ones once there are some.
    let mut rules = RuleSet::builtin().map_err(|e| e.to_string())?;

    if let Some(file) = &config_file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let reference = relative_to(&rules_out, config_out.parent().unwrap_or(Path::new(".")));
        let conversion = {
            let taken: Vec<&str> = rules.rules.iter().map(|r| r.id()).collect();
            let read_extended = |path: &str| read_extended(repo, path);
            gitleaks::convert(&text, &file.display().to_string(), &reference, &taken, &read_extended)
                .map_err(|e| e.to_string())?
        };
        for path in [&rules_out, &config_out] {
            if path.exists() && !args.force {
                return Err(format!("{} exists; --force replaces it", path.display()));
            }
        }
        if let Some(converted) = &conversion.rules {
            // The file must load as wayscan rules, beside the built-in ones, before
            // anything is written.
            rules = RuleSet::with_files(Vec::new(), vec![(rules_out.display().to_string(), converted.clone())])
                .map_err(|e| format!("the converted rules do not load: {e}"))?;
            write(&rules_out, converted)?;
            println!(
                "wayscan: wrote {} ({} rules)",
                rules_out.display(),
                conversion.converted_rules
            );
        }
        // A new project configuration gets a salt, as `wayscan config init` gives one.
        let salt = super::project_cmds::fresh_salt().map_err(|e| format!("cannot make a fingerprint salt: {e}"))?;
        let config = format!(
            "# Keys fingerprints so reports are not oracles (see the README).\nfingerprint_salt = \"{}\"\n\n{}",
            salt.to_hex(),
            conversion.config
        );
        write(&config_out, &config)?;
        println!(
            "wayscan: wrote {} ({} allowlists)",
            config_out.display(),
            conversion.converted_allowlists
        );
        notes.extend(conversion.notes);
        if !conversion.may_change.is_empty() {
            let matcher = Matcher::new(&rules);
            let counts = count_findings(repo, &matcher, &conversion.may_change);
            for id in &conversion.may_change {
                let n = counts.get(id).copied().unwrap_or(0);
                notes.push(format!(
                    "rule {id:?}: {n} finding(s) in the work tree; what was not carried over may \
                     change them (gitleaks may report fewer)"
                ));
            }
        }
        ids = conversion.ids;
    }

    if let Some(file) = &ignore_file {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let (entries, bad) = gitleaksignore::parse(&text);
        for (line, why) in bad {
            notes.push(format!("{}:{line}: {why}", file.display()));
        }
        let matcher = Matcher::new(&rules);
        let git = match crate::git::repo::Repo::discover(repo) {
            crate::git::repo::Discovery::Found(git) => Some(git),
            _ => None,
        };
        let mut accepted: Vec<(Finding, String)> = Vec::new();
        let mut mapped = 0;
        for entry in &entries {
            match map_entry(entry, &ids, &matcher, repo, git.as_ref()) {
                Ok((findings, note)) => {
                    mapped += 1;
                    notes.extend(note.map(|n| format!("{}: {n}", entry.text)));
                    accepted.extend(findings.into_iter().map(|f| (f, entry.text.clone())));
                }
                Err(why) => notes.push(format!("{}: {why}", entry.text)),
            }
        }
        let baseline_file = in_repo(&args.baseline_out);
        let mut baseline = if baseline_file.exists() {
            Baseline::load(&baseline_file).map_err(|e| e.to_string())?
        } else {
            Baseline::of(&[], None)
        };
        // Entries are named as the project's scans will name them: keyed by its salt.
        let salt = match config_out.is_file() {
            true => {
                crate::settings::project::Project::load(&config_out)
                    .map_err(|e| e.to_string())?
                    .salt
            }
            false => None,
        };
        if let Some(salt) = &salt {
            for (finding, _) in &mut accepted {
                finding.fingerprint = salt.key_fingerprint(&finding.fingerprint);
            }
        }
        let before = baseline.entries.len();
        for (finding, from) in &accepted {
            if baseline.contains(finding) {
                continue;
            }
            baseline.entries.push(Entry {
                fingerprint: finding.fingerprint.clone(),
                rule_id: finding.rule_id.clone(),
                path: finding.repo_path.clone(),
                secret: finding.redacted(),
                reason: Some(format!("from {}: {from}", gitleaksignore::FILE)),
            });
        }
        baseline.entries.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        baseline.save(&baseline_file).map_err(|e| e.to_string())?;
        println!(
            "wayscan: {} of {} {} entries mapped; {} added to {}",
            mapped,
            entries.len(),
            gitleaksignore::FILE,
            baseline.entries.len() - before,
            baseline_file.display()
        );
    }
    Ok(notes)
}

/// The wayscan findings a `.gitleaksignore` entry accepts: those at its line, of the
/// rule its gitleaks rule became, or of any rule when it was one of gitleaks' own.
fn map_entry(
    entry: &gitleaksignore::Entry,
    ids: &std::collections::BTreeMap<String, String>,
    matcher: &Matcher<'_>,
    repo: &Path,
    git: Option<&crate::git::repo::Repo>,
) -> Result<(Vec<Finding>, Option<String>), String> {
    let content = match &entry.commit {
        Some(commit) => {
            let git = git.ok_or("not mapped: the entry names a commit, and this is not a git repository")?;
            git.read_at(commit, &entry.path)
                .map_err(|e| format!("not mapped: {e}"))?
        }
        None => std::fs::read(repo.join(&entry.path)).map_err(|e| format!("not mapped: {}: {e}", entry.path))?,
    };
    let found = crate::pipeline::scan_bytes(matcher, 0, &entry.path, &content);
    let at_line: Vec<Finding> = found
        .findings
        .into_iter()
        .filter(|f| f.start.line <= entry.line && entry.line <= f.end.line)
        .collect();
    let (findings, note) = match ids.get(&entry.rule_id) {
        Some(id) => (at_line.into_iter().filter(|f| &f.rule_id == id).collect(), None),
        None => {
            let rules: Vec<&str> = at_line.iter().map(|f| f.rule_id.as_str()).collect();
            let note = (!at_line.is_empty()).then(|| {
                format!(
                    "gitleaks rule {:?} has no wayscan rule; accepted what wayscan finds on that line ({})",
                    entry.rule_id,
                    rules.join(", ")
                )
            });
            (at_line, note)
        }
    };
    if findings.is_empty() {
        return Err(format!(
            "not mapped: wayscan finds nothing at {}:{}{}",
            entry.path,
            entry.line,
            match ids.get(&entry.rule_id) {
                Some(id) => format!(" for rule {id}"),
                None => String::new(),
            }
        ));
    }
    Ok((findings, note))
}

/// `path` as the configuration in `dir` refers to it: relative to `dir` (the
/// configuration resolves paths against its own folder), so the files can be
/// committed together.
fn relative_to(path: &Path, dir: &Path) -> String {
    use std::path::Component;
    let absolute = |p: &Path| -> Vec<String> {
        std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect()
    };
    let (to, from) = (absolute(path), absolute(dir));
    let common = to.iter().zip(&from).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".into(); from.len() - common];
    parts.extend(to[common..].iter().cloned());
    parts.join("/")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    crate::tree_write::replace(path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

/// How many findings each of `rules` makes in the work tree under `repo`, read as
/// `wayscan scan` reads it: what a part the import could not carry over may change.
fn count_findings(
    repo: &Path,
    matcher: &Matcher<'_>,
    rules: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeMap<String, usize> {
    let walk = crate::sources::tree::WalkOptions {
        no_ignore: false,
        follow_links: false,
        max_file_size: crate::units::DEFAULT_MAX_FILE_SIZE,
        threads: 0,
        stdin_name: None,
    };
    let outcome = crate::pipeline::scan_tree(matcher, &[repo.to_path_buf()], &walk);
    let mut counts = std::collections::BTreeMap::new();
    for finding in outcome.findings.iter().filter(|f| rules.contains(&f.rule_id)) {
        *counts.entry(finding.rule_id.clone()).or_insert(0) += 1;
    }
    counts
}

/// The file an `[extend] path` names, read as gitleaks reads it: relative to where
/// it runs, the repository's root here. Only a file inside the repository is read:
/// the configuration comes with the repository, and must not pull a file from
/// elsewhere on this machine into the rules the import writes there.
fn read_extended(repo: &Path, path: &str) -> Result<String, String> {
    let wanted = Path::new(path);
    let inside = wanted.is_relative()
        && wanted
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir));
    let outside = || Err("outside the repository, not read".to_string());
    if !inside {
        return outside();
    }
    // Nor through a symlink that leads out of it.
    let cannot = |e: std::io::Error| format!("cannot read it ({})", e.kind());
    let resolved = repo.join(wanted).canonicalize().map_err(cannot)?;
    if !resolved.starts_with(repo.canonicalize().map_err(cannot)?) {
        return outside();
    }
    std::fs::read_to_string(resolved).map_err(|e| format!("cannot read it ({})", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn the_configuration_names_the_rule_file_relative_to_itself() {
        assert_eq!(
            relative_to(Path::new("./.wayscan/r.toml"), Path::new(".")),
            ".wayscan/r.toml"
        );
        assert_eq!(
            relative_to(Path::new("repo/.wayscan/r.toml"), Path::new("repo/ci")),
            "../.wayscan/r.toml"
        );
        assert_eq!(
            relative_to(Path::new("/a/b/r.toml"), Path::new("/a/c/d")),
            "../../b/r.toml"
        );
    }
}
