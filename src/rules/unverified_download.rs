//! `unverified-download`: code fetched over the network and run in the same step without a
//! checksum or signature check (`curl … | sh`, `bash <(curl …)`, `wget … && chmod +x`).

use super::Rule;
use super::run_sites::{program_words, run_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unverified-download",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Downloaded script or binary executed without a checksum or signature check",
        help: include_str!("../../docs/rules/unverified-download.md"),
    },
    check: Some(check),
};

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "python", "python3", "node", "perl", "ruby",
];

/// Any of these in the step means the download is checked before it runs.
const VERIFIERS: &[&str] = &[
    "sha256sum -c",
    "sha256sum --check",
    "sha512sum -c",
    "sha512sum --check",
    "sha1sum -c",
    "shasum -a 256 -c",
    "shasum -a 512 -c",
    "shasum -c",
    "shasum --check",
    "gpg --verify",
    "gpg2 --verify",
    "gpgv ",
    "cosign verify-blob",
    "cosign verify",
    "minisign -v",
    "minisign -V",
    "slsa-verifier",
    "gh attestation verify",
];

fn is_fetcher(word: &str) -> bool {
    matches!(word.rsplit('/').next(), Some("curl" | "wget"))
}

/// `| sh`, `|bash -s --`, `| sudo -E bash` in the text after the download.
fn pipes_into_shell(rest: &str) -> Option<&'static str> {
    for part in rest.split('|').skip(1) {
        let words: Vec<String> = part.split_whitespace().map(str::to_string).collect();
        let prog = program_words(&words);
        if let Some(first) = prog.first() {
            let name = first.rsplit('/').next().unwrap_or(first);
            if let Some(s) = SHELLS.iter().find(|s| **s == name) {
                return Some(s);
            }
        }
    }
    None
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in run_sites(repo) {
        let script = &site.run.value;
        let lower = script.to_ascii_lowercase();
        if VERIFIERS
            .iter()
            .any(|v| lower.contains(&v.to_ascii_lowercase()))
        {
            continue;
        }
        let lines: Vec<&str> = script.lines().collect();
        let chmod_x = lower.contains("chmod +x")
            || lower.contains("chmod 755")
            || lower.contains("chmod a+x")
            || lower.contains("chmod u+x");
        let mut flagged_lines = std::collections::BTreeSet::new();
        for cmd in site.commands(repo).iter() {
            let words = program_words(&cmd.words);
            let Some(first) = words.first() else { continue };
            // The rest of the script line from this command on: the pipe may be split off
            // into a command of its own by the shell reader.
            let line_text = lines
                .get(cmd.line.saturating_sub(1) as usize)
                .copied()
                .unwrap_or("");
            let from = line_text
                .char_indices()
                .nth(cmd.column.saturating_sub(1) as usize)
                .map_or(0, |(i, _)| i);
            let rest = line_text.get(from..).unwrap_or("");
            let (severity, what) = if is_fetcher(first) {
                if let Some(shell) = pipes_into_shell(rest) {
                    (
                        Severity::High,
                        format!("pipes a download straight into `{shell}`"),
                    )
                } else if chmod_x && writes_file(words) {
                    (
                        Severity::Medium,
                        "downloads a file that this step then makes executable (`chmod +x`)"
                            .to_string(),
                    )
                } else {
                    continue;
                }
            } else if SHELLS.contains(&first.rsplit('/').next().unwrap_or(first))
                && (cmd.text.contains("<(curl")
                    || cmd.text.contains("<(wget")
                    || cmd.text.contains("$(curl")
                    || cmd.text.contains("$(wget")
                    || cmd.text.contains("`curl")
                    || cmd.text.contains("`wget"))
            {
                (
                    Severity::High,
                    format!(
                        "runs a download with `{first}` through a process or command substitution"
                    ),
                )
            } else {
                continue;
            };
            // One finding per script line: `curl … | sudo bash` may be read as two commands.
            if !flagged_lines.insert(cmd.line) {
                continue;
            }
            let message = format!(
                "step `{}` {what} with no checksum or signature check, so whoever controls the \
                 server (or the network path) runs code in this job with its secrets and token; \
                 download to a file, verify it, then run it: `curl -fsSLo tool.sh <url> && \
                 echo \"<sha256>  tool.sh\" | sha256sum -c - && sh tool.sh`",
                site.step.label()
            );
            out.push(
                Finding::at(&RULE.meta, site.command_location(cmd), &cmd.text, message)
                    .severity(severity),
            );
        }
    }
}

/// `curl -o file`, `curl -O`, `wget URL` (which writes a file unless `-O -`/`-qO-`).
fn writes_file(words: &[String]) -> bool {
    let Some(first) = words.first() else {
        return false;
    };
    let is_wget = first.ends_with("wget");
    let to_stdout = words
        .windows(2)
        .any(|w| (w[0] == "-O" || w[0] == "--output-document") && w[1] == "-")
        || words
            .iter()
            .any(|w| w == "-O-" || w == "-qO-" || w == "--output-document=-");
    if is_wget {
        return !to_stdout;
    }
    words.iter().any(|w| {
        w == "-o"
            || w == "-O"
            || w.starts_with("--output")
            || w == "--remote-name"
            || (w.starts_with('-') && !w.starts_with("--") && (w.contains('o') || w.contains('O')))
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions, workflow_running};
    use crate::yaml::Pos;

    #[test]
    fn flags_pipe_to_shell_and_process_substitution() {
        let found = findings_for(
            "unverified-download",
            &workflow_running(
                "echo start\ncurl -fsSL https://get.example.sh | sudo bash\nbash <(curl -s https://x.example/i.sh)\nwget -qO- https://y.example | sh -s -- -y",
            ),
        );
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(8, 11)), Severity::High),
                (Some(Pos::new(9, 11)), Severity::High),
                (Some(Pos::new(10, 11)), Severity::High),
            ]
        );
        assert!(
            found[0].message.contains("into `bash`"),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("sha256sum -c"));
    }

    #[test]
    fn download_then_chmod_is_medium() {
        let found = findings_for(
            "unverified-download",
            &workflow_running("wget https://example.com/tool\nchmod +x tool\n./tool"),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Medium);
        assert_eq!(
            found[0].location.as_ref().map(|l| l.start),
            Some(Pos::new(7, 11))
        );
    }

    #[test]
    fn verified_downloads_and_plain_fetches_are_not_findings() {
        for script in [
            "curl -fsSLo i.sh https://x.example/i.sh\necho \"abc  i.sh\" | sha256sum -c -\nsh i.sh",
            "curl -fsSL https://x.example/i.sh -o i.sh\ngpg --verify i.sh.asc i.sh\nbash i.sh | tee log",
            "curl -s https://api.example.com/status | jq .",
            "curl -fsSL -o data.json https://example.com/data.json",
        ] {
            assert!(
                findings_for("unverified-download", &workflow_running(script)).is_empty(),
                "{script}"
            );
        }
    }
}
