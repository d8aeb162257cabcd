//! The command line, as the user types it. Doc comments are the help text: first line
//! the short help, the rest the long help (`--help`).

pub use crate::units::Format;
use crate::units::{parse_duration, parse_size, Shard, DEFAULT_BASELINE_FILE, DEFAULT_MAX_FILE_SIZE_TEXT};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Finds leaked WAYSCloud API keys, credentials hardcoded into Authorization headers
/// and .env files git would commit, in working trees, git history and staged changes;
/// reports them in text, JSON and SARIF.
///
/// Exit codes: 0 nothing found, 1 findings (see --exit-code), 2 error.
#[derive(Debug, Parser)]
#[command(name = "wayscan", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a working tree, or the files named, for leaked secrets.
    ///
    /// Directories are walked in parallel, honouring .gitignore files at every level,
    /// .git/info/exclude and .ignore; .git/ itself is never entered. A file named on
    /// the command line is scanned even when ignored.
    Scan(ScanArgs),
    /// Scan every blob of a repository's git history, each once.
    ///
    /// All refs by default: branches, tags, remote-tracking refs (--stash adds the
    /// stash). Each finding is credited to the earliest commit that introduced the
    /// blob at that path. `.env` files ever committed are findings too.
    History(HistoryArgs),
    /// Scan what is about to be committed, as a pre-commit hook does.
    ///
    /// Reads the staged version of each added or modified file from the index (not
    /// the working tree) and reports only what the staged change adds, so findings
    /// already in the repository do not block unrelated commits. A staged .env file
    /// is always a finding.
    Staged(StagedArgs),
    /// Git's pre-push hook: scan the commits `git push` is about to send.
    ///
    /// Reads git's lines (`<local ref> <local id> <remote ref> <remote id>`) on
    /// standard input; scans the commits reachable from what is pushed and not from
    /// what the remote already has (its remote-tracking refs). Installed by `wayscan
    /// hook install --pre-push`.
    PrePush(PrePushArgs),
    /// Git's pre-receive hook, on a server: refuse a push that brings a secret.
    ///
    /// Reads git's lines (`<old> <new> <ref>`) on standard input; scans the commits
    /// no existing ref reaches (new branches, tags and force pushes included),
    /// reading them from git's quarantine. Settings and baseline come from the
    /// default branch. Installed by `wayscan hook install --pre-receive`.
    PreReceive(PreReceiveArgs),
    /// List the rules, or check rule files against their own examples.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Write a commented starter .wayscan.toml (`wayscan config init`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Accept the current findings in a baseline file, so later scans with
    /// --baseline report only new ones; or prune entries that no longer occur.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Carry over what a team wrote for another scanner.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Audit many repositories: every one's whole history and work tree, in
    /// parallel, into one folder of reports and one HTML report.
    ///
    /// SOURCES are folders (searched for work trees and bare repositories) and list
    /// files (one path or git URL per line; URLs are cloned into --cache). A
    /// repository whose refs have not moved since the last run into the same
    /// folder is not scanned again. Exit code: 2 if a source or repository could not
    /// be audited, else 1 with findings, else 0.
    Audit(AuditArgs),
    /// Merge the folders of `wayscan audit --shard` runs into one report, the same
    /// as one unsharded run.
    Merge(MergeArgs),
    /// Install or remove the git pre-commit hook that runs `wayscan staged`.
    #[command(subcommand)]
    Hook(HookCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    ///
    /// For example: `wayscan completions bash > ~/.local/share/bash-completion/completions/wayscan`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man -l -` or a man directory.
    Man,
    /// Revoke live keys through the key-management API, from a JSON report of a
    /// `--verify` scan or by key id.
    ///
    /// A dry run unless --yes: it lists what would be revoked (on a terminal it asks
    /// first). The management token comes from WAYSCLOUD_MANAGEMENT_TOKEN, never
    /// from a scanned key; without one, the steps to revoke by hand are printed.
    /// Every attempt is appended to the audit log.
    Revoke(RevokeArgs),
    /// Check one key without printing it: read from standard input or
    /// WAYSCLOUD_API_KEY (never an argument: it would stay in the shell history).
    ///
    /// Says what the docs' troubleshooting section says to check: the
    /// wayscloud_{service}_ prefix and a known service, the key id, the secret's
    /// length; for a whole header line, a missing or lowercase `Bearer` and stray
    /// spaces. With --verify, whether it is live.
    CheckKey(CheckKeyArgs),
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// A JSON report (`--format json`) of a scan with --verify: its live keys.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "key_id",
        conflicts_with = "key_id"
    )]
    pub report: Option<PathBuf>,

    /// Revoke this key id (repeatable), live or not.
    #[arg(long = "key-id", value_name = "ID")]
    pub key_id: Vec<String>,

    /// Revocation requests per second at most (as --verify-rate; a forged report of
    /// 10,000 keys must not become 10,000 DELETEs in seconds).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub rate: u32,

    /// Revoke for real; without it, only list what would be revoked.
    #[arg(long)]
    pub yes: bool,

    /// Append every attempt here (JSON lines); default
    /// $XDG_STATE_HOME/wayscan/revocations.jsonl (~/.local/state/...).
    #[arg(long, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,

    /// The key-management API (as --api-url of scan; also WAYSCLOUD_API_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckKeyArgs {
    /// Also ask the API whether the key is live (sends it, over https).
    #[arg(long)]
    pub verify: bool,

    /// The API to ask (as --api-url of scan; also WAYSCLOUD_API_URL).
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Anything else on the command line: taken only to refuse it without echoing
    /// it (a key there is in shell history and process lists; clap's own error
    /// would print it in full).
    #[arg(hide = true, num_args = 0.., allow_hyphen_values = true, trailing_var_arg = true)]
    pub stray: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write .wayscan.toml with every key, commented out, in the current directory.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Scan (as `wayscan scan`, from the repository root) and record every finding:
    /// fingerprint, rule, path, the secret redacted; never a raw secret.
    Create {
        /// Files or directories to scan.
        #[arg(value_name = "PATH", default_value = ".")]
        paths: Vec<PathBuf>,
        /// The baseline file to write (reasons already in it are kept).
        #[arg(long, short = 'o', value_name = "FILE", default_value = DEFAULT_BASELINE_FILE)]
        output: PathBuf,
        /// Load this rule file beside the built-in rules (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Scan again and drop the entries that no longer occur.
    Prune {
        /// Files or directories to scan.
        #[arg(value_name = "PATH", default_value = ".")]
        paths: Vec<PathBuf>,
        /// The baseline file to prune.
        #[arg(long, value_name = "FILE", default_value = DEFAULT_BASELINE_FILE)]
        baseline: PathBuf,
        /// Load this rule file beside the built-in rules (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Folders holding repositories, and list files of paths and URLs.
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<PathBuf>,

    /// The folder the reports go to (index.json, report.html, repos/).
    #[arg(long, short = 'o', value_name = "DIR", default_value = "wayscan-audit")]
    pub output_dir: PathBuf,

    /// Where URLs are cloned (default: the user's cache folder, wayscan/repos).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,

    /// Audit only shard K of N: a stable subset, by a hash of each repository's
    /// identity. `wayscan merge` joins the shards' folders.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,

    /// Repositories scanned at once (default: one per core). Memory grows with it.
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,

    /// Worker threads of each repository's scan (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Scan every repository again, even those whose refs have not moved.
    #[arg(long)]
    pub fresh: bool,

    /// Load this rule file beside the built-in rules (repeatable). The scanned
    /// repositories' own .wayscan.toml files are not applied: an audit sees all.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Skip larger files and blobs (not fetched at all when cloning, where the
    /// server allows).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = DEFAULT_MAX_FILE_SIZE_TEXT)]
    pub max_file_size: u64,

    /// Report lines marked `gitleaks:allow` too.
    #[arg(long)]
    pub no_gitleaks_allow: bool,

    /// Which refs of a URL are fetched: `branches` (branches and tags, as a clone
    /// has them) or `all`: every ref the server has, pull and merge request heads
    /// (`refs/pull/*`, `refs/merge-requests/*`), notes and the rest too, where keys
    /// of closed pull requests live on.
    #[arg(long, value_enum, value_name = "WHICH", default_value_t = AuditRefs::Branches)]
    pub refs: AuditRefs,

    /// No progress bars and no summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub verify: VerifyArgs,
}

/// The refs `wayscan audit` fetches from a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditRefs {
    Branches,
    All,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of `wayscan audit --shard K/N` runs.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,

    /// The folder the merged reports go to.
    #[arg(long, short = 'o', value_name = "DIR", default_value = "wayscan-audit")]
    pub output_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Convert a gitleaks configuration and .gitleaksignore: custom rules to a rule
    /// file, allowlists to .wayscan.toml, ignored findings to baseline entries.
    ///
    /// What cannot be converted is listed (and written as comments into the
    /// configuration); nothing is dropped silently.
    Gitleaks(ImportGitleaksArgs),
}

#[derive(Debug, Args)]
pub struct ImportGitleaksArgs {
    /// The gitleaks configuration (default: .gitleaks.toml in the repository, if
    /// there is one).
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// The repository the configuration is for: where .gitleaksignore entries are
    /// looked up, and where the outputs go.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// The .gitleaksignore to convert (default: .gitleaksignore in the repository,
    /// if there is one).
    #[arg(long, value_name = "FILE")]
    pub ignore: Option<PathBuf>,
    /// Where the converted rules go, relative to the repository.
    #[arg(long, value_name = "FILE", default_value = ".wayscan/gitleaks-rules.toml")]
    pub rules_out: PathBuf,
    /// Where the configuration goes, relative to the repository.
    #[arg(long, value_name = "FILE", default_value = ".wayscan.toml")]
    pub config_out: PathBuf,
    /// The baseline the .gitleaksignore entries are added to (entries already in it
    /// are kept), relative to the repository.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_BASELINE_FILE)]
    pub baseline_out: PathBuf,
    /// Replace the rule file and the configuration if they exist.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Install the hook where git runs hooks from (worktrees and core.hooksPath
    /// included). A hook already there is kept and runs first. Installing twice is the
    /// same as once. Hooks managed by husky or the pre-commit framework are left
    /// alone, with what to add to their configuration.
    Install {
        /// The repository (any directory inside it; a bare one for --pre-receive).
        #[arg(value_name = "REPO", default_value = ".")]
        repo: PathBuf,
        #[command(flatten)]
        kind: HookKindArgs,
    },
    /// Remove wayscan's hook and put back the hook it kept, if any.
    Uninstall {
        /// The repository (any directory inside it).
        #[arg(value_name = "REPO", default_value = ".")]
        repo: PathBuf,
        #[command(flatten)]
        kind: HookKindArgs,
    },
}

/// Which hook (pre-commit by default).
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct HookKindArgs {
    /// The pre-push hook: scans the commits a push sends.
    #[arg(long)]
    pub pre_push: bool,
    /// The server's pre-receive hook: refuses pushes that bring a secret.
    #[arg(long)]
    pub pre_receive: bool,
}

#[derive(Debug, Args)]
pub struct PrePushArgs {
    /// The remote's name, as git passes it to the hook.
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// The remote's URL, as git passes it (not used).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// The repository.
    #[arg(long, value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct PreReceiveArgs {
    /// The repository (the bare repository git runs the hook in).
    #[arg(long, value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Time allowed for the scan (30s, 2m).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// What a scan that runs out of time does: refuse the push (closed, the
    /// default) or let it through with a warning (open).
    #[arg(long, value_enum, default_value_t = OnTimeout::Closed)]
    pub on_timeout: OnTimeout,
    /// Refuse `git push -o wayscan.skip="reason"` (by default a skip is allowed,
    /// with a reason, and logged).
    #[arg(long)]
    pub no_skip: bool,
    /// Where skips are logged, one JSON line each (default: wayscan-skips.log in
    /// the repository's git directory).
    #[arg(long, value_name = "FILE")]
    pub skip_log: Option<PathBuf>,
    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Fail open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnTimeout {
    Open,
    Closed,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input, and a pipe
    /// (`/dev/stdin`, `<(command)`) is read to its end.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// What reports call standard input (`-` or `/dev/stdin`), e.g. the path the
    /// piped content came from; default `stdin`.
    #[arg(long, value_name = "PATH")]
    pub stdin_name: Option<String>,

    /// Also scan files that ignore rules leave out.
    #[arg(long)]
    pub no_ignore: bool,

    /// Follow symbolic links. Loops are detected and reported, not followed.
    #[arg(long, short = 'L')]
    pub follow: bool,

    /// Skip files larger than this for content rules (bytes, or with K, M, G suffixes,
    /// binary multiples: 512K, 100MiB, 1G); default: max_file_size of .wayscan.toml, else
    /// 100MiB. Skips are counted in the summary.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Append the missing lines to the right .gitignore files for .env files that git
    /// would commit, and print what changed. Existing lines are never rewritten.
    #[arg(long)]
    pub fix_gitignore: bool,

    /// Worker threads; 0 uses one per core.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    /// Running as a pre-commit hook (the pre-commit framework passes the staged
    /// files): a blocked commit is told how to proceed.
    #[arg(long, conflicts_with = "verify")]
    pub hook: bool,

    #[command(flatten)]
    pub verify: VerifyArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The repository (any directory inside it; bare repositories work too).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Only blobs introduced by commits in this range (A..B), as for a pull request.
    #[arg(long, value_name = "A..B", conflicts_with_all = ["since_commit", "branch"])]
    pub range: Option<String>,

    /// Only blobs introduced after commit A, up to HEAD (the same as --range A..HEAD).
    #[arg(long, value_name = "A", conflicts_with = "branch")]
    pub since_commit: Option<String>,

    /// With --range: read .wayscan.toml and --baseline from the work tree (the
    /// checked-out change) instead of the range's base commit. By default a change
    /// cannot loosen its own scan.
    #[arg(long)]
    pub config_from_head: bool,

    /// Only this ref's ancestry instead of all refs.
    #[arg(long, value_name = "REF")]
    pub branch: Option<String>,

    /// Also scan the stash.
    #[arg(long)]
    pub stash: bool,

    /// Also report keys in objects no ref reaches (commits force-pushed away, objects
    /// of a fork network, dropped stashes): a clone carries them until `git gc`
    /// prunes them. Reported as `(unreachable blob ID)`, with no commit.
    #[arg(long, conflicts_with_all = ["range", "since_commit", "branch"])]
    pub unreachable: bool,

    /// Skip blobs larger than this (see `scan --max-file-size`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Worker threads; 0 uses one per core.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,

    #[command(flatten)]
    pub verify: VerifyArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct StagedArgs {
    /// The repository (any directory inside its work tree).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,

    /// Skip staged files larger than this (see `scan --max-file-size`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,

    /// Load this rule file beside the built-in rules (repeatable).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Running as a pre-commit hook: a blocked commit is told how to proceed.
    #[arg(long)]
    pub hook: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Live verification of found keys (never in the hook: `staged` has none of this).
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Ask the WAYSCloud API whether each found key is live: each distinct key is
    /// sent once, over https, to the API of --api-url. Off by default.
    #[arg(long)]
    pub verify: bool,

    /// The API to ask (default https://api.wayscloud.services, or WAYSCLOUD_API_URL):
    /// https only, or plain http to this machine for testing. Nothing in a scanned
    /// repository can change it.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Keys checked at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub verify_concurrency: u16,

    /// Requests per second, all together.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub verify_rate: u32,

    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub verify_timeout: u64,

    /// How long an answer is reused from the cache (30m, 24h, 7d).
    #[arg(long, value_name = "DURATION", default_value = "24h", value_parser = parse_duration)]
    pub verify_cache_ttl: std::time::Duration,

    /// Neither read nor write the cache of answers.
    #[arg(long)]
    pub no_verify_cache: bool,

    /// Report only the keys the API says are live.
    #[arg(long, requires = "verify")]
    pub only_live: bool,

    /// What makes the exit code non-zero: any finding, or only live keys.
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Any,
    Live,
}

/// How and where results are written.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secrets in full in text and JSON reports. SARIF never holds them.
    #[arg(long)]
    pub show_secrets: bool,

    /// Also list the findings that are not reported, and why: an inline marker, the
    /// project configuration, or the baseline. They never change the exit code.
    #[arg(long)]
    pub show_suppressed: bool,

    /// Also write the JSON report to FILE, whatever --format says: what CI reads
    /// counts and summaries from.
    #[arg(long, value_name = "FILE")]
    pub json_report: Option<PathBuf>,

    /// The SARIF code-scanning category (automationDetails.id); default
    /// wayscan/<kind>/ (tree, history, range, staged), so analyses of different
    /// kinds never close each other's alerts.
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,

    /// Exit code when findings are reported (0 to never fail on findings).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(0..=125))]
    pub exit_code: u8,

    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print no summary line and no progress bar on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// List every skipped file on standard error.
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// Read the project configuration from FILE instead of .wayscan.toml at the
    /// repository root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,

    /// Ignore .wayscan.toml.
    #[arg(long)]
    pub no_config: bool,

    /// Do not report findings this baseline file accepts (`wayscan baseline create`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report lines marked `gitleaks:allow` too (by default that marker counts like
    /// `wayscan:allow`, for repositories coming from gitleaks).
    #[arg(long)]
    pub no_gitleaks_allow: bool,

    /// Exit as if everything was read when some input could not be (an unreadable
    /// file, a corrupt blob, an unreadable ref). By default that exits with code 2:
    /// a scan that did not read everything is not clean.
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules: built-in ones and those of --rules files.
    List {
        /// Load this rule file beside the built-in rules (repeatable).
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compile rule files and prove that every example matches and no negative example
    /// does. Without FILE, checks the built-in rules.
    Check {
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
