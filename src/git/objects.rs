//! The two git object formats a history scan reads itself, from bytes the pack
//! traversal has already inflated: tree entries and commit headers. Parsing them here
//! keeps a hundred million tree entries away from a library call each.

/// An object id's bytes: 20 of a SHA-1 digest, or 32 of a SHA-256 one, as the
/// repository's object format says (`extensions.objectFormat`).
pub type RawId = [u8];

/// An object id kept beyond the bytes it was read from.
pub type Id = gix_hash::ObjectId;

/// The hash a repository names its objects with.
pub use gix_hash::Kind as HashKind;

/// Whether ids `a` and `b` are the same, compared a machine word at a time: a slice
/// comparison of a length known only at run time calls `memcmp`, and those calls
/// were 8% of a history scan (a hundred million lookups).
#[inline]
pub fn same_id(a: &RawId, b: &RawId) -> bool {
    let n = a.len();
    if n != b.len() || n < 16 {
        return a == b;
    }
    let word = |id: &[u8], at: usize| u64::from_ne_bytes(id[at..at + 8].try_into().expect("8 bytes"));
    // Bytes 0..16 and the last 8, and 16..24 when those leave a gap (SHA-256's 32):
    // every byte of a 20- or 32-byte id, in three or four comparisons.
    word(a, 0) == word(b, 0)
        && word(a, 8) == word(b, 8)
        && word(a, n - 8) == word(b, n - 8)
        && (n <= 24 || word(a, 16) == word(b, 16))
}

/// What a tree entry points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file (`100644`, `100755`, or the old `100664`).
    File,
    /// A directory (`40000`).
    Tree,
    /// A symbolic link (`120000`): its blob holds a path, not content.
    Symlink,
    /// A submodule (`160000`): a commit of another repository.
    Submodule,
}

/// One entry of a tree object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeEntry<'a> {
    pub kind: EntryKind,
    pub name: &'a [u8],
    pub id: &'a RawId,
}

/// The entries of a tree object, in order. A malformed tail ends the iteration; the
/// caller learns of it from [`TreeEntries::malformed`].
pub struct TreeEntries<'a> {
    rest: &'a [u8],
    /// The length of an id: each entry ends in one.
    id_len: usize,
    malformed: bool,
}

impl<'a> TreeEntries<'a> {
    /// The entries of tree `data`, of a repository whose ids are `hash` digests.
    pub fn new(data: &'a [u8], hash: HashKind) -> TreeEntries<'a> {
        TreeEntries {
            rest: data,
            id_len: hash.len_in_bytes(),
            malformed: false,
        }
    }

    /// Whether the data ended in something that is not a tree entry.
    pub fn malformed(&self) -> bool {
        self.malformed
    }
}

impl<'a> Iterator for TreeEntries<'a> {
    type Item = TreeEntry<'a>;

    fn next(&mut self) -> Option<TreeEntry<'a>> {
        if self.rest.is_empty() || self.malformed {
            return None;
        }
        // "<octal mode> <name>\0<the id's 20 or 32 bytes>"
        let entry = (|| {
            // A mode is at most six digits: a short loop, where memchr's set-up cost
            // more than the search (tens of millions of entries a history).
            let space = match self.rest.iter().take(8).position(|&b| b == b' ') {
                Some(space) => space,
                None => memchr::memchr(b' ', self.rest)?,
            };
            let nul = space + 1 + memchr::memchr(0, &self.rest[space + 1..])?;
            let end = nul + 1 + self.id_len;
            let id: &RawId = self.rest.get(nul + 1..end)?;
            let kind = match &self.rest[..space] {
                b"40000" | b"040000" => EntryKind::Tree,
                b"120000" => EntryKind::Symlink,
                b"160000" => EntryKind::Submodule,
                _ => EntryKind::File,
            };
            Some((
                TreeEntry {
                    kind,
                    name: &self.rest[space + 1..nul],
                    id,
                },
                end,
            ))
        })();
        match entry {
            Some((entry, len)) => {
                self.rest = &self.rest[len..];
                Some(entry)
            }
            None => {
                self.malformed = true;
                None
            }
        }
    }
}

/// What ordering and attribution need from a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitHeader {
    pub tree: Id,
    pub parents: Vec<Id>,
    /// Committer time, seconds since the epoch (0 when absent).
    pub time: i64,
}

/// The object an annotated tag points at (its `object` line).
pub fn tag_target(data: &[u8]) -> Option<Id> {
    let first = data.split(|&b| b == b'\n').next()?;
    parse_hex(first.strip_prefix(b"object ")?)
}

/// Reads the header of a commit object; `None` when it has no valid tree line.
pub fn commit_header(data: &[u8]) -> Option<CommitHeader> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut time = 0;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break; // the message follows
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Some(parse_hex(hex)?);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(parse_hex(hex)?);
        } else if let Some(who) = line.strip_prefix(b"committer ") {
            time = signature_time(who).unwrap_or(0);
        }
    }
    Some(CommitHeader {
        tree: tree?,
        parents,
        time,
    })
}

/// The seconds of "Name <email> 1234567890 +0100".
fn signature_time(signature: &[u8]) -> Option<i64> {
    let after_email = &signature[memchr::memrchr(b'>', signature)? + 1..];
    let text = std::str::from_utf8(after_email).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// 40 (SHA-1) or 64 (SHA-256) hexadecimal digits as an id.
pub fn parse_hex(hex: &[u8]) -> Option<Id> {
    Id::from_hex(hex).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> [u8; 20] {
        [byte; 20]
    }

    fn tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut data = Vec::new();
        for (mode, name, byte) in entries {
            data.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            data.extend_from_slice(&id(*byte));
        }
        data
    }

    #[test]
    fn tree_entries_are_read_with_their_kinds() {
        let data = tree(&[
            ("100644", "a.txt", 1),
            ("100755", "run.sh", 2),
            ("40000", "src", 3),
            ("120000", "link", 4),
            ("160000", "vendor", 5),
        ]);
        let entries: Vec<_> = TreeEntries::new(&data, HashKind::Sha1)
            .map(|e| (e.kind, e.name, e.id[0]))
            .collect();
        assert_eq!(
            entries,
            vec![
                (EntryKind::File, &b"a.txt"[..], 1),
                (EntryKind::File, &b"run.sh"[..], 2),
                (EntryKind::Tree, &b"src"[..], 3),
                (EntryKind::Symlink, &b"link"[..], 4),
                (EntryKind::Submodule, &b"vendor"[..], 5),
            ]
        );
    }

    #[test]
    fn ids_are_the_same_only_when_every_byte_is() {
        for len in [20, 32] {
            let id = vec![7u8; len];
            assert!(same_id(&id, &id.clone()));
            for at in 0..len {
                let mut other = id.clone();
                other[at] ^= 1;
                assert!(!same_id(&id, &other), "byte {at} of {len}");
            }
            assert!(!same_id(&id, &id[..len - 1]));
        }
        assert!(!same_id(&[7; 20], &[7; 32]));
    }

    #[test]
    fn sha256_trees_end_each_entry_in_32_bytes() {
        let mut data = Vec::new();
        for (name, byte) in [("a.txt", 1u8), ("b.txt", 2)] {
            data.extend_from_slice(format!("100644 {name}\0").as_bytes());
            data.extend_from_slice(&[byte; 32]);
        }
        let mut entries = TreeEntries::new(&data, HashKind::Sha256);
        let read: Vec<_> = entries.by_ref().map(|e| (e.name, e.id.to_vec())).collect();
        assert_eq!(read, vec![(&b"a.txt"[..], vec![1; 32]), (&b"b.txt"[..], vec![2; 32])]);
        assert!(!entries.malformed());
        // Read as SHA-1, the same bytes end in something that is not an entry.
        let mut as_sha1 = TreeEntries::new(&data, HashKind::Sha1);
        assert_eq!(as_sha1.next().map(|e| e.id.len()), Some(20));
        assert!(as_sha1.by_ref().last().is_none_or(|e| e.name == b"b.txt"));
        assert!(as_sha1.malformed());
    }

    #[test]
    fn sha256_commits_name_their_tree_and_parents_in_64_digits() {
        let tree = "a".repeat(64);
        let parent = "0123456789abcdef".repeat(4);
        let data = format!("tree {tree}\nparent {parent}\ncommitter C <c@x> 5 +0000\n\nmsg\n");
        let header = commit_header(data.as_bytes()).unwrap();
        assert_eq!(header.tree.as_bytes(), &[0xaa; 32][..]);
        assert_eq!(header.parents[0].kind(), HashKind::Sha256);
        assert_eq!(
            tag_target(format!("object {parent}\ntype commit\n").as_bytes()),
            Some(header.parents[0])
        );
    }

    #[test]
    fn a_truncated_tree_is_reported_as_malformed() {
        let mut data = tree(&[("100644", "a.txt", 1), ("100644", "b.txt", 2)]);
        data.truncate(data.len() - 3);
        let mut entries = TreeEntries::new(&data, HashKind::Sha1);
        assert_eq!(entries.next().map(|e| e.name), Some(&b"a.txt"[..]));
        assert_eq!(entries.next(), None);
        assert!(entries.malformed());

        let whole = tree(&[("100644", "a.txt", 1)]);
        let mut entries = TreeEntries::new(&whole, HashKind::Sha1);
        assert_eq!(entries.by_ref().count(), 1);
        assert!(!entries.malformed());
    }

    #[test]
    fn names_may_hold_spaces_and_any_byte_but_nul() {
        let data = tree(&[("100644", "my file \u{e9}.txt", 7)]);
        let entry = TreeEntries::new(&data, HashKind::Sha1).next().unwrap();
        assert_eq!(entry.name, "my file \u{e9}.txt".as_bytes());
        assert_eq!(entry.id, &id(7)[..]);
    }

    #[test]
    fn commit_headers_give_tree_parents_and_committer_time() {
        let tree_hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let parent = "0123456789abcdef0123456789abcdef01234567";
        let data = format!(
            "tree {tree_hex}\nparent {parent}\nparent {tree_hex}\nauthor A <a@x> 1 +0000\n\
             committer C <c@x> 1700000000 -0130\n\nparent not-a-header\n"
        );
        let header = commit_header(data.as_bytes()).unwrap();
        assert_eq!(header.tree, parse_hex(tree_hex.as_bytes()).unwrap());
        assert_eq!(header.parents.len(), 2);
        assert_eq!(header.parents[0].as_bytes()[0], 0x01);
        assert_eq!(header.time, 1_700_000_000);
    }

    #[test]
    fn a_commit_without_a_tree_is_not_a_commit() {
        assert_eq!(commit_header(b"author A <a@x> 1 +0000\n\nmessage"), None);
        assert_eq!(commit_header(b"tree 12345\n"), None);
        assert_eq!(parse_hex(b"zz25dc642cb6eb9a060e54bf8d69288fbee4904a"), None);
    }
}
