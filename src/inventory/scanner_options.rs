//! Which options and subcommands the known scanners accept, read from their own `--help` output
//! as recorded under `data/scanner-help/` (one file per tool and version; where each came from is
//! in `data/scanner-help/SOURCES.md`).
//!
//! Tables are complete or partial. Complete: recorded from the installed tool (pip-audit, bandit,
//! checkov, semgrep `scan` and `ci`), so an option missing from the table makes the tool exit
//! with a usage error and the gate can never pass. Partial: trivy (the `image` and `filesystem`
//! pages of its CLI reference, from two releases, used for every scanning subcommand), gitleaks
//! (the global flags of two README versions, plus the subcommand flags the README names),
//! osv-scanner (v1 global options and v2 `scan source`, quoted from the tool's help) and
//! `npm audit` (npm takes any `--key` as configuration and only warns): an option missing
//! there is reported, but not as proof that the gate can never pass.
//!
//! What the parsers accept, as the tools do: `--opt=value`; short clusters (`-ll`, `-rq`) and a
//! value glued to a short option (`-rreq.txt`); unambiguous prefixes of long options for
//! argparse and cmdliner tools (`pip-audit --req x`); single-dash long names for osv-scanner
//! (Go's flag package).

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// One tool's table.
#[derive(Debug, Default)]
pub struct Table {
    pub tool: &'static str,
    /// The recorded version(s), for messages.
    pub version: &'static str,
    pub complete: bool,
    /// Long options with their dashes (`--format`), and single-dash multi-letter ones (`-ca`).
    long: BTreeSet<String>,
    /// Single-letter options.
    short: BTreeSet<char>,
    /// Options that take a value (the next word, unless written `--opt=value`).
    takes_value: BTreeSet<String>,
    /// argparse / cmdliner: an unambiguous prefix of a long option works.
    abbreviations: bool,
    /// Go's flag package: `-name` is `--name`.
    single_dash_long: bool,
}

/// An option a tool does not accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownOption {
    /// Index of the word in the command's words.
    pub word: usize,
    pub option: String,
    pub tool: &'static str,
    pub version: &'static str,
    /// From a complete table: the tool exits with a usage error.
    pub fatal: bool,
    /// A close known option, for the fix.
    pub suggestion: Option<String>,
}

const PIP_AUDIT: &str = include_str!("../../data/scanner-help/pip-audit/pip-audit-2.10.1.txt");
const BANDIT: &str = include_str!("../../data/scanner-help/bandit/bandit-1.9.4.txt");
const CHECKOV: &str = include_str!("../../data/scanner-help/checkov/checkov-3.3.30.txt");
const SEMGREP_SCAN: &str = include_str!("../../data/scanner-help/semgrep/semgrep-scan-1.185.0.txt");
const SEMGREP_CI: &str = include_str!("../../data/scanner-help/semgrep/semgrep-ci-1.185.0.txt");
const NPM_AUDIT: &str = include_str!("../../data/scanner-help/npm-audit/npm-audit-11.19.1.txt");
const TRIVY: &str = include_str!("../../data/scanner-help/trivy/trivy.md");
const TRIVY_IMAGE: &str = include_str!("../../data/scanner-help/trivy/trivy_image.md");
const TRIVY_FS: &str = include_str!("../../data/scanner-help/trivy/trivy_filesystem.md");
const GITLEAKS: &str = include_str!("../../data/scanner-help/gitleaks/gitleaks-readme-81fc668.txt");
const GITLEAKS_V8: &str =
    include_str!("../../data/scanner-help/gitleaks/gitleaks-readme-v8-detect-protect.txt");
const OSV_V2: &str =
    include_str!("../../data/scanner-help/osv-scanner/osv-scanner-v2-scan-source.txt");
const OSV_V1: &str = include_str!("../../data/scanner-help/osv-scanner/osv-scanner-v1-global.txt");

const TRIVY_SCANS: &[&str] = &[
    "image",
    "i",
    "filesystem",
    "fs",
    "config",
    "conf",
    "repository",
    "repo",
    "rootfs",
    "sbom",
    "vm",
];
const TRIVY_OTHER: &[&str] = &[
    "aws",
    "convert",
    "kubernetes",
    "k8s",
    "module",
    "plugin",
    "server",
    "version",
    "clean",
    "registry",
    "vex",
    "auth",
    "referrer",
    "cloud",
    "kubectl",
    "help",
    "completion",
];
const SEMGREP_OTHER: &[&str] = &[
    "login",
    "logout",
    "lsp",
    "publish",
    "show",
    "test",
    "validate",
    "install-semgrep-pro",
    "mcp",
];
const GITLEAKS_COMMANDS: &[&str] = &[
    "detect",
    "protect",
    "git",
    "dir",
    "files",
    "directory",
    "stdin",
    "version",
    "help",
    "completion",
];

struct Tables {
    pip_audit: Table,
    bandit: Table,
    checkov: Table,
    semgrep_scan: Table,
    semgrep_ci: Table,
    npm_audit: Table,
    trivy: Table,
    gitleaks: Table,
    osv_scanner: Table,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| Tables {
        pip_audit: Table::parse("pip-audit", "2.10.1", true, &[PIP_AUDIT]).argparse(),
        bandit: Table::parse("bandit", "1.9.4", true, &[BANDIT]).argparse(),
        checkov: Table::parse("checkov", "3.3.30", true, &[CHECKOV]).argparse(),
        semgrep_scan: Table::parse("semgrep", "1.185.0", true, &[SEMGREP_SCAN]).argparse(),
        semgrep_ci: Table::parse("semgrep ci", "1.185.0", true, &[SEMGREP_CI]).argparse(),
        npm_audit: Table::parse("npm audit", "11.19.1", false, &[NPM_AUDIT]),
        trivy: Table::parse(
            "trivy",
            "CLI reference, two releases",
            false,
            &[TRIVY, TRIVY_IMAGE, TRIVY_FS],
        ),
        gitleaks: {
            let mut t = Table::parse("gitleaks", "v8 README", false, &[GITLEAKS, GITLEAKS_V8]);
            // Subcommand flags the README names in its text (`git --log-opts`, `detect
            // --no-git`, `protect --staged`); the per-command help is not recorded.
            for f in ["--log-opts", "--no-git", "--staged"] {
                t.long.insert(f.into());
            }
            t.takes_value.insert("--log-opts".into());
            t
        },
        osv_scanner: {
            let mut t = Table::parse(
                "osv-scanner",
                "v1 global options and v2 scan source",
                false,
                &[OSV_V1, OSV_V2],
            );
            t.single_dash_long = true;
            t
        },
    })
}

impl Table {
    fn argparse(mut self) -> Self {
        self.abbreviations = true;
        self
    }

    /// Options from help text: every line whose first non-blank character is `-` lists one or
    /// more spellings (`-r REQ, --requirement REQ`, `-f, --format string`, `--x=VAL`,
    /// `--lockfile value, -L value [ … ]`, `-f|--force`) before its description.
    fn parse(tool: &'static str, version: &'static str, complete: bool, texts: &[&str]) -> Self {
        let mut t = Table {
            tool,
            version,
            complete,
            ..Table::default()
        };
        for text in texts {
            for line in text.lines() {
                let trimmed = line.trim_start();
                if !trimmed.starts_with('-') {
                    continue;
                }
                // The spellings end where the description starts (two spaces), or at `(absent`.
                let head = trimmed.split("  ").next().unwrap_or("");
                let head = head.split(" (").next().unwrap_or(head);
                let head = head.split(" [").next().unwrap_or(head);
                let mut last: Option<String> = None;
                for piece in head.split([',', ' ', '|']).filter(|p| !p.is_empty()) {
                    if piece.starts_with('-') && piece.len() > 1 {
                        let (name, value) = match piece.split_once('=') {
                            Some((n, _)) => (n, true),
                            None => (piece, false),
                        };
                        let name = name.trim_end_matches(['.', ':']);
                        t.add(name);
                        if value {
                            t.takes_value.insert(name.to_string());
                        }
                        last = Some(name.to_string());
                    } else if let Some(opt) = &last {
                        // `-r REQUIREMENT`, `--format string`, `--lockfile value`; an optional
                        // `[VALUE]` is not a required value.
                        if !piece.starts_with('[') && !piece.starts_with('{') {
                            t.takes_value.insert(opt.clone());
                        }
                    }
                }
            }
        }
        t
    }

    fn add(&mut self, name: &str) {
        let body = name.trim_start_matches('-');
        if body.is_empty() {
            return;
        }
        let mut chars = body.chars();
        match (name.starts_with("--"), chars.next(), chars.next()) {
            (false, Some(c), None) => {
                self.short.insert(c);
            }
            _ => {
                self.long.insert(name.to_string());
            }
        }
    }

    pub fn accepts_long(&self, name: &str) -> bool {
        self.resolve_long(name).is_some()
    }

    /// The long option `name` stands for: itself, or the only one it is a prefix of.
    fn resolve_long(&self, name: &str) -> Option<String> {
        if self.long.contains(name) {
            return Some(name.to_string());
        }
        if self.abbreviations && name.starts_with("--") && name.len() > 3 {
            let mut it = self.long.iter().filter(|l| l.starts_with(name));
            if let (Some(one), None) = (it.next(), it.next()) {
                return Some(one.clone());
            }
        }
        None
    }

    /// The options among `args` that this table does not accept: (index in `args`, option).
    fn unknown(&self, args: &[&str]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut expect_value = false;
        for (i, w) in args.iter().enumerate() {
            if std::mem::take(&mut expect_value) {
                continue;
            }
            if *w == "--" {
                break;
            }
            if !w.starts_with('-') || *w == "-" || w.contains(['$', '`', '*', '{']) {
                continue;
            }
            let (name, glued) = match w.split_once('=') {
                Some((n, _)) => (n, true),
                None => (*w, false),
            };
            if name.starts_with("--") {
                match self.resolve_long(name) {
                    Some(full) => expect_value = !glued && self.takes_value.contains(&full),
                    None => out.push((i, name.to_string())),
                }
                continue;
            }
            if self.long.contains(name) {
                expect_value = !glued && self.takes_value.contains(name);
                continue;
            }
            if self.single_dash_long {
                let long = format!("-{name}");
                if self.long.contains(&long) {
                    expect_value = !glued && self.takes_value.contains(&long);
                    continue;
                }
            }
            // A cluster of short options; a value-taking one ends it (its value is glued on).
            let mut ok = true;
            for c in name.chars().skip(1) {
                if !self.short.contains(&c) {
                    ok = false;
                    break;
                }
                if self.takes_value.contains(&format!("-{c}")) {
                    expect_value = !glued && name.ends_with(c) && name.len() == 2;
                    break;
                }
            }
            if !ok {
                out.push((i, name.to_string()));
            }
        }
        out
    }

    fn suggestion(&self, option: &str) -> Option<String> {
        let o = option.trim_start_matches('-');
        if o.is_empty() {
            return None;
        }
        self.long
            .iter()
            .map(|l| (edit_distance(o, l.trim_start_matches('-')), l))
            .filter(|(d, _)| *d <= 2 || o.len() > 6 && *d <= 3)
            .min()
            .map(|(_, l)| l.clone())
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Which table applies to a command (its words after prefixes), and where its options start.
fn table_for(words: &[String]) -> Option<(&'static Table, usize)> {
    let t = tables();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let prog = base(words.first()?);
    // `python -m pip_audit`, `python3 -m bandit`.
    let (prog, mut at) =
        if prog.starts_with("python") && words.get(1).map(String::as_str) == Some("-m") {
            (words.get(2)?.replace('_', "-"), 3)
        } else {
            (prog, 1)
        };
    let table = match prog.as_str() {
        "pip-audit" => &t.pip_audit,
        "bandit" => &t.bandit,
        "checkov" => &t.checkov,
        "npm" if words.get(1).map(String::as_str) == Some("audit") => {
            at = 2;
            if matches!(words.get(2).map(String::as_str), Some("fix" | "signatures")) {
                at = 3;
            }
            &t.npm_audit
        }
        "semgrep" => {
            // Global options may come first; the subcommand is the first plain word.
            let sub = words[at..].iter().position(|w| !w.starts_with('-'));
            match sub.map(|k| (k, words[at + k].as_str())) {
                Some((k, "scan")) => {
                    at += k + 1;
                    &t.semgrep_scan
                }
                Some((k, "ci")) => {
                    at += k + 1;
                    &t.semgrep_ci
                }
                Some((_, s)) if SEMGREP_OTHER.contains(&s) => return None,
                _ => &t.semgrep_scan,
            }
        }
        "trivy" => {
            let sub = first_positional(&t.trivy, &words[at..])?;
            let name = words[at + sub].as_str();
            if TRIVY_OTHER.contains(&name) || !TRIVY_SCANS.contains(&name) {
                return None;
            }
            &t.trivy
        }
        "gitleaks" => {
            if let Some(k) = first_positional(&t.gitleaks, &words[at..])
                && !GITLEAKS_COMMANDS.contains(&words[at + k].as_str())
            {
                return None;
            }
            &t.gitleaks
        }
        "osv-scanner" => &t.osv_scanner,
        _ => return None,
    };
    Some((table, at))
}

/// The first word that is neither an option nor an option's value.
fn first_positional(t: &Table, args: &[String]) -> Option<usize> {
    let mut skip = false;
    for (i, w) in args.iter().enumerate() {
        if std::mem::take(&mut skip) {
            continue;
        }
        if w.starts_with('-') {
            skip = !w.contains('=') && t.takes_value.contains(w.as_str());
            continue;
        }
        return Some(i);
    }
    None
}

/// The options of a recognised scanner invocation that the scanner does not accept. `words`
/// are the command's words after prefixes (`sudo`, assignments) as the shell reader gives them.
pub fn unknown_options(words: &[String]) -> Vec<UnknownOption> {
    let Some((table, at)) = table_for(words) else {
        return Vec::new();
    };
    let args: Vec<&str> = words[at..]
        .iter()
        .map(String::as_str)
        // Subcommand words are not options; `unknown` skips every plain word.
        .collect();
    table
        .unknown(&args)
        .into_iter()
        .map(|(i, option)| UnknownOption {
            word: at + i,
            suggestion: table.suggestion(&option),
            option,
            tool: table.tool,
            version: table.version,
            fatal: table.complete,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown(cmd: &str) -> Vec<(String, bool, Option<String>)> {
        let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
        unknown_options(&words)
            .into_iter()
            .map(|u| (u.option, u.fatal, u.suggestion))
            .collect()
    }

    #[test]
    fn tables_hold_what_the_recorded_help_lists() {
        let t = tables();
        for opt in [
            "--requirement",
            "-r",
            "--format",
            "--ignore-vuln",
            "--strict",
        ] {
            assert!(t.pip_audit.accepts_long(opt) || t.pip_audit.short.contains(&'r'));
        }
        assert!(t.pip_audit.takes_value.contains("--requirement"));
        assert!(t.bandit.short.contains(&'l') && t.bandit.accepts_long("--exit-zero"));
        assert!(t.checkov.accepts_long("-ca") && t.checkov.accepts_long("--soft-fail-on"));
        assert!(t.semgrep_scan.accepts_long("--error") && t.semgrep_scan.accepts_long("--sarif"));
        assert!(t.trivy.accepts_long("--exit-code") && t.trivy.accepts_long("--pkg-types"));
        assert!(t.trivy.accepts_long("--vuln-type") && t.trivy.takes_value.contains("--format"));
        assert!(t.gitleaks.accepts_long("--source") && t.gitleaks.accepts_long("--report-path"));
        assert!(t.osv_scanner.accepts_long("--lockfile") && t.osv_scanner.short.contains(&'L'));
        assert!(t.npm_audit.accepts_long("--audit-level") && t.npm_audit.short.contains(&'f'));
        // Sizes, so that a recording that stops parsing is noticed.
        assert!(t.pip_audit.long.len() >= 25, "{}", t.pip_audit.long.len());
        assert!(t.checkov.long.len() >= 60, "{}", t.checkov.long.len());
        assert!(
            t.semgrep_scan.long.len() >= 80,
            "{}",
            t.semgrep_scan.long.len()
        );
        assert!(t.trivy.long.len() >= 80, "{}", t.trivy.long.len());
    }

    #[test]
    fn options_the_tools_do_not_have() {
        assert_eq!(
            unknown("pip-audit -r requirements.txt --fail-on-vuln --strict"),
            vec![("--fail-on-vuln".to_string(), true, None)]
        );
        // Values are not options, even when they start with a dash.
        assert!(unknown("pip-audit --ignore-vuln -x1 --format=json").is_empty());
        // argparse prefixes (`--req` would be ambiguous: `--require-hashes`) and short clusters.
        assert!(unknown("pip-audit --requirem r.txt -lv").is_empty());
        assert!(unknown("bandit -r src -ll -ii -f json -o out.json").is_empty());
        assert!(unknown("python -m bandit -r . --exit-zero").is_empty());
        // `--severity` is argparse's abbreviation of `--severity-level`.
        assert!(unknown("bandit -r . --severity high").is_empty());
        assert_eq!(
            unknown("bandit --recurse src"),
            vec![(
                "--recurse".to_string(),
                true,
                Some("--recursive".to_string())
            )]
        );
        assert!(unknown("checkov -d . --framework terraform --soft-fail -o sarif").is_empty());
        assert!(unknown("semgrep --config p/ci --error --sarif -o x .").is_empty());
        assert!(unknown("semgrep ci --sarif").is_empty());
        assert_eq!(unknown("semgrep login --whatever"), vec![]);
        assert!(unknown("trivy image --exit-code 1 --severity HIGH,CRITICAL app:1").is_empty());
        assert!(unknown("trivy --quiet fs --scanners vuln .").is_empty());
        assert_eq!(
            unknown("trivy fs --security-check vuln ."),
            vec![("--security-check".to_string(), false, None)]
        );
        assert!(unknown("trivy plugin install x --anything").is_empty());
        assert!(unknown("gitleaks detect --source . --no-git -v --redact").is_empty());
        assert!(unknown("osv-scanner -r --lockfile=go.sum -recursive .").is_empty());
        assert!(unknown("npm audit --audit-level=high --omit dev").is_empty());
        assert_eq!(
            unknown("npm audit --production")
                .into_iter()
                .map(|u| (u.0, u.1))
                .collect::<Vec<_>>(),
            vec![("--production".to_string(), false)]
        );
        // Variables and placeholders are not judged.
        assert!(unknown("pip-audit $PIP_AUDIT_ARGS --x=$Y").is_empty());
        assert!(unknown("ls --whatever").is_empty());
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("severity", "severity-level"), 6);
        assert_eq!(edit_distance("fromat", "format"), 2);
        assert_eq!(edit_distance("", "ab"), 2);
    }
}
