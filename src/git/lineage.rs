//! Which commit first holds each tree, and under which parent: the attribution of a
//! whole history, computed on numbers (see [`odb`](crate::git::odb)) in memory.
//!
//! A blob is credited to the earliest commit (parents before children, older first
//! among unrelated ones) whose tree holds it anywhere, at the path it has there. So
//! the history is ordered once, each tree gets the earliest commit that reaches it
//! through the directory links, and a blob then takes the best of the trees that list
//! it: no commit is ever compared with its parents, which is what costs the diff-based
//! scanners their time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// No commit, no parent: not reached.
pub const NONE: u32 = u32::MAX;

/// What ordering needs of a commit, by object numbers.
#[derive(Debug, Clone)]
pub struct CommitNode {
    /// Its root tree (`NONE` when the repository lacks it).
    pub tree: u32,
    /// Parents the repository has (a shallow clone's boundary has none).
    pub parents: Vec<u32>,
    pub time: i64,
}

/// The commits reachable from `tips`, parents before children; among commits whose
/// parents are all placed, the oldest (then the lowest number) comes first, so the
/// order is the same on every run.
pub fn order_commits(commits: &HashMap<u32, CommitNode>, tips: &[u32]) -> Vec<u32> {
    // Reachable commits, and each one's children among them.
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut waiting: HashMap<u32, usize> = HashMap::new();
    let mut stack: Vec<u32> = tips.iter().copied().filter(|t| commits.contains_key(t)).collect();
    while let Some(commit) = stack.pop() {
        if waiting.contains_key(&commit) {
            continue;
        }
        let parents: Vec<u32> = commits[&commit]
            .parents
            .iter()
            .copied()
            .filter(|p| commits.contains_key(p))
            .collect();
        waiting.insert(commit, parents.len());
        for parent in parents {
            children.entry(parent).or_default().push(commit);
            stack.push(parent);
        }
    }
    let key = |c: u32| Reverse((commits[&c].time, c));
    let mut ready: BinaryHeap<_> = waiting.iter().filter(|(_, &n)| n == 0).map(|(&c, _)| key(c)).collect();
    let mut order = Vec::with_capacity(waiting.len());
    while let Some(Reverse((_, commit))) = ready.pop() {
        order.push(commit);
        for &child in children.get(&commit).map(Vec::as_slice).unwrap_or(&[]) {
            let left = waiting.get_mut(&child).expect("children are reachable");
            *left -= 1;
            if *left == 0 {
                ready.push(key(child));
            }
        }
    }
    order
}

/// For every tree: the earliest commit (a position in the commit order) that holds
/// it, and the parent tree it is reached through there.
pub struct TreeLineage {
    /// `(position << 32) | parent`, `u64::MAX` when unreached. A root tree has parent `NONE`.
    best: Vec<u64>,
    /// Passes over the links before nothing changed; more than the depth of the
    /// deepest directory means the links form a cycle (a corrupt repository).
    pub passes: usize,
}

impl TreeLineage {
    /// `roots` are (root tree, commit position); `links` are (parent tree, subtree)
    /// directory entries; `count` is the number of objects.
    pub fn compute(
        count: usize,
        roots: impl Iterator<Item = (u32, u32)>,
        links: impl Iterator<Item = (u32, u32)> + Clone,
    ) -> TreeLineage {
        let mut best = vec![u64::MAX; count];
        for (tree, position) in roots {
            let key = (u64::from(position) << 32) | u64::from(NONE);
            let slot = &mut best[tree as usize];
            *slot = (*slot).min(key);
        }
        // Each pass settles at least one more level of directories; a cycle (only in
        // a corrupt repository) would never settle, hence the cap.
        let mut passes = 0;
        loop {
            passes += 1;
            let mut changed = false;
            for (parent, child) in links.clone() {
                let position = best[parent as usize] >> 32;
                if position == u64::from(NONE) {
                    continue;
                }
                let key = (position << 32) | u64::from(parent);
                if key < best[child as usize] {
                    best[child as usize] = key;
                    changed = true;
                }
            }
            if !changed || passes >= 10_000 {
                break;
            }
        }
        TreeLineage { best, passes }
    }

    /// The commit position that first holds `tree`, if any does.
    pub fn position(&self, tree: u32) -> Option<u32> {
        let position = (self.best[tree as usize] >> 32) as u32;
        (position != NONE).then_some(position)
    }

    /// The tree `tree` is first reached through, `None` for a root tree (or unreached).
    pub fn parent(&self, tree: u32) -> Option<u32> {
        let parent = self.best[tree as usize] as u32;
        (parent != NONE && self.position(tree).is_some()).then_some(parent)
    }

    /// A blob's key in tree `tree`: blobs take the smallest key of the trees listing
    /// them (earliest commit, then lowest tree number). `None` when `tree` is unreached.
    pub fn key(&self, tree: u32) -> Option<u64> {
        self.position(tree)
            .map(|position| (u64::from(position) << 32) | u64::from(tree))
    }
}

/// The commit position and tree of a blob key.
pub fn split_key(key: u64) -> (u32, u32) {
    ((key >> 32) as u32, key as u32)
}

/// Directory paths of trees, built from [`TreeLineage::parent`] and the names the
/// parents give their subtrees (`names`: a tree's name in its parent), remembered
/// as they are asked for.
pub struct TreePaths<'a, N> {
    lineage: &'a TreeLineage,
    names: N,
    known: HashMap<u32, String>,
}

impl<'a, 'n, N: Fn(u32) -> Option<&'n [u8]>> TreePaths<'a, N> {
    pub fn new(lineage: &'a TreeLineage, names: N) -> TreePaths<'a, N> {
        TreePaths {
            lineage,
            names,
            known: HashMap::new(),
        }
    }

    /// The path of `tree` with a trailing `/` ("" for a root tree).
    pub fn dir(&mut self, tree: u32) -> String {
        // Up to a tree whose path is known, or to the root; then down again.
        let mut chain = Vec::new();
        let mut at = tree;
        let mut path = loop {
            if let Some(known) = self.known.get(&at) {
                break known.clone();
            }
            chain.push(at);
            match self.lineage.parent(at) {
                // The cap stops at a cycle, which only a corrupt repository has.
                Some(parent) if chain.len() < 4096 => at = parent,
                _ => break String::new(),
            }
        };
        for &t in chain.iter().rev() {
            if self.lineage.parent(t).is_some() {
                match (self.names)(t) {
                    Some(name) => path.push_str(&String::from_utf8_lossy(name)),
                    None => path.push('?'),
                }
                path.push('/');
            }
            self.known.insert(t, path.clone());
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(tree: u32, parents: &[u32], time: i64) -> CommitNode {
        CommitNode {
            tree,
            parents: parents.to_vec(),
            time,
        }
    }

    #[test]
    fn parents_come_before_children_and_older_before_newer() {
        // 1 <- 2 <- 4 (merge of 2 and 3), 1 <- 3; 3 is older than 2. 9 is unreachable.
        let commits: HashMap<u32, CommitNode> = [
            (1, commit(100, &[], 10)),
            (2, commit(100, &[1], 30)),
            (3, commit(100, &[1], 20)),
            (4, commit(100, &[2, 3], 40)),
            (9, commit(100, &[], 0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(order_commits(&commits, &[4]), vec![1, 3, 2, 4]);
        // A child dated before its parent (a wrong clock) still comes after it.
        let skewed: HashMap<u32, CommitNode> = [(1, commit(100, &[], 50)), (2, commit(100, &[1], 5))]
            .into_iter()
            .collect();
        assert_eq!(order_commits(&skewed, &[2, 2]), vec![1, 2]);
    }

    #[test]
    fn a_missing_parent_is_a_boundary_not_an_error() {
        let commits: HashMap<u32, CommitNode> = [(2, commit(100, &[1], 10)), (3, commit(100, &[2], 20))]
            .into_iter()
            .collect();
        assert_eq!(order_commits(&commits, &[3, 77]), vec![2, 3]);
    }

    #[test]
    fn trees_take_the_earliest_commit_and_its_parent() {
        // Commit 0 has root 10 holding 20 holding 30; commit 1 has root 11 holding 30
        // directly, and 21, which is reached only from there.
        let links = [(11, 30), (20, 30), (10, 20), (11, 21)];
        let lineage = TreeLineage::compute(40, [(11, 1), (10, 0)].into_iter(), links.iter().copied());
        assert_eq!(lineage.position(30), Some(0));
        assert_eq!(lineage.parent(30), Some(20));
        assert_eq!(lineage.parent(20), Some(10));
        assert_eq!(lineage.parent(10), None);
        assert_eq!(lineage.position(21), Some(1));
        assert_eq!(lineage.position(22), None);
        assert_eq!(lineage.key(21), Some((1 << 32) | 21));
        assert!(lineage.passes <= 4, "{} passes", lineage.passes);
    }

    #[test]
    fn paths_follow_the_chosen_parents() {
        let links = [(10, 20), (20, 30)];
        let lineage = TreeLineage::compute(40, [(10, 0)].into_iter(), links.iter().copied());
        let names: HashMap<u32, Box<[u8]>> = [(20, b"src"[..].into()), (30, b"deep dir"[..].into())]
            .into_iter()
            .collect();
        let mut paths = TreePaths::new(&lineage, |tree| names.get(&tree).map(|name| &name[..]));
        assert_eq!(paths.dir(30), "src/deep dir/");
        assert_eq!(paths.dir(20), "src/");
        assert_eq!(paths.dir(10), "");
    }
}
