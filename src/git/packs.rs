//! Reading every object of a pack file once, in pack order, each delta base inflated
//! once for all the deltas built on it, on several threads.
//!
//! This is what makes a whole-history scan fast: libgit2 reads one object at a time
//! and resolves each delta chain again from its base (35 s for the blobs of git's own
//! repository on two cores, whatever the order); gitoxide's delta-tree traversal
//! (`gix-pack`) decodes all 850,000 objects of that repository in 4 s. Only this
//! module knows about `gix-pack`: the rest sees object kinds, ids and bytes.

use crate::git::objects::{HashKind, RawId};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The object kinds a pack holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

/// One pack: its index (ids and offsets), and its data, open and mapped. The
/// traversal reads entries from the file ([`EntryReader`]); the map serves the
/// linear passes over the whole pack (CRCs, entry headers), a window at a time.
pub struct Pack {
    pack_path: PathBuf,
    index: gix_pack::index::File,
    file: std::fs::File,
    data: memmap2::Mmap,
    /// Offsets of damaged entries and of every delta built on one, found once.
    damaged: OnceLock<HashSet<u64>>,
    /// The entries in offset order, found once.
    entries: OnceLock<Entries>,
    headers: OnceLock<Headers>,
}

/// The pack's entries in offset order: what the CRC check, the header walk and the
/// traversal's reader all go through (one sort of the index, not one each).
struct Entries {
    /// Every entry's offset, ascending, then the end of the last entry: where each
    /// entry ends.
    offsets: Vec<u64>,
    /// Each entry's position in the index.
    index_of: Vec<u32>,
}

/// What a pack's entry headers say, by entry in offset order.
struct Headers {
    /// `TREE`, `OTHER`, or `UNKNOWN` (a header or a chain that could not be read).
    kinds: Vec<u8>,
    /// Whether a delta is built on the entry.
    is_base: Vec<bool>,
    /// (size, entry) of every blob stored whole.
    whole_blobs: Vec<(u64, u32)>,
}

impl Headers {
    const UNKNOWN: u8 = 0;
    const TREE: u8 = 1;
    const OTHER: u8 = 2;
}

/// An entry of the delta tree: the caller's number for the object, and where it is.
/// (Kept small: a pack of a million objects has a million of them.)
struct Item {
    number: u32,
    offset: u64,
}

/// The number of an entry decoded only as a delta base.
const UNSELECTED: u32 = u32::MAX;

impl Pack {
    /// Opens `pack-*.idx` and the `.pack` beside it, of a repository whose objects
    /// are named by `hash` digests.
    pub fn open(idx_path: &Path, hash: HashKind) -> Result<Pack, String> {
        let pack_path = idx_path.with_extension("pack");
        let index = gix_pack::index::File::at(idx_path, hash)
            .map_err(|e| format!("{}: unreadable pack index: {e}", idx_path.display()))?;
        let file = std::fs::File::open(&pack_path).map_err(|e| format!("{}: cannot open: {e}", pack_path.display()))?;
        // SAFETY: pack files are written once and never modified in place (git writes a
        // new pack and renames it); the map is only read.
        let data =
            unsafe { memmap2::Mmap::map(&file) }.map_err(|e| format!("{}: cannot map: {e}", pack_path.display()))?;
        if data.len() < 32 || &data[..4] != b"PACK" {
            return Err(format!("{}: not a pack file", pack_path.display()));
        }
        Ok(Pack {
            pack_path,
            index,
            data,
            file,
            damaged: OnceLock::new(),
            entries: OnceLock::new(),
            headers: OnceLock::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.pack_path
    }

    /// The ids of every object in the pack.
    pub fn ids(&self) -> impl Iterator<Item = &gix_hash::oid> + '_ {
        (0..self.index.num_objects()).map(|i| self.index.oid_at_index(i))
    }

    /// Inflates the objects `select` numbers, and every delta base they need, handing
    /// each selected one to a clone of `visit` (one per thread) with its kind, number
    /// and content. Damaged objects are left out (and counted in the result); decoding
    /// stops at the first object that cannot be inflated. The caller reads what was
    /// not visited another way.
    pub fn traverse<V>(
        &self,
        threads: usize,
        select: &(dyn Fn(&RawId) -> Option<u32> + Sync),
        visit: V,
    ) -> Result<usize, String>
    where
        V: FnMut(Kind, u32, &[u8]) + Send + Clone,
    {
        let subset = self.items(select, false);
        if subset.is_empty() {
            return Ok(0);
        }
        let partial =
            subset.iter().filter(|item| item.number != UNSELECTED).count() < self.index.num_objects() as usize;
        let damaged = self.damaged.get_or_init(|| self.find_damaged());
        let result = match self.traverse_items(threads, subset, damaged, visit.clone()) {
            // A delta whose base is not selected (git deltifies only against objects
            // of the same kind, but a pack may be made by anything): decode everything.
            Err(_) if partial && !crate::interrupt::requested() => {
                self.traverse_items(threads, self.items(select, true), damaged, visit)
            }
            result => result,
        };
        result.map(|()| damaged.len())
    }

    /// The entries `select` numbers (or all of them), by ascending offset.
    fn items(&self, select: &(dyn Fn(&RawId) -> Option<u32> + Sync), all: bool) -> Vec<Item> {
        let Entries { offsets, index_of } = self.entries();
        let mut items: Vec<Item> = index_of
            .iter()
            .zip(offsets)
            .filter_map(|(&index, &offset)| {
                let number = select(self.index.oid_at_index(index).as_bytes());
                (all || number.is_some()).then_some(Item {
                    number: number.unwrap_or(UNSELECTED),
                    offset,
                })
            })
            .collect();
        // gix-pack builds the delta tree reading the pack from its first entry on, and
        // takes the first item to be there: a subset that starts later would have its
        // headers read from the wrong places, fail, and be decoded whole (every
        // object, where a trees' pass wants a third of them). So the pack's first
        // entry (a whole object: nothing comes before its base) leads, decoded and not
        // handed on.
        let first = offsets[0];
        if items.first().is_some_and(|item| item.offset != first) {
            items.insert(
                0,
                Item {
                    number: UNSELECTED,
                    offset: first,
                },
            );
        }
        items
    }

    fn traverse_items<V>(
        &self,
        threads: usize,
        items: Vec<Item>,
        damaged: &HashSet<u64>,
        visit: V,
    ) -> Result<(), String>
    where
        V: FnMut(Kind, u32, &[u8]) + Send + Clone,
    {
        // Ctrl-C stops the traversal between objects (src/interrupt.rs).
        let stop = crate::interrupt::flag();
        let mut progress = gix_utils::progress::Discard;
        let tree = gix_pack::cache::delta::Tree::from_offsets_in_pack(
            &self.pack_path,
            items.into_iter(),
            &|item: &Item| item.offset,
            &|id| Ok(self.index.lookup(id).map(|i| self.index.pack_offset_at_index(i))),
            &mut progress,
            stop,
            self.index.object_hash(),
        )
        .map_err(|e| format!("{}: {e}", self.pack_path.display()))?;
        let mut size_progress = gix_utils::progress::Discard;
        let mut visit = visit;
        let reader = EntryReader::new(&self.file, self.offsets());
        tree.traverse(
            |range, reader: &EntryReader<'_>| reader.read(range),
            &reader,
            self.entries_end(),
            move |item: &mut Item, _, context| {
                // A base decoded only for its deltas is not handed on.
                if let Some(kind) = context.entry.header.as_kind().map(kind_of) {
                    if item.number != UNSELECTED && !damaged.contains(&item.offset) {
                        visit(kind, item.number, context.decompressed);
                    }
                }
                Ok(())
            },
            gix_pack::cache::delta::traverse::Options {
                object_progress: Box::new(gix_utils::progress::Discard),
                size_progress: &mut size_progress,
                thread_limit: Some(threads.max(1)),
                should_interrupt: stop,
                object_hash: self.index.object_hash(),
                alloc_limit_bytes: None,
            },
        )
        .map(drop)
        .map_err(|e| format!("{}: cannot decode: {e}", self.pack_path.display()))
    }

    /// The offsets of entries whose bytes do not match the CRC-32 the index records
    /// (bit rot, a truncated copy), and of every delta built on one of them.
    ///
    /// Inflating stops when an object's known size is reached, before zlib's own
    /// checksum, so a damaged entry can inflate to wrong bytes without an error; and a
    /// delta applied to a wrong base gives wrong bytes too. Checking every entry costs
    /// one CRC-32 over the pack (50 ms for 500 MB), never a SHA-1 of every object.
    fn find_damaged(&self) -> HashSet<u64> {
        let Entries { offsets, index_of } = self.entries();
        // Where entry `i` ends: the traversal's reader uses the same list.
        let next = |i: usize| offsets[i + 1];
        // Window by window, each window's pages released after it: the whole pack at
        // once would all be resident for a moment.
        const WINDOW: u64 = 32 << 20;
        let mut bad = Vec::new();
        let mut first = 0;
        let count = index_of.len();
        while first < count {
            let start = offsets[first];
            let last = first + offsets[first..count].partition_point(|&o| o < start + WINDOW).max(1);
            bad.par_extend((first..last).into_par_iter().filter_map(|i| {
                let (offset, crc) = (offsets[i], self.index.crc32_at_index(index_of[i]));
                // Version 1 indexes record no CRC: nothing to check against.
                let bytes = self.data.get(offset as usize..next(i) as usize).unwrap_or(&[]);
                crc.filter(|&crc| crc32fast::hash(bytes) != crc).map(|_| offset)
            }));
            self.release(start, next(last - 1) - start);
            first = last;
        }
        if bad.is_empty() {
            return HashSet::new();
        }
        // Deltas by base, to carry the damage down every chain.
        let mut children: HashMap<u64, Vec<u64>> = HashMap::new();
        for &offset in &offsets[..count] {
            let Some(bytes) = self.data.get(offset as usize..) else {
                continue;
            };
            let Ok(entry) = gix_pack::data::Entry::from_bytes(bytes, offset, self.index.object_hash()) else {
                continue;
            };
            let base = match entry.header {
                gix_pack::data::entry::Header::OfsDelta { base_distance } => offset.checked_sub(base_distance),
                gix_pack::data::entry::Header::RefDelta { base_id } => {
                    self.index.lookup(base_id).map(|i| self.index.pack_offset_at_index(i))
                }
                _ => None,
            };
            if let Some(base) = base {
                children.entry(base).or_default().push(offset);
            }
        }
        let mut damaged = HashSet::new();
        let mut stack = bad;
        while let Some(offset) = stack.pop() {
            if damaged.insert(offset) {
                stack.extend(children.get(&offset).into_iter().flatten());
            }
        }
        damaged
    }

    /// The ids of the trees in the pack, from the entries' headers alone: a whole
    /// entry names its kind, and a delta holds what its base holds (git deltifies an
    /// object only against one of its own kind). So a pass can take the trees after
    /// everything else without inflating anything to learn which they are. An entry
    /// whose header or chain cannot be read is left out: the caller reads it with the
    /// others and learns its kind then.
    pub fn tree_ids(&self) -> Vec<&RawId> {
        let headers = self.headers();
        (0..headers.kinds.len())
            .filter(|&at| headers.kinds[at] == Headers::TREE)
            .map(|at| self.id_at(self.entries().index_of[at]))
            .collect()
    }

    /// The ids of blobs stored whole (not as deltas) whose entry header gives a size
    /// over `max`, and on which no delta is built: they can be skipped as too large
    /// without inflating them (a 3 GiB blob would otherwise be 3 GiB of memory). git
    /// stores blobs over `core.bigFileThreshold` whole and never deltifies against
    /// them, so in practice every oversized blob is one of these.
    pub fn oversized_blobs(&self, max: u64) -> Vec<&RawId> {
        let headers = self.headers();
        headers
            .whole_blobs
            .iter()
            .filter(|&&(size, at)| size > max && !headers.is_base[at as usize])
            .map(|&(_, at)| self.id_at(self.entries().index_of[at as usize]))
            .collect()
    }

    fn id_at(&self, index: u32) -> &RawId {
        self.index.oid_at_index(index).as_bytes()
    }

    /// What the entries' headers say, read once: one walk of the pack, a window at a
    /// time, each window's pages released after it (as `find_damaged`).
    fn headers(&self) -> &Headers {
        self.headers.get_or_init(|| {
            use gix_pack::data::entry::Header;
            let offsets = self.offsets();
            let count = offsets.len() - 1;
            // An offset delta's base lies before it, nearly always close: a search
            // backwards from the delta, doubling its stride, finds it in a few steps
            // where a bisection of the whole pack would miss the cache at each.
            let before = |at: usize, offset: u64| -> Option<usize> {
                let mut low = at;
                let mut stride = 1;
                while low > 0 && offsets[low - 1] >= offset {
                    low = low.saturating_sub(stride);
                    stride *= 2;
                }
                let found = low + offsets[low..at].partition_point(|&o| o < offset);
                (offsets.get(found) == Some(&offset)).then_some(found)
            };
            let at_offset = |offset: u64| offsets.binary_search(&offset).ok();
            let mut kinds = vec![Headers::UNKNOWN; count];
            let mut bases = vec![usize::MAX; count];
            let mut is_base = vec![false; count];
            let mut whole_blobs = Vec::new();
            const WINDOW: u64 = 32 << 20;
            let mut window_start = 0;
            for (at, &offset) in offsets[..count].iter().enumerate() {
                if offset >= window_start + WINDOW {
                    self.release(window_start, offset - window_start);
                    window_start = offset;
                }
                let Some(bytes) = self.data.get(offset as usize..) else {
                    continue;
                };
                let Ok(entry) = gix_pack::data::Entry::from_bytes(bytes, offset, self.index.object_hash()) else {
                    continue;
                };
                let base = match entry.header {
                    Header::Tree => {
                        kinds[at] = Headers::TREE;
                        None
                    }
                    Header::Blob => {
                        kinds[at] = Headers::OTHER;
                        whole_blobs.push((entry.decompressed_size, at as u32));
                        None
                    }
                    Header::Commit | Header::Tag => {
                        kinds[at] = Headers::OTHER;
                        None
                    }
                    Header::OfsDelta { base_distance } => {
                        offset.checked_sub(base_distance).and_then(|base| before(at, base))
                    }
                    Header::RefDelta { base_id } => self
                        .index
                        .lookup(base_id)
                        .and_then(|i| at_offset(self.index.pack_offset_at_index(i))),
                };
                if let Some(base) = base {
                    bases[at] = base;
                    is_base[base] = true;
                }
            }
            self.release(window_start, self.data.len() as u64 - window_start);
            // A delta's kind is its chain's root's. An offset delta's base comes
            // before it, so one loop in offset order settles those; a ref delta's
            // base may come later, hence the walk down the chain (capped: a corrupt
            // pack may loop).
            let mut chain = Vec::new();
            for at in 0..count {
                let mut root = at;
                while kinds[root] == Headers::UNKNOWN && bases[root] != usize::MAX && chain.len() < 10_000 {
                    chain.push(root);
                    root = bases[root];
                }
                let kind = kinds[root];
                for link in chain.drain(..) {
                    kinds[link] = kind;
                    // Settled, even as unknown: not walked again.
                    bases[link] = usize::MAX;
                }
            }
            Headers {
                kinds,
                is_base,
                whole_blobs,
            }
        })
    }

    /// Where the last entry ends: the pack's checksum, one id long, follows it.
    fn entries_end(&self) -> u64 {
        (self.data.len() - self.index.object_hash().len_in_bytes()) as u64
    }

    fn entries(&self) -> &Entries {
        self.entries.get_or_init(|| {
            let mut by_offset: Vec<(u64, u32)> = (0..self.index.num_objects())
                .map(|i| (self.index.pack_offset_at_index(i), i))
                .collect();
            by_offset.sort_unstable();
            let (mut offsets, index_of): (Vec<u64>, Vec<u32>) = by_offset.into_iter().unzip();
            offsets.push(self.entries_end());
            Entries { offsets, index_of }
        })
    }

    /// Every entry's offset, ascending, and the end of the last one.
    fn offsets(&self) -> &[u64] {
        &self.entries().offsets
    }

    /// Drops `len` bytes of the map from `start` out of this process's memory.
    fn release(&self, start: u64, len: u64) {
        #[cfg(unix)]
        // SAFETY: the map is read-only and backed by a file nobody modifies, so a
        // dropped page reads back the same bytes on its next access.
        unsafe {
            let _ = self
                .data
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start as usize, len as usize);
        }
    }
}

/// Pack entries read with `pread` into a buffer per thread, for the delta traversal.
///
/// Reading them through the map instead made the scan's resident memory swing by
/// 100-200 MB: the page cache holds a pack in large folios (up to 2 MB), and a fault
/// maps the whole folio, so the traversal's scattered reads (each delta sits
/// somewhere else in the pack) mapped far more than they read, faster than any
/// release could hand it back.
struct EntryReader<'a> {
    file: &'a std::fs::File,
    /// [`Pack::offsets`]: where each entry ends.
    offsets: &'a [u64],
    buffers: thread_local::ThreadLocal<std::cell::UnsafeCell<Vec<u8>>>,
}

impl<'a> EntryReader<'a> {
    fn new(file: &'a std::fs::File, offsets: &'a [u64]) -> Self {
        EntryReader {
            file,
            offsets,
            buffers: thread_local::ThreadLocal::new(),
        }
    }

    /// The bytes of the entry at `range.start`: its header and compressed data. The
    /// range ends at the next entry the traversal knows of, which in a partial
    /// traversal may be far beyond this one; a long range is cut at the next entry
    /// of the pack. (Not at a bound worked out from the entry's inflated size: a
    /// stream cut short inflates to a zero-filled tail without an error, and a
    /// deflate stream may legally be far larger than zlib's own worst case, so a
    /// crafted pack could have hidden a key past the bound.)
    fn read(&self, range: std::ops::Range<u64>) -> Option<&[u8]> {
        let buffer = self.buffers.get_or(Default::default);
        // SAFETY: each thread has its own buffer, and gix-pack's traversal uses the
        // slice a resolver returns only until it has inflated it, before it asks
        // this thread for another entry (gix-pack 0.77,
        // cache/delta/traverse/resolve.rs: decompress_from_resolver).
        let buffer = unsafe { &mut *buffer.get() };
        let mut end = range.end;
        // Most entries are small and their range exact: the search is for the rest.
        const SHORT: u64 = 16 << 10;
        if end.checked_sub(range.start)? > SHORT {
            let next = self.offsets.partition_point(|&o| o <= range.start);
            end = end.min(*self.offsets.get(next)?);
        }
        buffer.resize((end - range.start) as usize, 0);
        read_at(self.file, buffer, range.start).ok()?;
        Some(buffer.as_slice())
    }
}

/// Fills `buffer` from `file` at `offset`, leaving the file's cursor alone (several
/// threads read one handle).
#[cfg(unix)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, mut buffer: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buffer.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buffer, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buffer = &mut buffer[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

fn kind_of(kind: gix_object::Kind) -> Kind {
    match kind {
        gix_object::Kind::Commit => Kind::Commit,
        gix_object::Kind::Tree => Kind::Tree,
        gix_object::Kind::Blob => Kind::Blob,
        gix_object::Kind::Tag => Kind::Tag,
    }
}

/// The pack indexes of an object directory and of its alternates.
pub fn pack_indexes(objects_dir: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![objects_dir.to_path_buf()];
    if let Ok(alternates) = std::fs::read_to_string(objects_dir.join("info/alternates")) {
        for line in alternates.lines().map(str::trim) {
            if !line.is_empty() && !line.starts_with('#') {
                dirs.push(objects_dir.join(line));
            }
        }
    }
    let mut indexes = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "idx"))
            .collect();
        found.sort();
        indexes.extend(found);
    }
    indexes
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;
    use std::sync::Mutex;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("git prints UTF-8")
    }

    /// A packed history of nested directories, many versions each (so trees are
    /// deltas of trees), and its pack.
    fn packed_history() -> (tempfile::TempDir, Pack) {
        let dir = tempfile::tempdir().expect("a temporary directory");
        git(dir.path(), &["init", "-q", "."]);
        for version in 0..30 {
            for sub in ["src/a", "src/b/c", "docs"] {
                let folder = dir.path().join(sub);
                std::fs::create_dir_all(&folder).expect("a folder");
                let lines: String = (0..50)
                    .map(|line| format!("{sub} line {line} of {version}\n"))
                    .collect();
                std::fs::write(folder.join(format!("file{}.txt", version % 7)), lines).expect("a file");
            }
            git(dir.path(), &["add", "-A"]);
            git(dir.path(), &["commit", "-q", "-m", &format!("version {version}")]);
        }
        git(dir.path(), &["repack", "-adfq"]);
        let idx = pack_indexes(&dir.path().join(".git/objects"))
            .into_iter()
            .next()
            .expect("a pack");
        let pack = Pack::open(&idx, HashKind::Sha1).expect("the pack opens");
        (dir, pack)
    }

    /// The ids of the objects of `kind` git lists in the repository.
    fn ids_of_kind(dir: &Path, kind: &str) -> HashSet<crate::git::objects::Id> {
        git(
            dir,
            &[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objecttype) %(objectname)",
            ],
        )
        .lines()
        .filter_map(|line| line.strip_prefix(kind)?.strip_prefix(' '))
        .map(|hex| crate::git::objects::parse_hex(hex.as_bytes()).expect("a hex id"))
        .collect()
    }

    #[test]
    fn a_subset_that_starts_after_the_first_entry_is_decoded_alone() {
        let (dir, pack) = packed_history();
        let trees = ids_of_kind(dir.path(), "tree");
        let numbered: Vec<crate::git::objects::Id> = trees.iter().copied().collect();
        let select = |id: &RawId| numbered.iter().position(|t| t.as_bytes() == id).map(|n| n as u32);
        let subset = pack.items(&select, false);
        // git writes commits first: the trees start later in the pack.
        assert!(subset.iter().all(|item| item.offset > 12 || item.number == UNSELECTED));
        let seen = Mutex::new(Vec::new());
        let visit = |kind: Kind, number: u32, _: &[u8]| seen.lock().expect("not poisoned").push((kind, number));
        let damaged = HashSet::new();
        // The subset alone, not the fallback that decodes the whole pack.
        pack.traverse_items(2, subset, &damaged, visit)
            .expect("the trees decode on their own");
        let mut seen = seen.into_inner().expect("not poisoned");
        seen.sort_unstable_by_key(|&(_, number)| number);
        let expected: Vec<(Kind, u32)> = (0..numbered.len() as u32).map(|n| (Kind::Tree, n)).collect();
        assert_eq!(seen, expected, "every tree once, nothing else");
    }

    #[test]
    fn the_headers_tell_the_trees_without_inflating() {
        let (dir, pack) = packed_history();
        let trees: HashSet<crate::git::objects::Id> = pack
            .tree_ids()
            .into_iter()
            .map(crate::git::objects::Id::from_bytes_or_panic)
            .collect();
        assert_eq!(trees, ids_of_kind(dir.path(), "tree"));
        // Most of them are deltas: the kind came down their chains.
        let deltas = git(
            dir.path(),
            &[
                "verify-pack",
                "-v",
                &pack.path().with_extension("idx").display().to_string(),
            ],
        )
        .lines()
        .filter(|line| line.split_whitespace().nth(1) == Some("tree") && line.split_whitespace().count() >= 7)
        .count();
        assert!(
            deltas * 4 >= trees.len(),
            "{deltas} of {} trees are deltas",
            trees.len()
        );
    }
}
