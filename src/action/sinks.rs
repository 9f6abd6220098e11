//! The runner's files and streams: job summary, step outputs, annotations, written files.

use std::io::Write as _;
use std::path::Path;

/// GitHub's limit for one step's summary.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;
/// Write a file that later steps can use. The container runs as root and the workspace belongs
/// to the runner's user: the file is made readable by all (0644) so that upload or cache steps
/// can read it, and it is written in place (no rename) so an existing file keeps its owner.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

/// Append to a runner file (`GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`), which other steps' commands
/// may also write.
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(text.as_bytes())
}

/// `summary` cut to GitHub's limit at a line break, with open `<details>` closed and a note
/// saying how much was left out and where the rest is.
pub fn fit_summary(summary: &str, rest_is_in: &str) -> String {
    if summary.len() <= SUMMARY_LIMIT {
        return summary.to_string();
    }
    // Room for the closing tags and the note.
    let budget = SUMMARY_LIMIT - 2048;
    let mut cut = budget;
    while !summary.is_char_boundary(cut) {
        cut -= 1;
    }
    let head = &summary[..cut];
    let head = match head.rfind('\n') {
        Some(i) => &head[..=i],
        None => head,
    };
    let open = head.matches("<details").count();
    let closed = head.matches("</details>").count();
    let mut out = head.to_string();
    for _ in closed..open {
        out.push_str("\n</details>\n");
    }
    out.push_str(&format!(
        "\n> [!WARNING]\n> The summary was cut at {} of {} bytes to stay under GitHub's 1 MiB limit \
         for a step's summary; the rest of the findings are in {rest_is_in}.\n",
        head.len(),
        summary.len()
    ));
    out
}

/// `name=value` lines for `GITHUB_OUTPUT`; multi-line values with the delimiter form
/// (`name<<DELIM`, value, `DELIM`), the delimiter random and absent from the value.
pub fn outputs(pairs: &[(&str, String)]) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if value.contains('\n') || value.contains('\r') {
            let mut n = 0u64;
            let delimiter = loop {
                let d = format!("ghadelimiter_{:016x}", seed().wrapping_add(n));
                if !value.contains(&d) {
                    break d;
                }
                n += 1;
            };
            out.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            out.push_str(&format!("{name}={value}\n"));
        }
    }
    out
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_outputs_use_a_delimiter_absent_from_the_value() {
        let out = outputs(&[("score", "87".into()), ("list", "a\nb".into())]);
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some("score=87"));
        let head = lines.next().unwrap_or_default();
        let delim = head.strip_prefix("list<<").unwrap_or_default();
        assert!(delim.starts_with("ghadelimiter_"), "{head}");
        assert_eq!(lines.next(), Some("a"));
        assert_eq!(lines.next(), Some("b"));
        assert_eq!(lines.next(), Some(delim));
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn a_long_summary_is_cut_with_closed_details_and_a_note() {
        let mut s = String::from("# title\n\n<details><summary>x</summary>\n\n");
        while s.len() < SUMMARY_LIMIT + 10_000 {
            s.push_str("- a finding line with some text in it\n");
        }
        s.push_str("</details>\n");
        let cut = fit_summary(&s, "`ci-guard.sarif`");
        assert!(cut.len() <= SUMMARY_LIMIT, "{}", cut.len());
        assert_eq!(
            cut.matches("<details").count(),
            cut.matches("</details>").count()
        );
        assert!(cut.contains("`ci-guard.sarif`") && cut.contains("cut at"));
        assert_eq!(fit_summary("short\n", "x"), "short\n");
    }

    #[test]
    fn written_files_are_world_readable() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("sub/out.sarif");
        write_file(&p, b"{}").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }
}
