//! What is wrong: findings, their rules, severities and locations.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use crate::yaml::{Pos, Span};

/// Severity, most severe first (so sorting ascending puts critical findings on top).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// The values of a fail-on policy, the same for every command and the action.
pub const FAIL_ON: [&str; 6] = ["critical", "high", "medium", "low", "info", "none"];

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// A fail-on policy (`--fail-on` of every command, the action's `fail-on` input): the least
    /// severe finding that fails the run, or `None` for `none` (never fail). The values are
    /// [`FAIL_ON`].
    pub fn parse_fail_on(s: &str) -> Result<Option<Self>, String> {
        match s {
            "none" => Ok(None),
            _ => Self::parse(s)
                .map(Some)
                .ok_or_else(|| format!("`{s}` is not one of {}", FAIL_ON.join(", "))),
        }
    }

    /// GitHub code scanning ranks security alerts by this CVSS-like score
    /// (`properties.security-severity`): >9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "2.0",
            Severity::Info => "0.0",
        }
    }

    /// `true` when `self` is at least as severe as `threshold`.
    pub fn at_least(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of ci-guard a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Area {
    /// The input could not be read as a workflow or action.
    Input,
    /// Supply-chain risks of the workflows themselves.
    WorkflowSecurity,
    /// Gaps in what the delivery pipeline does.
    Pipeline,
    /// Repository settings read through the GitHub API.
    Settings,
    /// Results of third-party scanners.
    Scanner,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Input => "input",
            Area::WorkflowSecurity => "workflow-security",
            Area::Pipeline => "pipeline",
            Area::Settings => "settings",
            Area::Scanner => "scanner",
        }
    }
}

/// A rule's fixed description: what `ci-guard rules` lists and SARIF's `tool.driver.rules` holds.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub area: Area,
    pub default: Severity,
    /// One line, shown in listings and as SARIF `shortDescription`.
    pub summary: &'static str,
    /// Markdown with a fix snippet: the rule's docs page, shown by `ci-guard explain`.
    pub help: &'static str,
}

impl RuleMeta {
    pub fn help_uri(&self) -> String {
        // Every `shell-sc<code>` rule is documented on the shellcheck page.
        let page = if is_shellcheck_rule(self.id) {
            "shellcheck"
        } else {
            self.id
        };
        format!("{}/blob/main/docs/rules/{page}.md", crate::PROJECT_URL)
    }

    /// A readable name distinct from the id, in the PascalCase SARIF recommends for a rule's
    /// `name` (`unpinned-uses` -> `UnpinnedUses`). SARIF validators compare the two ignoring
    /// case, so a one-word id gets a suffix (`shellcheck` -> `ShellcheckRule`).
    pub fn name(&self) -> String {
        let name = pascal_case(self.id);
        if name.eq_ignore_ascii_case(self.id) {
            name + "Rule"
        } else {
            name
        }
    }
}

/// `unpinned-uses` -> `UnpinnedUses`: words split on anything but letters and digits.
pub fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// A third-party scanner's result that reports the same problem at the same place as a
/// ci-guard finding (the equivalences are `data/scanner-counterparts.tsv`): kept on the
/// finding instead of as a second result, so the problem is one alert and counts once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Agreement {
    /// The scanner (`zizmor`).
    pub tool: String,
    /// Its namespaced rule id (`zizmor/unpinned-uses`).
    pub rule: String,
    /// The severity the scanner gave it.
    pub severity: Severity,
    /// Where the scanner placed it (its region may be wider than the finding's).
    pub location: Option<Location>,
}

/// `shell-sc<digits>`: shellcheck's codes, one rule each (made when first reported, so they are
/// not in the registry); the configuration and inline suppressions may name them.
pub fn is_shellcheck_rule(id: &str) -> bool {
    id.strip_prefix("shell-sc")
        .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
}

/// A place in a file of the audited repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Path relative to the report root, with `/` separators.
    pub path: String,
    pub start: Pos,
    pub end: Pos,
}

impl Location {
    pub fn new(path: impl Into<String>, span: Span) -> Self {
        Self {
            path: path.into(),
            start: span.start,
            end: span.end,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.start)
    }
}

/// Why a finding is not counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// `# ci-guard: ignore[rule]` on the finding's line or the line above.
    InSource { line: u32 },
    /// A path ignore in the configuration file.
    Config { reason: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    #[serde(rename = "rule", serialize_with = "rule_id")]
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub location: Option<Location>,
    pub related: Vec<Location>,
    /// Stable across unrelated edits: rule + path + normalized text of the offending node.
    pub fingerprint: String,
    /// codeql-action's `primaryLocationLineHash`, filled in while the file's text is at hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// Scanner results that report the same problem here (they are not reported separately).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_reported_by: Vec<Agreement>,
}

fn rule_id<S: serde::Serializer>(rule: &&'static RuleMeta, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.id)
}

impl Finding {
    /// A finding at a node. `node_text` is the offending node's source text (or any text that
    /// identifies it); it feeds the fingerprint, so it must not contain line numbers.
    pub fn at(
        rule: &'static RuleMeta,
        location: Location,
        node_text: &str,
        message: impl Into<String>,
    ) -> Self {
        let fingerprint = fingerprint(rule.id, &location.path, node_text);
        Self {
            rule,
            severity: rule.default,
            message: message.into(),
            location: Some(location),
            related: Vec::new(),
            fingerprint,
            line_hash: None,
            suppressed: None,
            also_reported_by: Vec::new(),
        }
    }

    /// A repository-level finding (no file to point at, e.g. branch protection). `subject`
    /// identifies it (repository and setting) for the fingerprint.
    pub fn repository(rule: &'static RuleMeta, subject: &str, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.default,
            message: message.into(),
            location: None,
            related: Vec::new(),
            fingerprint: fingerprint(rule.id, "", subject),
            line_hash: None,
            suppressed: None,
            also_reported_by: Vec::new(),
        }
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn related(mut self, location: Location) -> Self {
        self.related.push(location);
        self
    }

    /// Deterministic report order: path, line, column, then rule id and message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        let (path, start) = match &self.location {
            Some(l) => (l.path.as_str(), l.start),
            None => ("", Pos::default()),
        };
        (path, start, self.rule.id, self.message.as_str())
    }
}

fn fingerprint(rule: &str, path: &str, node_text: &str) -> String {
    let normalized: Vec<&str> = node_text.split_whitespace().collect();
    let mut hasher = Sha256::new();
    for part in [rule, path, &normalized.join(" ")] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// "1 lockfile", "2 lockfiles": a count and its noun, singular for exactly one (messages,
/// assessment rows and reports all count things).
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", noun(n, one, many))
}

/// The noun alone, for a sentence that lists the things instead of counting them
/// ("required status checks `a`, `b`").
pub fn noun<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Sort findings into report order and make fingerprints unique: identical nodes in one file
/// (the same `uses:` in two jobs) get an occurrence suffix in document order.
pub fn finalize(findings: &mut [Finding]) {
    // Called when every repository's results are in memory: a stable sort of the findings
    // themselves would take a scratch copy of them all, a sort of their indices a few bytes
    // each (same order: same comparison, ties kept in place).
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| findings[a].sort_key().cmp(&findings[b].sort_key()));
    permute(findings, &mut order);
    // The n-th finding of a fingerprint gets `:n`: counted on the borrowed fingerprints, not
    // on copies of them.
    let mut seen = std::collections::HashMap::<&str, usize>::new();
    let nth: Vec<usize> = findings
        .iter()
        .map(|f| {
            let n = seen.entry(f.fingerprint.as_str()).or_insert(0);
            *n += 1;
            *n
        })
        .collect();
    drop(seen);
    for (f, n) in findings.iter_mut().zip(nth) {
        if n > 1 {
            f.fingerprint = format!("{}:{}", f.fingerprint, n);
        }
    }
}

/// Reorders `items` in place so that position `i` holds what was at `order[i]` (`order` is a
/// permutation, used up on the way), following each cycle with swaps.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != usize::MAX {
            let from = std::mem::replace(&mut order[at], usize::MAX);
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RULE: RuleMeta = RuleMeta {
        id: "test-rule",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "test",
        help: "help",
    };

    fn at(path: &str, line: u32, text: &str) -> Finding {
        let span = Span::new(Pos::new(line, 3), Pos::new(line, 9));
        Finding::at(&RULE, Location::new(path, span), text, "m")
    }

    #[test]
    fn fingerprint_ignores_position_and_whitespace() {
        let a = at("a.yml", 3, "uses: x/y@v1");
        let b = at("a.yml", 40, "uses:   x/y@v1\n");
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, at("b.yml", 3, "uses: x/y@v1").fingerprint);
    }

    #[test]
    fn permute_follows_every_cycle() {
        let mut items = ['a', 'b', 'c', 'd', 'e', 'f'];
        // Two cycles (0 2 4) and (1 5), and 3 in place.
        let mut order = [2, 5, 4, 3, 0, 1];
        permute(&mut items, &mut order);
        assert_eq!(items, ['c', 'f', 'e', 'd', 'a', 'b']);
    }

    #[test]
    fn finalize_orders_and_disambiguates() {
        let mut v = vec![
            at("b.yml", 1, "x"),
            at("a.yml", 9, "x"),
            at("a.yml", 2, "x"),
        ];
        finalize(&mut v);
        let order: Vec<_> = v
            .iter()
            .map(|f| f.location.as_ref().map(|l| l.start.line))
            .collect();
        assert_eq!(order, vec![Some(2), Some(9), Some(1)]);
        assert!(!v[0].fingerprint.contains(':'));
        assert!(v[1].fingerprint.ends_with(":2"));
        assert!(!v[2].fingerprint.contains(':'));
        // Equal keys keep their order (a stable sort).
        let mut tied = vec![
            at("a.yml", 5, "y"),
            at("a.yml", 1, "x"),
            at("a.yml", 5, "z"),
        ];
        let texts = [tied[0].fingerprint.clone(), tied[2].fingerprint.clone()];
        finalize(&mut tied);
        assert_eq!(
            [&tied[1].fingerprint, &tied[2].fingerprint],
            [&texts[0], &texts[1]]
        );
    }

    #[test]
    fn names_are_pascal_case_and_differ_from_ids() {
        assert_eq!(pascal_case("unpinned-uses"), "UnpinnedUses");
        assert_eq!(
            pascal_case("self-hosted-on-fork-prs"),
            "SelfHostedOnForkPrs"
        );
        assert_eq!(pascal_case("a--b_c"), "ABC");
        assert_eq!(RULE.name(), "TestRule");
        let one_word = RuleMeta {
            id: "shellcheck",
            area: Area::Scanner,
            default: Severity::Medium,
            summary: "s",
            help: "h",
        };
        assert_eq!(one_word.name(), "ShellcheckRule");
    }

    #[test]
    fn severity_threshold() {
        assert!(Severity::Critical.at_least(Severity::High));
        assert!(Severity::High.at_least(Severity::High));
        assert!(!Severity::Medium.at_least(Severity::High));
    }

    #[test]
    fn plural_is_singular_for_exactly_one() {
        assert_eq!(plural(0, "file", "files"), "0 files");
        assert_eq!(plural(1, "file", "files"), "1 file");
        assert_eq!(plural(2, "file", "files"), "2 files");
        assert_eq!(plural(1, "repository", "repositories"), "1 repository");
        assert_eq!(noun(1, "check", "checks"), "check");
        assert_eq!(noun(3, "check", "checks"), "checks");
    }
}
