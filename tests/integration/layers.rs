//! The one-way layering of `src/`: a module imports only from the layers below it.
//! Read from the source text (`use crate::x` and `crate::x::` paths), so a new edge
//! that breaks the rule fails here, not in review.
//!
//! The stack, left to right: a module may import only the modules before it.
//! Every module of `src/` must have its place here, so a new one is placed on
//! purpose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[rustfmt::skip]
const LAYERS: &[&str] = &[
    // leaves: plain data and values, no crate imports at all
    "model", "units", "dirs", "progress", "interrupt", "exit", "hook", "testkeys", "tree_write",
    // the command line: clap definitions over the leaves only
    "cli",
    // the engine: pure, bytes in and detections out
    "engine",
    // where content comes from, and what is judged after detection
    "git", "sources", "exposure", "policy", "verify", "audit", "report",
    // the scan loops
    "pipeline",
    // everything a command needs, resolved once
    "settings", "import",
    // one entry per command
    "commands",
];

/// Every file under `dir`, at any depth (none when `dir` does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Every Rust source file under `dir`, at any depth.
fn rs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = files_under(dir);
    files.retain(|path| path.extension().is_some_and(|e| e == "rs"));
    files
}

/// The crate modules `module` (a file `src/module.rs` or a directory `src/module/`)
/// names in its source.
fn imports(module: &str) -> BTreeSet<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.is_file() {
        files.push(single);
    }
    files.extend(rs_files(&src.join(module)));
    assert!(!files.is_empty(), "no source for module {module}");
    let mut found = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                found.insert(name);
            }
        }
    }
    found
}

/// The one module that may name a git library (`git2::`, `gix`).
const GIT_MODULES: &[&str] = &["git"];

#[test]
fn only_git_names_a_git_library() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    // Every file, not only Rust: a data file the code embeds counts too.
    for path in files_under(&src) {
        let rel = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let module = rel.split(['/', '.']).next().unwrap_or("").to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if (text.contains("git2::") || text.contains("gix_")) && !GIT_MODULES.contains(&module.as_str()) {
            broken.push(rel);
        }
    }
    broken.sort();
    assert!(broken.is_empty(), "a git library named outside git/: {broken:?}");
}

#[test]
fn every_module_imports_only_from_the_layers_before_it() {
    let mut broken = Vec::new();
    for module in modules() {
        let Some(at) = LAYERS.iter().position(|l| *l == module) else {
            broken.push(format!("{module} has no place in LAYERS"));
            continue;
        };
        for import in imports(&module) {
            if !LAYERS[..at].contains(&import.as_str()) {
                broken.push(format!("{module} imports crate::{import}"));
            }
        }
    }
    assert!(broken.is_empty(), "forbidden edges:\n{}", broken.join("\n"));
}

/// The test must be able to fail: a module that imports something is seen.
#[test]
fn the_import_reader_sees_edges() {
    assert!(imports("engine").contains("model"));
    assert!(imports("sources").contains("git"));
}

/// Every top-level module of `src/` (a `name.rs` file or a `name/` directory).
fn modules() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut names: Vec<String> = std::fs::read_dir(src)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            match name.strip_suffix(".rs") {
                Some(stem) => Some(stem.to_string()),
                None => e.path().is_dir().then_some(name),
            }
        })
        .filter(|n| n != "main" && n != "lib")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// No module reaches itself through others: the graph of `crate::` edges between
/// top-level modules has no cycle (a depth-first search finds no back edge).
#[test]
fn no_module_cycle_remains() {
    let names = modules();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|m| {
            imports(m)
                .iter()
                .filter_map(|i| names.iter().position(|n| n == i))
                .collect()
        })
        .collect();
    // 0: not seen, 1: on the current path, 2: done.
    let mut state = vec![0u8; names.len()];
    fn visit(v: usize, edges: &[Vec<usize>], state: &mut [u8], path: &mut Vec<usize>) -> Option<Vec<usize>> {
        state[v] = 1;
        path.push(v);
        for &w in &edges[v] {
            if state[w] == 1 {
                let from = path.iter().position(|&p| p == w).unwrap();
                return Some(path[from..].to_vec());
            }
            if state[w] == 0 {
                if let Some(cycle) = visit(w, edges, state, path) {
                    return Some(cycle);
                }
            }
        }
        path.pop();
        state[v] = 2;
        None
    }
    for v in 0..names.len() {
        if state[v] == 0 {
            if let Some(cycle) = visit(v, &edges, &mut state, &mut Vec::new()) {
                let names: Vec<&str> = cycle.iter().map(|&i| names[i].as_str()).collect();
                panic!("module cycle: {}", names.join(" -> "));
            }
        }
    }
    assert!(names.len() > 15, "the modules were read: {names:?}");
}

/// The crates `engine` and `model` may name: decoders, matchers, hashing and serde.
/// This is the dependency list a `wayscan-engine` workspace crate would declare; the
/// test below holds the engine to it without the split (README, "Where the layout
/// departs": the engine is not a crate of its own).
const ENGINE_CRATES: &[&str] = &[
    "aho_corasick",
    "base64",
    "bzip2",
    "flate2",
    "hmac",
    "lzma_rust2",
    "memchr",
    "regex",
    "regex_syntax",
    "ruzstd",
    "serde",
    "serde_json",
    "sha2",
    "tar",
    "thiserror",
    "toml",
    "zip",
];

/// The standard library's doors to the outside: files, network, processes, the
/// environment, threads, the terminal and the clock.
const OUTSIDE_STD: &[&str] = &[
    "std::fs",
    "fs::File",
    "std::net",
    "std::process",
    "std::env",
    "std::thread",
    "stdin()",
    "stdout()",
    "stderr()",
    "println!",
    "eprintln!",
    "Instant::now",
];

/// Whether `text` names the crate `krate` in a path (`krate::x`, `use krate`), not as
/// the tail of a longer name (`unzip::`, `a::zip::`).
fn names_crate(text: &str, krate: &str) -> bool {
    let starts_path = |at: usize| {
        !text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    let as_path = format!("{krate}::");
    text.match_indices(&as_path).any(|(at, _)| starts_path(at))
        || text.contains(&format!("use {krate};"))
        || text.contains(&format!("extern crate {krate}"))
}

/// Every dependency of the package (all targets), as Rust names it (`-` to `_`).
fn dependencies() -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let manifest: toml::Table = std::fs::read_to_string(manifest).unwrap().parse().unwrap();
    let mut tables = vec![manifest["dependencies"].as_table().unwrap().clone()];
    for target in manifest["target"].as_table().into_iter().flat_map(|t| t.values()) {
        tables.extend(target.get("dependencies").and_then(|d| d.as_table()).cloned());
    }
    let mut names: Vec<String> = tables
        .iter()
        .flat_map(|t| t.keys())
        .map(|k| k.replace('-', "_"))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The engine is pure: bytes in, matches out. Neither it nor the model names the file
/// system, processes, the environment, the network, threads, the terminal or the
/// clock, nor any dependency outside `ENGINE_CRATES` (git, HTTP, walking, thread
/// pools, progress, memory maps, signals). So a detection depends on the bytes and the
/// rules alone, and the engine could move to a crate of its own unchanged.
#[test]
fn the_engine_does_no_io_and_names_only_its_own_crates() {
    let dependencies = dependencies();
    for krate in [
        "git2",
        "gix_pack",
        "ureq",
        "ignore",
        "rayon",
        "indicatif",
        "memmap2",
        "ctrlc",
    ] {
        assert!(
            dependencies.iter().any(|d| d == krate),
            "the manifest was read: {krate}"
        );
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    let mut named = BTreeSet::new();
    let files = [rs_files(&src.join("engine")), rs_files(&src.join("model"))].concat();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path.strip_prefix(&src).unwrap().display().to_string();
        for krate in dependencies.iter().filter(|d| names_crate(&text, d)) {
            named.insert(krate.clone());
            if !ENGINE_CRATES.contains(&krate.as_str()) {
                broken.push(format!("{rel} names the crate {krate}"));
            }
        }
        for door in OUTSIDE_STD.iter().filter(|d| text.contains(**d)) {
            broken.push(format!("{rel} names {door}"));
        }
    }
    // The reader sees what the engine does name, so a forbidden name would be seen too.
    for krate in ["regex", "aho_corasick", "flate2", "sha2"] {
        assert!(named.contains(krate), "{krate} not seen in the engine: {named:?}");
    }
    assert!(broken.is_empty(), "the engine reaches outside:\n{}", broken.join("\n"));
}
