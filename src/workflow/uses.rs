//! `uses:` references: local paths, `docker://` images, and repository actions with their ref kind.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uses {
    /// `./path/to/action` (or a local reusable workflow), read from the workspace.
    Local(String),
    /// `$/path/to/action`: the workflow's own repository at the running commit (GitHub's
    /// self-repository syntax, 2026), as immutable as the commit itself.
    SelfRepository(String),
    /// `docker://image[:tag][@digest]`
    Docker(ImageRef),
    /// `owner/repo[/path]@ref`
    Repository(RepoAction),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoAction {
    pub owner: String,
    pub repo: String,
    /// Sub-directory action or reusable workflow path, without the leading `/`.
    pub path: Option<String>,
    pub git_ref: String,
    pub ref_kind: RefKind,
}

impl RepoAction {
    /// `owner/repo` or `owner/repo/path`, without the ref.
    pub fn name(&self) -> String {
        match &self.path {
            Some(p) => format!("{}/{}/{}", self.owner, self.repo, p),
            None => format!("{}/{}", self.owner, self.repo),
        }
    }

    pub fn is_reusable_workflow(&self) -> bool {
        self.path.as_deref().is_some_and(|p| {
            p.starts_with(".github/workflows/") && (p.ends_with(".yml") || p.ends_with(".yaml"))
        })
    }
}

/// What a git ref looks like. Only a full commit SHA is immutable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    FullSha,
    /// 7 to 39 hex digits: GitHub resolves it, but a tag or branch could shadow it.
    ShortSha,
    /// `v1`, `v1.2.3`, `1.0`, `release-2024`…: looks like a version tag.
    Tag,
    /// `main`, `master`, `develop`, or anything else: moves with every push.
    Branch,
}

impl RefKind {
    pub fn describe(self) -> &'static str {
        match self {
            RefKind::FullSha => "a full commit SHA",
            RefKind::ShortSha => "a short SHA",
            RefKind::Tag => "a tag",
            RefKind::Branch => "a branch",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry and repository, e.g. `ghcr.io/org/tool` or `node`.
    pub name: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parse `name[:tag][@digest]`. Returns `None` for an empty or expression-only reference.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() || s.contains("${{") {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a registry port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                rest[..last_slash + i].to_string(),
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest.to_string(), None),
        };
        if name.is_empty() {
            return None;
        }
        Some(Self { name, tag, digest })
    }

    pub fn is_latest_or_untagged(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|t| t == "latest")
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Why a `uses:` value could not be understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsesError(pub String);

impl Uses {
    pub fn parse(s: &str) -> Result<Self, UsesError> {
        let s = s.trim();
        if s.starts_with("./") || s == "." {
            return Ok(Uses::Local(s.to_string()));
        }
        if let Some(path) = s.strip_prefix("$/") {
            return Ok(Uses::SelfRepository(path.to_string()));
        }
        if let Some(image) = s.strip_prefix("docker://") {
            return ImageRef::parse(image)
                .map(Uses::Docker)
                .ok_or_else(|| UsesError(format!("`{s}` names no image")));
        }
        let Some((path, git_ref)) = s.split_once('@') else {
            return Err(UsesError(format!(
                "`{s}` has no `@ref`; use `owner/repo@<commit-sha>`, `./local/path` or `docker://image`"
            )));
        };
        let mut parts = path.splitn(3, '/');
        let owner = parts.next().unwrap_or_default();
        let repo = parts.next().unwrap_or_default();
        let sub = parts.next().filter(|p| !p.is_empty());
        if owner.is_empty() || repo.is_empty() || git_ref.is_empty() {
            return Err(UsesError(format!(
                "`{s}` is not of the form `owner/repo[/path]@ref`"
            )));
        }
        Ok(Uses::Repository(RepoAction {
            owner: owner.to_string(),
            repo: repo.to_string(),
            path: sub.map(str::to_string),
            git_ref: git_ref.to_string(),
            ref_kind: ref_kind(git_ref),
        }))
    }
}

pub fn ref_kind(r: &str) -> RefKind {
    let hex = !r.is_empty() && r.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (r.len() == 40 || r.len() == 64) {
        return RefKind::FullSha;
    }
    // A version-looking ref (v1, 1.2.3, v2.0.0-beta) is a tag by convention; a short hex string
    // that is all digits (`1234567`) is more likely a version than a SHA.
    let versionish = {
        let t = r
            .strip_prefix('v')
            .or_else(|| r.strip_prefix('V'))
            .unwrap_or(r);
        t.starts_with(|c: char| c.is_ascii_digit())
    };
    if hex && r.len() >= 7 && !r.bytes().all(|b| b.is_ascii_digit()) {
        return RefKind::ShortSha;
    }
    if versionish || r.starts_with("release") {
        RefKind::Tag
    } else {
        RefKind::Branch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(s: &str) -> RepoAction {
        match Uses::parse(s) {
            Ok(Uses::Repository(r)) => r,
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn repository_actions_and_ref_kinds() {
        let r = repo("actions/checkout@v4");
        assert_eq!(
            (r.owner.as_str(), r.repo.as_str(), r.path),
            ("actions", "checkout", None)
        );
        assert_eq!(r.ref_kind, RefKind::Tag);
        let r = repo("github/codeql-action/init@1b549b9259bda1cb5ddde3b41741a82a2d15a841");
        assert_eq!(r.path.as_deref(), Some("init"));
        assert_eq!(r.ref_kind, RefKind::FullSha);
        assert_eq!(repo("a/b@main").ref_kind, RefKind::Branch);
        assert_eq!(repo("a/b@abc1234").ref_kind, RefKind::ShortSha);
        assert_eq!(repo("a/b@1.2.3").ref_kind, RefKind::Tag);
        assert_eq!(repo("a/b@1234567").ref_kind, RefKind::Tag);
        let r = repo("org/wf/.github/workflows/build.yml@v1");
        assert!(r.is_reusable_workflow());
    }

    #[test]
    fn local_and_docker() {
        assert_eq!(
            Uses::parse("./.github/actions/x"),
            Ok(Uses::Local("./.github/actions/x".into()))
        );
        assert_eq!(
            Uses::parse("$/.github/workflows/build.yml"),
            Ok(Uses::SelfRepository(".github/workflows/build.yml".into()))
        );
        let Ok(Uses::Docker(img)) = Uses::parse("docker://ghcr.io:443/o/i:1.2@sha256:ab") else {
            panic!()
        };
        assert_eq!(img.name, "ghcr.io:443/o/i");
        assert_eq!(img.tag.as_deref(), Some("1.2"));
        assert_eq!(img.digest.as_deref(), Some("sha256:ab"));
        let Ok(Uses::Docker(img)) = Uses::parse("docker://alpine") else {
            panic!()
        };
        assert!(img.is_latest_or_untagged());
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(Uses::parse("actions/checkout").is_err());
        assert!(Uses::parse("checkout@v4").is_err());
        assert!(Uses::parse("docker://").is_err());
    }
}
