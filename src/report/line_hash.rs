//! codeql-action's `primaryLocationLineHash`, computed the way `upload-sarif` computes it.
//!
//! Code scanning matches an alert across commits by this hash. When a SARIF file already carries
//! it, `upload-sarif` keeps ours (it only warns on a mismatch), so we must produce exactly what it
//! would: a port of `hash()` in codeql-action's `src/fingerprints.ts`.
//!
//! The algorithm, for each line: a polynomial rolling hash (base 37, wrapping signed 64-bit
//! arithmetic, as the `long` package does) over the next 100 characters of the file counted from
//! the line's first character, where spaces and tabs are skipped and `\r\n`, `\r` and `\n` all
//! count as one `\n`. The end of the file adds the character 65535 and then zeros. The output is
//! `"<hash as unsigned hex, no padding>:<n>"`, `n` counting how often that hash was seen before,
//! so identical lines stay distinguishable.
//!
//! "Character" means a UTF-16 code unit, since the original iterates a JavaScript string.

use std::collections::HashMap;

use crate::finding::Finding;

const BLOCK_SIZE: usize = 100;
const MOD: i64 = 37;
const TAB: u16 = b'\t' as u16;
const SPACE: u16 = b' ' as u16;
const LF: u16 = b'\n' as u16;
const CR: u16 = b'\r' as u16;
const EOF: u16 = 65535;

/// The `primaryLocationLineHash` of every line of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineHashes {
    /// Index `i` holds line `i + 1`: the hash and how often it was seen up to that line.
    /// Written out only by [`LineHashes::get`]: a file is hashed whole, but only the lines
    /// with a finding are asked for.
    hashes: Vec<(u64, u32)>,
}

impl LineHashes {
    /// Hash every line of `text`: the file's content exactly as on disk, decoded as UTF-8 (keep a
    /// byte-order mark; Node keeps it too, so stripping it would change the first line's hash).
    pub fn new(text: &str) -> Self {
        let mut hasher = Hasher::new();
        for unit in text.encode_utf16() {
            hasher.process(unit);
        }
        hasher.finish()
    }

    /// The hash of 1-based `line`, `None` past the end of the file (or for line 0).
    pub fn get(&self, line: u32) -> Option<String> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        // `Long.toUnsigned().toString(16)`: the 64 bits read as unsigned, no zero padding.
        let (value, count) = self.hashes.get(index)?;
        Some(format!("{value:x}:{count}"))
    }

    /// Number of lines: line breaks plus one (an empty file has one empty line).
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// Fill `line_hash` of every finding located in a file, reading each file once through `read`
/// (path relative to the report root -> text; `None` when unreadable, which leaves the hash
/// unset: codeql-action then computes it itself, or cannot either).
pub fn fill(findings: &mut [Finding], mut read: impl FnMut(&str) -> Option<String>) {
    let mut cache: HashMap<String, Option<LineHashes>> = HashMap::new();
    for finding in findings.iter_mut() {
        let Some(location) = &finding.location else {
            continue;
        };
        let hashes = cache
            .entry(location.path.clone())
            .or_insert_with(|| read(&location.path).map(|text| LineHashes::new(&text)));
        // codeql-action hashes line 1 when a region has no start line; we always have one.
        finding.line_hash = hashes
            .as_ref()
            .and_then(|h| h.get(location.start.line.max(1)));
    }
}

/// The state of `hash()` in fingerprints.ts, one field per variable there.
struct Hasher {
    /// The last `BLOCK_SIZE` characters, a ring indexed by `index`.
    window: [u16; BLOCK_SIZE],
    /// For each window slot: the line that starts at that character, if one does.
    line_numbers: [Option<u32>; BLOCK_SIZE],
    hash: i64,
    /// `MOD^BLOCK_SIZE`: the weight of the character leaving the window.
    first_mod: i64,
    index: usize,
    line_number: u32,
    line_start: bool,
    prev_cr: bool,
    counts: HashMap<u64, u32>,
    out: Vec<(u64, u32)>,
}

impl Hasher {
    fn new() -> Self {
        let first_mod = (0..BLOCK_SIZE).fold(1i64, |acc, _| acc.wrapping_mul(MOD));
        Self {
            window: [0; BLOCK_SIZE],
            line_numbers: [None; BLOCK_SIZE],
            hash: 0,
            first_mod,
            index: 0,
            line_number: 0,
            line_start: true,
            prev_cr: false,
            counts: HashMap::new(),
            out: Vec::new(),
        }
    }

    fn output(&mut self) {
        let Some(line) = self.line_numbers[self.index].take() else {
            return;
        };
        let value = self.hash as u64;
        let count = self.counts.entry(value).or_insert(0);
        *count += 1;
        let entry = (value, *count);
        // Lines come out in order, one each; the resize only guards the invariant.
        let slot = (line as usize).saturating_sub(1);
        if self.out.len() <= slot {
            self.out.resize(slot + 1, (0, 0));
        }
        self.out[slot] = entry;
    }

    fn update(&mut self, current: u16) {
        let begin = self.window[self.index];
        self.window[self.index] = current;
        self.hash = MOD
            .wrapping_mul(self.hash)
            .wrapping_add(i64::from(current))
            .wrapping_sub(self.first_mod.wrapping_mul(i64::from(begin)));
        self.index = (self.index + 1) % BLOCK_SIZE;
    }

    fn process(&mut self, mut current: u16) {
        // Spaces and tabs never count; an LF right after a CR is part of that line break.
        if current == SPACE || current == TAB || (self.prev_cr && current == LF) {
            self.prev_cr = false;
            return;
        }
        if current == CR {
            current = LF;
            self.prev_cr = true;
        } else {
            self.prev_cr = false;
        }
        // The slot we are about to overwrite started a line BLOCK_SIZE characters ago: its
        // window is complete, so its hash is the current one.
        self.output();
        if self.line_start {
            self.line_start = false;
            self.line_number = self.line_number.saturating_add(1);
            self.line_numbers[self.index] = Some(self.line_number);
        }
        if current == LF {
            self.line_start = true;
        }
        self.update(current);
    }

    fn finish(mut self) -> LineHashes {
        self.process(EOF);
        for _ in 0..BLOCK_SIZE {
            self.output();
            self.update(0);
        }
        LineHashes { hashes: self.out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from codeql-action's fingerprints tests; the full set runs in tests/line_hash.rs.
    #[test]
    fn empty_file_has_one_line() {
        let h = LineHashes::new("");
        assert_eq!(h.len(), 1);
        assert_eq!(h.get(1).as_deref(), Some("c129715d7a2bc9a3:1"));
        assert_eq!(h.get(0), None);
        assert_eq!(h.get(2), None);
    }

    #[test]
    fn whitespace_is_skipped_and_hex_is_unpadded() {
        let h = LineHashes::new(" a\nb\n  \t\tc\n d");
        let all: Vec<_> = (1..=4).filter_map(|l| h.get(l)).collect();
        assert_eq!(
            all,
            [
                "271789c17abda88f:1",
                "54703d4cd895b18:1",
                "180aee12dab6264:1",
                "a23a3dc5e078b07b:1"
            ]
        );
    }

    #[test]
    fn line_endings_are_equivalent() {
        let lf = LineHashes::new("x:\n  y: 1\n\nz\n");
        let crlf = LineHashes::new("x:\r\n  y: 1\r\n\r\nz\r\n");
        let cr = LineHashes::new("x:\r  y: 1\r\rz\r");
        assert_eq!(lf, crlf);
        assert_eq!(lf, cr);
        assert_eq!(lf.len(), 5);
    }

    #[test]
    fn repeated_lines_are_numbered() {
        let h = LineHashes::new(&"Lorem ipsum dolor sit amet.\n".repeat(10));
        assert_eq!(h.get(1).as_deref(), Some("a7f2ff13bc495cf2:1"));
        assert_eq!(h.get(3).as_deref(), Some("a7f2ff13bc495cf2:3"));
    }

    #[test]
    fn astral_characters_count_as_two_units() {
        // Outside the BMP a code point is two UTF-16 units and both enter the hash, so the
        // line differs from one with a one-unit character in its place.
        let h = LineHashes::new("name: \u{1F680} deploy\nrun: x\n");
        assert_eq!(h.len(), 3);
        assert_ne!(
            h.get(1),
            LineHashes::new("name: \u{00e9} deploy\nrun: x\n").get(1)
        );
    }

    #[test]
    fn fill_sets_hashes_and_reads_each_file_once() {
        use crate::finding::{Area, Location, Pos, RuleMeta, Severity, Span};
        static RULE: RuleMeta = RuleMeta {
            id: "r",
            area: Area::Pipeline,
            default: Severity::Low,
            summary: "s",
            help: "h",
        };
        let at = |path: &str, line| {
            let span = Span::new(Pos::new(line, 1), Pos::new(line, 2));
            Finding::at(&RULE, Location::new(path, span), "x", "m")
        };
        let mut findings = vec![
            at("a.yml", 1),
            at("a.yml", 2),
            at("a.yml", 99),
            at("missing.yml", 1),
            Finding::repository(&RULE, "repo", "m"),
        ];
        let mut reads = Vec::new();
        fill(&mut findings, |path| {
            reads.push(path.to_owned());
            (path == "a.yml").then(|| " a\nb\n".to_owned())
        });
        assert_eq!(reads, ["a.yml", "missing.yml"]);
        let expected = LineHashes::new(" a\nb\n");
        assert_eq!(findings[0].line_hash, expected.get(1));
        assert_eq!(findings[1].line_hash, expected.get(2));
        assert_eq!(findings[2].line_hash, None);
        assert_eq!(findings[3].line_hash, None);
        assert_eq!(findings[4].line_hash, None);
    }
}
