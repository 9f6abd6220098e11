//! `cache-poisoning`: caches restored in jobs that publish or deploy, or in release workflows. A
//! cache written by any workflow run of the default branch (a pull request's code included,
//! through `pull_request_target` or a poisoned dependency) is then baked into what ships.

use super::Rule;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::inventory::Capability;
use crate::source::SourceText;
use crate::workflow::{Step, Workflow};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "cache-poisoning",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Cache restored in a job that publishes, deploys or releases",
        help: include_str!("../../docs/rules/cache-poisoning.md"),
    },
    check: Some(check),
};

/// How an action's input turns its cache on or off (from each action's `action.yml`).
#[derive(Clone, Copy)]
enum Control {
    /// Always restores a cache.
    Always,
    /// Restores unless this input is true.
    OptOut(&'static str),
    /// Restores when this input is set to something other than false / empty.
    OptIn(&'static str),
    /// Restores unless this input is false.
    DefaultOn(&'static str),
}

/// `owner/repo[/path]` (case-insensitive) -> how caching is controlled.
const CACHE_AWARE: &[(&str, Control)] = &[
    ("actions/cache", Control::OptOut("lookup-only")),
    ("actions/cache/restore", Control::Always),
    ("actions/setup-java", Control::OptIn("cache")),
    ("actions/setup-go", Control::DefaultOn("cache")),
    ("actions/setup-node", Control::OptIn("cache")),
    ("actions/setup-python", Control::OptIn("cache")),
    ("actions/setup-dotnet", Control::OptIn("cache")),
    ("astral-sh/setup-uv", Control::OptIn("enable-cache")),
    ("swatinem/rust-cache", Control::OptOut("lookup-only")),
    ("ruby/setup-ruby", Control::OptIn("bundler-cache")),
    ("pyo3/maturin-action", Control::OptIn("sccache")),
    ("mlugg/setup-zig", Control::DefaultOn("use-cache")),
    ("oven-sh/setup-bun", Control::OptOut("no-cache")),
    (
        "determinatesystems/magic-nix-cache-action",
        Control::DefaultOn("use-gha-cache"),
    ),
    ("graalvm/setup-graalvm", Control::OptIn("cache")),
    (
        "gradle/actions/setup-gradle",
        Control::OptOut("cache-disabled"),
    ),
    (
        "gradle/gradle-build-action",
        Control::OptOut("cache-disabled"),
    ),
    (
        "actions-rust-lang/setup-rust-toolchain",
        Control::DefaultOn("cache"),
    ),
    ("mozilla-actions/sccache-action", Control::Always),
    ("nix-community/cache-nix-action", Control::Always),
    ("jdx/mise-action", Control::DefaultOn("cache")),
    ("ramsey/composer-install", Control::OptOut("ignore-cache")),
    ("awalsh128/cache-apt-pkgs-action", Control::Always),
];

fn is_true(v: &str) -> bool {
    matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "yes" | "1")
}

fn is_false(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "false" | "no" | "0" | "" | "none"
    )
}

/// The major version the step's ref (or its `# vN` pin comment) names, if any.
fn major(step: &Step, src: &SourceText<'_>) -> Option<u32> {
    let action = step.repo_action()?;
    let from = |s: &str| {
        s.trim()
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
    };
    from(&action.git_ref).or_else(|| {
        let line = src.line(step.uses.as_ref()?.span.start.line)?;
        let comment = line.split_once('#')?.1;
        from(comment.split_whitespace().next()?)
    })
}

/// What an expression such as `${{ !startsWith(github.ref, 'refs/tags/') }}` is when the run is
/// for a tag (a tag push or a release), if it is only that test.
pub(crate) fn value_on_tags(expr: &str) -> Option<bool> {
    let e: String = expr
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
        .replace('"', "'");
    let e = e
        .strip_prefix("${{")
        .and_then(|x| x.strip_suffix("}}"))
        .unwrap_or(&e);
    let tests_tag = |x: &str| {
        x == "startswith(github.ref,'refs/tags/')"
            || x == "startswith(github.ref,'refs/tags')"
            || x == "github.ref_type=='tag'"
    };
    if tests_tag(e) {
        return Some(true);
    }
    if let Some(inner) = e.strip_prefix('!')
        && tests_tag(
            inner
                .strip_prefix('(')
                .and_then(|x| x.strip_suffix(')'))
                .unwrap_or(inner),
        )
    {
        return Some(false);
    }
    (e == "github.ref_type!='tag'").then_some(false)
}

/// `Some(input that enables it)` when the step restores a cache. `on_tags`: the job only counts
/// because it runs for tags, so inputs that test for a tag are evaluated as on a tag.
fn restores_cache(step: &Step, src: &SourceText<'_>, on_tags: bool) -> Option<String> {
    let action = step.repo_action()?;
    let name = action.name().to_ascii_lowercase();
    let input = |k: &str| {
        step.with_value(k).and_then(|n| n.as_scalar()).map(|v| {
            match value_on_tags(v).filter(|_| on_tags) {
                Some(b) => b.to_string(),
                None => v.to_string(),
            }
        })
    };
    // setup-buildx caches the buildx binary it downloads when given a `version`.
    if name == "docker/setup-buildx-action" {
        let cached = input("version").is_some_and(|v| !v.trim().is_empty())
            && input("cache-binary").is_none_or(|v| !is_false(&v));
        return cached.then(|| {
            "restores the buildx binary from the cache unless `cache-binary: false`".into()
        });
    }
    let (_, control) = CACHE_AWARE.iter().find(|(n, _)| *n == name)?;
    // setup-go caches by default from v4 on; setup-node caches the package manager named in
    // package.json from v5 on unless `package-manager-cache: false`.
    // A commit pin without a `# vN` comment could be any version: assume the newest behaviour.
    let control = match (name.as_str(), major(step, src)) {
        ("actions/setup-go", Some(m)) if m < 4 => Control::OptIn("cache"),
        // setup-uv before v10 defaults `enable-cache` to `auto`: on for GitHub-hosted runners.
        ("astral-sh/setup-uv", m) if m.is_none_or(|m| m < 10) => Control::DefaultOn("enable-cache"),
        ("actions/setup-node", m) if m.is_none_or(|m| m >= 5) && input("cache").is_none() => {
            Control::DefaultOn("package-manager-cache")
        }
        _ => *control,
    };
    match control {
        Control::Always => Some("always restores a cache".into()),
        Control::OptOut(k) => match input(k) {
            Some(v) if is_true(&v) => None,
            _ => Some(format!("restores a cache unless `{k}: true`")),
        },
        Control::OptIn(k) => match input(k) {
            Some(v) if !is_false(&v) => Some(format!("restores a cache (`{k}: {v}`)")),
            _ => None,
        },
        Control::DefaultOn(k) => match input(k) {
            Some(v) if is_false(&v) => None,
            _ => Some(format!("restores a cache unless `{k}: false`")),
        },
    }
}

const RELEASE_BRANCHES: &str = "runs on pushes to release branches";

/// Why the workflow as a whole is a release workflow: its `on:` events.
fn release_trigger(wf: &Workflow) -> Option<&'static str> {
    for t in &wf.triggers {
        match t.event.value.as_str() {
            "release" => return Some("runs on `release`"),
            "push" if t.filter("tags").is_some_and(|v| !v.is_empty()) => {
                return Some("runs on tag pushes");
            }
            "push"
                if t.filter("branches").is_some_and(|b| {
                    b.iter()
                        .any(|b| b.value.to_ascii_lowercase().contains("release"))
                }) =>
            {
                return Some(RELEASE_BRANCHES);
            }
            _ => {}
        }
    }
    None
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for (i, pw) in repo.workflows.iter().enumerate() {
        let wf = &pw.workflow;
        let src = repo.workflow_source(i);
        let release = release_trigger(wf);
        for job in &wf.jobs {
            let info = repo.inventory.job(&pw.display, &job.id.value);
            let fact = |cap: Capability| {
                repo.inventory
                    .facts_of(cap)
                    .find(|f| f.workflow == pw.display && f.job == job.id.value)
            };
            let publish = fact(Capability::Publish);
            let deploy = fact(Capability::Deploy).filter(|_| info.is_some_and(|i| i.deploys()));
            // Only the release trigger makes this job count, so a job or step that does not run
            // for tags (`if: !startsWith(github.ref, 'refs/tags/')`) is out of it.
            let on_tags = publish.is_none() && release.is_some_and(|r| r != RELEASE_BRANCHES);
            let skipped_on_tags = |c: Option<&crate::workflow::Spanned<String>>| {
                on_tags && c.is_some_and(|c| value_on_tags(&c.value) == Some(false))
            };
            if skipped_on_tags(job.condition.as_ref()) {
                continue;
            }
            let (severity, why, related) = match (publish, release, deploy) {
                (Some(f), _, _) => (
                    Severity::High,
                    format!("publishes ({})", f.tool),
                    Some(f.location.clone()),
                ),
                (None, Some(r), _) => (
                    Severity::High,
                    format!("is in a workflow that {r}"),
                    wf.on_span.map(|s| Location::new(&pw.display, s)),
                ),
                (None, None, Some(f)) => (
                    Severity::Medium,
                    format!("deploys ({})", f.tool),
                    Some(f.location.clone()),
                ),
                (None, None, None) => continue,
            };
            for step in job.all_steps() {
                if skipped_on_tags(step.condition.as_ref()) {
                    continue;
                }
                let Some(how) = restores_cache(step, &src, on_tags) else {
                    continue;
                };
                let Some(uses) = &step.uses else { continue };
                let action = step.repo_action().map(|a| a.name()).unwrap_or_default();
                let message = format!(
                    "job `{}` {why}, and step `{}` (`{action}`) {how}; a cache entry written by \
                     another run (a pull request, a compromised dependency) ends up in what this job \
                     ships. Do not restore caches when releasing: remove the step or disable its cache \
                     in this job (for example `lookup-only: true` on actions/cache, no `cache:` on \
                     setup-* actions), and build releases from a clean state",
                    job.id.value,
                    step.label(),
                );
                let mut f = Finding::at(
                    &RULE.meta,
                    Location::new(&pw.display, uses.span),
                    &format!("{} {action}", job.id.value),
                    message,
                )
                .severity(severity);
                if let Some(r) = &related {
                    f = f.related(r.clone());
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn flags_caches_in_release_workflows_and_publishing_jobs() {
        let wf = "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n        with:\n          cache: npm\n      - uses: actions/setup-python@v5\n      - uses: actions/cache@v4\n        with:\n          path: ~/.npm\n          key: k\n      - uses: actions/cache@v4\n        with:\n          lookup-only: true\n          path: x\n          key: k\n      - uses: Swatinem/rust-cache@v2\n      - uses: actions/cache/restore@v4\n        if: ${{ !startsWith(github.ref, 'refs/tags/') }}\n        with: {path: x, key: k}\n      - uses: PyO3/maturin-action@v1\n        with:\n          sccache: ${{ !startsWith(github.ref, 'refs/tags/') }}\n";
        let found = findings_for("cache-poisoning", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(8, 15)), Severity::High),
                (Some(Pos::new(12, 15)), Severity::High),
                (Some(Pos::new(21, 15)), Severity::High),
            ]
        );
        assert!(found[0].message.contains("tag pushes"));
        assert_eq!(found[0].related.len(), 1);
    }

    #[test]
    fn tag_tests() {
        use super::value_on_tags;
        assert_eq!(
            value_on_tags("${{ !startsWith(github.ref, 'refs/tags/') }}"),
            Some(false)
        );
        assert_eq!(
            value_on_tags("startsWith(github.ref, 'refs/tags/')"),
            Some(true)
        );
        assert_eq!(value_on_tags("github.ref_type != 'tag'"), Some(false));
        assert_eq!(value_on_tags("${{ matrix.cache }}"), None);
    }

    #[test]
    fn publishing_job_on_push_to_main() {
        let wf = "on:\n  push:\n    branches: [main]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n      - run: go test ./...\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-go@v5\n      - uses: actions/setup-go@v3\n      - uses: actions/setup-node@8f152de45cc393bb48ce5d89d36b731f54556e65 # v5.0.0\n      - uses: actions/setup-node@v6\n        with:\n          package-manager-cache: false\n      - uses: actions/setup-node@8f152de45cc393bb48ce5d89d36b731f54556e65\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/setup-buildx-action@v3\n        with:\n          version: v0.9.1\n      - uses: astral-sh/setup-uv@v8\n      - uses: astral-sh/setup-uv@v10\n      - uses: pypa/gh-action-pypi-publish@release/v1\n";
        let found = findings_for("cache-poisoning", wf);
        let lines: Vec<_> = found
            .iter()
            .map(|f| f.location.as_ref().map(|l| l.start.line))
            .collect();
        assert_eq!(
            lines,
            vec![Some(13), Some(15), Some(19), Some(21), Some(24)]
        );
        assert!(
            found[0].message.contains("publishes (pypi)"),
            "{}",
            found[0].message
        );
    }
}
