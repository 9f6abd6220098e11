//! Lockfile readers: every package a repository's lockfiles pin, with the exact place of its
//! entry, its package URL, whether it is a direct dependency, its scope, and the hashes and
//! license the lockfile records.
//!
//! The readers know nothing of SBOMs: `crate::sbom` writes them, and a native SCA can match the
//! same packages against advisories.

mod cargo;
mod composer;
mod gemfile;
mod golang;
pub mod json;
mod npm;
mod pipfile;
mod pnpm;
mod poetry;
pub mod purl;
mod requirements;
mod uv;
mod yarn;

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use crate::finding::{Location, Pos, Span};
use crate::workspace::{FileKind, Lockfile, Manifest, WorkspaceFile};

/// A package ecosystem, as named in package URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Cargo,
    Npm,
    Pypi,
    Golang,
    Gem,
    Composer,
}

impl Ecosystem {
    /// The purl type.
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
        }
    }

    /// The ecosystem's name in OSV (and in the advisories of most scanners).
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "crates.io",
            Ecosystem::Npm => "npm",
            Ecosystem::Pypi => "PyPI",
            Ecosystem::Golang => "Go",
            Ecosystem::Gem => "RubyGems",
            Ecosystem::Composer => "Packagist",
        }
    }
}

/// Whether a package ships with the product or only serves development (tests, builds, lint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Production,
    Development,
    /// The lockfile does not say.
    Unknown,
}

/// A digest the lockfile records for the package's artifact, the value in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Hash {
    /// CycloneDX's spelling: `SHA-1`, `SHA-256`, `SHA-384`, `SHA-512`, `MD5`; `h1` for Go's
    /// directory hash (not a file digest, so the SBOM writers leave it out).
    pub algorithm: String,
    pub value: String,
    /// Which of the package's files it is the digest of, when it is one of several (Python
    /// wheels and sdists): a URL where that file is found ([`index_file_url`]), or a path the
    /// lockfile gives. `None` when the package has one artifact and this is its digest.
    pub file: Option<String>,
}

/// PyPI's simple index (PEP 503), where pip looks packages up unless told otherwise.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// The URL of one of `name`'s files on a PEP 503 index: the project's page with a fragment that
/// names the file (`#anyio-4.13.0-py3-none-any.whl`, as cyclonedx-py writes for Poetry), or its
/// digest when the lockfile names no file (`#sha256=<hex>`, as the index's own links carry it).
pub fn index_file_url(index: &str, name: &str, fragment: &str) -> String {
    format!(
        "{}/{}/#{}",
        index.trim_end_matches('/'),
        pep503(name),
        purl::encode_iri(fragment)
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Package {
    pub name: String,
    /// `None` when the lockfile does not pin one version (an unpinned `requirements.txt` line).
    pub version: Option<String>,
    pub ecosystem: Ecosystem,
    /// Package URL per the purl specification for the ecosystem.
    pub purl: String,
    /// `Some(true)` for a dependency the project declares itself, `Some(false)` for one pulled
    /// in by another package, `None` when the lockfile (and its manifest beside it) cannot tell.
    pub direct: Option<bool>,
    pub scope: Scope,
    pub hashes: Vec<Hash>,
    /// License as the lockfile records it (an SPDX expression in practice).
    pub license: Option<String>,
    /// The package's entry in the lockfile.
    pub location: Location,
    /// purls of the packages this one depends on, where the lockfile records the edges.
    pub dependencies: Vec<String>,
    /// For an unpinned requirement: the version specifier as written (`>=1.2`, or empty).
    pub requirement: Option<String>,
}

/// A lockfile that cannot be read, with the place of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockfileError {
    /// Path relative to the report root.
    pub path: String,
    /// 1-based; `0` when the problem has no place (an unreadable file).
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for LockfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for LockfileError {}

/// Whether `kind` is a file these readers understand (`go.mod` counts: it lists the build's
/// module versions).
pub fn is_readable(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::Lockfile(_) | FileKind::Manifest(Manifest::GoMod)
    )
}

/// Read one lockfile.
pub fn read(file: &WorkspaceFile) -> Result<Vec<Package>, LockfileError> {
    let bytes = std::fs::read(&file.abs).map_err(|e| LockfileError {
        path: file.display.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let siblings = Siblings {
        dir: file.abs.parent().map(|p| p.to_path_buf()),
    };
    read_text(file.kind, &file.display, &text, &siblings)
}

/// Files beside a lockfile that say what the project declares (package.json, pyproject.toml).
#[derive(Clone, Debug, Default)]
pub struct Siblings {
    pub dir: Option<std::path::PathBuf>,
}

impl Siblings {
    pub fn none() -> Self {
        Self { dir: None }
    }

    pub fn read(&self, name: &str) -> Option<String> {
        let path = self.dir.as_ref()?.join(name);
        std::fs::read_to_string(path).ok()
    }
}

/// Read lockfile text of `kind`; `path` is what locations and errors name.
pub fn read_text(
    kind: FileKind,
    path: &str,
    text: &str,
    siblings: &Siblings,
) -> Result<Vec<Package>, LockfileError> {
    let cx = Cx {
        path,
        text,
        lines: LineIndex::new(text),
        siblings,
    };
    let mut packages = match kind {
        FileKind::Lockfile(Lockfile::CargoLock) => cargo::read(&cx),
        FileKind::Lockfile(Lockfile::PackageLock | Lockfile::NpmShrinkwrap) => npm::read(&cx),
        FileKind::Lockfile(Lockfile::YarnLock) => yarn::read(&cx),
        FileKind::Lockfile(Lockfile::PnpmLock) => pnpm::read(&cx),
        FileKind::Lockfile(Lockfile::PoetryLock) => poetry::read(&cx),
        FileKind::Lockfile(Lockfile::PipfileLock) => pipfile::read(&cx),
        FileKind::Lockfile(Lockfile::UvLock) => uv::read(&cx),
        FileKind::Lockfile(Lockfile::Requirements) => requirements::read(&cx),
        FileKind::Lockfile(Lockfile::GoSum) => golang::read_sum(&cx),
        FileKind::Manifest(Manifest::GoMod) => golang::read_mod(&cx),
        FileKind::Lockfile(Lockfile::GemfileLock) => gemfile::read(&cx),
        FileKind::Lockfile(Lockfile::ComposerLock) => composer::read(&cx),
        other => Err(cx.error_at(0, format!("not a lockfile: {other:?}"))),
    }?;
    for p in &mut packages {
        p.dependencies.sort();
        p.dependencies.dedup();
    }
    packages.sort_by(|a, b| (a.location.start, &a.purl).cmp(&(b.location.start, &b.purl)));
    Ok(packages)
}

/// What a reader works with.
pub(crate) struct Cx<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub lines: LineIndex,
    pub siblings: &'a Siblings,
}

impl Cx<'_> {
    /// The location of the byte range `start..end` of the text.
    pub fn location(&self, start: usize, end: usize) -> Location {
        Location::new(
            self.path,
            Span::new(
                self.lines.pos(self.text, start),
                self.lines.pos(self.text, end.max(start)),
            ),
        )
    }

    /// A location from 1-based line and column to the end of that line.
    pub fn location_line(&self, start: Pos) -> Location {
        let end_col = self
            .text
            .lines()
            .nth(start.line.saturating_sub(1) as usize)
            .map(|l| l.trim_end_matches('\r').chars().count() as u32 + 1)
            .unwrap_or(start.column);
        Location::new(
            self.path,
            Span::new(start, Pos::new(start.line, end_col.max(start.column))),
        )
    }

    pub fn error_at(&self, offset: usize, message: impl Into<String>) -> LockfileError {
        let pos = self.lines.pos(self.text, offset);
        LockfileError {
            path: self.path.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    pub fn error_pos(&self, pos: Pos, message: impl Into<String>) -> LockfileError {
        LockfileError {
            path: self.path.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }
}

/// Byte offset to 1-based line and column (in Unicode code points).
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self { starts }
    }

    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = text[self.starts[line]..offset].chars().count();
        Pos::new(line as u32 + 1, col as u32 + 1)
    }
}

/// Scope by reachability in a dependency graph: reachable from a production root, production;
/// else from a development root, development; else unknown. Keys are package ids.
pub(crate) fn scopes_by_reachability(
    edges: &HashMap<String, Vec<String>>,
    prod_roots: &[String],
    dev_roots: &[String],
) -> HashMap<String, Scope> {
    let mut scope = HashMap::new();
    for (roots, s) in [
        (prod_roots, Scope::Production),
        (dev_roots, Scope::Development),
    ] {
        let mut stack: Vec<&String> = roots.iter().collect();
        while let Some(id) = stack.pop() {
            if scope.contains_key(id) {
                continue;
            }
            scope.insert(id.clone(), s);
            if let Some(next) = edges.get(id) {
                stack.extend(next.iter());
            }
        }
    }
    scope
}

/// The dependencies a `package.json` declares: (production incl. optional and peer, development).
pub(crate) fn package_json_deps(text: &str) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let names = |key: &str| -> BTreeSet<String> {
        v.get(key)
            .and_then(|d| d.as_object())
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut prod = names("dependencies");
    prod.extend(names("optionalDependencies"));
    prod.extend(names("peerDependencies"));
    Some((prod, names("devDependencies")))
}

/// Normalised Python project name (PEP 503), to match names across a lockfile.
pub(crate) fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !dash {
                out.push('-');
            }
            dash = true;
        } else {
            out.extend(c.to_lowercase());
            dash = false;
        }
    }
    out
}

/// The dependencies a `pyproject.toml` declares, PEP 503-normalised: (production, development).
/// Reads `[project].dependencies`, `[project.optional-dependencies]` (production: they ship as
/// extras), `[dependency-groups]` (development), and Poetry's `[tool.poetry.dependencies]`,
/// `[tool.poetry.dev-dependencies]` and `[tool.poetry.group.*.dependencies]`.
pub(crate) fn pyproject_deps(text: &str) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let v: toml::Table = toml::from_str(text).ok()?;
    let mut prod = BTreeSet::new();
    let mut dev = BTreeSet::new();
    let req_name = |s: &str| -> Option<String> {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(s.len());
        let n = s[..end].trim();
        (!n.is_empty()).then(|| pep503(n))
    };
    if let Some(project) = v.get("project").and_then(|p| p.as_table()) {
        for d in project
            .get("dependencies")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
        {
            prod.extend(d.as_str().and_then(req_name));
        }
        for (_, list) in project
            .get("optional-dependencies")
            .and_then(|d| d.as_table())
            .into_iter()
            .flatten()
        {
            for d in list.as_array().into_iter().flatten() {
                prod.extend(d.as_str().and_then(req_name));
            }
        }
    }
    for (_, list) in v
        .get("dependency-groups")
        .and_then(|d| d.as_table())
        .into_iter()
        .flatten()
    {
        for d in list.as_array().into_iter().flatten() {
            dev.extend(d.as_str().and_then(req_name));
        }
    }
    if let Some(poetry) = v
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(|p| p.as_table())
    {
        let keys = |t: Option<&toml::Value>| -> Vec<String> {
            t.and_then(|d| d.as_table())
                .map(|d| {
                    d.keys()
                        .filter(|k| k.as_str() != "python")
                        .map(|k| pep503(k))
                        .collect()
                })
                .unwrap_or_default()
        };
        prod.extend(keys(poetry.get("dependencies")));
        dev.extend(keys(poetry.get("dev-dependencies")));
        for (name, group) in poetry
            .get("group")
            .and_then(|g| g.as_table())
            .into_iter()
            .flatten()
        {
            let deps = keys(group.get("dependencies"));
            if name == "main" {
                prod.extend(deps);
            } else {
                dev.extend(deps);
            }
        }
    }
    Some((prod, dev))
}

/// Decode standard or URL-safe base64 (padding optional); `None` on any other character.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An npm-style Subresource Integrity string (`sha512-BASE64`, possibly several separated by
/// spaces) as hashes.
pub(crate) fn sri_hashes(integrity: &str) -> Vec<Hash> {
    integrity
        .split_whitespace()
        .filter_map(|part| {
            let (alg, b64) = part.split_once('-')?;
            let algorithm = match alg {
                "sha1" => "SHA-1",
                "sha256" => "SHA-256",
                "sha384" => "SHA-384",
                "sha512" => "SHA-512",
                _ => return None,
            };
            let bytes = base64_decode(b64.split('?').next().unwrap_or(b64))?;
            Some(Hash {
                algorithm: algorithm.to_string(),
                value: hex(&bytes),
                file: None,
            })
        })
        .collect()
}

/// `sha256:HEX` (pip, Poetry, Pipenv, uv) as a hash.
pub(crate) fn prefixed_hash(s: &str, file: Option<String>) -> Option<Hash> {
    let (alg, value) = s.split_once(':').or_else(|| s.split_once('='))?;
    let algorithm = match alg.to_ascii_lowercase().as_str() {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        "sha384" => "SHA-384",
        "sha512" => "SHA-512",
        _ => return None,
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Hash {
        algorithm: algorithm.to_string(),
        value: value.to_ascii_lowercase(),
        file,
    })
}

impl Cx<'_> {
    /// A JSON syntax error at its place (serde_json counts the column in bytes).
    pub fn json_error(&self, e: json::JsonError) -> LockfileError {
        let column = self
            .text
            .lines()
            .nth(e.line.saturating_sub(1))
            .map(|l| {
                let mut b = e.column.saturating_sub(1).min(l.len());
                while !l.is_char_boundary(b) {
                    b -= 1;
                }
                l[..b].chars().count() + 1
            })
            .unwrap_or(e.column);
        LockfileError {
            path: self.path.to_string(),
            line: e.line as u32,
            column: column as u32,
            message: format!("invalid JSON: {}", e.message),
        }
    }

    /// A TOML error at its place.
    pub fn toml_error(&self, e: &toml::de::Error) -> LockfileError {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let message = e.message().trim().to_string();
        self.error_at(offset, format!("invalid TOML: {message}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_code_points() {
        let t = "ab\nçd\n";
        let li = LineIndex::new(t);
        assert_eq!(li.pos(t, 0), Pos::new(1, 1));
        assert_eq!(li.pos(t, 3), Pos::new(2, 1));
        assert_eq!(li.pos(t, 5), Pos::new(2, 2));
        assert_eq!(li.pos(t, 100), Pos::new(3, 1));
    }

    #[test]
    fn sri_to_hex() {
        let h = sri_hashes("sha1-3q2+7w==");
        assert_eq!(h[0].value, "deadbeef");
        assert_eq!(h[0].algorithm, "SHA-1");
    }

    #[test]
    fn pep503_names() {
        assert_eq!(pep503("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(pep503("zope..interface"), "zope-interface");
    }
}
