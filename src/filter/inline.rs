//! Inline suppression: a line containing `wayscan:allow` is not reported. Only that
//! line: a comment on one line never hides a secret on the next.

use crate::location::{line_end, line_start};
use std::ops::Range;

pub const ALLOW_MARKER: &[u8] = b"wayscan:allow";

/// Whether the line where `span` starts carries the allow marker.
pub fn is_allowed(hay: &[u8], span: &Range<usize>) -> bool {
    let start = line_start(hay, span.start.min(hay.len()));
    let end = line_end(hay, span.start.min(hay.len()));
    memchr::memmem::find(&hay[start..end], ALLOW_MARKER).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_on_the_same_line_allows() {
        let text = b"a\nkey = SECRET # wayscan:allow\nb";
        assert!(is_allowed(text, &(8..14)));
    }

    #[test]
    fn marker_on_a_neighbour_line_does_not() {
        let text = b"# wayscan:allow\nkey = SECRET\n# wayscan:allow";
        assert!(!is_allowed(text, &(22..28)));
    }
}
