//! Where content comes from: the working tree (`fs`), git history (`history`, and the
//! object store read in whole passes: `odb`, `packs`, `objects`, `lineage`). Everything that touches
//! the file system for scanning lives here; the rest of the pipeline sees bytes.

pub mod content;
pub mod fs;
pub mod git;
pub mod gitignore;
pub mod history;
pub mod lineage;
pub mod objects;
pub mod odb;
pub mod packs;
pub mod repos;
pub mod staged;
