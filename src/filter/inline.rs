//! Inline suppression. A line holding `wayscan:allow` is not reported; a line holding
//! `wayscan:allow-next-line` makes the line after it not reported. Only that line: a
//! marker never hides a secret on any other. `gitleaks:allow` on the line counts too
//! (on by default, for teams coming from gitleaks; `--no-gitleaks-allow` turns it off).

use crate::location::{line_end, line_start};
use std::ops::Range;

pub const ALLOW_MARKER: &[u8] = b"wayscan:allow";
pub const NEXT_LINE_MARKER: &[u8] = b"wayscan:allow-next-line";
pub const GITLEAKS_MARKER: &[u8] = b"gitleaks:allow";

/// Which markers count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub gitleaks_allow: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { gitleaks_allow: true }
    }
}

/// Whether the finding at `span` is suppressed by a marker on its own line, or by an
/// allow-next-line marker on the line before.
pub fn is_allowed(hay: &[u8], span: &Range<usize>, policy: Policy) -> bool {
    let at = span.start.min(hay.len());
    let (start, end) = (line_start(hay, at), line_end(hay, at));
    let line = &hay[start..end];
    if allows_own_line(line) || (policy.gitleaks_allow && memchr::memmem::find(line, GITLEAKS_MARKER).is_some()) {
        return true;
    }
    if start == 0 {
        return false;
    }
    let before = start - 1; // the previous line's newline
    let previous = &hay[line_start(hay, before)..before];
    memchr::memmem::find(previous, NEXT_LINE_MARKER).is_some()
}

/// `wayscan:allow` that is not the start of `wayscan:allow-next-line`.
fn allows_own_line(line: &[u8]) -> bool {
    memchr::memmem::find_iter(line, ALLOW_MARKER).any(|i| !line[i..].starts_with(NEXT_LINE_MARKER))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ON: Policy = Policy { gitleaks_allow: true };
    const OFF: Policy = Policy { gitleaks_allow: false };

    fn span_of(text: &[u8], needle: &[u8]) -> Range<usize> {
        let at = memchr::memmem::find(text, needle).unwrap();
        at..at + needle.len()
    }

    #[test]
    fn marker_on_the_same_line_allows() {
        let text = b"a\nkey = SECRET # wayscan:allow\nb";
        assert!(is_allowed(text, &span_of(text, b"SECRET"), ON));
    }

    #[test]
    fn marker_on_a_neighbour_line_does_not() {
        let text = b"# wayscan:allow\nkey = SECRET\n# wayscan:allow";
        assert!(!is_allowed(text, &span_of(text, b"SECRET"), ON));
    }

    #[test]
    fn allow_next_line_covers_exactly_the_next_line() {
        let text = b"# wayscan:allow-next-line\nkey = SECRET\nother = OTHER\n";
        assert!(is_allowed(text, &span_of(text, b"SECRET"), ON));
        assert!(!is_allowed(text, &span_of(text, b"OTHER"), ON), "not two lines down");
        // Its own line is not allowed by it.
        let text = b"key = SECRET # wayscan:allow-next-line\nnext\n";
        assert!(!is_allowed(text, &span_of(text, b"SECRET"), ON));
        // Nor the line above.
        let text = b"key = SECRET\n# wayscan:allow-next-line\n";
        assert!(!is_allowed(text, &span_of(text, b"SECRET"), ON));
        // CRLF files too.
        let text = b"# wayscan:allow-next-line\r\nkey = SECRET\r\n";
        assert!(is_allowed(text, &span_of(text, b"SECRET"), ON));
    }

    #[test]
    fn gitleaks_allow_counts_unless_turned_off() {
        let text = b"token = SECRET // gitleaks:allow\n";
        assert!(is_allowed(text, &span_of(text, b"SECRET"), ON));
        assert!(!is_allowed(text, &span_of(text, b"SECRET"), OFF));
    }
}
