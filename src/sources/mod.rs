//! Where content comes from, outside git's own plumbing: the working tree walk
//! (`tree`: files, their display and repository-relative paths, what is skipped and
//! why) and the repository lists an audit works through (`repos`). Everything that
//! touches the file system for scanning lives here or in `git`; the rest of the
//! pipeline sees bytes.

pub mod repos;
pub mod tree;
