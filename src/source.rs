//! Source text with a line index: positions to byte offsets and node text by span.

use std::borrow::Cow;

use crate::yaml::{Pos, Span};

#[derive(Clone)]
pub struct SourceText<'a> {
    text: &'a str,
    /// Owned, or borrowed from a [`LineIndex`] kept for the file.
    line_starts: Cow<'a, [usize]>,
}

/// Where each line of a text starts, kept beside the text so that everything reading the
/// same file shares one index ([`SourceText::indexed`]).
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // Built for every file: memchr finds the newlines many bytes at a time, where
        // `match_indices` paid a call per line.
        let mut line_starts = Vec::with_capacity(text.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Self(line_starts)
    }
}

impl<'a> SourceText<'a> {
    pub fn new(text: &'a str) -> Self {
        Self {
            text,
            line_starts: Cow::Owned(LineIndex::new(text).0),
        }
    }

    /// `text` with its index built earlier by [`LineIndex::new`]`(text)`.
    pub fn indexed(text: &'a str, index: &'a LineIndex) -> Self {
        debug_assert_eq!(index.0.last(), LineIndex::new(text).0.last());
        Self {
            text,
            line_starts: Cow::Borrowed(&index.0),
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Number of lines as editors count them (a final newline does not start a new line).
    pub fn line_count(&self) -> u32 {
        let n = self.line_starts.len() - usize::from(self.text.ends_with('\n'));
        u32::try_from(n.max(1)).unwrap_or(u32::MAX)
    }

    /// The text of line `line` (1-based) without its line break.
    pub fn line(&self, line: u32) -> Option<&'a str> {
        let start = *self.line_starts.get((line as usize).checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line as usize)
            .map_or(self.text.len(), |e| e - 1);
        let l = self.text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }

    /// Byte offset of a 1-based position (columns in code points); clamped to the line's end.
    pub fn offset(&self, pos: Pos) -> Option<usize> {
        let start = *self.line_starts.get((pos.line as usize).checked_sub(1)?)?;
        let line_end = self
            .line_starts
            .get(pos.line as usize)
            .copied()
            .unwrap_or(self.text.len());
        let line = self.text.get(start..line_end)?;
        let skip = (pos.column as usize).saturating_sub(1);
        let within = line.char_indices().nth(skip).map_or(line.len(), |(i, _)| i);
        Some(start + within)
    }

    /// The 1-based position of a byte offset (columns in code points); `None` past the end.
    pub fn pos(&self, offset: usize) -> Option<Pos> {
        let idx = self
            .line_starts
            .partition_point(|&s| s <= offset)
            .checked_sub(1)?;
        let start = self.line_starts[idx];
        let column = self.text.get(start..offset)?.chars().count() + 1;
        Some(Pos::new(
            u32::try_from(idx + 1).ok()?,
            u32::try_from(column).ok()?,
        ))
    }

    /// The span of the first occurrence of `needle` (ASCII case-insensitive) inside `within`,
    /// e.g. one context of a condition written over several lines.
    pub fn find_in(&self, within: Span, needle: &str) -> Option<Span> {
        let from = self.offset(within.start)?;
        let hay = self.slice(within).to_ascii_lowercase();
        let at = from + hay.find(&needle.to_ascii_lowercase())?;
        Some(Span::new(self.pos(at)?, self.pos(at + needle.len())?))
    }

    /// The source text a span covers (empty when the span is outside the text).
    pub fn slice(&self, span: Span) -> &'a str {
        match (self.offset(span.start), self.offset(span.end)) {
            (Some(s), Some(e)) if s <= e => self.text.get(s..e).unwrap_or(""),
            (Some(s), None) => self.text.get(s..).unwrap_or(""),
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_offsets_and_needles() {
        let s = SourceText::new("if: a &&\n  (GitHub.actor == 'x')\n");
        assert_eq!(s.pos(0), Some(Pos::new(1, 1)));
        assert_eq!(s.pos(9), Some(Pos::new(2, 1)));
        let cond = Span::new(Pos::new(1, 5), Pos::new(2, 23));
        assert_eq!(
            s.find_in(cond, "github.actor"),
            Some(Span::new(Pos::new(2, 4), Pos::new(2, 16)))
        );
        assert_eq!(s.find_in(cond, "github.sha"), None);
        assert_eq!(s.pos(1000), None);
    }

    #[test]
    fn a_shared_index_reads_as_an_owned_one() {
        let text = "a: 1\r\nb: é\n\nc";
        let index = LineIndex::new(text);
        let (owned, shared) = (SourceText::new(text), SourceText::indexed(text, &index));
        assert_eq!(shared.line_count(), owned.line_count());
        for line in 0..6 {
            assert_eq!(shared.line(line), owned.line(line), "line {line}");
        }
        assert_eq!(shared.line(2), Some("b: é"));
        assert_eq!(shared.pos(text.len() - 1), Some(Pos::new(4, 1)));
    }

    #[test]
    fn offsets_and_slices() {
        let s = SourceText::new("a: é1\nb: x\n");
        assert_eq!(s.line_count(), 2);
        assert_eq!(s.line(2), Some("b: x"));
        assert_eq!(s.offset(Pos::new(1, 5)), Some(5));
        assert_eq!(s.slice(Span::new(Pos::new(1, 4), Pos::new(1, 6))), "é1");
        assert_eq!(s.slice(Span::new(Pos::new(2, 4), Pos::new(9, 1))), "x\n");
    }
}
