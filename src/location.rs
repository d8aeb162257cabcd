//! Byte offsets to 1-based lines and columns. Columns count UTF-16 code units, the
//! unit SARIF consumers (GitHub code scanning, VS Code) use by default.

use crate::finding::Position;

/// Converts ascending offsets in one buffer without rescanning from the start each
/// time: a file with many findings costs one pass.
pub struct Locator<'a> {
    hay: &'a [u8],
    /// Offset up to which newlines were counted, and the line there.
    counted_to: usize,
    line: usize,
}

impl<'a> Locator<'a> {
    pub fn new(hay: &'a [u8]) -> Locator<'a> {
        Locator {
            hay,
            counted_to: 0,
            line: 1,
        }
    }

    pub fn position(&mut self, offset: usize) -> Position {
        let offset = offset.min(self.hay.len());
        if offset < self.counted_to {
            self.counted_to = 0;
            self.line = 1;
        }
        self.line += memchr::memchr_iter(b'\n', &self.hay[self.counted_to..offset]).count();
        self.counted_to = offset;
        let line_start = line_start(self.hay, offset);
        Position {
            line: self.line,
            column: utf16_len(&self.hay[line_start..offset]) + 1,
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
        assert_eq!(l.position(1), Position { line: 1, column: 2 }, "going back restarts");
    }

    #[test]
    fn columns_count_utf16_units() {
        let text = "é😀x".as_bytes();
        let x = text.len() - 1;
        assert_eq!(Locator::new(text).position(x).column, 4);
    }

    #[test]
    fn line_bounds() {
        let text = b"one\ntwo\nthree";
        assert_eq!(line_start(text, 5), 4);
        assert_eq!(line_end(text, 5), 7);
        assert_eq!(line_end(text, 9), 13);
    }
}
