//! The engine: bytes in, detections out. Rules as data (`rules`), the prefilter,
//! regexes and decoders that run them (`matcher`), located and rendered detections
//! without a path (`detect`), inline allow markers (`inline`), the
//! text decision (`text`), archives, compressed files and the text runs of binaries
//! (`unpack`), a whole file's or blob's content through all of these (`content`)
//! and line/column lookup (`location`).
//!
//! Pure by design: nothing here reads files, opens repositories, talks to the
//! network or draws progress. That keeps every detection reproducible from the bytes
//! alone and lets the sources and the pipeline change without touching it.

pub mod content;
pub mod detect;
pub mod inline;
pub mod location;
pub mod matcher;
pub mod rules;
pub mod text;
pub mod unpack;
