//! Answers kept between runs: a JSON file in the user's cache directory, keyed by a
//! hash of each key. Only answers that say something (live, revoked) are kept; an
//! unknown one is asked again next time.

use super::{Status, Verification, VerifyError};
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
    pub fn load(file: &Path) -> Result<Cache, VerifyError> {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Cache::default()),
            Err(source) => {
                return Err(VerifyError::ReadCache {
                    file: file.to_path_buf(),
                    source,
                })
            }
        };
        let cache: Cache = serde_json::from_str(&text).map_err(|source| VerifyError::DamagedCache {
            file: file.to_path_buf(),
            source,
        })?;
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
    pub fn save(&mut self, file: &Path) -> Result<(), VerifyError> {
        self.schema = SCHEMA.to_string();
        let fail = |source| VerifyError::WriteCache {
            file: file.to_path_buf(),
            source,
        };
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        // Serialising a map of strings and numbers cannot fail.
        let text = serde_json::to_string_pretty(self).expect("the cache serialises");
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
