//! Git, and the only module that names a git library. libgit2 (`git2`) opens
//! repositories and reads refs, the index, commit ranges and diffs (`git`, `history`,
//! `staged`); the whole-history scan reads the object store itself in pack order
//! (`odb`, `packs`, `objects`, `lineage`), which is what makes it fast. `gitignore`
//! answers what a clone's committed ignore rules keep out. Everything it returns is
//! a plain `model` type or bytes, so the library behind it can change in one place.

pub mod gitignore;
pub mod history;
pub mod lineage;
pub mod objects;
pub mod odb;
pub mod packs;
pub mod repo;
pub mod staged;
