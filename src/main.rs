//! The `wayscan` binary: parse arguments, run, exit with the run's code.

use clap::Parser;

/// The static Linux release builds use mimalloc: musl's allocator halved their speed.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = wayscan::cli::Cli::parse();
    let exit = wayscan::commands::run(cli);
    std::process::exit(exit.code());
}
