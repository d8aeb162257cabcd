//! The two git object formats a history scan reads itself, from bytes the pack
//! traversal has already inflated: tree entries and commit headers. Parsing them here
//! keeps a hundred million tree entries away from a library call each.

/// An object id: a SHA-1 digest.
pub type RawId = [u8; 20];

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
    malformed: bool,
}

impl<'a> TreeEntries<'a> {
    pub fn new(data: &'a [u8]) -> TreeEntries<'a> {
        TreeEntries {
            rest: data,
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
        // "<octal mode> <name>\0<20 bytes of id>"
        let entry = (|| {
            // A mode is at most six digits: a short loop, where memchr's set-up cost
            // more than the search (tens of millions of entries a history).
            let space = match self.rest.iter().take(8).position(|&b| b == b' ') {
                Some(space) => space,
                None => memchr::memchr(b' ', self.rest)?,
            };
            let nul = space + 1 + memchr::memchr(0, &self.rest[space + 1..])?;
            let id: &RawId = self.rest.get(nul + 1..nul + 21)?.try_into().ok()?;
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
                nul + 21,
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
    pub tree: RawId,
    pub parents: Vec<RawId>,
    /// Committer time, seconds since the epoch (0 when absent).
    pub time: i64,
}

/// The object an annotated tag points at (its `object` line).
pub fn tag_target(data: &[u8]) -> Option<RawId> {
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

/// 40 hexadecimal digits as an id.
pub fn parse_hex(hex: &[u8]) -> Option<RawId> {
    if hex.len() != 40 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut id = [0; 20];
    for (i, pair) in hex.chunks(2).enumerate() {
        id[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> RawId {
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
        let entries: Vec<_> = TreeEntries::new(&data).map(|e| (e.kind, e.name, e.id[0])).collect();
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
    fn a_truncated_tree_is_reported_as_malformed() {
        let mut data = tree(&[("100644", "a.txt", 1), ("100644", "b.txt", 2)]);
        data.truncate(data.len() - 3);
        let mut entries = TreeEntries::new(&data);
        assert_eq!(entries.next().map(|e| e.name), Some(&b"a.txt"[..]));
        assert_eq!(entries.next(), None);
        assert!(entries.malformed());

        let whole = tree(&[("100644", "a.txt", 1)]);
        let mut entries = TreeEntries::new(&whole);
        assert_eq!(entries.by_ref().count(), 1);
        assert!(!entries.malformed());
    }

    #[test]
    fn names_may_hold_spaces_and_any_byte_but_nul() {
        let data = tree(&[("100644", "my file \u{e9}.txt", 7)]);
        let entry = TreeEntries::new(&data).next().unwrap();
        assert_eq!(entry.name, "my file \u{e9}.txt".as_bytes());
        assert_eq!(entry.id, &id(7));
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
        assert_eq!(header.parents[0][0], 0x01);
        assert_eq!(header.time, 1_700_000_000);
    }

    #[test]
    fn a_commit_without_a_tree_is_not_a_commit() {
        assert_eq!(commit_header(b"author A <a@x> 1 +0000\n\nmessage"), None);
        assert_eq!(commit_header(b"tree 12345\n"), None);
        assert_eq!(parse_hex(b"zz25dc642cb6eb9a060e54bf8d69288fbee4904a"), None);
    }
}
