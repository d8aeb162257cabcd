//! The change about to be committed as a source: the staged content of each added,
//! modified, renamed or copied file, with the lines the change adds, read from the
//! index git is committing (see [`git::staged`](crate::git::staged)).

use super::{Provenance, Sink};
use crate::git::staged::Staged;
use crate::git::GitError;
use crate::model::{Problem, Skip, SkipReason};
use std::path::Path;

/// Pushes the staged change of the repository around `dir` into `sink`; files over
/// `max_size` bytes and binary ones are skipped. The error says why the change
/// cannot be read at all.
pub fn read(dir: &Path, max_size: u64, sink: &dyn Sink) -> Result<(), GitError> {
    let staged = Staged::open(dir, max_size)?;
    for file in &staged.files {
        if crate::interrupt::requested() {
            break;
        }
        sink.found(Path::new(&file.path), &file.path);
        // Too large by its header: skipped before a byte of it is read.
        if staged.size(file).is_some_and(|size| size > max_size) {
            sink.skip(Skip {
                path: file.path.clone(),
                reason: SkipReason::TooLarge,
            });
            continue;
        }
        let blob = match staged.content(file) {
            Ok(blob) => blob,
            Err(message) => {
                sink.problem(Problem {
                    path: file.path.clone(),
                    message: message.to_string(),
                    kind: crate::model::ProblemKind::Unread,
                });
                continue;
            }
        };
        let skip = |reason| {
            sink.skip(Skip {
                path: file.path.clone(),
                reason,
            })
        };
        if blob.len() as u64 > max_size {
            skip(SkipReason::TooLarge);
            continue;
        }
        let at = Provenance {
            shown: &file.path,
            repo_path: &file.path,
            root: 0,
            lines: file.added_lines.as_ref(),
        };
        sink.content(&blob, at);
    }
    Ok(())
}
