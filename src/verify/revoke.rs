//! `wayscan revoke`: revokes live keys through the key-management API, from a JSON
//! report (key ids and services, never secrets) or from key ids given by hand.
//!
//! A mutation is never retried blindly: only when the connection failed before the
//! request was sent. Every attempt is appended to an audit log.

use super::{ApiBase, VerifyError};
use crate::engine::rules::{RevokeSpec, RuleSet};
use crate::model::clean;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// A key to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub key_id: String,
    pub service: String,
    pub rule_id: String,
    /// Where it was found (`path:line`), for the listing.
    pub places: Vec<String>,
}

/// What the report held besides live keys, with why each is left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub key_id: String,
    pub why: String,
}

/// A key id goes into a URL path: letters and digits only, as the rule matches them.
pub fn valid_key_id(id: &str) -> bool {
    (4..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The live keys of a JSON report (`wayscan-report/1`) whose rule can revoke, each
/// once; and the keys left alone.
pub fn targets_from_report(text: &str, rules: &RuleSet) -> Result<(Vec<Target>, Vec<Left>), VerifyError> {
    // serde's message quotes the text near the error, which may be a key: say only
    // that it is not JSON.
    let report: serde_json::Value =
        serde_json::from_str(text).map_err(|_| VerifyError::NotAReport("not a JSON report"))?;
    if report["schema"] != "wayscan-report/1" {
        return Err(VerifyError::NotAReport(
            "not a wayscan JSON report (schema wayscan-report/1); write one with --format json",
        ));
    }
    let findings = report["findings"]
        .as_array()
        .ok_or(VerifyError::NotAReport("the report has no findings list"))?;
    let mut targets: BTreeMap<String, Target> = BTreeMap::new();
    let mut left: BTreeMap<String, Left> = BTreeMap::new();
    for f in findings {
        let rule_id = f["rule_id"].as_str().unwrap_or("");
        let revocable = spec(rules, rule_id).is_some();
        let Some(key_id) = f["properties"]["key_id"].as_str() else {
            continue;
        };
        if !revocable {
            continue;
        }
        // Every value taken from the report is cleaned here, once: a report is a file
        // anyone could have written, and these values are printed and logged.
        if !valid_key_id(key_id) {
            left.insert(
                key_id.into(),
                Left {
                    key_id: clean(key_id).into_owned(),
                    why: "not a valid key id".into(),
                },
            );
            continue;
        }
        let place = format!(
            "{}:{}",
            clean(f["path"].as_str().unwrap_or("?")),
            f["line"].as_u64().unwrap_or(0)
        );
        match f["verification"]["status"].as_str() {
            Some("live") => {
                let target = targets.entry(key_id.to_string()).or_insert_with(|| Target {
                    key_id: key_id.to_string(),
                    service: clean(f["properties"]["service"].as_str().unwrap_or("")).into_owned(),
                    rule_id: rule_id.to_string(),
                    places: Vec::new(),
                });
                target.places.push(place);
            }
            status => {
                let why = match status {
                    Some("revoked") => "already revoked or invalid (the API answered 401)",
                    Some("unknown") => "not known to be live (the API gave no answer); check it again with --verify",
                    _ => "not verified; run the scan with --verify first (or revoke it with --key-id)",
                };
                left.entry(key_id.to_string()).or_insert_with(|| Left {
                    key_id: key_id.into(),
                    why: why.into(),
                });
            }
        }
    }
    for id in targets.keys() {
        left.remove(id);
    }
    Ok((targets.into_values().collect(), left.into_values().collect()))
}

/// The revocation spec of `rule_id`.
pub fn spec<'a>(rules: &'a RuleSet, rule_id: &str) -> Option<&'a RevokeSpec> {
    rules.get(rule_id)?.spec.revoke.as_ref()
}

/// What one revocation gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Revoked,
    /// 404: not there (already deleted?).
    NotFound,
    /// 401/403: the token may not do this.
    Refused,
    Failed(String),
    /// No management token: the manual steps were printed instead.
    NotAttempted,
}

impl Outcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Revoked => "revoked",
            Outcome::NotFound => "not-found",
            Outcome::Refused => "refused",
            Outcome::Failed(_) => "failed",
            Outcome::NotAttempted => "not-attempted",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Outcome::Revoked => "revoked".into(),
            Outcome::NotFound => "not found: already deleted, or not a key of this account?".into(),
            Outcome::Refused => "refused: the management token may not revoke keys".into(),
            Outcome::Failed(why) => format!("failed: {why}"),
            Outcome::NotAttempted => "not attempted: no management token".into(),
        }
    }
}

/// Sends one revocation. Retried only when no connection was made, so the request
/// was never sent.
pub fn revoke(
    api: &ApiBase,
    spec: &RevokeSpec,
    key_id: &str,
    token: &str,
    timeout: Duration,
) -> (Outcome, Option<u16>) {
    let url = match api.join(&spec.path.replace("{key_id}", key_id)) {
        Ok(url) => url,
        Err(e) => return (Outcome::Failed(e.to_string()), None),
    };
    let agent = super::agent(api, timeout);
    let method = spec.method.to_ascii_uppercase();
    let mut last = String::new();
    for attempt in 0..3 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        let request = match ureq::http::Request::builder()
            .method(method.as_str())
            .uri(url.as_str())
            .header("Authorization", format!("Bearer {token}"))
            .body(())
        {
            Ok(request) => request,
            Err(e) => return (Outcome::Failed(format!("bad request: {e}")), None),
        };
        match agent.run(request) {
            Ok(response) => {
                let code = response.status().as_u16();
                let outcome = match code {
                    200 | 202 | 204 => Outcome::Revoked,
                    404 => Outcome::NotFound,
                    401 | 403 => Outcome::Refused,
                    _ => Outcome::Failed(format!("the API answered {code}")),
                };
                return (outcome, Some(code));
            }
            Err(e @ (ureq::Error::ConnectionFailed | ureq::Error::HostNotFound)) => last = e.to_string(),
            Err(e) => return (Outcome::Failed(e.to_string()), None),
        }
    }
    (Outcome::Failed(format!("cannot connect: {last}")), None)
}

/// What to do by hand, from the WAYSCloud docs ("Revoking API Keys", "Rotating API
/// Keys").
pub fn manual_steps(target: &Target) -> String {
    let service = if target.service.is_empty() {
        "the same"
    } else {
        target.service.as_str()
    };
    format!(
        "key {id} ({service}), found at {places}:\n\
         \x20 1. Open https://my.wayscloud.services/api-keys and find the key with id {id}.\n\
         \x20 2. Click Revoke (or Delete) and confirm: it stops working at once.\n\
         \x20 Then rotate: create a new key with {service} permissions, update the applications\n\
         \x20 that use it (from an environment variable or a secrets manager), test in staging,\n\
         \x20 deploy, and delete the old key.",
        id = target.key_id,
        places = target.places.join(", "),
    )
}

#[derive(Serialize)]
struct AuditLine<'a> {
    time: String,
    key_id: &'a str,
    service: &'a str,
    outcome: &'a str,
    http_status: Option<u16>,
    detail: String,
}

/// Appends one attempt to the audit log (JSON lines; never a secret).
pub fn audit(log: &Path, target: &Target, outcome: &Outcome, http_status: Option<u16>) -> Result<(), VerifyError> {
    let line = AuditLine {
        time: super::now(),
        key_id: &target.key_id,
        service: &target.service,
        outcome: outcome.as_str(),
        http_status,
        detail: outcome.describe(),
    };
    let fail = |source| VerifyError::AuditLog {
        file: log.to_path_buf(),
        source,
    };
    if let Some(dir) = log.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(fail)?;
    // A struct of strings and numbers always serialises.
    let text = serde_json::to_string(&line).expect("an audit line serialises");
    writeln!(file, "{text}").map_err(fail)
}

/// The audit log's default place: `$XDG_STATE_HOME/wayscan/revocations.jsonl`, else
/// `~/.local/state/wayscan/revocations.jsonl`.
pub fn default_audit_log() -> Option<std::path::PathBuf> {
    let base = crate::dirs::user_dir("XDG_STATE_HOME", ".local/state")?;
    Some(base.join("wayscan").join("revocations.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_letters_and_digits() {
        assert!(valid_key_id("a1b2c3d4"));
        for bad in ["abc", "a1b2/../x", "a1b2c3d4?x=1", "a1 b2", &"a".repeat(65)] {
            assert!(!valid_key_id(bad), "{bad}");
        }
    }

    #[test]
    fn manual_steps_follow_the_docs() {
        let target = Target {
            key_id: "a1b2c3d4".into(),
            service: "llm".into(),
            rule_id: "wayscloud-api-key".into(),
            places: vec!["app.py:3".into()],
        };
        let steps = manual_steps(&target);
        for needle in [
            "my.wayscloud.services/api-keys",
            "a1b2c3d4",
            "Revoke",
            "llm permissions",
            "staging",
            "app.py:3",
        ] {
            assert!(steps.contains(needle), "{needle}: {steps}");
        }
    }
}
