//! Embeds every `rules/*.toml` file into the binary, so adding a rule is adding a
//! data file: no Rust code lists the rule files.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<String> = fs::read_dir(dir)
        .expect("rules/ directory")
        .map(|e| e.expect("rules/ entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Built-in rule files: (name, contents).\npub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for name in &files {
        println!("cargo:rerun-if-changed=rules/{name}");
        out.push_str(&format!(
            "    (\"rules/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{name}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    fs::write(dest, out).expect("write builtin_rules.rs");
}
