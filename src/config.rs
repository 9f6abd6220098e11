//! The repository's policy file, `.github/ci-guard.yml`: which files are never audited, which
//! action owners are trusted, and per-rule switches, severities and path ignores.
//!
//! The file is validated strictly: an unknown key, a wrong type or a misspelled rule id is an
//! error naming `file:line:column`, because a silently ignored typo in a policy file weakens the
//! policy without anyone noticing. The format is documented in `docs/config.md`.

use crate::files::{EntryKind, FileSource};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::finding::{Finding, Severity};
use crate::yaml::{self, Node, Pos};

mod delivery;
pub mod history;
mod protection;
pub use delivery::{DeliveryEntry, KINDS as DELIVERY_KINDS};
pub use history::HistoryPolicy;
pub use protection::{Documented, EnvironmentPolicy, ProtectionPolicy};

/// Where the configuration file is looked for, relative to the repository root, in order.
pub const CONFIG_PATHS: [&str; 2] = [".github/ci-guard.yml", ".github/ci-guard.yaml"];

const TOP_KEYS: [&str; 8] = [
    "ignore",
    "trusted-owners",
    "rules",
    "protection",
    "scanners",
    "history",
    "delivery",
    "shellcheck",
];
const RULE_KEYS: [&str; 3] = ["enabled", "severity", "ignore"];
/// How many known rule ids an "unknown rule" message lists before abbreviating.
const LISTED_RULES: usize = 8;

/// The names a configuration may use: the rule ids `rules:` may switch and the scanner names
/// `scanners:` may list. The registries that own them (`rules::ids()`,
/// `scanners::tools::names()`) are passed in by the caller, so the configuration depends on
/// neither.
#[derive(Clone, Debug, Default)]
pub struct Known<'a> {
    pub rules: Vec<&'a str>,
    pub scanners: Vec<&'a str>,
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    #[error("{path}: cannot read configuration: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid configuration.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        /// 1-based.
        line: u32,
        /// 1-based, in Unicode code points.
        column: u32,
        message: String,
    },
    /// Every problem of a file with more than one, in file order.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    fn at(path: &str, pos: Pos, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            path: path.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    /// The display path of the configuration file.
    pub fn path(&self) -> &str {
        match self {
            ConfigError::Io { path, .. } | ConfigError::Invalid { path, .. } => path,
            ConfigError::Several(all) => all.first().map_or("", ConfigError::path),
        }
    }

    /// Where in the file the (first) problem is; `None` for I/O errors.
    pub fn position(&self) -> Option<Pos> {
        match self {
            ConfigError::Io { .. } => None,
            ConfigError::Invalid { line, column, .. } => Some(Pos::new(*line, *column)),
            ConfigError::Several(all) => all.first().and_then(ConfigError::position),
        }
    }

    /// Each problem on its own, to print one per line.
    pub fn each(&self) -> Vec<&ConfigError> {
        match self {
            ConfigError::Several(all) => all.iter().collect(),
            one => vec![one],
        }
    }
}

/// Problems met while reading a configuration. Reading goes on past each one, so a single run
/// names every problem of the file, in file order, instead of one per attempt.
#[derive(Default)]
struct Problems(Vec<ConfigError>);

impl Problems {
    fn push(&mut self, e: ConfigError) {
        match e {
            ConfigError::Several(all) => self.0.extend(all),
            one => self.0.push(one),
        }
    }

    /// The value, or `None` once its error is noted.
    fn keep<T>(&mut self, r: Result<T, ConfigError>) -> Option<T> {
        r.map_err(|e| self.push(e)).ok()
    }

    /// `value` when nothing was wrong, else the problem (or all of them).
    fn into_result<T>(mut self, value: T) -> Result<T, ConfigError> {
        self.0.sort_by_key(ConfigError::position);
        match self.0.len() {
            0 => Ok(value),
            1 => Err(self.0.remove(0)),
            _ => Err(ConfigError::Several(self.0)),
        }
    }
}

/// A list of path globs, kept with its source patterns for diagnostics.
#[derive(Clone, Debug, Default)]
struct PathGlobs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl PathGlobs {
    /// `true` when the path or one of its parent directories matches, so `vendor` ignores
    /// everything below `vendor/` as in a `.gitignore`.
    fn matches(&self, rel_path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let path = normalize(rel_path);
        if self.set.is_match(path) {
            return true;
        }
        path.match_indices('/')
            .any(|(i, _)| self.set.is_match(&path[..i]))
    }
}

/// Configuration bytes as UTF-8 text, or why they cannot be had.
fn read_config(
    bytes: Result<Vec<u8>, crate::untrusted::ReadError>,
    display: &str,
) -> Result<String, ConfigError> {
    let io = |source| ConfigError::Io {
        path: display.to_string(),
        source,
    };
    let bytes = bytes.map_err(|e| match e {
        crate::untrusted::ReadError::Io(e) => io(e),
        other => io(std::io::Error::other(other.to_string())),
    })?;
    String::from_utf8(bytes).map_err(|_| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Repository-relative paths arrive from different sources (the walk, scanners, Windows
/// checkouts); compare them in one shape: `/` separators, no leading `./` or `/`.
fn normalize(rel_path: &str) -> &str {
    let mut p = rel_path;
    loop {
        if let Some(rest) = p.strip_prefix("./") {
            p = rest;
        } else if let Some(rest) = p.strip_prefix('/') {
            p = rest;
        } else {
            return p;
        }
    }
}

/// When shellcheck runs on the `run:` scripts: the configuration's `shellcheck:` and
/// `ci-guard audit --shellcheck` (which wins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ShellcheckMode {
    /// When shellcheck is on `PATH`; without it, a notice says the scripts were not checked by
    /// it (never a finding: a machine without shellcheck does not fail the audit).
    #[default]
    Auto,
    /// Always: a missing shellcheck is an error notice in the report, and the run exits 2.
    Always,
    /// Never.
    Never,
}

impl ShellcheckMode {
    pub const ALL: [ShellcheckMode; 3] = [Self::Auto, Self::Always, Self::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Always => "always",
            Self::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Overrides for one rule.
#[derive(Clone, Debug, Default)]
struct RuleConfig {
    enabled: Option<bool>,
    severity: Option<Severity>,
    ignore: PathGlobs,
}

/// The validated policy. `Default` is the built-in policy: every rule enabled at its default
/// severity, nothing ignored, no extra trusted owners.
#[derive(Clone, Debug, Default)]
pub struct Config {
    source: Option<String>,
    ignore: PathGlobs,
    trusted_owners: Vec<String>,
    rules: BTreeMap<String, RuleConfig>,
    /// `protection:`: the documented branch and environment policy.
    protection: Option<ProtectionPolicy>,
    /// `scanners:`: the third-party scanners to run instead of those chosen from the files.
    scanners: Option<Vec<String>>,
    /// `history:`: the run history's window, run limit, production environments and targets.
    history: Option<HistoryPolicy>,
    /// `delivery:`: jobs marked as delivery jobs, or as not.
    delivery: Vec<DeliveryEntry>,
    /// `shellcheck:`: when shellcheck runs on the `run:` scripts.
    shellcheck: Option<ShellcheckMode>,
}

impl Config {
    /// The configuration file of a repository, if it has one (`.yml` wins over `.yaml`).
    pub fn find(files: &dyn FileSource, repo_root: &Path) -> Option<PathBuf> {
        // Whatever is there, link or not: a link is judged when it is read, not passed over.
        CONFIG_PATHS
            .iter()
            .map(|rel| repo_root.join(rel))
            .find(|p| files.kind(p).is_some_and(|k| k != EntryKind::Dir))
    }

    /// Read and validate a configuration file against the `known` rule ids and scanner names.
    pub fn load(path: &Path, known: &Known<'_>) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text = read_config(
            crate::untrusted::read(path, crate::untrusted::DOCUMENT_CAP),
            &display,
        )?;
        Self::parse(&text, &display, known)
    }

    /// Read and validate a repository's own configuration (`path`, found by [`Config::find`]):
    /// only inside `repo_root` once symbolic links are resolved, so a `.github/ci-guard.yml`
    /// that links elsewhere is refused without a word of what it points at. `display` names
    /// it in errors.
    pub fn load_in(
        files: &dyn FileSource,
        repo_root: &Path,
        path: &Path,
        display: &str,
        known: &Known<'_>,
    ) -> Result<Config, ConfigError> {
        let bytes = files.read_confined(repo_root, path, crate::untrusted::DOCUMENT_CAP);
        let text = read_config(bytes, display)?;
        Self::parse(&text, display, known)
    }

    /// Validate configuration text; `display_path` names the file in errors.
    pub fn parse(text: &str, display_path: &str, known: &Known<'_>) -> Result<Config, ConfigError> {
        let err = |pos: Pos, msg: String| ConfigError::at(display_path, pos, msg);
        let doc = yaml::parse(text).map_err(|e| err(e.span.start, e.message))?;
        // Duplicate keys and extra documents are fatal here: either would silently drop part
        // of the policy the author wrote.
        if !doc.problems.is_empty() {
            let mut problems = Problems::default();
            for p in &doc.problems {
                problems.push(err(p.span.start, p.message.clone()));
            }
            return problems.into_result(Config::default());
        }
        let mut config = Config {
            source: Some(display_path.to_string()),
            ..Config::default()
        };
        let root = &doc.root;
        if root.is_null() {
            // An empty file (or one holding only comments) is the built-in policy.
            return Ok(config);
        }
        let Some(entries) = root.as_map() else {
            return Err(err(
                root.span.start,
                format!(
                    "the configuration must be a mapping of settings, found {}",
                    root.kind_name()
                ),
            ));
        };
        let mut problems = Problems::default();
        for entry in entries {
            let Some(key) = problems.keep(key_name(&entry.key, display_path)) else {
                continue;
            };
            let value = &entry.value;
            match key {
                "ignore" => {
                    let globs = globs(value, "ignore", display_path);
                    config.ignore = problems.keep(globs).unwrap_or_default();
                }
                "trusted-owners" => {
                    let owners = owners(value, display_path);
                    config.trusted_owners = problems.keep(owners).unwrap_or_default();
                }
                "rules" => {
                    let rules = rules(value, display_path, &known.rules);
                    config.rules = problems.keep(rules).unwrap_or_default();
                }
                "protection" => {
                    let policy = protection::parse(&entry.key, value, display_path);
                    config.protection = problems.keep(policy);
                }
                "scanners" => {
                    config.scanners = problems.keep(scanners(value, display_path, &known.scanners))
                }
                "history" => config.history = problems.keep(history::parse(value, display_path)),
                "delivery" => {
                    config.delivery = problems
                        .keep(delivery::parse(value, display_path))
                        .unwrap_or_default()
                }
                "shellcheck" => config.shellcheck = problems.keep(shellcheck(value, display_path)),
                other => problems.push(err(entry.key.span.start, unknown_key(other, &TOP_KEYS))),
            }
        }
        problems.into_result(config)
    }

    /// The display path of the file this configuration came from; `None` for the default.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The documented protection policy (`protection:`), if the file has one.
    pub fn protection(&self) -> Option<&ProtectionPolicy> {
        self.protection.as_ref()
    }

    /// The run-history section (`history:`), if the file has one.
    pub fn history(&self) -> Option<&HistoryPolicy> {
        self.history.as_ref()
    }

    /// `true` when a repository-relative path matches a top-level `ignore` glob: such files are
    /// never audited.
    pub fn is_ignored_path(&self, rel_path: &str) -> bool {
        self.ignore.matches(rel_path)
    }

    /// `false` only when the configuration says `enabled: false` for the rule.
    pub fn rule_enabled(&self, id: &str) -> bool {
        self.rules.get(id).and_then(|r| r.enabled).unwrap_or(true)
    }

    /// The severity the configuration sets for a rule, if any.
    pub fn severity_override(&self, id: &str) -> Option<Severity> {
        self.rules.get(id).and_then(|r| r.severity)
    }

    /// The jobs the file marks as delivery jobs, or as not (`delivery:`).
    pub fn delivery(&self) -> &[DeliveryEntry] {
        &self.delivery
    }

    /// The scanners the file names (`scanners:`), if it names any.
    pub fn scanners(&self) -> Option<&[String]> {
        self.scanners.as_deref()
    }

    /// When shellcheck runs (`shellcheck:`), if the file says.
    pub fn shellcheck(&self) -> Option<ShellcheckMode> {
        self.shellcheck
    }

    /// Action owners to trust like `actions` and `github`, as written in the file.
    pub fn trusted_owners(&self) -> &[String] {
        &self.trusted_owners
    }

    /// `true` when `owner` is one of the configured trusted owners. GitHub owner names are
    /// case-insensitive, so the comparison is too.
    pub fn is_trusted_owner(&self, owner: &str) -> bool {
        self.trusted_owners
            .iter()
            .any(|o| o.eq_ignore_ascii_case(owner))
    }

    /// Apply the policy to findings: drop those of disabled rules, those in globally ignored
    /// paths (scanners may report files the walk skipped) and those in a rule's ignored paths;
    /// set configured severities on the rest. `rel_path_of` gives the repository-relative path
    /// of a finding's file, or `None` for repository-level findings (which path globs never
    /// match).
    pub fn apply(
        &self,
        findings: &mut Vec<Finding>,
        rel_path_of: impl Fn(&Finding) -> Option<String>,
    ) {
        if self.ignore.patterns.is_empty() && self.rules.is_empty() {
            return;
        }
        findings.retain_mut(|f| {
            let rule = self.rules.get(f.rule.id);
            if rule.and_then(|r| r.enabled) == Some(false) {
                return false;
            }
            if let Some(path) = rel_path_of(f) {
                if self.ignore.matches(&path) {
                    return false;
                }
                if rule.is_some_and(|r| r.ignore.matches(&path)) {
                    return false;
                }
            }
            if let Some(severity) = rule.and_then(|r| r.severity) {
                f.severity = severity;
            }
            true
        });
    }
}

/// A mapping key as text; keys of our format are always plain words.
fn key_name<'n>(key: &'n Node, path: &str) -> Result<&'n str, ConfigError> {
    key.as_str().ok_or_else(|| {
        ConfigError::at(
            path,
            key.span.start,
            format!("keys must be strings, found {}", key.kind_name()),
        )
    })
}

fn unknown_key(key: &str, known: &[&str]) -> String {
    match closest(key, known.iter().copied()) {
        Some(s) => format!("unknown key `{key}`; did you mean `{s}`?"),
        None => format!("unknown key `{key}`; expected one of {}", backticked(known)),
    }
}

fn backticked(items: &[&str]) -> String {
    items
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a typo.
fn closest<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The items of a list of strings. A null value (`key:` with nothing after it) is an empty
/// list, so commenting out every item does not break the file.
fn string_list<'n>(
    node: &'n Node,
    key: &str,
    what: &str,
    path: &str,
) -> Result<Vec<(&'n str, Pos)>, ConfigError> {
    if node.is_null() {
        return Ok(Vec::new());
    }
    let Some(items) = node.as_seq() else {
        return Err(ConfigError::at(
            path,
            node.span.start,
            format!(
                "`{key}` must be a list of {what}, found {}",
                node.kind_name()
            ),
        ));
    };
    let mut problems = Problems::default();
    let strings = items
        .iter()
        .filter_map(|item| {
            problems.keep(item.as_str().map(|s| (s, item.span.start)).ok_or_else(|| {
                ConfigError::at(
                    path,
                    item.span.start,
                    format!(
                        "`{key}` must be a list of {what}; this item is {}",
                        item.kind_name()
                    ),
                )
            }))
        })
        .collect();
    problems.into_result(strings)
}

/// Compile path globs: `*` and `?` stay within one path segment, `**` crosses segments, and a
/// leading `/` is dropped because every pattern is relative to the repository root anyway.
fn globs(node: &Node, key: &str, path: &str) -> Result<PathGlobs, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    let mut patterns = Vec::new();
    let mut problems = Problems::default();
    for (pattern, pos) in string_list(node, key, "glob strings", path)? {
        let trimmed = pattern.trim_start_matches('/');
        if trimmed.is_empty() {
            problems.push(ConfigError::at(path, pos, format!("empty glob in `{key}`")));
            continue;
        }
        let glob = GlobBuilder::new(trimmed)
            .literal_separator(true)
            .build()
            .map_err(|e| {
                ConfigError::at(path, pos, format!("invalid glob `{pattern}`: {}", e.kind()))
            });
        if let Some(glob) = problems.keep(glob) {
            builder.add(glob);
            patterns.push(pattern.to_string());
        }
    }
    problems.into_result(())?;
    let set = builder.build().map_err(|e| {
        // Name the patterns: the set's own error does not say which one it could not take.
        ConfigError::at(
            path,
            node.span.start,
            format!(
                "invalid globs in `{key}` ({}): {e}",
                patterns
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    Ok(PathGlobs { patterns, set })
}

/// `scanners:`: names from the scanner registry (`ci-guard scan --help` lists them).
fn scanners(node: &Node, path: &str, known: &[&str]) -> Result<Vec<String>, ConfigError> {
    let mut out = Vec::new();
    let mut problems = Problems::default();
    for (name, pos) in string_list(node, "scanners", "scanner names", path)? {
        if !known.contains(&name) {
            problems.push(ConfigError::at(
                path,
                pos,
                format!("unknown scanner `{name}`; known: {}", known.join(", ")),
            ));
            continue;
        }
        out.push(name.to_string());
    }
    problems.into_result(out)
}

/// `shellcheck:`: `auto`, `always` or `never`.
fn shellcheck(node: &Node, path: &str) -> Result<ShellcheckMode, ConfigError> {
    node.as_str()
        .and_then(ShellcheckMode::parse)
        .ok_or_else(|| {
            let names = ShellcheckMode::ALL.map(ShellcheckMode::as_str);
            ConfigError::at(
                path,
                node.span.start,
                format!("`shellcheck` must be one of {}", names.join(", ")),
            )
        })
}

fn owners(node: &Node, path: &str) -> Result<Vec<String>, ConfigError> {
    let mut owners = Vec::new();
    let mut problems = Problems::default();
    for (owner, pos) in string_list(node, "trusted-owners", "owner names", path)? {
        // An owner is a user or organization name; `owner/repo` or an empty string here is a
        // mistake that would otherwise never match anything.
        let valid = !owner.is_empty()
            && owner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !valid {
            let hint = if owner.contains('/') {
                " (write only the owner, e.g. `my-org`, not `my-org/repo`)"
            } else {
                ""
            };
            problems.push(ConfigError::at(
                path,
                pos,
                format!("`{owner}` is not a GitHub owner name{hint}"),
            ));
            continue;
        }
        owners.push(owner.to_string());
    }
    problems.into_result(owners)
}

fn rules(
    node: &Node,
    path: &str,
    known_rules: &[&str],
) -> Result<BTreeMap<String, RuleConfig>, ConfigError> {
    let mut rules = BTreeMap::new();
    if node.is_null() {
        return Ok(rules);
    }
    let Some(entries) = node.as_map() else {
        return Err(ConfigError::at(
            path,
            node.span.start,
            format!(
                "`rules` must be a mapping from rule id to settings, found {}",
                node.kind_name()
            ),
        ));
    };
    let mut problems = Problems::default();
    for entry in entries {
        let Some(id) = problems.keep(key_name(&entry.key, path)) else {
            continue;
        };
        // `shell-sc<code>`: shellcheck's codes, one rule each, made when first reported.
        if !known_rules.contains(&id) && !crate::finding::is_shellcheck_rule(id) {
            problems.push(ConfigError::at(
                path,
                entry.key.span.start,
                unknown_rule(id, known_rules),
            ));
            continue;
        }
        if let Some(settings) = problems.keep(rule(&entry.value, id, path)) {
            rules.insert(id.to_string(), settings);
        }
    }
    problems.into_result(rules)
}

/// "unknown rule `x`", with the nearest known id when `id` looks like a typo of one, else the
/// first known ids. Config files and `ci-guard explain` say it the same way.
pub fn unknown_rule(id: &str, known_rules: &[&str]) -> String {
    if let Some(s) = closest(id, known_rules.iter().copied()) {
        return format!("unknown rule `{id}`; did you mean `{s}`?");
    }
    let mut sorted = known_rules.to_vec();
    sorted.sort_unstable();
    let listed = backticked(&sorted[..sorted.len().min(LISTED_RULES)]);
    let more = sorted.len().saturating_sub(LISTED_RULES);
    if sorted.is_empty() {
        format!("unknown rule `{id}`")
    } else if more > 0 {
        format!("unknown rule `{id}`; known rules: {listed} and {more} more (see `ci-guard rules`)")
    } else {
        format!("unknown rule `{id}`; known rules: {listed}")
    }
}

fn rule(node: &Node, id: &str, path: &str) -> Result<RuleConfig, ConfigError> {
    let mut config = RuleConfig::default();
    if node.is_null() {
        return Ok(config);
    }
    let Some(entries) = node.as_map() else {
        return Err(ConfigError::at(
            path,
            node.span.start,
            format!(
                "settings of rule `{id}` must be a mapping (`enabled`, `severity`, `ignore`), found {}",
                node.kind_name()
            ),
        ));
    };
    let mut problems = Problems::default();
    for entry in entries {
        let Some(key) = problems.keep(key_name(&entry.key, path)) else {
            continue;
        };
        let value = &entry.value;
        match key {
            "enabled" => {
                config.enabled = problems.keep(value.as_bool().ok_or_else(|| {
                    ConfigError::at(path, value.span.start, "`enabled` must be true or false")
                }));
            }
            "severity" => {
                config.severity =
                    problems.keep(value.as_str().and_then(Severity::parse).ok_or_else(|| {
                        let names: Vec<&str> = Severity::ALL.iter().map(|s| s.as_str()).collect();
                        ConfigError::at(
                            path,
                            value.span.start,
                            format!("`severity` must be one of {}", names.join(", ")),
                        )
                    }));
            }
            "ignore" => {
                config.ignore = problems
                    .keep(globs(value, "ignore", path))
                    .unwrap_or_default()
            }
            other => problems.push(ConfigError::at(
                path,
                entry.key.span.start,
                unknown_key(other, &RULE_KEYS),
            )),
        }
    }
    problems.into_result(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Area, Location, RuleMeta};
    use crate::yaml::Span;

    /// Three rules and a few scanners: validation checks against what it is given.
    fn known() -> Known<'static> {
        Known {
            rules: vec!["unpinned-uses", "unpinned-image", "excessive-permissions"],
            scanners: vec!["bandit", "semgrep", "zizmor", "trivy"],
        }
    }

    static UNPINNED_USES: RuleMeta = RuleMeta {
        id: "unpinned-uses",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };
    static UNPINNED_IMAGE: RuleMeta = RuleMeta {
        id: "unpinned-image",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "s",
        help: "h",
    };
    static PERMISSIONS: RuleMeta = RuleMeta {
        id: "excessive-permissions",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "s",
        help: "h",
    };

    fn ok(text: &str) -> Config {
        match Config::parse(text, ".github/ci-guard.yml", &known()) {
            Ok(c) => c,
            Err(e) => panic!("expected a valid config, got {e}"),
        }
    }

    /// The error's (line, column, message), checking the display form along the way.
    fn err(text: &str) -> (u32, u32, String) {
        match Config::parse(text, "cfg.yml", &known()) {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => {
                let ConfigError::Invalid {
                    path,
                    line,
                    column,
                    message,
                } = &e
                else {
                    panic!("expected Invalid, got {e:?}");
                };
                assert_eq!(path, "cfg.yml");
                assert_eq!(e.to_string(), format!("cfg.yml:{line}:{column}: {message}"));
                (*line, *column, message.clone())
            }
        }
    }

    fn finding(rule: &'static RuleMeta, path: &str) -> Finding {
        let span = Span::new(Pos::new(3, 5), Pos::new(3, 20));
        Finding::at(rule, Location::new(path, span), "uses: a/b@v1", "m")
    }

    fn paths(findings: &[Finding]) -> Vec<(&str, &str, Severity)> {
        findings
            .iter()
            .map(|f| {
                let path = f.location.as_ref().map_or("", |l| l.path.as_str());
                (f.rule.id, path, f.severity)
            })
            .collect()
    }

    // --- valid configurations ---

    #[test]
    fn empty_and_comment_only_files_are_the_default() {
        for text in ["", "\n\n", "# nothing configured yet\n", "---\n", "~\n"] {
            let c = ok(text);
            assert!(c.trusted_owners().is_empty(), "{text:?}");
            assert!(c.rule_enabled("unpinned-uses"));
            assert!(!c.is_ignored_path("vendor/a.yml"));
            assert_eq!(c.source(), Some(".github/ci-guard.yml"));
        }
        assert_eq!(Config::default().source(), None);
        assert!(Config::default().rule_enabled("anything"));
    }

    #[test]
    fn full_example_is_read() {
        let c = ok(r#"# .github/ci-guard.yml
ignore:
  - "vendor/**"
trusted-owners: [my-org, Other-Org]
rules:
  unpinned-uses:
    enabled: false
  unpinned-image:
    severity: medium
    ignore: ["legacy/**"]
"#);
        assert_eq!(c.trusted_owners(), ["my-org", "Other-Org"]);
        assert!(c.is_trusted_owner("other-org"));
        assert!(!c.is_trusted_owner("actions"));
        assert!(!c.rule_enabled("unpinned-uses"));
        assert!(c.rule_enabled("unpinned-image"));
        assert!(c.rule_enabled("excessive-permissions"));
        assert_eq!(
            c.severity_override("unpinned-image"),
            Some(Severity::Medium)
        );
        assert_eq!(c.severity_override("unpinned-uses"), None);
        assert!(c.is_ignored_path("vendor/x/.github/workflows/ci.yml"));
        assert!(!c.is_ignored_path("legacy/ci.yml"));
    }

    #[test]
    fn null_values_mean_nothing_configured() {
        let c = ok("ignore:\ntrusted-owners:\nrules:\n  unpinned-uses:\n");
        assert!(c.trusted_owners().is_empty());
        assert!(c.rule_enabled("unpinned-uses"));
        assert_eq!(c.severity_override("unpinned-uses"), None);
        let c = ok("rules:\n");
        assert!(c.rule_enabled("unpinned-image"));
    }

    #[test]
    fn enabled_true_and_quoted_severity_are_accepted() {
        let c = ok("rules:\n  unpinned-uses: {enabled: true, severity: \"critical\"}\n");
        assert!(c.rule_enabled("unpinned-uses"));
        assert_eq!(
            c.severity_override("unpinned-uses"),
            Some(Severity::Critical)
        );
    }

    // --- globs ---

    #[test]
    fn star_stays_in_one_directory_and_double_star_crosses() {
        let c = ok("ignore: ['*.yml', 'docs/**', 'a/*/c.yml']\n");
        assert!(c.is_ignored_path("top.yml"));
        assert!(!c.is_ignored_path("sub/top.yml"));
        assert!(c.is_ignored_path("docs/x/y/z.yaml"));
        assert!(c.is_ignored_path("a/b/c.yml"));
        assert!(!c.is_ignored_path("a/b/b/c.yml"));
        assert!(!c.is_ignored_path("src/main.rs"));
    }

    #[test]
    fn directory_pattern_covers_its_contents() {
        let c = ok("ignore: [vendor, '/third_party']\n");
        assert!(c.is_ignored_path("vendor/a/action.yml"));
        assert!(c.is_ignored_path("third_party/Dockerfile"));
        assert!(!c.is_ignored_path("vendored/a.yml"));
        assert!(!c.is_ignored_path("src/vendor.yml"));
    }

    #[test]
    fn paths_are_normalized_before_matching() {
        let c = ok("ignore: ['vendor/**']\n");
        assert!(c.is_ignored_path("./vendor/a.yml"));
        assert!(c.is_ignored_path("/vendor/a.yml"));
    }

    // --- apply ---

    #[test]
    fn apply_drops_disabled_and_ignored_and_overrides_severity() {
        let c = ok(r#"
ignore: ["vendor/**"]
rules:
  unpinned-uses:
    enabled: false
  unpinned-image:
    severity: low
    ignore: ["legacy/**"]
"#);
        let mut findings = vec![
            finding(&UNPINNED_USES, ".github/workflows/ci.yml"),
            finding(&UNPINNED_IMAGE, ".github/workflows/ci.yml"),
            finding(&UNPINNED_IMAGE, "legacy/Dockerfile"),
            finding(&PERMISSIONS, "legacy/ci.yml"),
            finding(&PERMISSIONS, "vendor/ci.yml"),
            Finding::repository(&UNPINNED_IMAGE, "repo", "repository-level"),
        ];
        c.apply(&mut findings, |f| {
            f.location.as_ref().map(|l| l.path.clone())
        });
        assert_eq!(
            paths(&findings),
            vec![
                ("unpinned-image", ".github/workflows/ci.yml", Severity::Low),
                ("excessive-permissions", "legacy/ci.yml", Severity::Medium),
                ("unpinned-image", "", Severity::Low),
            ]
        );
    }

    #[test]
    fn apply_uses_the_callers_repository_relative_path() {
        let c = ok("rules:\n  unpinned-image:\n    ignore: ['legacy/**']\n");
        // The report root is one level above the repository, so `Location.path` carries a
        // prefix that the globs must not see.
        let mut findings = vec![
            finding(&UNPINNED_IMAGE, "repo-a/legacy/Dockerfile"),
            finding(&UNPINNED_IMAGE, "repo-a/Dockerfile"),
        ];
        c.apply(&mut findings, |f| {
            f.location
                .as_ref()
                .and_then(|l| l.path.strip_prefix("repo-a/").map(str::to_string))
        });
        assert_eq!(
            paths(&findings),
            vec![("unpinned-image", "repo-a/Dockerfile", Severity::High)]
        );
    }

    #[test]
    fn default_config_changes_nothing() {
        let mut findings = vec![finding(&UNPINNED_USES, "vendor/ci.yml")];
        Config::default().apply(&mut findings, |_| Some("vendor/ci.yml".into()));
        assert_eq!(
            paths(&findings),
            vec![("unpinned-uses", "vendor/ci.yml", Severity::High)]
        );
    }

    // --- errors ---

    #[test]
    fn yaml_syntax_error_has_position() {
        let (line, column, message) = err("ignore: [a, b\nrules: {}\n");
        // The unterminated flow sequence is noticed where the next key starts.
        assert_eq!((line, column), (2, 6), "{message}");
        assert!(!message.is_empty());
    }

    #[test]
    fn duplicate_key_is_an_error() {
        let (line, column, message) = err("ignore: []\ntrusted-owners: [a]\nignore: [b]\n");
        assert_eq!((line, column), (3, 1));
        assert_eq!(message, "duplicate key `ignore`; the first one is kept");
    }

    #[test]
    fn nested_duplicate_key_is_an_error() {
        let (line, column, message) =
            err("rules:\n  unpinned-uses:\n    enabled: false\n    enabled: true\n");
        assert_eq!((line, column), (4, 5));
        assert!(message.contains("duplicate key `enabled`"), "{message}");
    }

    #[test]
    fn second_document_is_an_error() {
        let (line, column, message) = err("ignore: []\n---\nignore: [x]\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("more than one YAML document"), "{message}");
    }

    #[test]
    fn non_mapping_document_is_an_error() {
        assert_eq!(
            err("- vendor/**\n"),
            (
                1,
                1,
                "the configuration must be a mapping of settings, found a list".into()
            )
        );
        assert_eq!(
            err("hello\n"),
            (
                1,
                1,
                "the configuration must be a mapping of settings, found a scalar".into()
            )
        );
    }

    #[test]
    fn unknown_top_level_key_suggests_the_closest() {
        assert_eq!(
            err("ignore: []\ntrusted-owner: [my-org]\n"),
            (
                2,
                1,
                "unknown key `trusted-owner`; did you mean `trusted-owners`?".into()
            )
        );
        assert_eq!(
            err("rule:\n  unpinned-uses: {enabled: false}\n"),
            (1, 1, "unknown key `rule`; did you mean `rules`?".into())
        );
    }

    #[test]
    fn delivery_marks_jobs_with_a_kind_true_or_false() {
        let c = ok("delivery:\n  deploy-docs: pages\n  sync: true\n  release.yml:notify: false\n");
        let got: Vec<_> = c
            .delivery()
            .iter()
            .map(|e| {
                (
                    e.workflow.as_deref(),
                    e.job.as_str(),
                    e.delivers.clone(),
                    e.pos.line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (None, "deploy-docs", Some(Some("pages".to_string())), 2),
                (None, "sync", Some(None), 3),
                (Some("release.yml"), "notify", None, 4),
            ]
        );
        assert!(ok("delivery:\n").delivery().is_empty());
    }

    #[test]
    fn delivery_errors_name_the_line_and_column() {
        assert_eq!(
            err("delivery:\n  deploy: deplyo\n"),
            (
                2,
                11,
                "unknown delivery kind `deplyo`; did you mean `deploy`? (one of deploy, infrastructure, gitops, pages, publish, release, or true / false)".into()
            )
        );
        assert_eq!(
            err("delivery:\n  deploy: [a]\n"),
            (
                2,
                11,
                "the value of `deploy` must be a delivery kind (deploy, infrastructure, gitops, pages, publish, release), `true` or `false`, found a list".into()
            )
        );
        assert_eq!(
            err("delivery:\n  'release.yml:': true\n"),
            (
                2,
                3,
                "`release.yml:` is not a job id: write `job-id` or `workflow-file.yml:job-id`"
                    .into()
            )
        );
        assert_eq!(
            err("delivery: [deploy]\n"),
            (
                1,
                11,
                "`delivery` must be a mapping from job id to a delivery kind, `true` or `false`, found a list".into()
            )
        );
    }

    #[test]
    fn unknown_key_without_a_near_match_lists_the_keys() {
        assert_eq!(
            err("severity-threshold: high\n"),
            (
                1,
                1,
                "unknown key `severity-threshold`; expected one of `ignore`, `trusted-owners`, `rules`, `protection`, `scanners`, `history`, `delivery`, `shellcheck`"
                    .into()
            )
        );
    }

    #[test]
    fn unknown_rule_setting_suggests_the_closest() {
        assert_eq!(
            err("rules:\n  unpinned-uses:\n    enable: false\n"),
            (3, 5, "unknown key `enable`; did you mean `enabled`?".into())
        );
        assert_eq!(
            err("rules:\n  unpinned-uses:\n    paths: [a]\n"),
            (
                3,
                5,
                "unknown key `paths`; expected one of `enabled`, `severity`, `ignore`".into()
            )
        );
    }

    #[test]
    fn wrong_types_name_the_expected_type() {
        assert_eq!(
            err("ignore: vendor/**\n"),
            (
                1,
                9,
                "`ignore` must be a list of glob strings, found a scalar".into()
            )
        );
        assert_eq!(
            err("ignore:\n  - [nested]\n"),
            (
                2,
                5,
                "`ignore` must be a list of glob strings; this item is a list".into()
            )
        );
        assert_eq!(
            err("trusted-owners: {my-org: true}\n"),
            (
                1,
                17,
                "`trusted-owners` must be a list of owner names, found a mapping".into()
            )
        );
        assert_eq!(
            err("rules: [unpinned-uses]\n"),
            (
                1,
                8,
                "`rules` must be a mapping from rule id to settings, found a list".into()
            )
        );
        assert_eq!(
            err("rules:\n  unpinned-uses: false\n"),
            (
                2,
                18,
                "settings of rule `unpinned-uses` must be a mapping (`enabled`, `severity`, `ignore`), found a scalar"
                    .into()
            )
        );
    }

    #[test]
    fn enabled_must_be_a_boolean() {
        for value in ["\"false\"", "no", "0", "[]"] {
            let text = format!("rules:\n  unpinned-uses:\n    enabled: {value}\n");
            assert_eq!(
                err(&text),
                (3, 14, "`enabled` must be true or false".into()),
                "{value}"
            );
        }
    }

    #[test]
    fn severity_must_be_a_known_level() {
        // A missing value is reported at the colon, where the parser places the empty scalar.
        for (value, column) in [
            ("severe", 15),
            ("High", 15),
            ("'high '", 15),
            ("[high]", 15),
            ("", 13),
        ] {
            let text = format!("rules:\n  unpinned-image:\n    severity: {value}\n");
            assert_eq!(
                err(&text),
                (
                    3,
                    column,
                    "`severity` must be one of critical, high, medium, low, info".into()
                ),
                "{value:?}"
            );
        }
    }

    #[test]
    fn every_problem_of_the_file_is_reported_in_file_order() {
        let text = "\
trusted-owners: [good, my-org/repo]
rules:
  unpinned-use: {}
  unpinned-uses:
    severity: urgent
    enabled: maybe
  excessive-permissions:
    ignore: ['src/[abc']
protection:
  enforce-admins: yes-please
scaners: [bandit]
";
        let e = Config::parse(text, "cfg.yml", &known()).expect_err("invalid");
        let lines: Vec<String> = e.each().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            lines[..4],
            [
                "cfg.yml:1:24: `my-org/repo` is not a GitHub owner name (write only the owner, \
                 e.g. `my-org`, not `my-org/repo`)",
                "cfg.yml:3:3: unknown rule `unpinned-use`; did you mean `unpinned-uses`?",
                "cfg.yml:5:15: `severity` must be one of critical, high, medium, low, info",
                "cfg.yml:6:14: `enabled` must be true or false",
            ]
        );
        assert!(
            lines[4].starts_with("cfg.yml:8:14: invalid glob `src/[abc`"),
            "{lines:?}"
        );
        assert_eq!(
            lines[5..],
            [
                "cfg.yml:10:19: `enforce-admins` must be true or false",
                "cfg.yml:11:1: unknown key `scaners`; did you mean `scanners`?",
            ]
        );
        assert_eq!(lines.len(), 7);
        // One line per problem, in the same order, when printed whole.
        assert_eq!(e.to_string(), lines.join("\n"));
        assert_eq!(e.position(), Some(Pos::new(1, 24)));
        assert_eq!(e.path(), "cfg.yml");
    }

    #[test]
    fn unknown_rule_suggests_the_closest_id() {
        assert_eq!(
            err("rules:\n  unpinned-use:\n    enabled: false\n"),
            (
                2,
                3,
                "unknown rule `unpinned-use`; did you mean `unpinned-uses`?".into()
            )
        );
    }

    #[test]
    fn unknown_rule_without_a_near_match_lists_known_rules() {
        assert_eq!(
            err("rules:\n  template-injection: {}\n"),
            (
                2,
                3,
                "unknown rule `template-injection`; known rules: `excessive-permissions`, `unpinned-image`, `unpinned-uses`"
                    .into()
            )
        );
        let many: Vec<String> = (0..12).map(|i| format!("rule-number-{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let many = Known {
            rules: many,
            ..Known::default()
        };
        let e = Config::parse("rules:\n  zzz-something-else: {}\n", "c.yml", &many)
            .expect_err("unknown rule");
        assert_eq!(
            e.to_string(),
            "c.yml:2:3: unknown rule `zzz-something-else`; known rules: `rule-number-00`, \
             `rule-number-01`, `rule-number-02`, `rule-number-03`, `rule-number-04`, \
             `rule-number-05`, `rule-number-06`, `rule-number-07` and 4 more (see `ci-guard rules`)"
        );
    }

    #[test]
    fn invalid_glob_is_an_error() {
        let (line, column, message) = err("ignore:\n  - ok/**\n  - 'src/[abc'\n");
        assert_eq!((line, column), (3, 5));
        assert!(
            message.starts_with("invalid glob `src/[abc`: "),
            "{message}"
        );
        assert!(message.contains("unclosed character class"), "{message}");

        let (line, column, message) = err("rules:\n  unpinned-image:\n    ignore: ['{a,b']\n");
        assert_eq!((line, column), (3, 14));
        assert!(message.starts_with("invalid glob `{a,b`: "), "{message}");
    }

    #[test]
    fn empty_glob_is_an_error() {
        assert_eq!(
            err("ignore: ['']\n"),
            (1, 10, "empty glob in `ignore`".into())
        );
    }

    #[test]
    fn owner_must_be_a_plain_name() {
        assert_eq!(
            err("trusted-owners: [my-org, my-org/repo]\n"),
            (
                1,
                26,
                "`my-org/repo` is not a GitHub owner name (write only the owner, e.g. `my-org`, not `my-org/repo`)"
                    .into()
            )
        );
        assert_eq!(
            err("trusted-owners: ['']\n"),
            (1, 18, "`` is not a GitHub owner name".into())
        );
    }

    #[test]
    fn non_scalar_key_is_an_error() {
        let (line, column, message) = err("? [a, b]\n: 1\n");
        assert_eq!((line, column), (1, 3));
        assert_eq!(message, "keys must be strings, found a list");
    }

    #[test]
    fn error_columns_count_code_points() {
        // `é` is two bytes but one code point: the bad glob after it starts at column 18.
        let (line, column, message) = err("ignore: ['é/**', '[']\n");
        assert_eq!((line, column), (1, 18), "{message}");
    }

    // --- files ---

    #[test]
    fn find_prefers_yml_and_load_reads_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(Config::find(&crate::files::Disk, dir.path()), None);
        let github = dir.path().join(".github");
        std::fs::create_dir(&github).expect("mkdir");
        std::fs::write(github.join("ci-guard.yaml"), "trusted-owners: [b]\n").expect("write");
        assert_eq!(
            Config::find(&crate::files::Disk, dir.path()),
            Some(github.join("ci-guard.yaml"))
        );
        std::fs::write(github.join("ci-guard.yml"), "trusted-owners: [a]\n").expect("write");
        let found = Config::find(&crate::files::Disk, dir.path()).expect("found");
        assert_eq!(found, github.join("ci-guard.yml"));
        let c = Config::load(&found, &known()).expect("valid");
        assert_eq!(c.trusted_owners(), ["a"]);
        assert_eq!(c.source(), Some(found.display().to_string().as_str()));
    }

    #[test]
    fn load_reports_the_path_of_a_bad_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("policy.yml");
        std::fs::write(&path, "rules:\n  nope: {}\n").expect("write");
        let e = Config::load(&path, &known()).expect_err("unknown rule");
        assert_eq!(e.path(), path.display().to_string());
        assert_eq!(e.position(), Some(Pos::new(2, 3)));
        assert!(
            e.to_string()
                .starts_with(&format!("{}:2:3: unknown rule `nope`", path.display()))
        );

        let missing = dir.path().join("missing.yml");
        let e = Config::load(&missing, &known()).expect_err("missing file");
        assert!(matches!(e, ConfigError::Io { .. }));
        assert_eq!(e.position(), None);
        assert!(
            e.to_string()
                .starts_with(&format!("{}: cannot read configuration", missing.display()))
        );
    }

    #[test]
    fn documented_example_is_valid() {
        // Keeps docs/config.md honest: its annotated example must parse as written.
        let doc = include_str!("../docs/config.md");
        let example = doc
            .split("```yaml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/config.md has a yaml example");
        let c = ok(example);
        assert_eq!(c.trusted_owners(), ["my-org"]);
        assert!(!c.rule_enabled("unpinned-uses"));
        assert_eq!(
            c.severity_override("unpinned-image"),
            Some(Severity::Medium)
        );
        assert!(c.is_ignored_path("third_party/x/Dockerfile"));
        assert!(c.is_ignored_path("examples/a.yml"));
        assert!(!c.is_ignored_path("examples/sub/a.yml"));
        assert_eq!(c.shellcheck(), Some(ShellcheckMode::Auto));
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn scanners_are_read_and_validated() {
        let c = ok("scanners: [bandit, semgrep, zizmor]\n");
        assert_eq!(
            c.scanners(),
            Some(&["bandit".to_string(), "semgrep".into(), "zizmor".into()][..])
        );
        assert_eq!(ok("rules:\n").scanners(), None);
        assert_eq!(ok("scanners:\n").scanners(), Some(&[][..]));
        let (line, col, msg) = err("scanners:\n  - bandit\n  - trivvy\n");
        assert_eq!((line, col), (3, 5));
        assert!(
            msg.starts_with("unknown scanner `trivvy`; known: bandit, semgrep"),
            "{msg}"
        );
        let (line, _, msg) = err("scanners: bandit\n");
        assert_eq!(line, 1);
        assert!(msg.contains("must be a list of scanner names"), "{msg}");
    }

    #[test]
    fn shellcheck_mode_is_read_and_validated() {
        assert_eq!(ok("rules:\n").shellcheck(), None);
        for mode in ShellcheckMode::ALL {
            let c = ok(&format!("shellcheck: {}\n", mode.as_str()));
            assert_eq!(c.shellcheck(), Some(mode));
        }
        for bad in [
            "shellcheck: false\n",
            "shellcheck: on\n",
            "shellcheck: [auto]\n",
        ] {
            let (line, col, msg) = err(bad);
            assert_eq!((line, col), (1, 13), "{bad}");
            assert_eq!(
                msg, "`shellcheck` must be one of auto, always, never",
                "{bad}"
            );
        }
        let (_, _, msg) = err("shellchek: never\n");
        assert!(msg.contains("did you mean `shellcheck`?"), "{msg}");
    }
}
