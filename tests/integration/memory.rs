//! Bounded memory (issue 15, point 7): a blob over the size limit is skipped by its
//! header, never inflated, in history (loose and packed) and staged scans. Each scan
//! runs under an address-space cap it can only meet by not inflating the blob: the
//! same scan told to read it fails under the cap.

#![cfg(target_os = "linux")]

use crate::sandbox::{path_with_wayscan, Sandbox};

/// `wayscan ARGS` with at most 300 MB of address space.
fn capped(s: &Sandbox, args: &str) -> (i32, String) {
    let out = crate::sandbox::command("bash")
        .args(["-c", &format!("ulimit -v 300000 && exec wayscan {args}")])
        .current_dir(s.path())
        .env("PATH", path_with_wayscan())
        // Address space grows with threads (stacks, malloc arenas): bounded, so the
        // cap means the same on a machine of many cores.
        .env("RAYON_NUM_THREADS", "2")
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .expect("bash runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_blob_over_the_limit_is_skipped_by_its_header_without_being_inflated() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    let file = std::fs::File::create(s.join("disk.img")).unwrap();
    file.set_len(256 << 20).unwrap();
    s.git(&["add", "a.txt", "disk.img"]);

    let (code, stderr) = capped(&s, "staged");
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 1 (too-large 1)"), "{stderr}");

    s.git(&["commit", "-q", "-m", "image"]);
    for form in ["loose", "packed"] {
        if form == "packed" {
            s.git(&["gc", "-q"]);
        }
        let (code, stderr) = capped(&s, "history");
        assert_eq!(code, 0, "{form}: {stderr}");
        assert!(stderr.contains("skipped 1 (too-large 1)"), "{form}: {stderr}");
        // The control: reading the blob does not fit under the cap.
        let (code, _) = capped(&s, "history --max-file-size 1G");
        assert_ne!(code, 0, "{form}: the cap must be too small to inflate the blob");
    }
}

#[test]
fn an_oversized_ignore_file_switches_ignore_rules_off_instead_of_exhausting_memory() {
    let s = Sandbox::git_repo();
    // 2 MiB of distinct patterns: compiled, they took a scan to 770 MB.
    let mut patterns = String::new();
    let mut i = 0;
    while patterns.len() < 2 << 20 {
        patterns.push_str(&format!("**/build{i}/*.log[0-9]?\n"));
        i += 1;
    }
    patterns.push_str("*.secret\n");
    s.write(".gitignore", &patterns);
    s.write("README.md", "hi\n");
    s.commit("a large .gitignore");
    // An untracked file the rules would hide.
    s.write(
        "deploy.secret",
        format!("KEY={}\n", wayscan::testkeys::fake_key("dns", 95)),
    );

    let (code, stderr) = capped(&s, "scan .");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("warning: .gitignore: ignore file of 2.0 MiB is over the 1.0 MiB cap"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 finding"),
        "the file it would hide is scanned: {stderr}"
    );
}
