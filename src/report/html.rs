//! The audit's HTML report: one self-contained file (inline CSS and SVG, no script,
//! nothing fetched when it is opened), read top-down: totals, what to revoke first,
//! charts by rule, service, repository and year, every key once with all its places,
//! then each repository. Built from the index alone, so a merge draws the same page.

use crate::audit::{Index, KeyGroup};
use std::collections::BTreeMap;
use std::io::{self, Write};

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1f2328; background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 22px; }
header p { margin: 4px 0 0; color: #c9d1d9; }
main { padding: 20px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 16px; min-width: 130px; background: #fff; }
.tile b { display: block; font-size: 26px; }
.tile.alert b { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 18px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
.live { color: #fff; background: #cf222e; border-radius: 10px; padding: 1px 8px; font-weight: 600; }
.revoked { color: #fff; background: #1a7f37; border-radius: 10px; padding: 1px 8px; }
.unknown { color: #1f2328; background: #d4a72c; border-radius: 10px; padding: 1px 8px; }
.not-verified { color: #57606a; border: 1px solid #d0d7de; border-radius: 10px; padding: 0 7px; }
.places { margin: 0; padding-left: 18px; }
.fix { color: #57606a; max-width: 420px; }
.error { color: #cf222e; }
details summary { cursor: pointer; font-weight: 600; }
"#;

/// Writes the report of `index`.
pub fn write(index: &Index, out: &mut dyn Write) -> io::Result<()> {
    let t = &index.totals;
    let live = index.by_verification.get("live").copied().unwrap_or(0);
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    // Nothing may be loaded from anywhere: the report holds findings.
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(
        out,
        "<title>wayscan audit: {} findings in {} repositories</title>",
        t.findings, t.repositories
    )?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")?;
    writeln!(
        out,
        "<header><h1>wayscan audit</h1><p>{} repositories, {} findings, {} distinct secrets. wayscan {}</p></header>\n<main>",
        t.repositories, t.findings, t.keys, esc(&index.tool.version)
    )?;

    writeln!(out, "<section id=\"totals\"><h2>At a glance</h2><div class=\"tiles\">")?;
    let tile = |out: &mut dyn Write, label: &str, value: u64, alert: bool| {
        writeln!(
            out,
            "<div class=\"tile{}\"><b>{value}</b>{}</div>",
            if alert && value > 0 { " alert" } else { "" },
            esc(label)
        )
    };
    tile(out, "repositories audited", t.audited, false)?;
    tile(out, "could not be audited", t.failed, true)?;
    tile(out, "findings", t.findings, true)?;
    tile(out, "distinct secrets", t.keys, true)?;
    tile(out, "in several repositories", t.shared_keys, true)?;
    tile(out, "live keys", live, true)?;
    tile(out, "files and blobs scanned", t.scanned, false)?;
    tile(out, "skipped (binary, too large)", t.skipped, false)?;
    tile(out, "suppressed inline", t.suppressed, false)?;
    writeln!(out, "</div></section>")?;

    writeln!(
        out,
        "<section id=\"charts\"><h2>Where they are</h2><div class=\"charts\">"
    )?;
    bar_chart(out, "Findings by rule", &index.by_rule, "#8250df")?;
    bar_chart(out, "Findings by WAYSCloud service", &index.by_service, "#0969da")?;
    // Counts are by slug (unique); people read names.
    let names: BTreeMap<&str, &str> = index
        .repositories
        .iter()
        .map(|r| (r.slug.as_str(), r.name.as_str()))
        .collect();
    let top: BTreeMap<String, u64> = top_repositories(&index.by_repository, 15)
        .into_iter()
        .map(|(slug, n)| (names.get(slug.as_str()).map_or(slug.clone(), |n| n.to_string()), n))
        .collect();
    bar_chart(out, "Findings by repository (top 15)", &top, "#bc4c00")?;
    bar_chart(out, "Findings by year introduced", &index.by_year, "#1a7f37")?;
    if index.by_verification.keys().any(|k| k != "not-verified") {
        bar_chart(
            out,
            "Distinct keys by status (--verify)",
            &index.by_verification,
            "#cf222e",
        )?;
    }
    writeln!(out, "</div></section>")?;

    let names: BTreeMap<&str, &str> = index
        .repositories
        .iter()
        .map(|r| (r.id.as_str(), r.name.as_str()))
        .collect();
    write_keys(out, &index.keys, &names)?;
    write_repositories(out, index)?;
    writeln!(out, "</main>\n</body>\n</html>")
}

/// Every distinct secret once, the most widespread first, with its places and fix.
fn write_keys(out: &mut dyn Write, keys: &[KeyGroup], names: &BTreeMap<&str, &str>) -> io::Result<()> {
    writeln!(out, "<section id=\"keys\"><h2>Secrets, each once ({})</h2>", keys.len())?;
    if keys.is_empty() {
        return writeln!(out, "<p>Nothing found.</p></section>");
    }
    writeln!(
        out,
        "<table><thead><tr><th>Secret</th><th>Rule</th><th>Status</th><th>Since</th><th>Places</th><th>What to do</th></tr></thead><tbody>"
    )?;
    for key in keys {
        let status = key.verification.as_deref().unwrap_or("not-verified");
        let what = match (&key.secret.service, &key.secret.key_id) {
            (Some(service), Some(id)) => format!("<br>{} key, id <code>{}</code>", esc(service), esc(id)),
            _ => String::new(),
        };
        writeln!(
            out,
            "<tr><td><code>{}</code>{what}</td><td>{}<br><small>{}</small></td><td><span class=\"{status}\">{status}</span></td><td>{}</td><td><b>{} {}</b><ul class=\"places\">",
            esc(key.secret.redacted.as_deref().unwrap_or("(a file)")),
            esc(&key.secret.rule_id),
            esc(&key.secret.severity),
            esc(&key.first_year),
            key.repositories,
            if key.repositories == 1 { "repository" } else { "repositories" },
        )?;
        for place in &key.places {
            let commit = match (&place.commit, &place.date) {
                (Some(c), Some(d)) => format!(
                    " <small>{} {}</small>",
                    esc(&c[..c.len().min(12)]),
                    esc(d.get(..10).unwrap_or(d))
                ),
                _ => " <small>work tree</small>".into(),
            };
            writeln!(
                out,
                "<li><span title=\"{}\">{}</span>: <code>{}:{}</code>{commit}</li>",
                esc(&place.repository),
                esc(names
                    .get(place.repository.as_str())
                    .copied()
                    .unwrap_or(&place.repository)),
                esc(&place.path),
                place.line
            )?;
        }
        writeln!(
            out,
            "</ul></td><td class=\"fix\">{}</td></tr>",
            esc(&key.secret.remediation)
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

fn write_repositories(out: &mut dyn Write, index: &Index) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"repositories\"><h2>Repositories ({})</h2>",
        index.repositories.len()
    )?;
    writeln!(
        out,
        "<table><thead><tr><th>Repository</th><th>Findings</th><th>Scanned</th><th>Skipped</th><th>Warnings</th><th>Reports</th></tr></thead><tbody>"
    )?;
    for r in &index.repositories {
        let slug = esc(&r.slug);
        let (findings, reports) = match &r.error {
            Some(message) => (
                format!("<span class=\"error\">could not be audited: {}</span>", esc(message)),
                String::new(),
            ),
            None => (
                r.findings.len().to_string(),
                format!("<a href=\"repos/{slug}.sarif\">SARIF</a> <a href=\"repos/{slug}.json\">JSON</a>"),
            ),
        };
        writeln!(
            out,
            "<tr><td><b>{}</b><br><small>{}</small></td><td>{findings}</td><td>{} ({:.1} MB)</td><td>{}</td><td>{}</td><td>{reports}</td></tr>",
            esc(&r.name),
            esc(&r.id),
            r.scanned,
            r.bytes as f64 / 1e6,
            r.skipped,
            r.warnings,
        )?;
    }
    writeln!(out, "</tbody></table></section>")
}

/// The `n` repositories with the most findings (ties by name), findings only.
fn top_repositories(by_repository: &BTreeMap<String, u64>, n: usize) -> BTreeMap<String, u64> {
    let mut sorted: Vec<(&String, &u64)> = by_repository.iter().filter(|(_, c)| **c > 0).collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted.into_iter().take(n).map(|(k, v)| (k.clone(), *v)).collect()
}

/// A horizontal bar chart of `counts`, drawn as inline SVG.
fn bar_chart(out: &mut dyn Write, title: &str, counts: &BTreeMap<String, u64>, color: &str) -> io::Result<()> {
    writeln!(
        out,
        "<figure style=\"margin:0\"><figcaption><b>{}</b></figcaption>",
        esc(title)
    )?;
    if counts.is_empty() {
        return writeln!(out, "<p>None.</p></figure>");
    }
    let mut rows: Vec<(&String, &u64)> = counts.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let max = rows.iter().map(|(_, c)| **c).max().unwrap_or(1).max(1);
    let (label_w, bar_w, row_h) = (150.0, 190.0, 22.0);
    let height = rows.len() as f64 * row_h + 6.0;
    writeln!(
        out,
        "<svg width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        w = label_w + bar_w + 50.0
    )?;
    for (i, (label, count)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 3.0;
        let width = (**count as f64 / max as f64 * bar_w).max(2.0);
        let shown: String = if label.chars().count() > 22 {
            label.chars().take(21).collect::<String>() + "…"
        } else {
            (*label).clone()
        };
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1f2328\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" rx=\"3\" fill=\"{color}\"><title>{}: {count}</title></rect>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#57606a\">{count}</text>",
            label_w - 6.0,
            y + 14.0,
            esc(&shown),
            row_h - 6.0,
            esc(label),
            label_w + width + 5.0,
            y + 14.0,
        )?;
    }
    writeln!(out, "</svg></figure>")
}

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push_str(&format!("&#x{:x};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_repositories_cannot_become_markup() {
        assert_eq!(esc("<script>\"x\"&'y'"), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
        assert_eq!(esc("a\u{1b}b"), "a&#x1b;b");
    }
}
