//! Answers kept between runs: a JSON file in the user's cache directory, keyed by a
//! hash of each key. Only answers that say something (live, revoked) are kept; an
//! unknown one is asked again next time.

use super::{Status, Verification};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cache {
    /// Format marker, so a future layout is not misread.
    schema: String,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    verification: Verification,
    /// Seconds since the epoch when answered.
    at: u64,
}

const SCHEMA: &str = "wayscan-verify-cache/1";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Cache {
    /// Reads the cache; a missing file is an empty cache.
    pub fn load(file: &Path) -> Result<Cache, String> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cache::default()),
            Err(e) => return Err(format!("cannot read the verification cache: {e}")),
        };
        let cache: Cache =
            serde_json::from_str(&text).map_err(|e| format!("the verification cache is damaged ({e})"))?;
        if cache.schema != SCHEMA {
            return Ok(Cache::default());
        }
        Ok(cache)
    }

    /// The answer for `hash` if it is younger than `ttl`.
    pub fn fresh(&self, hash: &str, ttl: Duration) -> Option<Verification> {
        let entry = self.entries.get(hash)?;
        (now().saturating_sub(entry.at) < ttl.as_secs()).then(|| Verification {
            cached: true,
            ..entry.verification.clone()
        })
    }

    pub fn record(&mut self, hash: &str, verification: &Verification) {
        if verification.status != Status::Unknown {
            self.entries.insert(
                hash.to_string(),
                Entry {
                    verification: verification.clone(),
                    at: now(),
                },
            );
        }
    }

    /// Writes the cache (readable by the user only), replacing the file whole.
    pub fn save(&mut self, file: &Path) -> Result<(), String> {
        self.schema = SCHEMA.to_string();
        let fail = |e: std::io::Error| format!("cannot write the verification cache: {e}");
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        let temporary = file.with_extension("json.tmp");
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut out = options.open(&temporary).map_err(fail)?;
            out.write_all(text.as_bytes()).map_err(fail)?;
        }
        std::fs::rename(&temporary, file).map_err(fail)
    }
}
