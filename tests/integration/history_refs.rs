//! Everything a ref holds is history (issue 15, point 2): tags of blobs and trees,
//! notes, and branches whose tip commit libgit2 cannot parse.

use crate::sandbox::{credited, Sandbox, KEY_RULE};
use wayscan::testkeys::fake_key;

/// Writes `contents` as a loose object of `kind` (any bytes, `--literally`); returns its id.
fn object(s: &Sandbox, kind: &str, contents: &str) -> String {
    s.write("object.tmp", contents);
    let id = s.git(&["hash-object", "-t", kind, "-w", "--literally", "object.tmp"]);
    std::fs::remove_file(s.join("object.tmp")).unwrap();
    id.trim().to_string()
}

#[test]
fn tags_of_blobs_and_trees_are_read_at_ref_and_path() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    s.commit("init");
    let blob = object(&s, "blob", &format!("KEY={}\n", fake_key("storage", 81)));
    s.git(&["tag", "blob-tag", &blob]);
    // A tree no commit has, tagged through an annotated tag.
    s.write("d/t.env.example", format!("x\nk={}\n", fake_key("gpu", 82)));
    s.git(&["add", "d"]);
    let tree = s.git(&["write-tree"]).trim().to_string();
    s.git(&["reset", "-q"]);
    std::fs::remove_dir_all(s.join("d")).unwrap();
    s.git(&["tag", "-a", "-m", "the tree", "tree-tag", &tree]);

    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut found = credited(&report);
    found.sort();
    assert_eq!(
        found,
        [
            ("refs/tags/blob-tag".to_string(), String::new(), KEY_RULE.to_string()),
            (
                "refs/tags/tree-tag:d/t.env.example".to_string(),
                String::new(),
                KEY_RULE.to_string()
            ),
        ]
    );
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert!(lines.contains(&1) && lines.contains(&2), "{lines:?}");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
}

#[test]
fn notes_are_read() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    let annotated = s.commit("init");
    s.git(&[
        "notes",
        "add",
        "-m",
        &format!("deployed with {}", fake_key("dns", 83)),
        "HEAD",
    ]);
    let notes_commit = s.git(&["rev-parse", "refs/notes/commits"]).trim().to_string();
    let (run, report) = s.json_of("history", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A note lives in the notes tree at the id of the commit it annotates.
    assert_eq!(credited(&report), [(annotated, notes_commit, KEY_RULE.to_string())]);
}

#[test]
fn a_branch_whose_tip_has_an_unparseable_date_is_read() {
    let s = Sandbox::git_repo();
    s.write("a.txt", "a\n");
    let parent = s.commit("init");
    s.write("leak.txt", format!("{}\n", fake_key("llm", 84)));
    s.git(&["add", "leak.txt"]);
    let tree = s.git(&["write-tree"]).trim().to_string();
    s.git(&["reset", "-q"]);
    std::fs::remove_file(s.join("leak.txt")).unwrap();
    let commit = object(
        &s,
        "commit",
        &format!(
            "tree {tree}\nparent {parent}\nauthor A <a@x> not-a-date +0000\n\
             committer A <a@x> 99999999999999999999999 +0000\n\nbad dates\n"
        ),
    );
    s.git(&["update-ref", "refs/heads/odd", &commit]);
    for args in [&[][..], &["--branch", "odd"][..]] {
        let (run, report) = s.json_of("history", args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert_eq!(
            credited(&report),
            [("leak.txt".to_string(), commit.clone(), KEY_RULE.to_string())],
            "{args:?}"
        );
        assert!(!run.stderr.contains("error"), "{args:?}: {}", run.stderr);
    }
}
