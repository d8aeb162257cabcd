//! The text report: findings grouped by file, each with what to do about it. Every
//! string that came from the scanned tree is cleaned of control characters first, so
//! a hostile file name cannot rewrite the terminal.

use super::Report;
pub use crate::model::clean;
use crate::model::Finding;
use crate::model::Status;
use crate::model::{Outcome, Suppression};
use std::borrow::Cow;
use std::io::{self, Write};

struct Style {
    on: bool,
}

impl Style {
    fn paint<'a>(&self, code: &str, text: &'a str) -> Cow<'a, str> {
        if self.on {
            Cow::Owned(format!("\x1b[{code}m{text}\x1b[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }
}

pub fn write(report: &Report<'_>, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let style = Style { on: color };
    let findings = &report.outcome.findings;
    // Live keys first, before anything else: they are the ones to revoke now.
    let live: Vec<&Finding> = findings
        .iter()
        .filter(|f| report.verifications.is_live(&f.fingerprint))
        .collect();
    if !live.is_empty() {
        writeln!(
            out,
            "{}",
            style.paint(
                "1;41;97",
                &match live.len() {
                    1 => " 1 KEY IS LIVE: revoke it now ".to_string(),
                    n => format!(" {n} KEYS ARE LIVE: revoke them now "),
                }
            )
        )?;
        for f in &live {
            let key_id = f.properties.get("key_id").map_or("", String::as_str);
            writeln!(
                out,
                "  {}:{}  key id {}  {}",
                clean(&report.path(f)),
                f.start.line,
                clean(key_id),
                f.shown_secret(report.show_secrets)
                    .map(|s| clean(&s).into_owned())
                    .unwrap_or_default()
            )?;
        }
        writeln!(out)?;
    }
    // One entry per leak, under the file of its first place; the other places of
    // the same secret are listed in it.
    let leaks = super::leaks(findings);
    let mut current: Option<std::borrow::Cow<'_, str>> = None;
    for leak in &leaks {
        let f = &findings[leak.places[0]];
        let path = report.path(f);
        if current.as_ref() != Some(&path) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", style.paint("1;4", &clean(&path)))?;
            current = Some(path);
        }
        write_finding(
            f,
            report.verifications.get(&f.fingerprint),
            report.show_secrets,
            &style,
            out,
        )?;
        write_other_places(report, &leak.places[1..], findings, &style, out)?;
    }
    if !findings.is_empty() {
        let files = {
            let mut paths: Vec<(u16, &str)> = findings.iter().map(|f| (f.root, f.repo_path.as_str())).collect();
            paths.sort_unstable();
            paths.dedup();
            paths.len()
        };
        writeln!(out)?;
        let distinct = if leaks.len() < findings.len() {
            format!(" ({} distinct)", leaks.len())
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}{} in {} {}.",
            plural(findings.len(), "finding"),
            distinct,
            files,
            if files == 1 { "file" } else { "files" }
        )?;
    }
    if report.show_suppressed {
        write_suppressed(report, &style, out)?;
    }
    Ok(())
}

/// `--show-suppressed`: one line per finding not reported, with what kept it out.
fn write_suppressed(report: &Report<'_>, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let suppressed = &report.outcome.suppressed;
    if suppressed.is_empty() {
        return Ok(());
    }
    if !report.outcome.findings.is_empty() {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{}",
        style.paint("1", &format!("Not reported ({}):", suppressed.len()))
    )?;
    for s in suppressed {
        let f = &s.finding;
        let why = match s.by {
            Suppression::Inline => "inline marker",
            Suppression::Configuration => "configuration",
            Suppression::Baseline => "baseline",
        };
        let commit = commit_suffix(f);
        writeln!(
            out,
            "  {}:{}:{}  {}  {}  {}  {}{}",
            clean(&report.path(f)),
            f.start.line,
            f.start.column,
            style.paint("35", &f.rule_id),
            style.paint("2", why),
            f.shown_secret(report.show_secrets)
                .map(|s| clean(&s).into_owned())
                .unwrap_or_default(),
            f.fingerprint,
            commit
        )?;
    }
    Ok(())
}

fn write_finding(
    f: &Finding,
    verification: Option<&crate::model::Verification>,
    show_secrets: bool,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    let severity = f.severity.as_str();
    let severity_code = match f.severity {
        crate::engine::rules::Severity::Critical | crate::engine::rules::Severity::High => "1;31",
        crate::engine::rules::Severity::Medium => "33",
        crate::engine::rules::Severity::Low => "36",
    };
    writeln!(
        out,
        "  {}:{}  {}  {}  {}",
        f.start.line,
        f.start.column,
        style.paint(severity_code, severity),
        style.paint("35", &f.rule_id),
        clean(&f.message())
    )?;
    let encoding = crate::model::encoding_chain(&f.encoding)
        .map(|chain| format!("  ({chain}-encoded in the file)"))
        .unwrap_or_default();
    if let Some(secret) = f.shown_secret(show_secrets) {
        writeln!(
            out,
            "      {}  {}{}",
            style.paint("2", "secret     "),
            clean(&secret),
            encoding
        )?;
    }
    if let Some(c) = &f.commit {
        let unreachable = if f.properties.get("reachable").is_some_and(|r| r == "no") {
            "  (no branch or tag holds it)"
        } else {
            ""
        };
        writeln!(
            out,
            "      {}  {} {} <{}> {}{}",
            style.paint("2", "commit     "),
            &c.id[..c.id.len().min(12)],
            clean(&c.author_name),
            clean(&c.author_email),
            c.date,
            unreachable
        )?;
    }
    if let Some(v) = verification {
        let (code, word) = match v.status {
            Status::Live => ("1;31", "LIVE"),
            Status::Revoked => ("32", "revoked"),
            Status::Unknown => ("33", "unknown"),
        };
        writeln!(
            out,
            "      {}  {}: {}{}",
            style.paint("2", "verified   "),
            style.paint(code, word),
            clean(&v.detail),
            if v.cached { " (cached)" } else { "" }
        )?;
    }
    writeln!(out, "      {}  {}", style.paint("2", "fingerprint"), f.fingerprint)?;
    writeln!(
        out,
        "      {}  {}",
        style.paint("2", "what to do "),
        clean(&f.remediation())
    )?;
    Ok(())
}

/// `  commit <12 digits>` for a finding from history; empty otherwise.
fn commit_suffix(f: &Finding) -> String {
    f.commit
        .as_ref()
        .map(|c| format!("  commit {}", &c.id[..c.id.len().min(12)]))
        .unwrap_or_default()
}

/// The other places of a leak's secret, one line each.
fn write_other_places(
    report: &Report<'_>,
    places: &[usize],
    findings: &[Finding],
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "      {}  the same secret at {} more {}:",
        style.paint("2", "also at    "),
        places.len(),
        if places.len() == 1 { "place" } else { "places" }
    )?;
    for &index in places {
        let f = &findings[index];
        let commit = commit_suffix(f);
        writeln!(
            out,
            "                     {}:{}:{}{}  {}",
            clean(&report.path(f)),
            f.start.line,
            f.start.column,
            commit,
            style.paint("2", &f.fingerprint)
        )?;
    }
    Ok(())
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The one-line summary for standard error.
pub fn summary_line(outcome: &Outcome) -> String {
    let s = &outcome.stats;
    let skipped_total: u64 = s.skipped.values().sum();
    let mut line = format!(
        "wayscan: {} ({:.1} MB) scanned in {:.2}s",
        plural(s.files as usize, s.unit.as_str()),
        s.bytes as f64 / 1e6,
        s.elapsed.as_secs_f64()
    );
    if skipped_total > 0 {
        let reasons: Vec<String> = s.skipped.iter().map(|(r, n)| format!("{r} {n}")).collect();
        line.push_str(&format!("; skipped {skipped_total} ({})", reasons.join(", ")));
    } else {
        line.push_str("; skipped 0");
    }
    if !outcome.problems.is_empty() {
        line.push_str(&format!("; {}", plural(outcome.problems.len(), "error")));
    }
    let inline = outcome.suppressed_by(Suppression::Inline);
    if inline > 0 {
        line.push_str(&format!("; {inline} suppressed inline"));
    }
    let configured = outcome.suppressed_by(Suppression::Configuration);
    if configured > 0 {
        line.push_str(&format!("; {configured} excluded or allowlisted by the configuration"));
    }
    let baselined = outcome.suppressed_by(Suppression::Baseline);
    if baselined > 0 {
        line.push_str(&format!("; {baselined} in the baseline"));
    }
    line.push_str(&format!("; {}", plural(outcome.findings.len(), "finding")));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_are_made_visible() {
        assert_eq!(clean("plain/path.rs"), "plain/path.rs");
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\u{202E}y\n"), "x\\u{202e}y\\u{a}");
    }
}
