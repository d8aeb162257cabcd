//! Byte offsets to 1-based lines and columns. Columns count UTF-16 code units, the
//! unit SARIF consumers (GitHub code scanning, VS Code) use by default.

use crate::model::Position;

/// Converts offsets in one buffer to positions, moving from the last offset asked
/// rather than from the start: ascending offsets (a file's findings, in order) cost
/// one pass over the buffer in all, even when they share one long line (a minified
/// file, a one-line JSON export), where measuring each column from the line's start
/// would cost the line's length per finding.
pub struct Locator<'a> {
    hay: &'a [u8],
    /// The last offset located, and its line and column (in UTF-16 units, 1-based).
    at: usize,
    line: usize,
    column: usize,
}

impl<'a> Locator<'a> {
    pub fn new(hay: &'a [u8]) -> Locator<'a> {
        Locator {
            hay,
            at: 0,
            line: 1,
            column: 1,
        }
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.hay.len());
        if offset >= self.at {
            let between = &self.hay[self.at..offset];
            match memchr::memrchr(b'\n', between) {
                Some(last) => {
                    self.line += memchr::memchr_iter(b'\n', between).count();
                    self.column = utf16_len(&between[last + 1..]) + 1;
                }
                None => self.column += utf16_len(between),
            }
        } else {
            // Back (overlapping matches of two rules): count back the same way.
            let between = &self.hay[offset..self.at];
            let newlines = memchr::memchr_iter(b'\n', between).count();
            if newlines == 0 {
                self.column -= utf16_len(between);
            } else {
                self.line -= newlines;
                self.column = utf16_len(&self.hay[line_start(self.hay, offset)..offset]) + 1;
            }
        }
        self.at = offset;
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

/// Offset of the first byte of the line holding `offset`.
pub fn line_start(hay: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &hay[..offset]).map_or(0, |i| i + 1)
}

/// Offset just past the last byte (newline excluded) of the line holding `offset`.
pub fn line_end(hay: &[u8], offset: usize) -> usize {
    memchr::memchr(b'\n', &hay[offset..]).map_or(hay.len(), |i| offset + i)
}

/// UTF-16 length of UTF-8 bytes; an invalid byte counts as one unit, as a
/// replacement character would.
fn utf16_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0xBF => 0, // continuation byte
            0xF0..=0xFF => 2, // four-byte sequence: a surrogate pair
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = b"ab\ncd\n\nef";
        let mut l = Locator::new(text);
        assert_eq!(l.position(0), Position { line: 1, column: 1 });
        assert_eq!(l.position(4), Position { line: 2, column: 2 });
        assert_eq!(l.position(7), Position { line: 4, column: 1 });
        assert_eq!(l.position(1), Position { line: 1, column: 2 }, "going back");
        assert_eq!(l.position(8), Position { line: 4, column: 2 });
        assert_eq!(l.position(6), Position { line: 3, column: 1 });
        assert_eq!(l.position(5), Position { line: 2, column: 3 });
    }

    #[test]
    fn columns_count_utf16_units() {
        let text = "é😀x".as_bytes();
        let x = text.len() - 1;
        assert_eq!(Locator::new(text).position(x).column, 4);
        let mut l = Locator::new(text);
        assert_eq!(l.position(2).column, 2, "after é");
        assert_eq!(l.position(x).column, 4, "moving on counts the emoji as two units");
        assert_eq!(l.position(2).column, 2, "and back");
    }

    #[test]
    fn line_bounds() {
        let text = b"one\ntwo\nthree";
        assert_eq!(line_start(text, 5), 4);
        assert_eq!(line_end(text, 5), 7);
        assert_eq!(line_end(text, 9), 13);
    }
}
