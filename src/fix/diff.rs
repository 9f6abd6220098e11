//! A line-based unified diff (3 lines of context), enough for `fix --dry-run`.
//!
//! Common leading and trailing lines are set aside first; the middle is compared by longest
//! common subsequence. Fix edits are small, so the middle is small; a middle too large for the
//! quadratic table is shown as one replacement rather than risking time and memory.

/// Largest middle (old lines × new lines) compared line by line.
const MAX_TABLE: usize = 4_000_000;
const CONTEXT: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Op {
    Same,
    Del,
    Add,
}

fn lines(s: &str) -> Vec<&str> {
    s.split_inclusive('\n').collect()
}

/// The edit script: for each step, the operation and the old/new line indices it consumes.
fn script(a: &[&str], b: &[&str]) -> Vec<(Op, usize, usize)> {
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut out: Vec<(Op, usize, usize)> = (0..pre).map(|i| (Op::Same, i, i)).collect();
    let (n, m) = (am.len(), bm.len());
    if n.saturating_mul(m) > MAX_TABLE {
        out.extend((0..n).map(|i| (Op::Del, pre + i, pre)));
        out.extend((0..m).map(|j| (Op::Add, pre + n, pre + j)));
    } else {
        // lcs[i][j]: length of the LCS of am[i..] and bm[j..].
        let mut lcs = vec![0u32; (n + 1) * (m + 1)];
        let at = |i: usize, j: usize| i * (m + 1) + j;
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[at(i, j)] = if am[i] == bm[j] {
                    lcs[at(i + 1, j + 1)] + 1
                } else {
                    lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                out.push((Op::Same, pre + i, pre + j));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
                // Deletions before additions, as diff(1) prints a replacement.
                out.push((Op::Del, pre + i, pre + j));
                i += 1;
            } else {
                out.push((Op::Add, pre + i, pre + j));
                j += 1;
            }
        }
    }
    out.extend((0..suf).map(|k| (Op::Same, a.len() - suf + k, b.len() - suf + k)));
    out
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// A unified diff of `old` to `new` with `a/` and `b/` headers; empty when they are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let (a, b) = (lines(old), lines(new));
    let ops = script(&a, &b);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != Op::Same).collect();
    let mut k = 0;
    while k < changed.len() {
        // Grow a hunk while at most two contexts of unchanged lines separate the next change.
        let first = changed[k];
        let mut last = first;
        while k + 1 < changed.len() && changed[k + 1] - last <= 2 * CONTEXT + 1 {
            k += 1;
            last = changed[k];
        }
        k += 1;
        let lo = first.saturating_sub(CONTEXT);
        let hi = (last + CONTEXT + 1).min(ops.len());
        let hunk = &ops[lo..hi];
        let old_len = hunk.iter().filter(|o| o.0 != Op::Add).count();
        let new_len = hunk.iter().filter(|o| o.0 != Op::Del).count();
        let (old_start, new_start) = (hunk[0].1 + 1, hunk[0].2 + 1);
        // An empty side starts at the line before, as diff(1) writes it.
        let range = |start: usize, len: usize| match len {
            0 => format!("{},0", start - 1),
            1 => format!("{start}"),
            _ => format!("{start},{len}"),
        };
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_len),
            range(new_start, new_len)
        ));
        for &(op, i, j) in hunk {
            match op {
                Op::Same => push_line(&mut out, ' ', a[i]),
                Op::Del => push_line(&mut out, '-', a[i]),
                Op::Add => push_line(&mut out, '+', b[j]),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        let new = "1\n2\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12b\n";
        assert_eq!(
            unified_diff("f.yml", old, new),
            "--- a/f.yml\n+++ b/f.yml\n@@ -1,5 +1,6 @@\n 1\n 2\n+X\n 3\n 4\n 5\n\
             @@ -9,4 +10,4 @@\n 9\n 10\n 11\n-12\n+12b\n"
        );
        assert_eq!(unified_diff("f", old, old), "");
    }

    #[test]
    fn insertion_at_start_and_missing_final_newline() {
        assert_eq!(
            unified_diff("f", "a", "x\na"),
            "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n+x\n a\n\\ No newline at end of file\n"
        );
        assert_eq!(
            unified_diff("f", "a", "a\nb"),
            "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n\\ No newline at end of file\n"
        );
    }
}
