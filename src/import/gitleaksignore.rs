//! `.gitleaksignore`: one gitleaks fingerprint per line, `commit:file:rule:line` for
//! findings of a git scan and `file:rule:line` for those of a directory scan; `#`
//! starts a comment.

/// The file gitleaks reads by default, at the repository root.
pub const FILE: &str = ".gitleaksignore";

/// One accepted gitleaks finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The line as written, for messages and the baseline's reason.
    pub text: String,
    pub commit: Option<String>,
    pub path: String,
    pub rule_id: String,
    /// 1-based.
    pub line: usize,
}

/// The entries of `text`, and the lines that are not fingerprints (line number, why).
pub fn parse(text: &str) -> (Vec<Entry>, Vec<(usize, String)>) {
    let mut entries = Vec::new();
    let mut bad = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_entry(line) {
            Some(entry) => entries.push(entry),
            None => bad.push((
                n + 1,
                format!("{line:?} is not commit:file:rule:line or file:rule:line"),
            )),
        }
    }
    (entries, bad)
}

fn parse_entry(text: &str) -> Option<Entry> {
    // From the right: a path may hold `:`, a rule id and a line number do not.
    let mut parts = text.rsplitn(3, ':');
    let line: usize = parts.next()?.parse().ok().filter(|l| *l > 0)?;
    let rule_id = parts.next().filter(|r| !r.is_empty())?.to_string();
    let rest = parts.next().filter(|r| !r.is_empty())?;
    let (commit, path) = match rest.split_once(':') {
        Some((commit, path)) if crate::model::is_full_object_id(commit) => (Some(commit.to_ascii_lowercase()), path),
        _ => (None, rest),
    };
    (!path.is_empty()).then(|| Entry {
        text: text.to_string(),
        commit,
        path: path.to_string(),
        rule_id,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_and_directory_fingerprints_parse_and_bad_lines_are_named() {
        let commit = "7f420caa5fb8bc8b15716fb67c10ae53dd4b75e1";
        let text = format!(
            "# accepted\n\n{commit}:src/a.txt:pw:2\nweird:name.txt:generic-api-key:14\nnot a fingerprint\nx:r:0\n"
        );
        let (entries, bad) = parse(&text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].commit.as_deref(), Some(commit));
        assert_eq!(
            (entries[0].path.as_str(), entries[0].rule_id.as_str(), entries[0].line),
            ("src/a.txt", "pw", 2)
        );
        assert_eq!(entries[1].commit, None);
        assert_eq!(entries[1].path, "weird:name.txt");
        assert_eq!(bad.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [5, 6]);
    }
}
