//! Git's ignore decision from the `.gitignore` files committed to a repository, and
//! nothing else: `.git/info/exclude` and `core.excludesFile` are left out on purpose,
//! because a rule that lives on one machine protects nobody else's clone.
//!
//! Git's semantics, as `git check-ignore` applies them: the `.gitignore` of a
//! directory applies below it; the deepest file with a matching pattern decides, and
//! within a file the last matching line; a directory that is excluded hides
//! everything under it, and no negation inside can bring a file back.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Why a path is ignored or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// No pattern matches it.
    NotIgnored,
    /// A negation (`!pattern`) re-includes it.
    Reincluded { file: PathBuf, pattern: String },
    /// A pattern excludes it, or one of its directories.
    Ignored { file: PathBuf, pattern: String },
}

impl Verdict {
    pub fn is_ignored(&self) -> bool {
        matches!(self, Verdict::Ignored { .. })
    }
}

/// The `.gitignore` files of one work tree, read as they are needed.
pub struct GitIgnores {
    root: PathBuf,
    /// Directory (relative to the root) -> its parsed `.gitignore`, if it has one.
    loaded: Mutex<HashMap<PathBuf, Option<Arc<Gitignore>>>>,
    /// Problems reading or parsing `.gitignore` files, for the scan's warnings.
    problems: Mutex<Vec<(PathBuf, String)>>,
}

impl GitIgnores {
    pub fn new(root: &Path) -> GitIgnores {
        GitIgnores {
            root: root.to_path_buf(),
            loaded: Mutex::new(HashMap::new()),
            problems: Mutex::new(Vec::new()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Problems met so far: (path of the `.gitignore`, message).
    pub fn problems(&self) -> Vec<(PathBuf, String)> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The decision for `rel` (relative to the root, `/`-separated components).
    pub fn verdict(&self, rel: &Path, is_dir: bool) -> Verdict {
        self.verdict_with(rel, is_dir, None)
    }

    /// The decision if `extra` = (directory relative to the root, line) were appended
    /// to that directory's `.gitignore`: how `--fix-gitignore` proves its fix.
    pub fn verdict_with(&self, rel: &Path, is_dir: bool, extra: Option<(&Path, &str)>) -> Verdict {
        let components: Vec<_> = rel.components().collect();
        for depth in 1..=components.len() {
            let prefix: PathBuf = components[..depth].iter().collect();
            let last = depth == components.len();
            let verdict = self.decide(&prefix, if last { is_dir } else { true }, extra);
            if last || verdict.is_ignored() {
                return verdict;
            }
        }
        Verdict::NotIgnored
    }

    /// The deepest `.gitignore` with a matching pattern decides for `rel` itself.
    fn decide(&self, rel: &Path, is_dir: bool, extra: Option<(&Path, &str)>) -> Verdict {
        let abs = self.root.join(rel);
        let mut dir = rel.parent();
        while let Some(d) = dir {
            let extra_line = extra.filter(|(extra_dir, _)| *extra_dir == d).map(|(_, line)| line);
            if let Some(gitignore) = self.load(d, extra_line) {
                match gitignore.matched(&abs, is_dir) {
                    Match::None => {}
                    Match::Ignore(glob) => {
                        return Verdict::Ignored {
                            file: d.join(".gitignore"),
                            pattern: glob.original().to_string(),
                        }
                    }
                    Match::Whitelist(glob) => {
                        return Verdict::Reincluded {
                            file: d.join(".gitignore"),
                            pattern: glob.original().to_string(),
                        }
                    }
                }
            }
            dir = d.parent();
        }
        Verdict::NotIgnored
    }

    /// The `.gitignore` of directory `dir`, with `extra` appended when given.
    fn load(&self, dir: &Path, extra: Option<&str>) -> Option<Arc<Gitignore>> {
        if extra.is_none() {
            if let Some(cached) = self.loaded.lock().ok()?.get(dir) {
                return cached.clone();
            }
        }
        let abs_dir = self.root.join(dir);
        let file = abs_dir.join(".gitignore");
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                self.problem(&file, format!("cannot read: {e}"));
                None
            }
        };
        let built = if text.is_none() && extra.is_none() {
            None
        } else {
            let mut builder = GitignoreBuilder::new(&abs_dir);
            for line in text.iter().flat_map(|t| t.lines()).chain(extra) {
                if let Err(e) = builder.add_line(Some(file.clone()), &braces_literal(line)) {
                    self.problem(&file, format!("pattern {line:?} is not valid: {e}"));
                }
            }
            match builder.build() {
                Ok(gitignore) => Some(Arc::new(gitignore)),
                Err(e) => {
                    self.problem(&file, e.to_string());
                    None
                }
            }
        };
        if extra.is_none() {
            if let Ok(mut loaded) = self.loaded.lock() {
                loaded.insert(dir.to_path_buf(), built.clone());
            }
        }
        built
    }

    fn problem(&self, file: &Path, message: String) {
        if let Ok(mut problems) = self.problems.lock() {
            if !problems.iter().any(|(f, m)| f == file && *m == message) {
                problems.push((file.to_path_buf(), message));
            }
        }
    }
}

/// `line` with its braces escaped. Git's patterns have no `{a,b}` alternation (a brace
/// is a plain character), the `ignore` crate's globs do: `.env.{local,prod}` would
/// hide `.env.local` from the `.env` rule while git tracks it. Found by the property
/// test in `exposure`.
fn braces_literal(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains(['{', '}']) {
        return std::borrow::Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 4);
    let mut escaped = false;
    for c in line.chars() {
        if !escaped && matches!(c, '{' | '}') {
            out.push('\\');
        }
        escaped = !escaped && c == '\\';
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    fn ignored(g: &GitIgnores, path: &str) -> bool {
        g.verdict(Path::new(path), false).is_ignored()
    }

    #[test]
    fn anchored_patterns_cover_only_their_directory() {
        let t = tree(&[(".gitignore", "/.env\n")]);
        let g = GitIgnores::new(t.path());
        assert!(ignored(&g, ".env"));
        assert!(!ignored(&g, "sub/.env"));
    }

    #[test]
    fn deeper_negation_wins_but_not_under_an_excluded_directory() {
        let t = tree(&[
            (".gitignore", ".env\nconfig/\n"),
            ("app/.gitignore", "!.env\n"),
            ("config/.gitignore", "!.env\n"),
        ]);
        let g = GitIgnores::new(t.path());
        assert!(ignored(&g, ".env"));
        assert_eq!(
            g.verdict(Path::new("app/.env"), false),
            Verdict::Reincluded {
                file: PathBuf::from("app/.gitignore"),
                pattern: "!.env".into()
            }
        );
        assert!(ignored(&g, "config/.env"), "an excluded directory cannot be re-entered");
    }

    #[test]
    fn a_simulated_line_is_applied_without_touching_the_file() {
        let t = tree(&[(".gitignore", "node_modules/\n")]);
        let g = GitIgnores::new(t.path());
        assert!(!ignored(&g, "a/.env"));
        let with = g.verdict_with(Path::new("a/.env"), false, Some((Path::new(""), "/a/.env")));
        assert!(with.is_ignored());
        assert!(!ignored(&g, "a/.env"), "the cache kept the simulated line");
    }
}
