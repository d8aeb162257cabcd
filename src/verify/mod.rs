//! `--verify`: asks the WAYSCloud API whether each found key is live.
//!
//! Off unless asked: sending a found key over the network is the user's choice. Each
//! distinct key is sent once per run, by a few workers under one rate limit, to the
//! API the user named (never to anything a scanned repository names), over https
//! (plain http to this machine only, for testing), without following redirects.
//! Answers are cached between runs under a hash of the key, never the key.

mod api;
mod cache;
pub mod checkkey;
pub mod revoke;

pub use api::{agent, check, ApiBase, Auth, Limits, Request, DEFAULT_API};

use crate::engine::rules::RuleSet;
use crate::model::Finding;
use crate::model::Problem;
pub use crate::model::{Status, Verification, Verifications};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What verification could not do. Each names the URL or file at fault; none
/// carries a key.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// `--api-url` or `WAYSCLOUD_API_URL` is not a place keys may go.
    #[error("API URL {url:?}: {reason}")]
    ApiUrl { url: String, reason: &'static str },
    /// A rule's API path that would leave the API's host (a rule check let it by).
    #[error("API path {path:?} of the rule cannot be joined to the API URL; no key is sent with it")]
    ApiPath { path: String },
    #[error("cannot read the verification cache {}: {source}", file.display())]
    ReadCache { file: PathBuf, source: std::io::Error },
    #[error("the verification cache {} is damaged ({source})", file.display())]
    DamagedCache { file: PathBuf, source: serde_json::Error },
    #[error("cannot write the verification cache {}: {source}", file.display())]
    WriteCache { file: PathBuf, source: std::io::Error },
    #[error("{}: cannot write the audit log: {source}", file.display())]
    AuditLog { file: PathBuf, source: std::io::Error },
    /// `revoke --report` was given something other than a wayscan JSON report; the
    /// command adds the file's name.
    #[error("{0}")]
    NotAReport(&'static str),
}

/// How verification runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub api: ApiBase,
    pub concurrency: usize,
    /// Requests per second, all workers together.
    pub rate: u32,
    pub limits: Limits,
    /// Where answers are kept between runs, and for how long; `None`: no cache.
    pub cache: Option<(PathBuf, Duration)>,
}

/// The cache file in the user's cache directory (`$XDG_CACHE_HOME`, else
/// `~/.cache`), if there is one.
pub fn default_cache_file() -> Option<PathBuf> {
    let base = crate::dirs::user_dir("XDG_CACHE_HOME", ".cache")?;
    Some(base.join("wayscan").join("verify.json"))
}

/// A key's name in the cache and in logs: a hash of the API asked and the key, never
/// the key. The API is part of it so that an answer from one API (a test server, a
/// staging host) is never taken for another's.
fn key_hash(api: &ApiBase, key: &str) -> String {
    let named = format!("wayscan-verify\0{}\0{key}", api.as_str());
    crate::model::hex(&Sha256::digest(named.as_bytes()))
}

/// Verifies the keys of `findings` whose rule has a live check. Returns the answers
/// by finding fingerprint (verification is its own stage: it does not write into
/// the findings), and what went wrong beside them (the cache).
pub fn verify(findings: &[Finding], rules: &RuleSet, options: &Options) -> (Verifications, Vec<Problem>) {
    let mut problems = Vec::new();
    // Distinct keys, each with what its request needs.
    let mut keys: BTreeMap<String, Request> = BTreeMap::new();
    for finding in findings.iter() {
        let Some(spec) = rules.get(&finding.rule_id).and_then(|r| r.spec.verify.as_ref()) else {
            continue;
        };
        let Some(secret) = &finding.secret else { continue };
        let key = secret.value.expose();
        let service = finding.properties.get("service").cloned().unwrap_or_default();
        let hash = key_hash(&options.api, key);
        if keys.contains_key(&hash) {
            continue;
        }
        match request(&options.api, spec, key, service) {
            Ok(request) => {
                keys.insert(hash, request);
            }
            Err(e) => problems.push(Problem {
                path: finding.rule_id.clone(),
                message: e.to_string(),
                kind: crate::model::ProblemKind::Warning,
            }),
        }
    }
    if keys.is_empty() {
        return (Verifications::default(), problems);
    }

    let mut cache = match &options.cache {
        Some((file, _)) => cache::Cache::load(file).unwrap_or_else(|e| {
            problems.push(Problem {
                path: file.display().to_string(),
                message: format!("{e}; verifying without it"),
                kind: crate::model::ProblemKind::Warning,
            });
            cache::Cache::default()
        }),
        None => cache::Cache::default(),
    };
    let ttl = options.cache.as_ref().map(|(_, ttl)| *ttl);
    let mut answers: BTreeMap<String, Verification> = BTreeMap::new();
    let mut to_ask: Vec<(&String, &Request)> = Vec::new();
    for (hash, pending) in &keys {
        match ttl.and_then(|ttl| cache.fresh(hash, ttl)) {
            Some(answer) => {
                answers.insert(hash.clone(), answer);
            }
            None => to_ask.push((hash, pending)),
        }
    }

    let asked = ask_all(&to_ask, options);
    for (hash, answer) in asked {
        if options.cache.is_some() {
            cache.record(&hash, &answer);
        }
        answers.insert(hash, answer);
    }
    if let Some((file, _)) = &options.cache {
        if let Err(e) = cache.save(file) {
            problems.push(Problem {
                path: file.display().to_string(),
                message: e.to_string(),
                kind: crate::model::ProblemKind::Warning,
            });
        }
    }
    let mut verifications = Verifications::default();
    for finding in findings {
        if let Some(secret) = &finding.secret {
            if let Some(answer) = answers.get(&key_hash(&options.api, secret.value.expose())) {
                verifications.insert(&finding.fingerprint, answer.clone());
            }
        }
    }
    (verifications, problems)
}

/// The live check a rule's `verify` section describes for `key`, on `api`.
pub fn request(
    api: &ApiBase,
    spec: &crate::engine::rules::VerifySpec,
    key: &str,
    service: String,
) -> Result<Request, VerifyError> {
    let path = spec.service_paths.get(&service).unwrap_or(&spec.path);
    Ok(Request {
        url: api.join(path)?,
        key: key.to_string(),
        auth: spec.auth,
        service,
        checked: spec.checked_service.clone(),
    })
}

/// Asks about every key, `options.concurrency` at a time, at most `options.rate`
/// requests a second in all.
fn ask_all(keys: &[(&String, &Request)], options: &Options) -> Vec<(String, Verification)> {
    if keys.is_empty() {
        return Vec::new();
    }
    let next = AtomicUsize::new(0);
    let answers = Mutex::new(Vec::with_capacity(keys.len()));
    let interval = Duration::from_secs(1) / options.rate.max(1);
    let slot = Mutex::new(Instant::now());
    // Every request, retries included, takes the next free slot.
    let wait = || {
        let at = {
            let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
            let at = (*slot).max(Instant::now());
            *slot = at + interval;
            at
        };
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
    };
    let agent = api::agent(&options.api, options.limits.timeout);
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.max(1).min(keys.len()) {
            scope.spawn(|| loop {
                // Interrupted: the keys not yet asked stay unverified.
                if crate::interrupt::requested() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((hash, pending)) = keys.get(i) else { break };
                let answer = api::check(&agent, pending, &options.limits, &wait);
                answers
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(((*hash).clone(), answer));
            });
        }
    });
    answers.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// The API base the user chose: `flag`, else `WAYSCLOUD_API_URL`, else the
/// documented one. Never anything from a scanned repository.
pub fn api_base(flag: Option<&str>) -> Result<ApiBase, VerifyError> {
    let url = flag
        .map(str::to_string)
        .or_else(|| std::env::var("WAYSCLOUD_API_URL").ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| DEFAULT_API.to_string());
    ApiBase::parse(&url)
}

/// Now, as RFC 3339 in UTC.
fn now() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    crate::model::rfc3339(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_named_by_a_salted_hash() {
        let api = ApiBase::parse(DEFAULT_API).unwrap();
        let hash = key_hash(&api, "wayscloud_storage_a1b2c3d4_secretpart");
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains("a1b2c3d4"));
        assert_ne!(hash, key_hash(&api, "wayscloud_storage_a1b2c3d4_secretpars"));
        let other = ApiBase::parse("http://127.0.0.1:9").unwrap();
        assert_ne!(
            hash,
            key_hash(&other, "wayscloud_storage_a1b2c3d4_secretpart"),
            "per API"
        );
    }
}
