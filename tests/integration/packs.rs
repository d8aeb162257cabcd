//! Whole-history scans read packs in pack order (gitoxide's delta-tree traversal) and
//! loose objects through libgit2: a history must give the same report either way, and
//! a damaged pack must not hide what the rest of it holds.

use crate::sandbox::{credited, make_writable, Sandbox, KEY_RULE};
use wayscan::testkeys::fake_key;

/// A long text file whose versions differ by a line or two: what git stores as deltas.
fn document(edits: usize) -> Vec<String> {
    (0..300)
        .map(|i| {
            format!(
                "line {i}: ordinary settings text, revision {}\n",
                if i % 25 == 0 { edits } else { 0 }
            )
        })
        .collect()
}

/// About 64 KB of numbers that barely compress, with `key` near the end: a pack
/// entry larger than the traversal's first read of an entry (16 KB), whose key only
/// the rest of the entry holds.
fn noise_with(key: &str) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lines: Vec<String> = (0..800)
        .map(|_| {
            (0..8)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    format!("{:08}", state % 100_000_000)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines[790] = format!("token = {key}");
    lines.join("\n") + "\n"
}

/// The one pack file of the repository with extension `ext` (idx or pack).
fn pack_file(s: &Sandbox, ext: &str) -> std::path::PathBuf {
    std::fs::read_dir(s.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == ext))
        .unwrap()
}

fn repack(s: &Sandbox) {
    s.git(&["repack", "-adq", "--window=50", "--depth=50"]);
    s.git(&["prune", "--expire=now"]);
    let counts = s.git(&["count-objects", "-v"]);
    assert!(
        counts.contains("\ncount: 0\n") || counts.starts_with("count: 0\n"),
        "{counts}"
    );
}

#[test]
fn a_packed_history_gives_the_same_report_as_loose_objects() {
    let s = Sandbox::git_repo();
    let mut ids = Vec::new();
    for edit in 0..12 {
        let mut doc = document(edit);
        if (5..8).contains(&edit) {
            doc[150] = format!("API_KEY = '{}'\n", fake_key("storage", 40));
        }
        s.write("config/settings.txt", doc.concat());
        if edit == 3 {
            s.write("deep/a/b/c/d/token.txt", fake_key("dns", 41));
            s.write("data/noise.txt", noise_with(&fake_key("database", 44)));
            s.write(".env", "DEBUG=1\n");
            s.write("logo.bin", [0u8, 1, 2, 3, 0, 255]);
        }
        if edit == 9 {
            s.git(&["rm", "-q", "--cached", ".env"]);
            s.write(".gitignore", ".env\n");
        }
        ids.push(s.commit(&format!("edit {edit}")));
    }
    // The untracked .env stays behind, out of the side branch.
    std::fs::remove_file(s.join(".env")).unwrap();
    s.git(&["checkout", "-q", "-b", "side", &ids[2]]);
    s.write("side/key.txt", fake_key("llm", 42));
    let side = s.commit("side branch");
    s.git(&["checkout", "-q", "main"]);

    let expected = vec![
        (".env".to_string(), ids[3].clone(), "dotenv-not-ignored".to_string()),
        ("config/settings.txt".into(), ids[5].clone(), KEY_RULE.into()),
        ("data/noise.txt".into(), ids[3].clone(), KEY_RULE.into()),
        ("deep/a/b/c/d/token.txt".into(), ids[3].clone(), KEY_RULE.into()),
        ("side/key.txt".into(), side.clone(), KEY_RULE.into()),
    ];
    let (run, loose) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(credited(&loose), expected);

    repack(&s);
    let idx = pack_file(&s, "idx");
    let stats = s.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    assert!(
        stats.contains("chain length = 2"),
        "the test needs delta chains:\n{stats}"
    );
    // "<id> <type> <size> <size in pack> <offset>": one entry must take more than
    // one read.
    assert!(
        stats
            .lines()
            .filter_map(|l| l.split_whitespace().nth(3)?.parse::<u64>().ok())
            .any(|in_pack| in_pack > 16 << 10),
        "the test needs a pack entry over 16 KB:\n{stats}"
    );

    let (run, packed) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Read by the traversal itself, not by the one-by-one fallback after it failed.
    assert!(!run.stderr.contains("one by one"), "{}", run.stderr);
    assert_eq!(credited(&packed), expected);
    for field in ["files", "bytes", "skipped", "errors"] {
        assert_eq!(loose["summary"][field], packed["summary"][field], "{field}");
    }

    // New commits land as loose objects beside the pack.
    s.write("later.txt", fake_key("gpu", 43));
    let later = s.commit("after the repack");
    let (_, mixed) = s.json_of("history", &[]);
    let mut with_later = expected.clone();
    with_later.insert(4, ("later.txt".into(), later, KEY_RULE.into()));
    assert_eq!(credited(&mixed), with_later);

    // A linked worktree shares the repository's objects and refs.
    s.git(&["worktree", "add", "-q", "wt", "-b", "wt-branch"]);
    let (_, from_worktree) = s.json_of("history", &["wt"]);
    assert_eq!(credited(&from_worktree), with_later);
}

#[test]
fn a_damaged_pack_is_reported_and_its_other_objects_are_still_scanned() {
    let s = Sandbox::git_repo();
    s.write("keep.txt", fake_key("storage", 44));
    let big: String = (0..4000u64)
        .map(|i| format!("{:016x}\n", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        .collect();
    s.write("big.txt", big);
    let id = s.commit("two files");
    repack(&s);
    let blob = s.git(&["rev-parse", "HEAD:big.txt"]).trim().to_string();
    let idx = pack_file(&s, "idx");
    // "<id> blob <size> <size in pack> <offset>"
    let stats = s.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let fields: Vec<u64> = stats
        .lines()
        .find(|l| l.starts_with(&blob))
        .unwrap()
        .split_whitespace()
        .skip(3)
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    let pack = idx.with_extension("pack");
    make_writable(&pack);
    let mut bytes = std::fs::read(&pack).unwrap();
    let middle = (fields[1] + fields[0] / 2) as usize;
    for b in &mut bytes[middle..middle + 16] {
        *b ^= 0x5a;
    }
    std::fs::write(&pack, bytes).unwrap();

    let (run, report) = s.json_of("history", &[]);
    // The key is still found; the damaged blob could not be read, so the scan is
    // incomplete (exit 2). The pack's own note is a warning: its other objects were read.
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(credited(&report), vec![("keep.txt".into(), id, KEY_RULE.into())]);
    assert!(
        run.stderr
            .contains("an object is damaged (its bytes do not match the pack index)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("wayscan: warning: /"), "{}", run.stderr);
    assert_eq!(report["summary"]["errors"], 2, "{}", run.stderr);
    assert!(run.stderr.contains("wayscan: error: big.txt: blob"), "{}", run.stderr);
    let (run, _) = s.json_of("history", &["--allow-partial"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_key_no_ref_leads_to_is_not_part_of_the_history() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    s.commit("base");
    s.write("gone.txt", fake_key("storage", 45));
    s.commit("dropped");
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // The blob is still in the object store, but no branch or tag holds it.
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(credited(&report).is_empty());
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn a_history_none_of_which_can_be_read_is_an_error() {
    let s = Sandbox::git_repo();
    s.write("k.txt", fake_key("llm", 46));
    s.commit("k");
    repack(&s);
    let pack = pack_file(&s, "pack");
    let len = std::fs::metadata(&pack).unwrap().len() as usize;
    make_writable(&pack);
    std::fs::write(&pack, vec![0x42; len]).unwrap();
    let run = s.run(&["history"]);
    run.assert_stderr(2, "nothing in the history could be read");
    assert!(run.stderr.contains("not a pack file"), "{}", run.stderr);
}

/// The trees' pass reads every tree in the store, reached or not, before the history's
/// order says which are reached: packed trees (found by their pack headers), loose ones
/// (found when read), and trees only an unreferenced commit holds must each count as
/// the history's only when a ref leads to them.
#[test]
fn packed_loose_and_unreached_trees_give_each_blob_its_reached_places() {
    let s = Sandbox::git_repo();
    let shared = fake_key("storage", 47);
    s.write("a.txt", "a\n");
    s.write("keys/shared.txt", &shared);
    s.commit("base");
    // A commit no ref keeps: its own key, and the shared one at another path.
    s.write("gone/only.txt", fake_key("llm", 48));
    s.write("gone/copy.txt", &shared);
    s.commit("dropped");
    s.git(&["reset", "-q", "--hard", "HEAD~1"]);
    // The reflog keeps the dropped commit, so the pack holds its trees too.
    s.git(&["repack", "-adq"]);
    // Then a commit in loose objects, on top.
    s.write("later/b.txt", "b\n");
    s.write("later/again.txt", &shared);
    s.commit("loose");
    let head = s.git(&["rev-parse", "HEAD"]).trim().to_string();
    let base = s.git(&["rev-parse", "HEAD~1"]).trim().to_string();
    assert!(
        s.join(".git/objects").join(&head[..2]).join(&head[2..]).exists(),
        "the last commit is loose"
    );

    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found = credited(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("keys/shared.txt".to_string(), base, KEY_RULE.to_string()),
            ("later/again.txt".to_string(), head, KEY_RULE.to_string()),
        ],
        "the shared key at each reached path, nothing from the dropped commit"
    );
    // a.txt, keys/shared.txt (the same blob as later/again.txt), later/b.txt.
    assert_eq!(report["summary"]["files"], 3, "{report}");
}
