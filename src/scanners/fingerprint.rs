//! Fingerprints of scanner findings: what keeps a finding the same finding from one run to the
//! next (the action's baseline, code scanning's `partialFingerprints`), and tells two findings
//! of one rule in one file apart.
//!
//! The key is the tool, the rule, the file, the package and advisory for a dependency finding,
//! and for a finding at a place the **offending text**: the region's text when it is on one
//! line, else its first line from the start column (whitespace collapsed), so moving code does
//! not make a finding new but a new `uses: evil/action@v1` beside an old one is new. Findings
//! with the same key in one run get an occurrence index in report order (`…:2`, `…:3`), as
//! GitHub's own `primaryLocationLineHash` does for equal lines. The tool's message is not part
//! of it: messages change with the tool's version and sometimes carry line numbers.
//!
//! The first version ([`legacy`]) had neither text nor occurrence: tool, rule, file, package and
//! message. It is still computed so that a baseline written with it keeps working where it can
//! tell findings apart (see `action::baseline`).

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::model::{ScanFinding, ToolRun};
use crate::finding::Location;
use crate::source::SourceText;

/// Fill in [`ScanFinding::fingerprint`] of every finding of `runs`, in their order (call after
/// normalisation sorted them). Paths are relative to `root`, where the files are read.
pub fn assign(runs: &mut [ToolRun], root: &Path) {
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    for run in runs.iter_mut() {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for f in &mut run.findings {
            let text = f.location.as_ref().and_then(|l| {
                texts
                    .entry(l.path.clone())
                    .or_insert_with(|| std::fs::read_to_string(root.join(&l.path)).ok())
                    .as_deref()
                    .and_then(|t| offending_text(t, l))
            });
            let base = base(&run.tool, f, text.as_deref());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            f.fingerprint = if *n == 1 { base } else { format!("{base}:{n}") };
        }
    }
}

/// The text a location points at, whitespace collapsed: the region on one line, or the first
/// line of a longer region from its start column. `None` when the line is not in the file or
/// the text is blank.
pub fn offending_text(text: &str, l: &Location) -> Option<String> {
    if l.start.line == 0 {
        return None;
    }
    let src = SourceText::new(text);
    let line = src.line(l.start.line)?;
    let from = l.start.column.max(1) as usize - 1;
    let chars: Vec<char> = line.chars().collect();
    let to = if l.end.line == l.start.line && l.end.column > l.start.column {
        (l.end.column as usize - 1).min(chars.len())
    } else {
        chars.len()
    };
    let slice: String = chars.get(from..to.max(from))?.iter().collect();
    let collapsed = slice.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

fn base(tool: &str, f: &ScanFinding, text: Option<&str>) -> String {
    let package = f.package.as_ref();
    // A dependency finding is its package and advisory; a finding at a place its text; one
    // with neither (no file, or a file that cannot be read) its message, as before.
    let key = if package.is_some() {
        ""
    } else {
        text.unwrap_or(f.message.as_str())
    };
    digest(&[
        "v2",
        tool,
        f.rule_id.as_str(),
        f.location.as_ref().map_or("", |l| l.path.as_str()),
        package.map_or("", |p| p.name.as_str()),
        package.and_then(|p| p.version.as_deref()).unwrap_or(""),
        package.map_or("", |p| p.advisory.as_str()),
        key,
    ])
}

/// The first version: tool, rule, file, package, advisory and message; no text, no line, no
/// occurrence (so equal messages of one rule in one file shared one).
pub fn legacy(tool: &str, f: &ScanFinding) -> String {
    digest(&[
        tool,
        f.rule_id.as_str(),
        f.location.as_ref().map_or("", |l| l.path.as_str()),
        f.package.as_ref().map_or("", |p| p.name.as_str()),
        f.package
            .as_ref()
            .and_then(|p| p.version.as_deref())
            .unwrap_or(""),
        f.package.as_ref().map_or("", |p| p.advisory.as_str()),
        if f.package.is_none() {
            f.message.as_str()
        } else {
            ""
        },
    ])
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Pos, Severity, Span};
    use crate::scanners::model::{Origin, RunStatus};

    fn at(line: u32, col: u32, end_line: u32, end_col: u32) -> ScanFinding {
        ScanFinding {
            rule_id: "zizmor/unpinned-uses".into(),
            severity: Severity::High,
            cvss: None,
            message: "unpinned-uses: unpinned action reference".into(),
            location: Some(Location::new(
                "ci.yml",
                Span::new(Pos::new(line, col), Pos::new(end_line, end_col)),
            )),
            package: None,
            suppressed: false,
            also_reported_by: Vec::new(),
            fingerprint: String::new(),
        }
    }

    fn run(findings: Vec<ScanFinding>) -> ToolRun {
        ToolRun {
            tool: "zizmor".into(),
            version: None,
            origin: Origin::Native,
            status: RunStatus::Completed,
            rules: Vec::new(),
            findings,
            notifications: Vec::new(),
        }
    }

    #[test]
    fn the_offending_text_tells_equal_messages_apart() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: evil/action@v1\n      - uses: actions/checkout@v4\n";
        std::fs::write(dir.path().join("ci.yml"), text).expect("write");
        let mut runs = vec![run(vec![
            at(4, 15, 4, 34),
            at(5, 15, 5, 30),
            at(6, 15, 6, 34),
        ])];
        assign(&mut runs, dir.path());
        let fps: Vec<&str> = runs[0]
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        assert_ne!(fps[0], fps[1]);
        // The same text twice: the second is the first's fingerprint with an occurrence index.
        assert_eq!(fps[2], format!("{}:2", fps[0]));
        // The legacy fingerprint could not tell any of them apart.
        let legacy: Vec<String> = runs[0]
            .findings
            .iter()
            .map(|f| legacy("zizmor", f))
            .collect();
        assert!(legacy.iter().all(|l| *l == legacy[0]));

        // Moved down by an inserted line: the same fingerprints.
        let moved = format!("# a comment\n{text}");
        std::fs::write(dir.path().join("ci.yml"), moved).expect("write");
        let mut again = vec![run(vec![
            at(5, 15, 5, 34),
            at(6, 15, 6, 30),
            at(7, 15, 7, 34),
        ])];
        assign(&mut again, dir.path());
        let moved: Vec<&str> = again[0]
            .findings
            .iter()
            .map(|f| f.fingerprint.as_str())
            .collect();
        assert_eq!(moved, fps);
    }

    #[test]
    fn offending_text_of_regions() {
        let text = "a: 1\n  uses:   x/y@v1   # c\nlast";
        let loc = |l, c, el, ec| Location::new("f", Span::new(Pos::new(l, c), Pos::new(el, ec)));
        assert_eq!(
            offending_text(text, &loc(2, 3, 2, 17)).as_deref(),
            Some("uses: x/y@v1")
        );
        // A region over several lines: its first line from the start column.
        assert_eq!(
            offending_text(text, &loc(2, 11, 3, 2)).as_deref(),
            Some("x/y@v1 # c")
        );
        assert_eq!(offending_text(text, &loc(9, 1, 9, 2)), None);
        assert_eq!(offending_text(text, &loc(0, 0, 0, 0)), None);
        // Columns past the line are clamped, not a panic.
        assert_eq!(
            offending_text(text, &loc(3, 1, 3, 99)).as_deref(),
            Some("last")
        );
        assert_eq!(offending_text(text, &loc(3, 50, 3, 99)), None);
    }
}
