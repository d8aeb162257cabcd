//! The `wayscan` binary: parse arguments, run, exit with the run's code.

use clap::Parser;

fn main() {
    let cli = wayscan::cli::Cli::parse();
    let exit = wayscan::commands::run(cli);
    std::process::exit(exit.code());
}
