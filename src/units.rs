//! Values the command line and the project file parse: sizes, durations, shards,
//! report formats.
//! A leaf: it imports nothing from the crate, so the command line does not reach
//! into the layers it configures.

use sha2::{Digest, Sha256};

/// The size limit when neither the command line nor .wayscan.toml sets one.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// The same limit as the command line's help and defaults write it.
pub const DEFAULT_MAX_FILE_SIZE_TEXT: &str = "100MiB";

/// Where `baseline create` writes, and `--baseline`-taking commands look, by default.
pub const DEFAULT_BASELINE_FILE: &str = ".wayscan-baseline.json";

/// A report format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// Parses `1024`, `512K`, `100M`, `100MiB`, `1G` (binary multiples).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| "not a size: expected a number with an optional K, M or G suffix".to_string())?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err("unknown size suffix (use K, M or G)".to_string()),
    };
    number.checked_mul(1u64 << shift).ok_or_else(|| "too large".to_string())
}

/// A size as people read it: `512 B`, `4.7 MiB`, `1.0 GiB`.
pub fn format_size(bytes: u64) -> String {
    match bytes {
        b if b < 1 << 10 => format!("{b} B"),
        b if b < 1 << 20 => format!("{:.1} KiB", b as f64 / 1024.0),
        b if b < 1 << 30 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
    }
}

/// Parses `90s`, `30m`, `24h`, `7d` (a bare number is seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a duration: expected a number with s, m, h or d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("'{text}': unknown unit '{unit}' (use s, m, h or d)")),
    };
    Ok(std::time::Duration::from_secs(number.saturating_mul(seconds)))
}

/// `--shard K/N`: shard `k` (1-based) of `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: u64,
    pub n: u64,
}

impl Shard {
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text.split_once('/').ok_or("expected K/N, as 2/8")?;
        let k: u64 = k.trim().parse().map_err(|_| format!("{k:?} is not a number"))?;
        let n: u64 = n.trim().parse().map_err(|_| format!("{n:?} is not a number"))?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("{k}/{n}: K must be from 1 to N"));
        }
        Ok(Shard { k, n })
    }

    /// Whether the repository `id` is in this shard: by a hash of the identity, so
    /// every shard agrees without talking to the others, and a repository stays in
    /// its shard when others are added.
    pub fn holds(&self, id: &str) -> bool {
        let hash = Sha256::digest(id.as_bytes());
        let value = u64::from_be_bytes(hash[..8].try_into().expect("8 bytes"));
        value % self.n == self.k - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90"), Ok(std::time::Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(std::time::Duration::from_secs(1800)));
        assert_eq!(parse_duration("24h"), Ok(std::time::Duration::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(std::time::Duration::from_secs(604_800)));
        assert!(parse_duration("1w").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_size("100MiB"), Ok(100 << 20));
        assert_eq!(parse_size(DEFAULT_MAX_FILE_SIZE_TEXT), Ok(DEFAULT_MAX_FILE_SIZE));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5X").unwrap_err().contains("unknown size suffix"));
        assert!(parse_size("99999999999999G").unwrap_err().contains("too large"));
    }

    #[test]
    fn shards_split_every_repository_exactly_once() {
        let ids: Vec<String> = (0..200).map(|i| format!("https://git.example/r{i}")).collect();
        let shards: Vec<Shard> = (1..=4).map(|k| Shard { k, n: 4 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.holds(id)).count(), 1);
        }
        assert!(shards.iter().all(|s| ids.iter().filter(|id| s.holds(id)).count() > 20));
        assert!(Shard::parse("0/3").is_err() && Shard::parse("4/3").is_err() && Shard::parse("x").is_err());
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { k: 2, n: 3 });
    }
}
