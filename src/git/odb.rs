//! A repository's object store as one numbered table, read in whole passes.
//!
//! Every object of every pack (and of the alternates' packs) and every loose object
//! gets a dense number, so the history's graph is kept in plain arrays instead of maps
//! keyed by 20-byte ids. A pass hands each wanted object to a visitor once: packs are
//! decoded in pack order by [`packs`](crate::git::packs); what they could not
//! deliver (loose objects, a damaged pack) is read one by one through gitoxide's
//! object database (`gix-odb`), each object checked against its id.

use crate::git::objects::{same_id, HashKind, Id, RawId};
use crate::git::packs::{self, Kind, Pack};
use crate::git::GitError;
use crate::model::Problem;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The objects of one repository, numbered.
pub struct ObjectStore {
    /// The repository's own object directory (gix-odb follows its alternates).
    objects_dir: PathBuf,
    packs: Vec<Pack>,
    /// The repository's object format: every id is this digest's length.
    hash: HashKind,
    /// Every object id once, sorted, end to end: an object's number is its index
    /// here. A sorted table costs 20 bytes an object (SHA-1) where a hash map from id
    /// to number cost 46, and it grows without the map's rehash, when old and new
    /// tables are both alive.
    ids: Vec<u8>,
    /// The first 8 bytes of each id, big-endian: what a lookup compares (a trees'
    /// pass looks up a hundred million entries), before the one full comparison.
    keys: Vec<u64>,
    /// `fanout[p]` is the index of the first id whose first two bytes are `p` or
    /// more (65,537 entries): a lookup bisects a few keys, as git's pack index does.
    fanout: Vec<u32>,
}

impl ObjectStore {
    /// Lists the objects of the repository whose common directory is `common_dir` (the
    /// main repository's, for a linked worktree), named by `hash` digests. A pack that
    /// cannot be opened is a problem; its objects are then not in the table, and show
    /// as missing where trees name them.
    pub fn open(common_dir: &Path, hash: HashKind) -> (ObjectStore, Vec<Problem>) {
        let mut problems = Vec::new();
        let dirs = object_dirs(&common_dir.join("objects"), &mut problems);
        let mut packs = Vec::new();
        for idx in dirs.iter().flat_map(|dir| packs::pack_indexes(dir)) {
            match Pack::open(&idx, hash) {
                Ok(pack) => packs.push(pack),
                Err(message) => problems.push(Problem {
                    path: idx.display().to_string(),
                    message,
                    kind: crate::model::ProblemKind::Unread,
                }),
            }
        }
        let loose: Vec<Id> = dirs.iter().flat_map(|dir| loose_ids(dir, hash)).collect();
        let all = packs
            .iter()
            .flat_map(|p| p.ids().map(|id| id.as_bytes()))
            .chain(loose.iter().map(|id| id.as_bytes()));
        let ids = sorted(hash, all);
        (
            ObjectStore::numbered(common_dir.join("objects"), packs, hash, ids),
            problems,
        )
    }

    /// The store of `ids`, sorted and end to end (as [`sorted`] gives them), numbered.
    fn numbered(objects_dir: PathBuf, packs: Vec<Pack>, hash: HashKind, ids: Vec<u8>) -> ObjectStore {
        let each = || ids.chunks_exact(hash.len_in_bytes());
        ObjectStore {
            objects_dir,
            packs,
            hash,
            fanout: fanout(each()),
            keys: each().map(key).collect(),
            ids,
        }
    }

    /// How many distinct objects the repository holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The digest the repository names its objects with.
    pub fn hash(&self) -> HashKind {
        self.hash
    }

    /// The number of object `id`, if the repository has it.
    pub fn number(&self, id: &RawId) -> Option<u32> {
        if id.len() != self.hash.len_in_bytes() {
            return None;
        }
        let prefix = prefix(id);
        let (first, end) = (self.fanout[prefix] as usize, self.fanout[prefix + 1] as usize);
        let key = key(id);
        let keys = &self.keys[first..end];
        let at = first + keys.partition_point(|&k| k < key);
        // Ids sharing their first 8 bytes are consecutive; one of them may be `id`.
        (at..end)
            .take_while(|&i| self.keys[i] == key)
            .find(|&i| same_id(self.id(i as u32), id))
            .map(|i| i as u32)
    }

    pub fn id(&self, number: u32) -> &RawId {
        let len = self.hash.len_in_bytes();
        let at = number as usize * len;
        &self.ids[at..at + len]
    }

    /// Which objects are trees, by number, as the packs' entry headers tell without
    /// inflating anything. Loose objects, and pack entries whose chain cannot be
    /// followed, are `false`: their kind is learnt when they are read.
    pub fn trees_by_header(&self) -> Vec<bool> {
        let mut trees = vec![false; self.len()];
        for pack in &self.packs {
            for id in pack.tree_ids() {
                if let Some(number) = self.number(id) {
                    trees[number as usize] = true;
                }
            }
        }
        trees
    }

    /// A memo of this store's lookups, for one thread.
    pub fn memo(&self) -> Memo<'_> {
        Memo {
            store: self,
            recent: vec![([0; MAX_ID], NOT_KEPT); Memo::SLOTS].into_boxed_slice(),
        }
    }

    /// Hands every object `wanted` accepts to a clone of `visit`, once, on `threads`
    /// threads, with its number, kind and content. Returns what could not be read.
    ///
    /// Blobs larger than `max_blob` are not inflated: their size is read from the
    /// pack entry's header (or the loose object's), and they are listed in
    /// [`Read::oversized`] instead of being visited.
    pub fn read_all<V>(&self, threads: usize, wanted: &(dyn Fn(u32) -> bool + Sync), max_blob: u64, visit: V) -> Read
    where
        V: FnMut(u32, Kind, &[u8]) + Send + Clone,
    {
        // An object in two packs (or in a pack and loose) is visited from the first.
        let claimed: Vec<AtomicBool> = (0..self.len()).map(|_| AtomicBool::new(false)).collect();
        let claim = |number: u32| !claimed[number as usize].swap(true, Ordering::Relaxed);
        let mut problems = Vec::new();
        let oversized = Mutex::new(Vec::new());
        if max_blob < u64::MAX {
            for pack in &self.packs {
                for id in pack.oversized_blobs(max_blob) {
                    if let Some(n) = self.number(id).filter(|&n| wanted(n) && claim(n)) {
                        oversized.lock().unwrap_or_else(|p| p.into_inner()).push(n);
                    }
                }
            }
        }
        for pack in &self.packs {
            let select = |id: &RawId| {
                self.number(id)
                    .filter(|&n| wanted(n) && !claimed[n as usize].load(Ordering::Relaxed))
            };
            let mut visit = visit.clone();
            let result = pack.traverse(threads, &select, move |kind, number, data| {
                if claim(number) {
                    visit(number, kind, data);
                }
            });
            // An interrupted traversal is not a damaged pack: nothing is re-read.
            if crate::interrupt::requested() {
                break;
            }
            let message = match result {
                Ok(0) => continue,
                Ok(1) => "an object is damaged (its bytes do not match the pack index); \
                          reading it one by one"
                    .to_string(),
                Ok(damaged) => format!(
                    "{damaged} objects are damaged (their bytes do not match the pack index) or deltas \
                     of one; reading them one by one"
                ),
                Err(message) => format!("{message}; reading its objects one by one"),
            };
            problems.push(Problem {
                path: pack.path().display().to_string(),
                message,
                kind: crate::model::ProblemKind::Warning,
            });
        }
        // Loose objects, and what a damaged pack did not deliver.
        let rest: Vec<u32> = (0..self.len() as u32)
            .filter(|&n| wanted(n) && !claimed[n as usize].load(Ordering::Relaxed))
            .collect();
        if rest.is_empty() || crate::interrupt::requested() {
            return Read {
                problems,
                failed: Vec::new(),
                oversized: oversized.into_inner().unwrap_or_else(|p| p.into_inner()),
            };
        }
        let failures = Mutex::new(Vec::new());
        // One object database for the pass; each worker takes its own reader on it,
        // and its own visitor.
        let database = Objects::open(&self.objects_dir, self.hash);
        let visitors = Mutex::new(visit);
        let init = || {
            let visit = visitors.lock().unwrap_or_else(|p| p.into_inner()).clone();
            (database.as_ref().map(Objects::reader), visit)
        };
        let read_one = |(reader, visit): &mut (Result<Reader, &GitError>, V), number: u32| {
            if crate::interrupt::requested() {
                return;
            }
            // A loose blob over the limit is left unread, by its header.
            if let Ok(reader) = reader {
                if reader.blob_size(self.id(number)).is_some_and(|size| size > max_blob) {
                    if claim(number) {
                        oversized.lock().unwrap_or_else(|p| p.into_inner()).push(number);
                    }
                    return;
                }
            }
            let result = match reader {
                Ok(reader) => reader.read(self.id(number)).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok((kind, data)) => {
                    if claim(number) {
                        visit(number, kind, data);
                    }
                }
                Err(message) => failures
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((number, message)),
            }
        };
        // On the run's one rayon pool (sized once by the command, `-j`), shared with
        // every other scan of the run: an audit's repositories divide it.
        rest.par_iter().for_each_init(init, |state, &n| read_one(state, n));
        Read {
            problems,
            failed: failures.into_inner().unwrap_or_else(|p| p.into_inner()),
            oversized: oversized.into_inner().unwrap_or_else(|p| p.into_inner()),
        }
    }
}

/// Objects read one at a time, from any thread: one gitoxide object database
/// (loose objects, packs, alternates), and a reader with its own cache per thread.
pub struct Objects(Vec<Arc<gix_odb::Store>>);

impl Objects {
    /// The object databases at `dirs`, read in order: a repository's, then a push's
    /// quarantine; `hash` is the repository's object format.
    pub fn open_all(dirs: &[&Path], hash: HashKind) -> Result<Objects, GitError> {
        let mut stores = Vec::with_capacity(dirs.len());
        for dir in dirs {
            stores.extend(Objects::open(dir, hash)?.0);
        }
        Ok(Objects(stores))
    }

    /// The object database at `objects_dir` (`.git/objects`).
    pub fn open(objects_dir: &Path, hash: HashKind) -> Result<Objects, GitError> {
        gix_odb::Store::at_opts(
            objects_dir.to_path_buf(),
            hash,
            &mut std::iter::empty(),
            gix_odb::store::init::Options::default(),
        )
        .map(|store| Objects(vec![Arc::new(store)]))
        .map_err(|e| {
            GitError::Unreadable(format!(
                "cannot open the object database {}: {e}",
                objects_dir.display()
            ))
        })
    }

    /// A reader for one thread.
    pub fn reader(&self) -> Reader {
        Reader {
            handles: self.0.iter().map(|store| store.to_cache_arc()).collect(),
            buffer: Vec::new(),
        }
    }
}

/// Reads objects for one thread.
pub struct Reader {
    handles: Vec<gix_odb::Cache<gix_odb::store::Handle<Arc<gix_odb::Store>>>>,
    buffer: Vec<u8>,
}

impl Reader {
    /// The size of object `id` if it is a blob, from its header only (nothing is
    /// inflated); `None` for other objects and when the header cannot be read.
    pub fn blob_size(&mut self, id: &RawId) -> Option<u64> {
        use gix_object::FindHeader;
        let oid = gix_hash::oid::try_from_bytes(id).ok()?;
        let header = self
            .handles
            .iter()
            .find_map(|handle| handle.try_header(oid).ok().flatten())?;
        (header.kind == gix_object::Kind::Blob).then_some(header.size)
    }

    /// Object `id`'s kind and content, if its bytes hash to its id: a damaged pack
    /// would otherwise hand back wrong bytes without an error.
    pub fn read(&mut self, id: &RawId) -> Result<(Kind, &[u8]), GitError> {
        use gix_object::Find;
        let unreadable = GitError::Unreadable;
        let oid = gix_hash::oid::try_from_bytes(id).map_err(|e| unreadable(e.to_string()))?;
        // The first database that holds it (one, but for a push's quarantine).
        let holder = match self.handles.len() {
            1 => 0,
            _ => {
                use gix_object::FindHeader;
                self.handles
                    .iter()
                    .position(|handle| handle.try_header(oid).ok().flatten().is_some())
                    .unwrap_or(0)
            }
        };
        let data = match self.handles[holder].try_find(oid, &mut self.buffer) {
            Ok(Some(data)) => data,
            Ok(None) => return Err(unreadable(format!("object {oid} is not in the repository"))),
            Err(e) => return Err(unreadable(format!("object {oid}: {e}"))),
        };
        match gix_object::compute_hash(oid.kind(), data.kind, data.data) {
            Ok(actual) if actual.as_slice() == id => {}
            _ => {
                return Err(unreadable(format!(
                    "object {oid} is damaged: its bytes do not match its id"
                )))
            }
        }
        let kind = match data.kind {
            gix_object::Kind::Commit => Kind::Commit,
            gix_object::Kind::Tree => Kind::Tree,
            gix_object::Kind::Blob => Kind::Blob,
            gix_object::Kind::Tag => Kind::Tag,
        };
        Ok((kind, data.data))
    }
}

/// What a pass could not read.
pub struct Read {
    /// Packs that could not be decoded (their objects were then read one by one).
    pub problems: Vec<Problem>,
    /// Objects that could not be read at all, by number, with the reason.
    pub failed: Vec<(u32, String)>,
    /// Blobs over the size limit, left unread, by number.
    pub oversized: Vec<u32>,
}

/// The repository's object directory and those its `info/alternates` name, and
/// theirs in turn (a `git clone --shared`, `--reference`, or a fork network's
/// shared store): objects that live there are the repository's too. Relative
/// entries are relative to the directory that names them; as git does, the chain
/// is followed five deep. An alternate that is not there is a problem, named.
fn object_dirs(objects: &Path, problems: &mut Vec<Problem>) -> Vec<std::path::PathBuf> {
    const DEPTH: usize = 5;
    // (directory, how many alternates files led to it)
    let mut dirs = vec![(objects.to_path_buf(), 0)];
    let mut next = 0;
    while next < dirs.len() {
        let (dir, depth) = dirs[next].clone();
        next += 1;
        let Ok(text) = std::fs::read_to_string(dir.join("info").join("alternates")) else {
            continue;
        };
        if depth == DEPTH {
            problems.push(Problem {
                path: dir.display().to_string(),
                message: format!("alternates nested more than {DEPTH} deep are not read"),
                kind: crate::model::ProblemKind::Unread,
            });
            continue;
        }
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let alternate = dir.join(line);
            let alternate = alternate.canonicalize().unwrap_or(alternate);
            if !alternate.is_dir() {
                problems.push(Problem {
                    path: dir.join("info").join("alternates").display().to_string(),
                    message: format!("alternate object directory {} is missing", alternate.display()),
                    kind: crate::model::ProblemKind::Unread,
                });
            } else if !dirs.iter().any(|(d, _)| *d == alternate) {
                dirs.push((alternate, depth + 1));
            }
        }
    }
    dirs.into_iter().map(|(dir, _)| dir).collect()
}

/// One thread's last lookups, in a slot the id picks. A tree repeats most of its
/// entries from one version to the next, and the traversal decodes a tree's
/// versions one after another (each is a delta of the last), so 86% of the trees'
/// lookups on git's repository (51 of 59 million) find their id here, in a table
/// that stays in the core's cache, instead of in the store's tables. A clone starts
/// empty: each thread of a pass takes its own.
pub struct Memo<'a> {
    store: &'a ObjectStore,
    recent: Box<[([u8; MAX_ID], u32)]>,
}

/// The longest id (SHA-256's): a memo's slot holds one of any format.
const MAX_ID: usize = HashKind::longest().len_in_bytes();

/// The number of a slot that holds nothing yet.
const NOT_KEPT: u32 = u32::MAX;

impl Memo<'_> {
    /// 4,096 slots of 36 bytes: a directory of a thousand files fits with few
    /// collisions, and the table fits in a core's L2 cache.
    const SLOTS: usize = 1 << 12;

    /// The number of object `id`, as [`ObjectStore::number`] gives it.
    pub fn number(&mut self, id: &RawId) -> Option<u32> {
        // Bytes 2 and 3 (the first two are the store's fan-out): any id bytes are
        // uniform, and these differ between ids that share a fan-out bucket.
        let slot = usize::from(u16::from_le_bytes([id[2], id[3]])) & (Self::SLOTS - 1);
        let (kept, number) = &mut self.recent[slot];
        let kept = &mut kept[..id.len().min(MAX_ID)];
        if *number != NOT_KEPT && same_id(kept, id) {
            return Some(*number);
        }
        let found = self.store.number(id)?;
        kept.copy_from_slice(id);
        *number = found;
        Some(found)
    }
}

impl Clone for Memo<'_> {
    fn clone(&self) -> Self {
        self.store.memo()
    }
}

/// `ids` (in any order, repeats allowed) sorted, each once, end to end. Ids of
/// another length than `hash`'s are left out: no tree or commit of the store names
/// them.
fn sorted<'a>(hash: HashKind, ids: impl Iterator<Item = &'a RawId>) -> Vec<u8> {
    // As arrays of the format's length: they sort and compare without a `memcmp`
    // call each, and take no more memory than the table they become.
    fn of_len<'a, const N: usize>(ids: impl Iterator<Item = &'a RawId>) -> Vec<u8> {
        let mut fixed: Vec<[u8; N]> = ids.filter_map(|id| id.try_into().ok()).collect();
        fixed.sort_unstable();
        fixed.dedup();
        fixed.into_flattened()
    }
    match hash.len_in_bytes() {
        20 => of_len::<20>(ids),
        _ => of_len::<32>(ids),
    }
}

/// The first two bytes of an id, as the index of its fan-out bucket.
fn prefix(id: &RawId) -> usize {
    usize::from(u16::from_be_bytes([id[0], id[1]]))
}

/// The first 8 bytes of an id, as a number that sorts as the id does.
fn key(id: &RawId) -> u64 {
    u64::from_be_bytes(id[..8].try_into().expect("an id is 20 or 32 bytes"))
}

/// For each two-byte prefix, the index of the first of the sorted `ids` at or above it.
fn fanout<'a>(ids: impl Iterator<Item = &'a RawId>) -> Vec<u32> {
    let mut fanout = vec![0u32; (1 << 16) + 1];
    for id in ids {
        fanout[prefix(id) + 1] += 1;
    }
    for p in 1..fanout.len() {
        fanout[p] += fanout[p - 1];
    }
    fanout
}

/// The ids of the loose objects under `objects` (`ab/cdef…`), as gix-odb's loose
/// store lists them.
fn loose_ids(objects: &Path, hash: HashKind) -> Vec<Id> {
    let store = gix_odb::loose::Store::at(objects, hash);
    store.iter().filter_map(Result::ok).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_one_number_and_others_none() {
        for hash in [HashKind::Sha1, HashKind::Sha256] {
            let id = |bytes: &[u8]| {
                let mut id = vec![0u8; hash.len_in_bytes()];
                id[..bytes.len()].copy_from_slice(bytes);
                id
            };
            // Ids sharing a fan-out bucket, ids sharing their first 8 bytes (so only the
            // full comparison tells them apart), the first and last buckets, a repeat.
            let ids = [
                id(&[0xab, 0xcd, 1]),
                id(&[0xab, 0xcd, 0, 0, 0, 0, 0, 0, 9]),
                id(&[0xab, 0xcd, 0, 0, 0, 0, 0, 0, 3]),
                id(&[0xab, 0xcd, 0, 0, 0, 0, 0, 0, 3, 1]),
                id(&[]),
                vec![0xff; hash.len_in_bytes()],
                id(&[0xab, 0xcd, 1]),
            ];
            let table = sorted(hash, ids.iter().map(|i| &i[..]));
            let store = ObjectStore::numbered(PathBuf::new(), Vec::new(), hash, table);
            assert_eq!(store.len(), 6);
            let mut numbers: Vec<u32> = ids.iter().map(|i| store.number(i).expect("listed")).collect();
            for (id, &number) in ids.iter().zip(&numbers) {
                assert_eq!(store.id(number), &id[..]);
            }
            numbers.sort_unstable();
            numbers.dedup();
            assert_eq!(numbers, (0..6).collect::<Vec<u32>>());
            // A memo gives what the store gives, for ids seen and not.
            let mut memo = store.memo();
            for (id, &number) in ids.iter().zip(&numbers) {
                assert_eq!(memo.number(id), store.number(id), "{number}");
            }
            for absent in [
                id(&[0xab, 0xcd, 0, 0, 0, 0, 0, 0, 3, 2]),
                id(&[0xab, 0xcd, 2]),
                id(&[0xab, 0xce]),
                id(&[0x12]),
            ] {
                assert_eq!(store.number(&absent), None);
                assert_eq!(memo.number(&absent), None);
            }
            // An id of the other format is not the store's, even where its bytes start alike.
            let other = if hash == HashKind::Sha1 { 32 } else { 20 };
            assert_eq!(store.number(&vec![0xff; other]), None);
        }
    }
}
