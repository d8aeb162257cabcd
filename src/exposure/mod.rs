//! Files that leak by existing: `.env` files (and whatever else a `kind = "file"` rule
//! names) that git would commit. A file is a finding when no committed `.gitignore`
//! rule keeps it out (see `git::gitignore` for the exact semantics), or when the
//! index already tracks it, whatever `.gitignore` says: ignore rules do not apply to
//! tracked files.

pub mod fix;

use crate::engine::detect;
use crate::engine::rules::Rule;
use crate::git::gitignore::{GitIgnores, Verdict};
use crate::git::repo::{Discovery, Repo};
use crate::model::Finding;
use crate::model::Problem;
use crate::sources::tree::{list_files, DisplayPaths};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use crate::model::GitignoreFix;

/// A file-level finding and what would fix its ignore status.
#[derive(Debug, Clone)]
pub struct FileFinding {
    pub finding: Finding,
    /// `None` when the file is ignored already (it is a finding because it is tracked).
    pub fix: Option<GitignoreFix>,
    pub tracked: bool,
}

/// The work tree a root belongs to, and what git says about it.
struct Tree {
    /// Where paths are relative to: the work tree root, or the scan root outside git.
    base: PathBuf,
    ignores: Option<Arc<GitIgnores>>,
    tracked: BTreeSet<String>,
    /// `.git/info/exclude` has patterns.
    local_excludes: bool,
}

/// What the content walk saw that the file rules need, so the tree is walked once.
#[derive(Debug, Default)]
pub struct Seen {
    /// Files, as walked, whose display path a file rule matches.
    pub files: Vec<PathBuf>,
    /// A `.ignore` file was walked: it may hide files that git would commit.
    pub dot_ignore: bool,
    /// The walk applied no ignore files (`--no-ignore`): it saw every file.
    pub unfiltered: bool,
}

/// Checks the files under each root (or each named file) against the file rules.
///
/// The content walk honours `.git/info/exclude` and `.ignore` files, which git's
/// committed rules do not; where either could have hidden a file, the root is walked
/// again with `.gitignore` rules alone.
pub fn check(
    rules: &[&Rule],
    roots: &[PathBuf],
    display: &DisplayPaths,
    seen: &Seen,
    problems: &mut Vec<Problem>,
) -> Vec<FileFinding> {
    if rules.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (index, root) in roots.iter().enumerate() {
        let Ok(abs_root) = root.canonicalize() else { continue }; // reported by the walk
        let start = if abs_root.is_dir() {
            abs_root.clone()
        } else {
            abs_root.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let tree = open_tree(&start, rules, root, problems);
        let matching = |rel: &str| rules.iter().find(|r| r.matches_path(rel)).copied();

        // Candidates: files under the root that git's .gitignore rules do not prune,
        // plus files the index tracks (tracked files may sit in ignored directories).
        let mut candidates: BTreeSet<PathBuf> = BTreeSet::new();
        let walk_saw_all =
            seen.unfiltered || !(seen.dot_ignore || tree.local_excludes || dot_ignore_above(&abs_root, &tree.base));
        if abs_root.is_dir() && walk_saw_all {
            let walked = seen.files.iter().filter_map(|p| p.strip_prefix(root).ok());
            for file in walked.map(|rel| abs_root.join(rel)) {
                if rel_str(&file, &tree.base).is_some_and(|rel| matching(&rel).is_some()) {
                    candidates.insert(file);
                }
            }
        } else if abs_root.is_dir() {
            let prune: Arc<dyn Fn(&Path) -> bool + Send + Sync> = match &tree.ignores {
                Some(ignores) => {
                    let (ignores, base) = (Arc::clone(ignores), tree.base.clone());
                    Arc::new(move |dir: &Path| {
                        dir.strip_prefix(&base)
                            .is_ok_and(|rel| ignores.verdict(rel, true).is_ignored())
                    })
                }
                None => Arc::new(|_: &Path| false),
            };
            for file in list_files(&abs_root, prune) {
                if rel_str(&file, &tree.base).is_some_and(|rel| matching(&rel).is_some()) {
                    candidates.insert(file);
                }
            }
        }
        if abs_root.is_dir() {
            for rel in &tree.tracked {
                let file = tree.base.join(rel);
                if file.starts_with(&abs_root) && file.is_file() {
                    candidates.insert(file);
                }
            }
        } else if rel_str(&abs_root, &tree.base).is_some_and(|rel| matching(&rel).is_some()) {
            candidates.insert(abs_root.clone());
        }

        for file in candidates {
            let Some(rel) = rel_str(&file, &tree.base) else {
                continue;
            };
            let Some(rule) = matching(&rel) else { continue };
            // The file's identity, as the walk names it: `rel` in git, the path from
            // the root outside it.
            let identity = match file.strip_prefix(&abs_root) {
                _ if file == abs_root => display.identity(root),
                Ok(under) => display.identity(&root.join(under)),
                Err(_) => rel.clone(),
            };
            let place = (u16::try_from(index).unwrap_or(u16::MAX), identity.as_str());
            if let Some(found) = judge(rule, &tree, &rel, place, |p| show(p, &abs_root, root, display)) {
                out.push(found);
            }
        }
        if let Some(ignores) = &tree.ignores {
            for (file, message) in ignores.problems() {
                problems.push(Problem {
                    path: show(&tree.base.join(file), &abs_root, root, display),
                    message,
                    kind: crate::model::ProblemKind::Warning,
                });
            }
        }
    }
    out
}

fn open_tree(start: &Path, rules: &[&Rule], root: &Path, problems: &mut Vec<Problem>) -> Tree {
    let outside = |base: &Path| Tree {
        base: base.to_path_buf(),
        ignores: None,
        tracked: BTreeSet::new(),
        local_excludes: false,
    };
    match Repo::discover(start) {
        Discovery::Found(repo) => {
            let tracked = match repo.tracked(|p| rules.iter().any(|r| r.matches_path(p))) {
                Ok(paths) => paths.into_iter().collect(),
                Err(message) => {
                    problems.push(Problem {
                        path: root.display().to_string(),
                        message: format!("{message}; tracked files cannot be told apart"),
                        kind: crate::model::ProblemKind::Warning,
                    });
                    BTreeSet::new()
                }
            };
            Tree {
                ignores: Some(Arc::new(GitIgnores::new(&repo.workdir))),
                local_excludes: repo.has_local_excludes(),
                base: repo.workdir,
                tracked,
            }
        }
        Discovery::None => outside(start),
        Discovery::Broken(message) => {
            problems.push(Problem {
                path: root.display().to_string(),
                message: format!("cannot open the git repository ({message}); judging files as outside git"),
                kind: crate::model::ProblemKind::Warning,
            });
            outside(start)
        }
    }
}

/// A file-rule path that a commit added to history: a finding even if a later commit
/// removed it, because every clone still has it.
pub fn committed(rule: &Rule, path: &str, commit: &crate::model::CommitInfo) -> Finding {
    let short = &commit.id[..commit.id.len().min(12)];
    let mut properties = crate::model::Properties::new();
    properties.insert("commit".to_string(), commit.id.clone());
    let message = format!("{path} was committed to git history in {short}");
    let remediation = format!(
        "Rotate every key in {path} as it was in {short}: removing the file or ignoring it later \
         does not remove it from history, and every clone keeps a copy. Then add it to .gitignore \
         and keep secrets in environment variables or a secrets manager."
    );
    Finding::new(detect::file_level(rule, properties, message, remediation), path)
}

/// What to do besides ignoring the file: for `.env` files (rules tagged `dotenv`),
/// commit a template instead; for any other file rule, what the rule itself says
/// (a CLI credentials file holds a token to revoke).
fn keep_out_advice(rule: &Rule) -> String {
    if rule.spec.tags.iter().any(|t| t == "dotenv") {
        "Keep secrets in environment variables or a secrets manager; commit a template such as \
         .env.example without values instead."
            .into()
    } else {
        rule.spec.remediation.clone()
    }
}

/// A file-rule path in the index, about to be committed (or committed again).
pub fn staged(rule: &Rule, path: &str) -> Finding {
    let message = format!("{path} is staged: committing it puts its secrets in git history");
    let remediation = format!(
        "Unstage it with `git rm --cached {}` (the file stays on disk) and add `/{}` to \
         .gitignore. {}",
        shell_quote(&top_pathspec(path)),
        gitignore_literal(path).unwrap_or_else(|| path.to_string()),
        keep_out_advice(rule)
    );
    Finding::new(
        detect::file_level(rule, crate::model::Properties::new(), message, remediation),
        path,
    )
}

/// Whether a `.ignore` file sits in a directory above the root, up to the work tree
/// root: the walk reads those too.
fn dot_ignore_above(abs_root: &Path, base: &Path) -> bool {
    let mut dir = abs_root.parent();
    while let Some(d) = dir {
        if !d.starts_with(base) {
            break;
        }
        if d.join(".ignore").exists() {
            return true;
        }
        dir = d.parent();
    }
    false
}

/// The finding for one candidate, or `None` when git keeps it out. `place` is the
/// root it was reached from and its identity. The message and the advice name files
/// by their repository path, as history and staged findings do, so a finding reads
/// the same whatever directory the scan started from; `show` names the `.gitignore`
/// that `--fix-gitignore` reports writing.
fn judge(
    rule: &Rule,
    tree: &Tree,
    rel: &str,
    place: (u16, &str),
    show: impl Fn(&Path) -> String,
) -> Option<FileFinding> {
    let rel_path = Path::new(rel);
    let verdict = match &tree.ignores {
        Some(ignores) => ignores.verdict(rel_path, false),
        None => Verdict::NotIgnored,
    };
    let tracked = tree.tracked.contains(rel);
    if verdict.is_ignored() && !tracked {
        return None;
    }
    let fix = (!verdict.is_ignored())
        .then(|| proposed_fix(tree, rel_path, &show))
        .flatten();
    let mut properties = crate::model::Properties::new();
    properties.insert("tracked".to_string(), tracked.to_string());
    if let Some(fix) = &fix {
        properties.insert("gitignore".to_string(), fix.named.clone());
        properties.insert("ignore_line".to_string(), fix.line.clone());
    }
    let why = match (&verdict, &tree.ignores) {
        (_, None) => "it is not in a git repository, so no ignore rule protects it".to_string(),
        (Verdict::NotIgnored, _) => "no .gitignore rule covers it".to_string(),
        (Verdict::Reincluded { file, pattern }, _) => {
            format!("`{pattern}` in {} re-includes it", slashed(file))
        }
        (Verdict::Ignored { .. }, _) => "it is ignored, but ignore rules do not apply to tracked files".to_string(),
    };
    let named = place.1;
    let message = if tracked {
        format!("{named} is tracked by git ({why}): every clone has the secrets in it")
    } else {
        format!("{named} is not ignored by git ({why}): `git add .` would commit it")
    };
    let add_line = fix
        .as_ref()
        .map(|f| {
            format!(
                "Add the line `{}` to {} (`wayscan scan --fix-gitignore` does it). ",
                f.line, f.named
            )
        })
        .unwrap_or_default();
    let remediation = if tracked {
        format!(
            "Run `git rm --cached {}` to stop tracking it. {add_line}Then rotate every key in it: \
             removing the file does not remove it from git history, and every clone keeps a copy.",
            shell_quote(&top_pathspec(rel))
        )
    } else {
        format!("{add_line}{}", keep_out_advice(rule))
    };
    Some(FileFinding {
        finding: Finding::new(detect::file_level(rule, properties, message, remediation), place.1).from_root(place.0),
        fix,
        tracked,
    })
}

/// The line that makes git ignore `rel`: anchored in the work tree's root
/// `.gitignore`, unless a deeper negation would override it; then anchored in the
/// file's own directory, where nothing deeper can. Each proposal is proved by
/// re-running the ignore decision with the line added.
fn proposed_fix(tree: &Tree, rel: &Path, show: &impl Fn(&Path) -> String) -> Option<GitignoreFix> {
    let to_fix = |dir: &Path, line: String| GitignoreFix {
        gitignore: tree.base.join(dir).join(".gitignore"),
        named: slashed(&dir.join(".gitignore")),
        shown: show(&tree.base.join(dir).join(".gitignore")),
        line,
    };
    let root_line = format!("/{}", gitignore_literal(&slashed(rel))?);
    let works = |dir: &Path, line: &str| {
        tree.ignores
            .as_ref()
            .is_none_or(|g| g.verdict_with(rel, false, Some((dir, line))).is_ignored())
    };
    if works(Path::new(""), &root_line) {
        return Some(to_fix(Path::new(""), root_line));
    }
    let dir = rel.parent().unwrap_or(Path::new(""));
    let name = rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Some(to_fix(dir, format!("/{}", gitignore_literal(&name)?)))
}

/// `path` as a `.gitignore` pattern that matches only itself: wildcards, brackets,
/// backslashes and trailing spaces escaped. `None` for a name holding a control
/// character (a newline would write a second line): no line is proposed for it.
fn gitignore_literal(path: &str) -> Option<String> {
    if path.chars().any(char::is_control) {
        return None;
    }
    let kept = path.trim_end_matches(' ');
    let mut out = String::with_capacity(path.len() + 2);
    for c in kept.chars() {
        if matches!(c, '\\' | '*' | '?' | '[') {
            out.push('\\');
        }
        out.push(c);
    }
    for _ in kept.len()..path.len() {
        out.push_str("\\ ");
    }
    Some(out)
}

/// A git pathspec naming the repository path `rel` from the top of the work tree,
/// so the advice works from whatever directory inside it the user runs it: `:/rel`,
/// or `:(top,literal)rel` when the name holds a character git would read as a
/// wildcard (which could unstage other files too).
fn top_pathspec(rel: &str) -> String {
    if rel.contains(['*', '?', '[', '\\']) {
        format!(":(top,literal){rel}")
    } else {
        format!(":/{rel}")
    }
}

/// `text` as one word for a POSIX shell: as it is when it holds only characters no
/// shell treats specially, else in single quotes. A suggested command must not run
/// what a file's name says (`.env.local;touch PWNED`).
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `path` relative to `base`, `/`-separated; `None` outside it.
fn rel_str(path: &Path, base: &Path) -> Option<String> {
    path.strip_prefix(base).ok().map(slashed)
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// How reports name an absolute path: like the walk names files, relative to the
/// root as the user gave it; absolute when outside the root.
fn show(abs: &Path, abs_root: &Path, root: &Path, display: &DisplayPaths) -> String {
    let root_dir = if abs_root.is_dir() {
        (abs_root, root)
    } else {
        (abs_root.parent().unwrap_or(abs_root), root.parent().unwrap_or(root))
    };
    match abs.strip_prefix(root_dir.0) {
        Ok(rel) if abs_root.is_dir() => display.show(&root_dir.1.join(rel)),
        Ok(_) if abs == abs_root => display.show(root),
        Ok(rel) => slashed(&root_dir.1.join(rel)),
        Err(_) => abs.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: if std::env::var_os("PROPTEST_CASES").is_some() { proptest::prelude::ProptestConfig::default().cases } else { 128 },
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The line `--fix-gitignore` writes for any file name ignores that file, as
        /// git's rules (the `ignore` crate) read it, and no other name.
        #[test]
        fn a_gitignore_literal_matches_its_name_and_no_other(
            name in "[ -~]{0,12}[^/\\p{Cc}]",
            other in "[ -~]{1,12}",
        ) {
            proptest::prop_assume!(!name.contains('/') && name != "." && name != "..");
            let dir = tempfile::tempdir().unwrap();
            let ignores = crate::git::gitignore::GitIgnores::new(dir.path());
            let line = format!("/{}", gitignore_literal(&name).unwrap());
            let verdict = |n: &str| ignores.verdict_with(Path::new(n), false, Some((Path::new(""), &line)));
            proptest::prop_assert!(verdict(&name).is_ignored(), "{line:?} does not ignore {name:?}");
            proptest::prop_assume!(other != name && !other.contains('/') && other.trim_end() != name.trim_end());
            proptest::prop_assert!(!verdict(&other).is_ignored(), "{line:?} also ignores {other:?}");
        }
    }

    #[test]
    fn names_are_written_as_literals_for_gitignore_and_the_shell() {
        assert_eq!(gitignore_literal(".env").unwrap(), ".env");
        assert_eq!(gitignore_literal("a/.env*[1]?").unwrap(), "a/.env\\*\\[1]\\?");
        assert_eq!(gitignore_literal("back\\slash.env").unwrap(), "back\\\\slash.env");
        assert_eq!(gitignore_literal(".env  ").unwrap(), ".env\\ \\ ");
        assert_eq!(gitignore_literal(".env\n/etc/passwd"), None);
        assert_eq!(shell_quote("config/.env"), "config/.env");
        assert_eq!(shell_quote(".env.local;touch PWNED"), "'.env.local;touch PWNED'");
        assert_eq!(shell_quote("it's.env"), "'it'\\''s.env'");
        assert_eq!(shell_quote("$(id).env"), "'$(id).env'");
        assert_eq!(top_pathspec("config/.env"), ":/config/.env");
        assert_eq!(top_pathspec("app/.env.[prod]"), ":(top,literal)app/.env.[prod]");
        assert_eq!(shell_quote(&top_pathspec("config/.env")), ":/config/.env");
    }
}
