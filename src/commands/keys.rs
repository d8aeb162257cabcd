//! `wayscan revoke` and `wayscan check-key`: acting on keys, at the terminal.

use super::error;
use crate::engine::rules::RuleSet;
use crate::exit::Exit;
use std::io;

/// `wayscan revoke`: list, confirm, revoke, audit.
pub(super) fn run_revoke(args: &crate::cli::RevokeArgs) -> Exit {
    use crate::verify::revoke::{self, Outcome, Target};
    let fail = |message: String| {
        error(message);
        Exit::Error
    };
    let rules = match crate::settings::load_rules(&args.rules) {
        Ok(rules) => rules,
        Err(e) => return fail(e.to_string()),
    };
    let api = match crate::verify::api_base(args.api_url.as_deref()) {
        Ok(api) => api,
        Err(e) => return fail(e.to_string()),
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
    // Each target is revoked as its own rule says (service keys, PATs and account
    // keys each have one); keys given by hand as a service key's.
    let mut specs = Vec::with_capacity(targets.len());
    for t in &targets {
        match revoke::spec(&rules, &t.rule_id) {
            Some(spec) => specs.push(spec),
            None => return fail(format!("rule {} has no revocation section", t.rule_id)),
        }
    }
    let spec = specs[0];
    if let Some(other) = specs.iter().find(|s| s.token_env != spec.token_env) {
        return fail(format!(
            "the keys to revoke need two management tokens ({} and {}): revoke them in two runs",
            spec.token_env, other.token_env
        ));
    }
    let audit_log = args.audit_log.clone().or_else(revoke::default_audit_log);
    let audit = |t: &Target, outcome: &Outcome, status: Option<u16>| {
        if let Some(log) = &audit_log {
            if let Err(message) = revoke::audit(log, t, outcome, status) {
                eprintln!(
                    "wayscan: warning: {}",
                    crate::model::clean_message(&message.to_string())
                );
            }
        }
    };
    super::say_proxy(&api);
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
    let interval = std::time::Duration::from_secs(1) / args.rate.max(1);
    let mut next = std::time::Instant::now();
    for (t, spec) in targets.iter().zip(&specs) {
        // One request per interval at most; Ctrl-C stops between requests.
        std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
        if crate::interrupt::requested() {
            eprintln!("wayscan: interrupted: the other keys were not revoked");
            all_done = false;
            break;
        }
        next = std::time::Instant::now() + interval;
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
pub(super) fn run_check_key(args: &crate::cli::CheckKeyArgs) -> Exit {
    use crate::verify::checkkey;
    use std::io::Read;
    if !args.stray.is_empty() {
        error(format_args!(
            "check-key takes the key on standard input or in WAYSCLOUD_API_KEY / WAYSCLOUD_TOKEN, \
             never as an argument ({} argument(s) not shown: a key there stays in shell history \
             and process lists; if it was a real key, consider it exposed on this machine)",
            args.stray.len()
        ));
        return Exit::Error;
    }
    // The variables the SDK and CLI read: an API key, else a token.
    let from_env = ["WAYSCLOUD_API_KEY", "WAYSCLOUD_TOKEN"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|k| !k.is_empty()));
    let input = match from_env {
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
        error("no key: pipe it in (wayscan check-key < file) or set WAYSCLOUD_API_KEY or WAYSCLOUD_TOKEN");
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
        let rules = match RuleSet::builtin() {
            Ok(rules) => rules,
            Err(e) => {
                error(e);
                return Exit::Error;
            }
        };
        let Some(spec) = rules.get(diagnosis.rule).and_then(|r| r.spec.verify.as_ref()) else {
            error(format_args!("the {} rule has no verify section", diagnosis.rule));
            return Exit::Error;
        };
        let request = match crate::verify::request(&api, spec, key, service.clone()) {
            Ok(request) => request,
            Err(e) => {
                error(e);
                return Exit::Error;
            }
        };
        super::say_proxy(&api);
        let answer = crate::verify::check(&crate::verify::agent(&api, limits.timeout), &request, &limits, &|| {});
        println!(
            "  {} {}: {}",
            if answer.status == crate::model::Status::Live {
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
        fine &= answer.status == crate::model::Status::Live;
    }
    if fine {
        Exit::Clean
    } else {
        Exit::Findings(1)
    }
}
