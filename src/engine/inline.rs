//! Inline suppression. A line holding `wayscan:allow` is not reported; a line holding
//! `wayscan:allow-next-line` makes the line after it not reported. Only that line: a
//! marker never hides a secret on any other. `gitleaks:allow` on the line counts too
//! (on by default, for teams coming from gitleaks; `--no-gitleaks-allow` turns it off).

#[cfg(test)]
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

/// The lines of one buffer that inline markers allow, found in one pass over it, so
/// that asking about each finding costs nothing more (a long line with thousands of
/// findings would otherwise be searched once per finding).
#[derive(Debug, Default)]
pub struct Allowed {
    /// 1-based line numbers, ascending, possibly repeated.
    lines: Vec<usize>,
}

impl Allowed {
    /// The lines `hay`'s markers allow under `policy`: a marker's own line, or for
    /// `wayscan:allow-next-line` the line after it.
    pub fn find(hay: &[u8], policy: Policy) -> Allowed {
        let mut marks: Vec<(usize, usize)> = Vec::new(); // (offset, lines it skips ahead)
        for at in memchr::memmem::find_iter(hay, ALLOW_MARKER) {
            let next = hay[at..].starts_with(NEXT_LINE_MARKER);
            marks.push((at, usize::from(next)));
        }
        if policy.gitleaks_allow {
            marks.extend(memchr::memmem::find_iter(hay, GITLEAKS_MARKER).map(|at| (at, 0)));
        }
        if marks.is_empty() {
            return Allowed::default();
        }
        marks.sort_unstable();
        let (mut counted_to, mut line) = (0, 1);
        let mut lines = Vec::with_capacity(marks.len());
        for (at, ahead) in marks {
            line += memchr::memchr_iter(b'\n', &hay[counted_to..at]).count();
            counted_to = at;
            lines.push(line + ahead);
        }
        lines.sort_unstable();
        Allowed { lines }
    }

    /// Whether a finding that starts on `line` (1-based) is allowed.
    pub fn contains(&self, line: usize) -> bool {
        self.lines.binary_search(&line).is_ok()
    }
}

/// Whether the finding at `span` is suppressed by a marker on its own line, or by an
/// allow-next-line marker on the line before.
#[cfg(test)]
fn is_allowed(hay: &[u8], span: &Range<usize>, policy: Policy) -> bool {
    let line = 1 + memchr::memchr_iter(b'\n', &hay[..span.start.min(hay.len())]).count();
    Allowed::find(hay, policy).contains(line)
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
