//! A whole history (every ref, or one branch) in two passes over the object store,
//! each object inflated once, in pack order, on every core:
//! 1. every object but the trees: blobs are scanned (finding a secret needs no
//!    path), and commits give the history's order;
//! 2. the trees, once the blobs' results are known: their subdirectories (with
//!    names), the blobs each lists, where the blobs to report appear, and the names
//!    a file rule wants.
//!
//! The history's order then gives each tree its earliest commit ([`lineage`]), and
//! what the trees' pass kept is credited there. Which objects are trees is known
//! before anything is inflated, from the packs' entry headers, so neither pass
//! decodes what the other reads. Paths, authors and dates are worked out only for
//! what is reported.

use super::{places_wanted, Earliest, PlacesWanted};
use crate::engine::content::{self, Scanned};
use crate::engine::detect;
use crate::engine::matcher::Matcher;
use crate::engine::rules::{Rule, RuleSet};
use crate::exposure;
use crate::git::history;
use crate::git::lineage::{self, CommitNode, TreeLineage, TreePaths, NONE};
use crate::git::objects::{commit_header, EntryKind, Id, TreeEntries};
use crate::git::odb::ObjectStore;
use crate::git::packs::Kind;
use crate::model::Outcome;
use crate::model::{hex, Detection};
use crate::model::{Problem, Skip, SkipReason};
use crate::pipeline::place_judged;
use crate::progress::Progress;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

pub(super) fn scan_whole(
    matcher: &Matcher<'_>,
    repo: &history::HistoryRepo,
    selection: &history::Selection,
    max_size: u64,
    threads: usize,
    progress: &dyn Progress,
) -> Outcome {
    let mut problems = Vec::new();
    // A handle of its own: the pack windows libgit2 maps to read the refs' commits
    // are let go before the passes start.
    let (tips, tagged) = match repo.reopen().and_then(|own| {
        let tips = own.tips(selection, &mut problems)?;
        let tagged = own.tagged_files(&tips.tagged, &mut problems);
        Ok((tips.commits, tagged))
    }) {
        Ok(found) => found,
        Err(message) => return Outcome::fatal(repo.git_dir(), message),
    };
    let (store, opened) = ObjectStore::open(repo.common_dir(), repo.object_hash());
    problems.extend(opened);
    let is_tree = store.trees_by_header();
    progress.stage("objects read", is_tree.iter().filter(|&&tree| !tree).count() as u64);
    let ctx = Context {
        store: &store,
        repo,
        threads,
        progress,
    };

    let mut objects = first_pass(&ctx, matcher, max_size, &is_tree, &mut problems);
    return_freed_memory();
    let file_rules: Vec<&Rule> = matcher.rules().rules.iter().filter(|r| !r.is_content()).collect();
    let trees = trees_pass(&ctx, &mut objects, &is_tree, &file_rules, &mut problems);
    drop(is_tree);
    let commits = std::mem::take(&mut objects.commits);
    let mut order = order(
        &ctx,
        &objects.kinds,
        commits,
        &trees.links,
        &tips,
        selection.unreachable,
        &mut problems,
    );
    return_freed_memory();
    let found = attribute(&ctx, &objects, &order.lineage, trees, &mut problems);
    progress.done();
    for (place, id) in tagged {
        if let Some(number) = store.number(id.as_bytes()) {
            order.tagged.entry(number).or_default().push(place);
        }
    }
    report(
        &ctx,
        objects,
        &order,
        found,
        matcher.rules(),
        selection.unreachable,
        problems,
    )
}

/// Hands the memory a pass freed (its workers' batches, the delta tree of every
/// pack) back to the system before the next step builds its own. glibc keeps a
/// freed block in the arena of the thread that allocated it, so without this the
/// peak is every step's worth (bench/history.sh: 197 MB, 167 MB with it).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of glibc's own heaps; it touches
    // no allocation in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// What every pass and step reads.
struct Context<'a> {
    store: &'a ObjectStore,
    repo: &'a history::HistoryRepo,
    threads: usize,
    progress: &'a dyn Progress,
}

impl Context<'_> {
    fn problem(&self, message: String) -> Problem {
        Problem {
            path: self.repo.git_dir().display().to_string(),
            message,
            kind: crate::model::ProblemKind::Unread,
        }
    }

    fn hex(&self, number: u32) -> String {
        hex(self.store.id(number))
    }
}

/// What the first pass learns of the whole object store.
struct Objects {
    /// Each object's kind (`UNREAD` when it could not be read).
    kinds: Vec<u8>,
    /// What `order` needs; taken from here so it is freed before the attribution.
    commits: HashMap<u32, CommitNode>,
    /// Trees the first pass met: the entry headers did not say they were trees (a
    /// loose object, a chain that could not be followed). The trees' pass reads them.
    late_trees: HashSet<u32>,
    /// Blobs that need a report: a detection, something inside not scanned, or a skip.
    blobs: Vec<(u32, Scanned)>,
    /// The other blobs (nearly all of them): scanned, nothing in them, (number,
    /// bytes) for the counts. Kept apart because a `Scanned` is ten times larger.
    plain: Vec<(u32, u64)>,
    /// Commits and annotated tags whose message holds a detection: (number, kind,
    /// detections, inline-allowed ones).
    messages: Vec<(u32, Kind, Vec<Detection>, Vec<Detection>)>,
    /// Objects that could not be read, with the reason.
    failed: Vec<(u32, String)>,
}

const UNREAD: u8 = 0;

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::Commit => 1,
        Kind::Tree => 2,
        Kind::Blob => 3,
        Kind::Tag => 4,
    }
}

/// Pass 1: every object but the trees, once. Blobs are scanned, commits kept.
fn first_pass(
    ctx: &Context<'_>,
    matcher: &Matcher<'_>,
    max_size: u64,
    is_tree: &[bool],
    problems: &mut Vec<Problem>,
) -> Objects {
    let kinds: Vec<AtomicU8> = (0..ctx.store.len()).map(|_| AtomicU8::new(UNREAD)).collect();
    let (commits, malformed, late_trees, blobs, plain, messages) = (
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
    );
    let (scanned_bytes, found) = (AtomicU64::new(0), AtomicU64::new(0));
    let read = {
        let (store, kinds, progress) = (ctx.store, &kinds, ctx.progress);
        let (scanned_bytes, found) = (&scanned_bytes, &found);
        let (mut commits, mut malformed, mut late_trees, mut blobs, mut plain, mut messages) = (
            Batch::new(&commits),
            Batch::new(&malformed),
            Batch::new(&late_trees),
            Batch::new(&blobs),
            Batch::new(&plain),
            Batch::new(&messages),
        );
        let not_tree = |n: u32| !is_tree[n as usize];
        store.read_all(ctx.threads, &not_tree, max_size, move |number, kind, data| {
            kinds[number as usize].store(kind_code(kind), Ordering::Relaxed);
            // A commit's or an annotated tag's message is content too.
            if matches!(kind, Kind::Commit | Kind::Tag) {
                let detected = detect::detect(matcher, message_of(data));
                if !detected.found.is_empty() || !detected.allowed.is_empty() {
                    messages.push((number, kind, detected.found, detected.allowed));
                }
            }
            match kind {
                Kind::Commit => match commit_header(data) {
                    Some(header) => commits.push((
                        number,
                        CommitNode {
                            tree: store.number(header.tree.as_bytes()).unwrap_or(NONE),
                            parents: header
                                .parents
                                .iter()
                                .filter_map(|p| store.number(p.as_bytes()))
                                .collect(),
                            time: header.time,
                        },
                    )),
                    None => malformed.push(number),
                },
                Kind::Tree => late_trees.push(number),
                Kind::Blob => {
                    let result = content::scan(matcher, data, max_size);
                    if let Scanned::Read { bytes, findings, .. } = &result {
                        scanned_bytes.fetch_add(*bytes, Ordering::Relaxed);
                        found.fetch_add(findings.len() as u64, Ordering::Relaxed);
                    }
                    match result.plain_bytes() {
                        Some(bytes) => plain.push((number, bytes)),
                        None => blobs.push((number, result)),
                    }
                }
                Kind::Tag => {}
            }
            if progress.advance(1) % 4096 == 0 {
                progress.note(&format!(
                    "{} MiB scanned, {} findings",
                    scanned_bytes.load(Ordering::Relaxed) >> 20,
                    found.load(Ordering::Relaxed)
                ));
            }
        })
    };
    problems.extend(read.problems);
    let mut blobs: Vec<(u32, Scanned)> = blobs.into_items().collect();
    for &number in &read.oversized {
        kinds[number as usize].store(kind_code(Kind::Blob), Ordering::Relaxed);
        blobs.push((number, Scanned::Skipped(SkipReason::TooLarge)));
    }
    for number in malformed.into_items() {
        problems.push(ctx.problem(format!("commit {}: malformed", ctx.hex(number))));
    }
    Objects {
        kinds: kinds.into_iter().map(AtomicU8::into_inner).collect(),
        commits: commits.into_items().collect(),
        late_trees: late_trees.into_items().collect(),
        blobs,
        plain: plain.into_items().collect(),
        messages: messages.into_items().collect(),
        failed: read.failed,
    }
}

/// The message of a commit or tag object: what follows the blank line that ends its
/// header (nothing when there is none).
fn message_of(data: &[u8]) -> &[u8] {
    memchr::memmem::find(data, b"\n\n").map_or(&[], |at| &data[at + 2..])
}

/// A directory entry: tree `parent` lists tree `child` under name `name` (an index
/// in [`TreeFacts::names`]).
struct Link {
    parent: u32,
    child: u32,
    name: u32,
}

/// Every directory entry of every tree, grouped by the tree that lists them: for
/// each tree with subdirectories, `[tree, n, child 1, name 1, ..., child n, name n]`.
/// 8 bytes a link (git's history has millions: each version of `t/` lists a hundred
/// subdirectories), where a list of `Link`s would take 12.
struct Links(Vec<Vec<u32>>);

impl Links {
    fn iter(&self) -> LinkIter<'_> {
        LinkIter {
            chunks: self.0.iter(),
            chunk: &[],
            parent: 0,
            left: 0,
        }
    }
}

#[derive(Clone)]
struct LinkIter<'a> {
    chunks: std::slice::Iter<'a, Vec<u32>>,
    chunk: &'a [u32],
    parent: u32,
    left: u32,
}

impl Iterator for LinkIter<'_> {
    type Item = Link;

    fn next(&mut self) -> Option<Link> {
        loop {
            match self.chunk {
                [child, name, rest @ ..] if self.left > 0 => {
                    self.left -= 1;
                    self.chunk = rest;
                    return Some(Link {
                        parent: self.parent,
                        child: *child,
                        name: *name,
                    });
                }
                [parent, count, rest @ ..] => {
                    (self.parent, self.left) = (*parent, *count);
                    self.chunk = rest;
                }
                _ => self.chunk = self.chunks.next()?,
            }
        }
    }
}

/// What the trees' pass learns from every tree in the store. Which trees the history
/// reaches is known only once the commits are ordered, and that needs the links, so
/// each fact is kept with its tree and [`attribute`] keeps those of reached trees.
struct TreeFacts {
    links: Links,
    /// The names of subdirectories, each once (a history has few distinct ones).
    names: Vec<Box<[u8]>>,
    /// Every blob some tree lists.
    listed: Vec<bool>,
    /// Which places each blob's report needs, by number.
    needs_path: Vec<PlacesWanted>,
    /// (blob, tree, name) for the blobs whose report needs a place.
    places: Vec<(u32, u32, Box<[u8]>)>,
    /// (tree, name) of files a file rule may want (by name).
    files: Vec<(u32, Box<[u8]>)>,
    /// (tree, name, id, is a tree) of entries the repository lacks.
    missing: Vec<(u32, Box<[u8]>, Id, bool)>,
    malformed: Vec<u32>,
}

/// Pass 2: every tree, once, with the blobs' results known.
fn trees_pass(
    ctx: &Context<'_>,
    objects: &mut Objects,
    is_tree: &[bool],
    file_rules: &[&Rule],
    problems: &mut Vec<Problem>,
) -> TreeFacts {
    // Which places each blob's report needs: none, the first (a skip, a failure),
    // or every path it appears at (its findings are findings at each).
    let mut needs_path = vec![PlacesWanted::None; ctx.store.len()];
    for (number, result) in &objects.blobs {
        needs_path[*number as usize] = places_wanted(result);
    }
    for (number, _) in &objects.failed {
        needs_path[*number as usize] = PlacesWanted::First;
    }
    let late = &objects.late_trees;
    let wanted = |n: u32| is_tree[n as usize] || late.contains(&n);
    let count = is_tree.iter().filter(|&&t| t).count() + late.len();
    ctx.progress.stage("trees read", count as u64);
    let kinds: Vec<AtomicU8> = std::mem::take(&mut objects.kinds)
        .into_iter()
        .map(AtomicU8::new)
        .collect();
    let listed: Vec<AtomicBool> = (0..ctx.store.len()).map(|_| AtomicBool::new(false)).collect();
    let names = Names::default();
    let (links, places, files, missing, malformed, misread) = (
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
        Chunks::default(),
    );
    let read = {
        let (store, kinds, listed, needs_path, progress) = (ctx.store, &kinds, &listed, &needs_path, ctx.progress);
        let (mut links, mut places, mut files, mut missing, mut malformed, mut misread) = (
            Batch::new(&links),
            Batch::new(&places),
            Batch::new(&files),
            Batch::new(&missing),
            Batch::new(&malformed),
            Batch::new(&misread),
        );
        let (mut numbers, mut names) = (store.memo(), names.cache());
        let mut group = Vec::new();
        store.read_all(ctx.threads, &wanted, u64::MAX, move |tree, kind, data| {
            progress.advance(1);
            if kind != Kind::Tree {
                // A pack whose headers say otherwise than its contents: damaged.
                misread.push((tree, kind));
                return;
            }
            kinds[tree as usize].store(kind_code(kind), Ordering::Relaxed);
            // A name is a part of the tree's bytes: when no file rule's keyword is
            // anywhere in them, no entry's name can hold one (one search of the tree
            // instead of one per rule and entry, 13% of this pass on git's repository).
            let names_may_match = file_rules.iter().any(|r| r.may_match_name(data));
            let mut entries = TreeEntries::new(data, store.hash());
            for entry in &mut entries {
                match (entry.kind, numbers.number(entry.id)) {
                    (EntryKind::File, Some(blob)) => {
                        listed[blob as usize].store(true, Ordering::Relaxed);
                        if needs_path[blob as usize] != PlacesWanted::None {
                            places.push((blob, tree, entry.name.into()));
                        }
                        if names_may_match && file_rules.iter().any(|r| r.may_match_name(entry.name)) {
                            files.push((tree, entry.name.into()));
                        }
                    }
                    (EntryKind::Tree, Some(child)) => {
                        if group.is_empty() {
                            group.extend([tree, 0]);
                        }
                        group.extend([child, names.number(entry.name)]);
                    }
                    (EntryKind::File | EntryKind::Tree, None) => {
                        missing.push((
                            tree,
                            entry.name.into(),
                            Id::from_bytes_or_panic(entry.id),
                            entry.kind == EntryKind::Tree,
                        ));
                    }
                    // A link holds a path, a submodule another repository's commit.
                    (EntryKind::Symlink | EntryKind::Submodule, _) => {}
                }
            }
            if !group.is_empty() {
                group[1] = (group.len() as u32 - 2) / 2;
                links.push_group(&group);
                group.clear();
            }
            if entries.malformed() {
                malformed.push(tree);
            }
        })
    };
    objects.kinds = kinds.into_iter().map(AtomicU8::into_inner).collect();
    objects.failed.extend(read.failed);
    problems.extend(read.problems);
    for (number, kind) in misread.into_items() {
        let kind: Kind = kind;
        problems.push(ctx.problem(format!(
            "object {}: the pack's headers say it is a tree, but it is a {kind:?}; not scanned",
            ctx.hex(number)
        )));
    }
    TreeFacts {
        links: Links(links.into_inner()),
        names: names.into_table(),
        listed: listed.into_iter().map(AtomicBool::into_inner).collect(),
        needs_path,
        places: places.into_items().collect(),
        files: files.into_items().collect(),
        missing: missing.into_items().collect(),
        malformed: malformed.into_items().collect(),
    }
}

/// The names of subdirectories, each kept once and known by its index: a history
/// lists millions of subdirectories under a few hundred names.
#[derive(Default)]
struct Names(Mutex<NameTable>);

/// Each name's index, and the names by index.
#[derive(Default)]
struct NameTable {
    numbers: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

/// A name a thread met lately, and its index.
type KeptName = Option<(Box<[u8]>, u32)>;

impl Names {
    /// A cache of this table for one thread.
    fn cache(&self) -> NameCache<'_> {
        NameCache {
            table: self,
            slots: vec![None; NameCache::SLOTS].into_boxed_slice(),
        }
    }

    fn into_table(self) -> Vec<Box<[u8]>> {
        self.0
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .names
    }
}

/// One thread's recent names, in a slot their hash picks, in front of the shared
/// table's lock.
struct NameCache<'a> {
    table: &'a Names,
    slots: Box<[KeptName]>,
}

impl NameCache<'_> {
    const SLOTS: usize = 1 << 10;

    /// The index of `name` in the table, added when new.
    fn number(&mut self, name: &[u8]) -> u32 {
        // FNV-1a: names are short, and this runs for every subdirectory entry.
        let hash = name.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let slot = &mut self.slots[(hash as usize) & (Self::SLOTS - 1)];
        if let Some((kept, number)) = slot {
            if **kept == *name {
                return *number;
            }
        }
        let mut table = self.table.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let NameTable { numbers, names } = &mut *table;
        let number = match numbers.get(name) {
            Some(&number) => number,
            None => {
                let number = names.len() as u32;
                names.push(name.into());
                numbers.insert(name.into(), number);
                number
            }
        };
        *slot = Some((name.into(), number));
        number
    }
}

impl Clone for NameCache<'_> {
    fn clone(&self) -> Self {
        self.table.cache()
    }
}

/// The history's order and the earliest commit of every tree.
struct Order {
    /// Commit numbers, parents first; a commit's position is its index here.
    commits: Vec<u32>,
    /// Commits no ref reaches, read because of `--unreachable`.
    unreached: HashSet<u32>,
    lineage: TreeLineage,
    /// Blobs in trees or blobs refs point at, with their places (`ref:path`).
    tagged: HashMap<u32, Vec<String>>,
}

/// The commits in history order and the trees' lineage. With `unreachable`, every
/// commit in the store is a tip too, so what a commit no ref reaches holds is placed
/// at its path and commit like the rest (`unreached` lists those commits).
fn order(
    ctx: &Context<'_>,
    kinds: &[u8],
    commits: HashMap<u32, CommitNode>,
    links: &Links,
    tips: &[history::ObjectId],
    unreachable: bool,
    problems: &mut Vec<Problem>,
) -> Order {
    let mut tip_numbers = Vec::new();
    for tip in tips {
        let number = ctx.store.number(tip.as_bytes());
        match number {
            Some(n) if kinds[n as usize] == kind_code(Kind::Commit) => tip_numbers.push(n),
            _ => problems.push(ctx.problem(format!("commit {tip}: missing or unreadable"))),
        }
    }
    let mut unreached = HashSet::new();
    if unreachable {
        let reached: HashSet<u32> = lineage::order_commits(&commits, &tip_numbers).into_iter().collect();
        unreached.extend(commits.keys().filter(|c| !reached.contains(c)).copied());
        tip_numbers.extend(unreached.iter().copied());
    }
    let order = lineage::order_commits(&commits, &tip_numbers);
    let mut roots = Vec::with_capacity(order.len());
    for (position, commit) in order.iter().enumerate() {
        match commits[commit].tree {
            NONE => problems.push(ctx.problem(format!("commit {}: its tree is missing", ctx.hex(*commit)))),
            tree => roots.push((tree, position as u32)),
        }
    }
    let links = links.iter().map(|link| (link.parent, link.child));
    let lineage = TreeLineage::compute(ctx.store.len(), roots.into_iter(), links);
    Order {
        commits: order,
        lineage,
        unreached,
        tagged: HashMap::new(),
    }
}

/// Where a blob appears: the key of the tree that lists it (earliest commit, then
/// the tree) and its name there.
type Place = (u64, Box<[u8]>);

/// What the history's trees say, once each is credited to its earliest commit.
struct Found {
    /// Every blob a reached tree lists.
    reached: Vec<bool>,
    /// For the blobs reported once (a skip, a failure): the first place (key:
    /// earliest commit, then lowest tree) and name.
    places: HashMap<u32, (u64, Box<[u8]>)>,
    /// For the blobs with findings: every place (key, name) they appear at.
    every_place: HashMap<u32, Vec<Place>>,
    /// Each reached subtree's name in the parent the lineage chose for it (an index
    /// in `names`, `NONE` for none).
    dir_of: Vec<u32>,
    names: Vec<Box<[u8]>>,
    /// (tree, name) of files a file rule may want (by name), in reached trees.
    files: Vec<(u32, Box<[u8]>)>,
    /// (key, name, id, is a tree) of entries the repository lacks, first place first.
    missing: Vec<(u64, Box<[u8]>, Id, bool)>,
    malformed: Vec<u32>,
}

/// Keeps what the trees' pass found in the trees the history reaches, each place at
/// its tree's key.
fn attribute(
    ctx: &Context<'_>,
    objects: &Objects,
    lineage: &TreeLineage,
    trees: TreeFacts,
    problems: &mut Vec<Problem>,
) -> Found {
    let reached_tree = |tree: u32| lineage.position(tree).is_some();
    let tree_code = kind_code(Kind::Tree);
    let every_tree_reached =
        (0..ctx.store.len() as u32).all(|n| objects.kinds[n as usize] != tree_code || reached_tree(n));
    // A blob counts as the history's when a reached tree lists it. When every tree
    // is reached (a clone, most mirrors) that is every listed blob; otherwise the
    // reached trees are read once more to tell.
    let reached = if every_tree_reached {
        trees.listed
    } else {
        drop(trees.listed);
        reached_blobs(ctx, &objects.kinds, lineage, problems)
    };

    // Blobs with findings keep every place: each path is a place of the leak. For
    // the others the smallest key wins; between names in one tree, the first as git
    // sorts them.
    let mut first_places: HashMap<u32, (u64, Box<[u8]>)> = HashMap::new();
    let mut every_place: HashMap<u32, Vec<Place>> = HashMap::new();
    for (blob, tree, name) in trees.places {
        let Some(key) = lineage.key(tree) else {
            continue;
        };
        if trees.needs_path[blob as usize] == PlacesWanted::Every {
            every_place.entry(blob).or_default().push((key, name));
            continue;
        }
        match first_places.get(&blob) {
            Some((earlier, earlier_name)) if (*earlier, earlier_name) <= (key, &name) => {}
            _ => {
                first_places.insert(blob, (key, name));
            }
        }
    }
    // A subtree's name is the one its chosen parent gives it; between two entries of
    // that parent naming the same tree, the first as git sorts them.
    let names = trees.names;
    let mut dir_of = vec![NONE; ctx.store.len()];
    for link in trees.links.iter() {
        if lineage.parent(link.child) == Some(link.parent) {
            let slot = &mut dir_of[link.child as usize];
            if *slot == NONE || names[link.name as usize] < names[*slot as usize] {
                *slot = link.name;
            }
        }
    }
    let mut missing: Vec<_> = trees
        .missing
        .into_iter()
        .filter_map(|(tree, name, id, is_tree)| Some((lineage.key(tree)?, name, id, is_tree)))
        .collect();
    missing.sort();
    Found {
        reached,
        places: first_places,
        every_place,
        dir_of,
        names,
        files: trees
            .files
            .into_iter()
            .filter(|(tree, _)| reached_tree(*tree))
            .collect(),
        missing,
        malformed: trees.malformed.into_iter().filter(|&tree| reached_tree(tree)).collect(),
    }
}

/// The blobs the reached trees list, from a read of those trees: for a store that
/// holds trees no ref reaches (a mirror's clone with its pull requests' objects).
fn reached_blobs(ctx: &Context<'_>, kinds: &[u8], lineage: &TreeLineage, problems: &mut Vec<Problem>) -> Vec<bool> {
    // Every tree is decoded, the unreached ones only as bases: a reached tree may be
    // a delta of one no ref reaches (a pull request's), and a subset of a pack that
    // lacks a delta's base is decoded whole, blobs and all.
    let wanted = |n: u32| kinds[n as usize] == kind_code(Kind::Tree);
    let count = (0..ctx.store.len() as u32).filter(|&n| wanted(n)).count();
    ctx.progress.stage("trees read again", count as u64);
    let reached: Vec<AtomicBool> = (0..ctx.store.len()).map(|_| AtomicBool::new(false)).collect();
    let read = {
        let (reached, progress, hash) = (&reached, ctx.progress, ctx.store.hash());
        let mut numbers = ctx.store.memo();
        ctx.store
            .read_all(ctx.threads, &wanted, u64::MAX, move |tree, _, data| {
                progress.advance(1);
                if lineage.position(tree).is_none() {
                    return;
                }
                for entry in TreeEntries::new(data, hash).filter(|e| e.kind == EntryKind::File) {
                    if let Some(blob) = numbers.number(entry.id) {
                        reached[blob as usize].store(true, Ordering::Relaxed);
                    }
                }
            })
    };
    // These trees were read once already: a damaged pack says so again.
    for problem in read.problems {
        if !problems
            .iter()
            .any(|p| p.path == problem.path && p.message == problem.message)
        {
            problems.push(problem);
        }
    }
    for (number, message) in read.failed {
        problems.push(ctx.problem(format!("tree {}: {message}", ctx.hex(number))));
    }
    reached.into_iter().map(AtomicBool::into_inner).collect()
}

/// Findings, skips and problems, each at its path and commit.
fn report(
    ctx: &Context<'_>,
    objects: Objects,
    order: &Order,
    mut found: Found,
    rules: &RuleSet,
    unreachable: bool,
    mut problems: Vec<Problem>,
) -> Outcome {
    let file_rules: Vec<&Rule> = rules.rules.iter().filter(|r| !r.is_content()).collect();
    let lineage = &order.lineage;
    let (dir_of, names) = (std::mem::take(&mut found.dir_of), std::mem::take(&mut found.names));
    let dir_name = |tree: u32| match dir_of[tree as usize] {
        NONE => None,
        name => Some(&names[name as usize][..]),
    };
    let mut paths = TreePaths::new(lineage, dir_name);
    let mut place = |key: u64, name: &[u8]| {
        let (position, tree) = lineage::split_key(key);
        (position as usize, paths.dir(tree) + &String::from_utf8_lossy(name))
    };
    let mut outcome = Outcome::default();
    let (mut earliest, mut allowed) = (Earliest::default(), Earliest::default());
    // Blobs no ref leads to have no path and no commit: named by their id.
    let mut unreached = Vec::new();
    for (blob, bytes) in objects.plain {
        if found.reached[blob as usize] || order.tagged.contains_key(&blob) || unreachable {
            outcome.stats.files += 1;
            outcome.stats.bytes += bytes;
        }
    }
    for (blob, result) in objects.blobs {
        let reached = found.reached[blob as usize];
        let tagged = order.tagged.get(&blob).filter(|_| !reached);
        // What history holds counts as scanned: reached by a commit, held by a tag of a
        // tree or blob, or (with --unreachable) held by nothing.
        if let Scanned::Read { bytes, .. } = &result {
            if reached || tagged.is_some() || unreachable {
                outcome.stats.files += 1;
                outcome.stats.bytes += bytes;
            }
        }
        // In a tree or blob a ref points at: at `ref:path` (or `ref`), no commit.
        if let Some(places) = tagged {
            match result {
                Scanned::Read {
                    findings,
                    suppressed,
                    inside,
                    ..
                } => {
                    crate::pipeline::record_inside(
                        inside,
                        &places[0],
                        Some(&ctx.hex(blob)),
                        &mut outcome.skipped,
                        &mut problems,
                    );
                    for place in places {
                        // `ref:path` in a tagged tree (a ref name holds no `:`);
                        // a blob a ref names directly has no path.
                        let judged = place.split_once(':').map(|(_, path)| path);
                        unreached.extend(place_judged(findings.iter().cloned(), place, judged, rules));
                        outcome.add_inline(place_judged(suppressed.iter().cloned(), place, judged, rules));
                    }
                }
                Scanned::Skipped(reason) => outcome.skipped.push(Skip {
                    path: format!("{} (blob {})", places[0], &ctx.hex(blob)[..12]),
                    reason,
                }),
            }
            continue;
        }
        if !reached {
            if let (true, Scanned::Read { findings, .. }) = (unreachable, result) {
                let name = format!("(unreachable blob {})", ctx.hex(blob));
                unreached.extend(place_judged(findings, &name, None, rules));
            }
            continue;
        }
        match result {
            Scanned::Read {
                findings,
                suppressed,
                inside,
                ..
            } => {
                if !inside.is_empty() {
                    // At its first place (or, with findings, the first of its paths).
                    let first = found
                        .places
                        .get(&blob)
                        .map(|(key, name)| place(*key, name).1)
                        .or_else(|| {
                            let places = found.every_place.get(&blob)?;
                            places.iter().min().map(|(key, name)| place(*key, name).1)
                        });
                    let first = first.unwrap_or_default();
                    crate::pipeline::record_inside(
                        inside,
                        &first,
                        Some(&ctx.hex(blob)),
                        &mut outcome.skipped,
                        &mut problems,
                    );
                }
                // Each path the blob appears at, at the first commit that has it there:
                // a key copied from an allowlisted file into another is a finding there.
                let mut first_at: BTreeMap<String, usize> = BTreeMap::new();
                for (key, name) in found.every_place.get(&blob).into_iter().flatten() {
                    let (position, path) = place(*key, name);
                    let slot = first_at.entry(path).or_insert(position);
                    *slot = (*slot).min(position);
                }
                for (path, position) in first_at {
                    earliest.keep_at(position, &path, findings.clone(), rules);
                    allowed.keep_at(position, &path, suppressed.clone(), rules);
                }
            }
            Scanned::Skipped(reason) => outcome.skipped.push(Skip {
                path: format!(
                    "{} (blob {})",
                    found
                        .places
                        .get(&blob)
                        .map(|(key, name)| place(*key, name).1)
                        .unwrap_or_default(),
                    &ctx.hex(blob)[..12]
                ),
                reason,
            }),
        }
    }
    for (number, message) in objects.failed {
        problems.push(match found.places.get(&number) {
            Some((key, name)) => Problem {
                path: place(*key, name).1,
                message: format!("blob {}: {message}", &ctx.hex(number)[..12]),
                kind: crate::model::ProblemKind::Unread,
            },
            // An unreadable object no ref leads to is still damage worth knowing of.
            None => ctx.problem(format!("object {}: {message}", ctx.hex(number))),
        });
    }
    let mut reported = HashSet::new();
    // A partial clone lacks blobs by design: they are skips, not damage. A missing
    // tree is damage either way: what is below it was never seen.
    let partial = ctx.repo.is_partial_clone();
    for (key, name, id, is_tree) in found.missing {
        if partial && !is_tree {
            outcome.skipped.push(Skip {
                path: format!("{} (blob {})", place(key, &name).1, &hex(id.as_bytes())[..12]),
                reason: SkipReason::NotFetched,
            });
        } else if reported.insert(id) {
            problems.push(Problem {
                path: place(key, &name).1,
                message: format!(
                    "{} {} is missing from the repository (a partial or damaged clone)",
                    if is_tree { "tree" } else { "blob" },
                    &hex(id.as_bytes())[..12]
                ),
                kind: crate::model::ProblemKind::Unread,
            });
        }
    }
    for tree in found.malformed {
        problems.push(ctx.problem(format!("tree {}: malformed", ctx.hex(tree))));
    }

    // Files a file rule names (.env ever committed): each path at its first commit.
    let mut first_commit: HashMap<String, usize> = HashMap::new();
    for (tree, name) in found.files {
        let key = lineage.key(tree).expect("only reached trees are read");
        let (position, path) = place(key, &name);
        if file_rules.iter().any(|r| r.matches_path(&path)) {
            let slot = first_commit.entry(path).or_insert(position);
            *slot = (*slot).min(position);
        }
    }
    // Messages: a commit's at that commit, an annotated tag's (no commit) as it is.
    let positions: HashMap<u32, usize> = if objects.messages.is_empty() {
        HashMap::new()
    } else {
        order.commits.iter().enumerate().map(|(at, &c)| (c, at)).collect()
    };
    let mut tag_findings = Vec::new();
    for (number, kind, found, suppressed) in objects.messages {
        let what = if kind == Kind::Tag { "tag" } else { "commit" };
        let path = format!("{what} {} message", ctx.hex(number));
        match (kind, positions.get(&number)) {
            (Kind::Tag, _) => {
                tag_findings.extend(crate::pipeline::place(found, &path, rules));
                outcome.add_inline(crate::pipeline::place(suppressed, &path, rules));
            }
            (_, Some(&position)) => {
                earliest.keep_at(position, &path, found, rules);
                allowed.keep_at(position, &path, suppressed, rules);
            }
            // A commit no ref reaches, and --unreachable was not given.
            (_, None) => {}
        }
    }
    let info = |position: usize| ctx.repo.commit_info_raw(ctx.store.id(order.commits[position]));
    for (path, position) in first_commit {
        if let Some(rule) = file_rules.iter().find(|r| r.matches_path(&path)) {
            earliest.keep(position, exposure::committed(rule, &path, &info(position)));
        }
    }
    outcome.findings = earliest.into_findings(&info);
    if !order.unreached.is_empty() {
        // Say which commits no branch or tag holds: the fix differs (expire the
        // reflog, gc, ask the host to drop the objects; rewriting history is moot).
        let unreached_ids: HashSet<String> = order.unreached.iter().map(|&c| ctx.hex(c)).collect();
        for f in &mut outcome.findings {
            if f.commit.as_ref().is_some_and(|c| unreached_ids.contains(&c.id)) {
                f.properties.insert("reachable".into(), "no".into());
            }
        }
    }
    outcome.findings.extend(unreached);
    outcome.findings.extend(tag_findings);
    outcome.add_inline(allowed.into_findings(&info));
    // Exit 2 only when the history holds something and none of it could be read.
    if outcome.stats.files == 0 && outcome.skipped.is_empty() && !problems.is_empty() {
        problems.push(Problem {
            path: ctx.repo.git_dir().display().to_string(),
            message: "nothing in the history could be read".into(),
            kind: crate::model::ProblemKind::Fatal,
        });
    }
    outcome.problems = problems;
    outcome
}

/// Results many workers add to: a list of chunks, so a chunk moves in whole and the
/// list never copies millions of items to grow.
struct Chunks<T>(Mutex<Vec<Vec<T>>>);

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks(Mutex::default())
    }
}

impl<T> Chunks<T> {
    fn into_inner(self) -> Vec<Vec<T>> {
        self.0.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn into_items(self) -> impl Iterator<Item = T> {
        self.into_inner().into_iter().flatten()
    }
}

/// A worker's share of a pass's results, handed over in chunks and when the worker
/// ends, so workers do not take the lock for every object.
struct Batch<'a, T> {
    items: Vec<T>,
    into: &'a Chunks<T>,
}

impl<'a, T> Batch<'a, T> {
    const SIZE: usize = 4096;

    fn new(into: &'a Chunks<T>) -> Batch<'a, T> {
        Batch {
            items: Vec::new(),
            into,
        }
    }

    fn push(&mut self, item: T) {
        self.items.push(item);
        if self.items.len() >= Self::SIZE {
            self.flush();
        }
    }

    /// Adds `group` whole: a chunk never splits it.
    fn push_group(&mut self, group: &[T])
    where
        T: Copy,
    {
        if self.items.len() + group.len() > Self::SIZE {
            self.flush();
        }
        if self.items.is_empty() {
            // Room for a full chunk at once: grown by doubling, a chunk would keep up
            // to twice the memory it holds.
            self.items.reserve_exact(Self::SIZE.max(group.len()));
        }
        self.items.extend_from_slice(group);
    }

    fn flush(&mut self) {
        if !self.items.is_empty() {
            let full = std::mem::take(&mut self.items);
            let mut chunks = self.into.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            chunks.push(full);
        }
    }
}

impl<T> Clone for Batch<'_, T> {
    fn clone(&self) -> Self {
        Batch::new(self.into)
    }
}

impl<T> Drop for Batch<'_, T> {
    fn drop(&mut self) {
        self.flush();
    }
}
