//! Which lines of a job deliver: recognised steps, GitOps pushes, release scripts, and, when
//! none of those, what the job's or a step's name says ("inferred").

use super::{DeliveryKind, DeliveryStep, JobInput, TracedCommand, name_words};
use crate::inventory::catalog::Capability;
use crate::workflow::{Uses, pair};

/// The kind and target of a recognised deploy or publish tool.
pub(super) fn kind_of(capability: Capability, tool: &str) -> DeliveryKind {
    match tool {
        "terraform apply"
        | "tofu apply"
        | "terragrunt apply"
        | "terraform destroy"
        | "tofu destroy"
        | "terragrunt destroy"
        | "pulumi up"
        | "pulumi destroy"
        | "aws cdk"
        | "aws sam"
        | "aws cloudformation"
        | "az deployment"
        | "azd provision"
        | "azd up"
        | "azure resource manager"
        | "terraform cloud apply"
        | "aws-nuke" => DeliveryKind::Infrastructure,
        "github pages" | "mike deploy" | "mkdocs gh-deploy" | "ghp-import" | "gh-pages" => {
            DeliveryKind::Pages
        }
        "gh release" | "github release" | "release asset" | "ghr" | "goreleaser"
        | "changesets release" => DeliveryKind::Release,
        // The new version written into the formula of another repository (the tap).
        "homebrew formula" => DeliveryKind::Gitops,
        _ if capability == Capability::Publish => DeliveryKind::Publish,
        _ => DeliveryKind::Deploy,
    }
}

/// Uploads to a bucket: a delivery unless they keep a backup or a cache.
fn is_upload(tool: &str) -> bool {
    matches!(
        tool,
        "aws s3"
            | "gcs upload"
            | "gsutil"
            | "gcloud storage"
            | "azure blob"
            | "az storage blob"
            | "rclone"
    )
}

const BOOKKEEPING: &[&str] = &[
    "backup", "backups", "cache", "caches", "archive", "snapshot",
];

/// Recognised delivering lines of the job.
pub(super) fn steps(input: &JobInput<'_, '_>) -> Vec<DeliveryStep> {
    let mut out = Vec::new();
    for f in input.facts {
        if !matches!(f.capability, Capability::Deploy | Capability::Publish) {
            continue;
        }
        if is_upload(&f.tool) && bookkeeping_upload(input, &f.location) {
            continue;
        }
        if f.tool == "registry copy" && copies_to_a_throwaway_registry(input, &f.location) {
            continue;
        }
        let kind = kind_of(f.capability, &f.tool);
        out.push(DeliveryStep {
            kind,
            target: f.tool.clone(),
            why: f.tool.clone(),
            location: f.location.clone(),
            via: f.via.clone(),
            inferred: f.inferred,
        });
    }
    deploy_hooks(input, &mut out);
    store_uploads(input, &mut out);
    gitops(input, &mut out);
    pull_request_elsewhere(input, &mut out);
    action_tags(input, &mut out);
    release_scripts(input, &mut out);
    remote_workflow(input, &mut out);
    trusted_publishing_tokens(input, &mut out);
    if !out.is_empty() {
        registry_named_publishes(input, &mut out);
        publish_tasks(input, &mut out);
    }
    out
}

/// An image copied into a registry on the runner or into the anonymous registry whose images
/// expire (`TEST_IMAGE_URL=ttl.sh/${IMAGE_NAME}:1h`, then `crane copy … $TEST_IMAGE_URL`:
/// kyverno/kyverno tests-conformance.yaml:144-146) is a test image nobody consumes. A
/// destination in a variable is read from its assignment in the same script.
fn copies_to_a_throwaway_registry(input: &JobInput<'_, '_>, at: &crate::finding::Location) -> bool {
    let Some(c) = input.trace.commands.iter().find(|c| &c.location == at) else {
        return false;
    };
    let w = crate::inventory::catalog::normalize(&c.command.words);
    let skip = if w.first() == Some(&"regctl") { 3 } else { 2 };
    let Some(dest) = w.iter().skip(skip).filter(|x| !x.starts_with('-')).nth(1) else {
        return false;
    };
    let dest = match dest
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .or_else(|| dest.strip_prefix('$'))
    {
        Some(var) => input
            .trace
            .steps
            .get(c.step)
            .and_then(|s| s.step.run.as_ref())
            .and_then(|r| {
                r.value.lines().find_map(|l| {
                    let l = l.trim();
                    let l = l.strip_prefix("export ").unwrap_or(l);
                    l.strip_prefix(var)?.strip_prefix('=').map(str::to_string)
                })
            })
            .unwrap_or_default(),
        None => dest.to_string(),
    };
    let dest = dest.trim_matches(['"', '\'']);
    ["ttl.sh/", "localhost", "127.0.0.1"]
        .iter()
        .any(|p| dest.starts_with(p))
}

/// A crates.io token minted by trusted publishing (`rust-lang/crates-io-auth-action`) handed to
/// a later step (`CARGO_REGISTRY_TOKEN: ${{ steps.auth.outputs.token }}` on `python3
/// scripts/publish-crates.py`, astral-sh/uv publish-crates.yml:30,39-41): the token is good for
/// nothing but publishing, so the step it is handed to publishes to crates.io, inferred (the
/// script is not read). A job whose own `cargo publish` was recognised keeps that step alone.
fn trusted_publishing_tokens(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    if out.iter().any(|d| d.kind == DeliveryKind::Publish) {
        return;
    }
    for (i, s) in input.trace.steps.iter().enumerate() {
        let Some(id) = &s.step.id else { continue };
        if !s.step.repo_action().is_some_and(|a| {
            a.name()
                .eq_ignore_ascii_case("rust-lang/crates-io-auth-action")
        }) {
            continue;
        }
        let output = format!("steps.{}.outputs.token", id.value);
        let handed =
            |p: &crate::workflow::Pair| p.value.as_scalar().is_some_and(|v| v.contains(&output));
        let Some((j, later)) = input
            .trace
            .steps
            .iter()
            .enumerate()
            .skip(i + 1)
            .find(|(_, t)| {
                t.step.env.iter().any(handed)
                    || t.step.with.iter().any(handed)
                    || t.step
                        .run
                        .as_ref()
                        .is_some_and(|r| r.value.contains(&output))
            })
        else {
            continue;
        };
        let location = input
            .trace
            .commands_of(j)
            .next()
            .map(|c| c.location.clone())
            .or_else(|| {
                later
                    .step
                    .run
                    .as_ref()
                    .map(|r| crate::finding::Location::new(later.display, r.span))
            })
            .unwrap_or_else(|| crate::finding::Location::new(later.display, later.step.span));
        out.push(DeliveryStep {
            kind: DeliveryKind::Publish,
            target: "crates.io".into(),
            why: "a crates.io token from rust-lang/crates-io-auth-action handed to the step".into(),
            location,
            via: None,
            inferred: true,
        });
        return;
    }
}

/// A package script named for a publish (`pnpm run ci-publish "$TAG"`, vitejs/vite
/// publish.yml:93) in a job whose other deliveries were recognised (there a `gh release
/// create`): the script is defined outside the workflow but its name says it publishes,
/// inferred. Not when its name or the step's says it checks (`npm run publish --dry-run`).
fn publish_tasks(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for (i, s) in input.trace.steps.iter().enumerate() {
        let Some(c) = input.trace.commands_of(i).find(|c| {
            task_kind(&c.command.words) == Some(DeliveryKind::Publish)
                && !is_check_named(&script_name_words(&c.command.words))
        }) else {
            continue;
        };
        if out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        let step_words = s.name_words();
        if is_check_named(&step_words) {
            continue;
        }
        out.push(DeliveryStep {
            kind: DeliveryKind::Publish,
            target: registry_named(&step_words).unwrap_or("unknown").into(),
            why: format!(
                "`{}` runs a package script named for a publish",
                c.command.text.lines().next().unwrap_or("")
            ),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: true,
        });
    }
}

/// The registry a step's name says it publishes to (`Publish to npm`, `Upload to PyPI`):
/// the two whose trusted publishing takes the job's OIDC token.
fn registry_named(words: &[String]) -> Option<&'static str> {
    let publishes = words
        .iter()
        .any(|w| matches!(w.as_str(), "publish" | "publishing" | "upload" | "release"));
    let registry = words.iter().find_map(|w| match w.as_str() {
        "npm" | "npmjs" => Some("npm"),
        "pypi" => Some("pypi"),
        _ => None,
    });
    registry.filter(|_| publishes && !is_check_named(words))
}

/// A step named for a publish to a registry whose script is defined outside the workflow
/// (`Publish to npm` running `pnpm exec bun apps/cli/scripts/publish.ts`, supabase/cli
/// release-shared.yml:253-254), in a job whose other deliveries were recognised: the name
/// says where the script publishes, inferred.
fn registry_named_publishes(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for (i, s) in input.trace.steps.iter().enumerate() {
        let Some(name) = &s.step.name else { continue };
        let Some(target) = registry_named(&name_words(&name.value)) else {
            continue;
        };
        let Some(c) = input.trace.commands_of(i).next() else {
            continue;
        };
        if out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        out.push(DeliveryStep {
            kind: DeliveryKind::Publish,
            target: target.into(),
            why: format!(
                "`{}` in a step named for a publish to {target}",
                c.command.text.lines().next().unwrap_or("")
            ),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: true,
        });
    }
}

/// The hook a `curl` POST calls, when it is a platform's build or deploy hook kept as a secret
/// (`curl -X POST -d {} "${{ secrets.NETLIFY_DOCS_BUILD_HOOK }}"`, also under `xargs`): the
/// secret or variable's name. A GET reads; a hook named for a notification is no deploy.
pub(super) fn deploy_hook(words: &[String]) -> Option<String> {
    let curl = words.iter().position(|w| w == "curl")?;
    if curl > 0 && words[0] != "xargs" {
        return None;
    }
    let args = &words[curl + 1..];
    let posts = args.iter().any(|a| {
        a == "POST"
            || a == "-XPOST"
            || a == "-d"
            || a.starts_with("--data")
            || (a.starts_with("-d") && a.len() > 2 && !a.starts_with("--"))
    });
    if !posts {
        return None;
    }
    args.iter().find_map(|a| {
        a.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|name| super::credentials::deploy_hook_name(name))
            .map(str::to_string)
    })
}

/// An extension uploaded or published through the Chrome Web Store API with `curl`
/// (`-X PUT https://www.googleapis.com/upload/chromewebstore/v1.1/items/…`, microsoft/playwright
/// publish_extension.yml:40-41,59-60): a publish to the store. A GET only reads. The script
/// is read as text: the call usually sits in a command substitution (`RESPONSE=$(curl …)`),
/// whose commands are not traced.
fn store_uploads(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for s in &input.trace.steps {
        let Some(run) = &s.step.run else { continue };
        let text = run.value.as_str();
        if !text.contains("chromewebstore") || !text.contains("curl") {
            continue;
        }
        let writes = text.split_whitespace().any(|a| {
            matches!(
                a.trim_matches(['"', '\'']),
                "PUT" | "POST" | "-XPUT" | "-XPOST" | "-T" | "--upload-file"
            )
        });
        let api = text
            .split_whitespace()
            .any(|a| a.contains("googleapis.com/") && a.contains("chromewebstore"));
        if writes && api {
            out.push(DeliveryStep {
                kind: DeliveryKind::Publish,
                target: "chrome web store".into(),
                why: "the Chrome Web Store API called with curl".into(),
                location: crate::finding::Location::new(s.display, run.span),
                via: None,
                inferred: false,
            });
            return;
        }
    }
}

/// A platform's build or deploy hook called by the job: the platform builds and deploys the
/// branch (eslint/eslint rebuild-docs-sites.yml:20).
fn deploy_hooks(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for c in &input.trace.commands {
        let Some(name) = deploy_hook(&c.command.words) else {
            continue;
        };
        let upper = name.to_ascii_uppercase();
        let target = ["NETLIFY", "VERCEL", "RENDER", "CLOUDFLARE"]
            .iter()
            .find(|p| upper.contains(*p))
            .map_or("deploy hook".to_string(), |p| p.to_ascii_lowercase());
        out.push(DeliveryStep {
            kind: DeliveryKind::Deploy,
            target,
            why: format!("build hook `{name}` called with curl"),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: false,
        });
    }
}

/// The words of a job's id and of its name.
fn job_words(input: &JobInput<'_, '_>) -> Vec<String> {
    let mut words = name_words(&input.job.id.value);
    if let Some(n) = &input.job.name {
        words.extend(name_words(&n.value));
    }
    words
}

/// A source backup or a cache written to a bucket: the job, its step or the command says so.
fn bookkeeping_upload(input: &JobInput<'_, '_>, at: &crate::finding::Location) -> bool {
    let mut words = job_words(input);
    if let Some(n) = &input.pw.workflow.name {
        words.extend(name_words(&n.value));
    }
    if let Some(s) = input.trace.step_of(at) {
        if let Some(n) = &s.step.name {
            words.extend(name_words(&n.value));
        }
    }
    for c in &input.trace.commands {
        if &c.location == at {
            // Options name how, not what: `--cache-control "public, max-age=…"` sets an HTTP
            // header of the uploaded release archives (astral-sh/uv publish-mirror.yml:41-48).
            words.extend(
                c.command
                    .words
                    .iter()
                    .filter(|w| !w.starts_with('-'))
                    .flat_map(|w| name_words(w)),
            );
        }
    }
    // A file put in a bucket by a test (`Async test - upload test file`) feeds the test.
    let test = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "test" | "tests" | "integration" | "e2e" | "smoke"
        )
    });
    let delivers = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "deploy" | "deployment" | "publish" | "release" | "site" | "docs" | "website"
        )
    });
    words.iter().any(|w| BOOKKEEPING.contains(&w.as_str())) || (test && !delivers)
}

fn is_git(c: &TracedCommand, sub: &str) -> bool {
    let w = &c.command.words;
    w.first().is_some_and(|x| x == "git") && w.iter().skip(1).any(|x| x == sub)
}

/// A secret or variable inside a URL's user part: `https://x-access-token:${TOKEN}@github.com/…`.
fn url_with_credential(word: &str) -> bool {
    word.contains("://")
        && word
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .is_some_and(|(user, _)| user.contains('$'))
}

/// The repository a URL or `owner/repo` names.
fn repo_of(word: &str) -> String {
    let w = word
        .rsplit_once('@')
        .map_or(word, |(_, r)| r)
        .trim_end_matches(".git");
    let w = w.strip_prefix("github.com/").unwrap_or(w);
    let w = w.strip_prefix("github.com:").unwrap_or(w);
    w.to_string()
}

/// The value of a `with:` input of a step as written.
fn with_str<'s>(step: &'s crate::workflow::Step, key: &str) -> Option<&'s str> {
    pair(&step.with, key).and_then(|p| p.value.as_scalar())
}

/// A secret other than the job's own `GITHUB_TOKEN`.
fn stored_secret(v: &str) -> bool {
    v.contains("secrets.") && !v.contains("secrets.GITHUB_TOKEN")
}

/// Another repository checked out, edited and proposed back through a pull-request action
/// holding a stored token (aws/copilot-cli homebrew.yml:78-81,137-145: the tap bump pushed to a
/// bot's fork with `ECS_CICD_BOT`): the stored token is the write access a `git push` would
/// need. The job's own `GITHUB_TOKEN` proposes to its own repository only.
fn pull_request_elsewhere(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    if out.iter().any(|s| s.kind == DeliveryKind::Gitops) {
        return;
    }
    let other = input.trace.steps.iter().find_map(|s| {
        let a = s.step.repo_action()?;
        if !a.name().eq_ignore_ascii_case("actions/checkout") {
            return None;
        }
        with_str(s.step, "repository").filter(|r| !r.contains("github.repository"))
    });
    let Some(repo) = other else { return };
    for s in &input.trace.steps {
        if let (Some(a), Some(u)) = (s.step.repo_action(), &s.step.uses)
            && a.name()
                .eq_ignore_ascii_case("peter-evans/create-pull-request")
            && with_str(s.step, "token").is_some_and(stored_secret)
        {
            out.push(DeliveryStep {
                kind: DeliveryKind::Gitops,
                target: repo.to_string(),
                why: "a pull request to another repository with a stored token".into(),
                location: crate::finding::Location::new(s.display, u.span),
                via: None,
                inferred: false,
            });
            return;
        }
    }
}

/// A clone or remote URL that names the workflow's own repository: `$GITHUB_REPOSITORY`,
/// `${{ github.repository }}`, or a variable of the step's, job's or workflow's environment
/// set to it (`GH_REPO: ${{ github.repository }}` then `https://x-access-token:$TOKEN@
/// github.com/${GH_REPO}.git`, external-secrets/external-secrets update-deps.yml:77,81).
fn names_own_repository(input: &JobInput<'_, '_>, step: usize, url: &str) -> bool {
    if url.contains("GITHUB_REPOSITORY") || url.contains("github.repository") {
        return true;
    }
    let step_env = input.trace.steps.get(step).map(|s| s.step.env.as_slice());
    step_env
        .unwrap_or_default()
        .iter()
        .chain(&input.job.env)
        .chain(&input.pw.workflow.env)
        .filter(|p| {
            p.value.as_scalar().is_some_and(|v| {
                let v = v.trim();
                v.starts_with("${{")
                    && v.ends_with("}}")
                    && v[3..v.len() - 2].trim() == "github.repository"
            })
        })
        .any(|p| {
            let name = p.key.value.as_str();
            url.contains(&format!("${{{name}}}"))
                || url.match_indices(&format!("${name}")).any(|(i, m)| {
                    !url[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
        })
}

/// Write access to another repository and a push: a GitOps bump. A push of generated pages to
/// the repository's own pages branch is a Pages delivery.
fn gitops(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    let pushes: Vec<&TracedCommand> = input
        .trace
        .commands
        .iter()
        .filter(|c| is_git(c, "push"))
        .collect();
    if pushes.is_empty() {
        return;
    }
    let mut access: Vec<(String, crate::finding::Location)> = Vec::new();
    for (i, s) in input.trace.steps.iter().enumerate() {
        let Some(action) = s.step.repo_action() else {
            continue;
        };
        if action.name().eq_ignore_ascii_case("actions/checkout") {
            // Checked out over the workspace and then running this repository's own local
            // actions, the other repository is a copy of this one (a mirror or an edition of
            // the same source): pushing a release branch to it ships no deployment
            // (hashicorp/nomad release-prepare.yml:65,72).
            let same_source = with_str(s.step, "path").is_none()
                && input.trace.steps[i + 1..].iter().any(|later| {
                    matches!(
                        later.step.uses.as_ref().map(|u| &u.value),
                        Some(Uses::Local(_))
                    )
                });
            let other = with_str(s.step, "repository")
                .filter(|r| !r.contains("github.repository") && !same_source)
                .map(str::to_string);
            let token = with_str(s.step, "token").is_some_and(stored_secret)
                || with_str(s.step, "ssh-key").is_some_and(stored_secret);
            if let (Some(repo), true) = (other, token)
                && let Some(u) = &s.step.uses
            {
                access.push((repo, crate::finding::Location::new(s.display, u.span)));
            }
        }
    }
    // A stored token the job's `gh` and `git` calls pick up (`GH_TOKEN: ${{ secrets.PAT }}`).
    let gh_token_env = input
        .job
        .env
        .iter()
        .chain(&input.pw.workflow.env)
        .chain(input.trace.steps.iter().flat_map(|s| s.step.env.iter()))
        .any(|p| {
            matches!(p.key.value.as_str(), "GH_TOKEN" | "GITHUB_TOKEN")
                && p.value.as_scalar().is_some_and(stored_secret)
        });
    for c in &input.trace.commands {
        let w = &c.command.words;
        let clone_or_remote = w.first().is_some_and(|x| x == "git")
            && w.iter().skip(1).any(|x| x == "clone" || x == "remote");
        if clone_or_remote
            && let Some(url) = w
                .iter()
                .find(|x| url_with_credential(x) || (x.contains("${{") && x.contains("@")))
            // The workflow's own repository behind a token (`https://x-access-token:$TOKEN@
            // github.com/$GITHUB_REPOSITORY.git`, typescript-eslint prettier-update.yml:57) is
            // no other repository.
            && !names_own_repository(input, c.step, url)
        {
            access.push((repo_of(url), c.location.clone()));
        }
        let gh_repo = w.first().is_some_and(|x| x == "gh")
            && w.get(1).is_some_and(|x| x == "repo")
            && w.get(2).is_some_and(|x| x == "clone" || x == "fork");
        if gh_repo
            && gh_token_env
            && let Some(repo) = w.get(3)
        {
            access.push((repo.clone(), c.location.clone()));
        }
    }
    let own = access.is_empty();
    // Only empty commits pushed (`git commit --allow-empty`, nothing added): the push changes
    // no file of the other repository; it triggers that repository's CI on a ref (the
    // benchmark branch of bytecodealliance/wasmtime performance.yml:58-59).
    let commits: Vec<&TracedCommand> = input
        .trace
        .commands
        .iter()
        .filter(|c| is_git(c, "commit"))
        .collect();
    let only_empty_commits = !commits.is_empty()
        && commits
            .iter()
            .all(|c| c.command.words.iter().any(|w| w == "--allow-empty"))
        && !input.trace.commands.iter().any(|c| {
            let w = &c.command.words;
            w.first().is_some_and(|x| x == "git") && w.get(1).is_some_and(|x| x == "add")
        });
    if !own && only_empty_commits {
        return;
    }
    if !own {
        let mut targets: Vec<String> = access.iter().map(|a| a.0.clone()).collect();
        targets.dedup();
        for (_, at) in &access {
            out.push(DeliveryStep {
                kind: DeliveryKind::Gitops,
                target: targets.join(", "),
                why: "write access to another repository, then git push".into(),
                location: at.clone(),
                via: None,
                inferred: false,
            });
        }
        out.push(DeliveryStep {
            kind: DeliveryKind::Gitops,
            target: targets.join(", "),
            why: "git push".into(),
            location: pushes[0].location.clone(),
            via: pushes[0].via.clone(),
            inferred: false,
        });
        return;
    }
    // The repository's own pages branch.
    let pages_branch =
        |x: &String| matches!(x.as_str(), "gh-pages" | "gh-docs" | "origin/gh-pages");
    // Or the pages branch checked out (`ref: gh-pages`, path `gh-pages`) and pushed back from
    // there (open-telemetry/opentelemetry-java-instrumentation overhead-benchmark-daily.yml:23-24,
    // 64-68).
    let pages_checkout = || {
        input.trace.steps.iter().any(|s| {
            s.step
                .repo_action()
                .is_some_and(|a| a.name().eq_ignore_ascii_case("actions/checkout"))
                && with_str(s.step, "ref").is_some_and(|r| pages_branch(&r.to_string()))
        })
    };
    let to_pages = input.trace.commands.iter().any(|c| {
        c.command.words.first().is_some_and(|x| x == "git")
            && c.command.words.iter().any(pages_branch)
    }) || pages_checkout();
    if to_pages {
        out.push(DeliveryStep {
            kind: DeliveryKind::Pages,
            target: "pages branch".into(),
            why: "git push to the pages branch".into(),
            location: pushes[0].location.clone(),
            via: pushes[0].via.clone(),
            inferred: false,
        });
    }
}

/// A version tag pushed by a GitHub Action's own repository: consumers take the action by tag
/// (`uses: owner/action@v2`), so the tag is the publication. Elsewhere a tag publishes nothing.
fn action_tags(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    if !input.action_repository || out.iter().any(|s| s.kind == DeliveryKind::Release) {
        return;
    }
    // Actions that point the major version tag at a release (`actions/publish-action`): what
    // `uses: owner/action@v2` consumers receive (actions/labeler
    // release-new-action-version.yml:25).
    const TAG_MOVERS: &[&str] = &[
        "actions/publish-action",
        "nowactions/update-majorver",
        "actions-r-us/actions-tagger",
    ];
    for s in &input.trace.steps {
        if let (Some(a), Some(u)) = (s.step.repo_action(), &s.step.uses)
            && TAG_MOVERS.contains(&a.name().to_ascii_lowercase().as_str())
        {
            out.push(DeliveryStep {
                kind: DeliveryKind::Release,
                target: "action tag".into(),
                why: format!("{} moves the major version tag of this action", a.name()),
                location: crate::finding::Location::new(s.display, u.span),
                via: None,
                inferred: false,
            });
            return;
        }
    }
    // Tags the job creates (`git tag -f v2`): a push naming one pushes that tag.
    let created: Vec<&str> = input
        .trace
        .commands
        .iter()
        .filter(|c| c.command.words.get(1).is_some_and(|x| x == "tag"))
        .filter(|c| c.command.words.first().is_some_and(|x| x == "git"))
        .filter_map(|c| {
            c.command.words[2..]
                .iter()
                .find(|w| !w.starts_with('-'))
                .map(String::as_str)
        })
        .collect();
    let push = input.trace.commands.iter().find(|c| {
        is_git(c, "push")
            && c.command.words.iter().any(|w| {
                matches!(w.as_str(), "--tags" | "--follow-tags")
                    || w.starts_with("refs/tags/")
                    || created.contains(&w.as_str())
            })
    });
    if let Some(c) = push {
        out.push(DeliveryStep {
            kind: DeliveryKind::Release,
            target: "action tag".into(),
            why: "git push of a version tag of this action".into(),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: false,
        });
    }
}

/// `actions/github-script` that creates a release or uploads its assets.
fn release_scripts(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for s in &input.trace.steps {
        let Some(action) = s.step.repo_action() else {
            continue;
        };
        if !action.name().eq_ignore_ascii_case("actions/github-script") {
            continue;
        }
        let script = with_str(s.step, "script").unwrap_or("");
        if script.contains("createRelease") || script.contains("uploadReleaseAsset") {
            let at = pair(&s.step.with, "script")
                .map(|p| crate::finding::Location::new(s.display, p.key.span))
                .unwrap_or_else(|| input.loc(s.step.span));
            out.push(DeliveryStep {
                kind: DeliveryKind::Release,
                target: "github release".into(),
                why: "github-script creates a release".into(),
                location: at,
                via: None,
                inferred: false,
            });
        }
    }
}

/// Words that name a check, a preview or bookkeeping rather than a delivery.
fn is_check_named(words: &[String]) -> bool {
    const NOT: &[&str] = &[
        "test",
        "tests",
        "check",
        "checks",
        "lint",
        "verify",
        "detect",
        "reproducible",
        "validate",
        "validation",
        "dry",
        "dryrun",
        "preview",
        "previews",
        "draft",
        "drafter",
        "notes",
        "changelog",
        "label",
        "labels",
        "please",
        "prepare",
        "plan",
        "cleanup",
        "clean",
        "delete",
        "undeploy",
        "destroy",
        "remove",
        "notify",
        "notification",
        "status",
        "comment",
    ];
    words.iter().any(|w| NOT.contains(&w.as_str()))
}

/// What a word of a name says a job or step delivers.
fn kind_named(words: &[String]) -> Option<DeliveryKind> {
    if is_check_named(words) {
        return None;
    }
    let site = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "docs" | "doc" | "website" | "site" | "pages" | "documentation"
        )
    });
    for w in words {
        let kind = match w.as_str() {
            "deploy" | "deployment" | "deploying" | "deploys" | "rollout" => {
                if site {
                    DeliveryKind::Pages
                } else {
                    DeliveryKind::Deploy
                }
            }
            "publish" | "publishing" | "publishes" => DeliveryKind::Publish,
            "release" | "releases" => DeliveryKind::Release,
            _ => continue,
        };
        return Some(kind);
    }
    None
}

/// A remote reusable workflow whose name says it delivers
/// (`…/ecr-publish-image.yml`, `…/deploy.yml`).
fn remote_workflow(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    let Some(u) = &input.job.uses else { return };
    let Uses::Repository(action) = &u.value else {
        return;
    };
    if !action.is_reusable_workflow() {
        return;
    }
    let file = action.path.as_deref().unwrap_or("");
    let stem = file.rsplit('/').next().unwrap_or(file);
    let mut words = name_words(stem.trim_end_matches(".yml").trim_end_matches(".yaml"));
    words.retain(|w| w != "yml" && w != "yaml");
    let kind = kind_named(&words)
        .or_else(|| {
            words
                .iter()
                .any(|w| w == "push")
                .then_some(DeliveryKind::Publish)
        })
        .or_else(|| review_app(&words))
        .or_else(|| {
            // A Helm repository updated with the charts the job packages
            // (`grafana/helm-charts/…/update-helm-repo.yaml` given `charts_dir:` and a
            // chart-releaser config, grafana/loki helm-release.yaml:16-24): a chart release.
            let helm = words.iter().any(|w| w == "helm");
            let repo = words
                .iter()
                .any(|w| matches!(w.as_str(), "repo" | "repository" | "chart" | "charts"));
            let updates = words.iter().any(|w| w == "update");
            (helm && repo && updates && !is_check_named(&words)).then_some(DeliveryKind::Publish)
        })
        .or_else(|| {
            // Handed a stored token named for pushing (`token: ${{ secrets.HUGGINGFACE_PUSH }}`,
            // huggingface/peft build_documentation.yml:14-21): it pushes what it builds.
            let pushes = match &input.job.secrets {
                Some(crate::workflow::JobSecrets::Map(m)) => m.iter().any(|p| {
                    super::credentials::credential_name(&p.key.value)
                        && p.value.as_scalar().is_some_and(|v| {
                            v.contains("secrets.") && v.to_ascii_uppercase().contains("PUSH")
                        })
                }),
                _ => false,
            };
            let site = words
                .iter()
                .any(|w| matches!(w.as_str(), "doc" | "docs" | "documentation" | "site"));
            (pushes && !is_check_named(&words)).then_some(if site {
                DeliveryKind::Pages
            } else {
                DeliveryKind::Publish
            })
        });
    if let Some(kind) = kind {
        out.push(DeliveryStep {
            kind,
            target: action.name(),
            why: format!("reusable workflow {}", action.name()),
            location: input.loc(u.span),
            via: None,
            inferred: true,
        });
    }
}

/// A review app is a deployment of the pull request's code
/// (`…/reusable-review_apps_on_pr_change.yml`); tearing it down when the pull request closes
/// changes infrastructure too (a destroy).
fn review_app(words: &[String]) -> Option<DeliveryKind> {
    let review_app = words
        .windows(2)
        .any(|w| w[0] == "review" && (w[1] == "app" || w[1] == "apps"));
    if !review_app {
        return None;
    }
    let teardown = words.iter().any(|w| {
        matches!(
            w.as_str(),
            "close" | "closed" | "delete" | "destroy" | "remove" | "teardown" | "cleanup"
        )
    });
    Some(if teardown {
        DeliveryKind::Infrastructure
    } else {
        DeliveryKind::Deploy
    })
}

/// Actions that prepare, authenticate, notify or report: never the delivery itself.
fn utility_action(name: &str) -> bool {
    const PARTS: &[&str] = &[
        "checkout",
        "setup",
        "cache",
        "artifact",
        "login",
        "auth",
        "credentials",
        "configure",
        "slack",
        "notify",
        "notification",
        "discord",
        "teams",
        "telegram",
        "comment",
        "label",
        "release-drafter",
        "release-please",
        "changelog",
        "version",
        "metadata",
        "ssh-agent",
        "paths-filter",
        "changed-files",
        "github-script",
        "app-token",
        "wait",
        "retry",
        "toolchain",
        "install",
        "cancel",
        "upload-pages-artifact",
        "render-task-definition",
        "get-",
        "fetch",
        "download",
        "read-",
        "gpg",
        "sign",
        "attest",
        "summary",
        "harden-runner",
    ];
    let n = name.to_ascii_lowercase();
    // The owner's name says nothing of what the action does
    // (`govuk-one-login/devplatform-upload-action` is an upload, not a login).
    let (owner, action) = n.split_once('/').unwrap_or(("", &n));
    owner == "actions" || PARTS.iter().any(|p| action.contains(p))
}

/// Programs that run a script file given to them.
const INTERPRETERS: &[&str] = &[
    "bash",
    "sh",
    "zsh",
    "python",
    "python3",
    "node",
    "ruby",
    "pwsh",
    "powershell",
    "perl",
    "tsx",
    "ts-node",
];

/// Environment runners that run the command after them (`pixi run python scripts/x.py`, `pixi
/// run uv run scripts/ci/upload_docs.py`), and whether one was stripped.
fn strip_runner(words: &[String]) -> (&[String], bool) {
    // Python environment runners only without options (`uv run --python 3.12 x` takes option
    // values this does not know); pixi's options go before `run`.
    const RUNNERS: &[&str] = &["uv", "poetry", "pipenv", "pdm", "hatch", "rye"];
    let mut w = words;
    let mut stripped = false;
    while let [tool, run, rest @ ..] = w
        && run == "run"
        && (tool == "pixi"
            || (RUNNERS.contains(&tool.as_str())
                && rest.first().is_some_and(|x| !x.starts_with('-'))))
    {
        w = rest;
        stripped = true;
    }
    (w, stripped)
}

/// A command that runs a script of the repository: `./deploy.sh`, `scripts/publish`,
/// `python tools/release.py`, also through an environment runner (`pixi run python
/// scripts/ci/crates.py publish`, `pixi run uvpy scripts/ci/build_and_upload_wheels.py`: the
/// runner's task alias stands for an interpreter; rerun-io/rerun reusable_release_crates.yml).
fn local_script(words: &[String]) -> bool {
    let (words, runner) = strip_runner(words);
    let is_path = |w: &str| {
        // A path the caller of a reusable workflow gives
        // (`${{ inputs.project_path }}/${{ inputs.deploy_script }}`) is still a path: the
        // expressions stand for its parts; a shell variable (`$HOME/bin/x`) names a tool.
        // Only a word holding an expression is copied (this runs on every word of every command).
        let masked;
        let w = if w.contains("${{") {
            masked = crate::workflow::expr::mask(w);
            masked.as_str()
        } else {
            w
        };
        !w.starts_with('-')
            && !w.starts_with('/')
            && !w.contains("://")
            && !w.contains('$')
            && (w.starts_with("./")
                || w.starts_with("../")
                || w.contains('/')
                || [".sh", ".py", ".js", ".mjs", ".ts", ".rb", ".ps1", ".pl"]
                    .iter()
                    .any(|e| w.ends_with(e)))
    };
    let Some(first) = words.first() else {
        return false;
    };
    if is_path(first) {
        return true;
    }
    let interpreter = INTERPRETERS.contains(&first.as_str()) || runner;
    interpreter
        && words
            .iter()
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .is_some_and(|w| is_path(w))
}

/// A task-runner target named for a delivery whose definition is not in the repository
/// (`make ci-release`, `npm run deploy`): as opaque as a local script.
fn delivery_task(words: &[String]) -> bool {
    task_kind(words).is_some()
}

/// A task-runner target named for a publish or release (`make ci-release`, `npm run publish`).
pub(super) fn release_task(words: &[String]) -> bool {
    matches!(
        task_kind(words),
        Some(DeliveryKind::Publish | DeliveryKind::Release)
    )
}

/// The delivery a task-runner target is named for.
fn task_kind(words: &[String]) -> Option<DeliveryKind> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let target = match w.as_slice() {
        ["make" | "just" | "task" | "mage", rest @ ..] => rest
            .iter()
            .find(|x| !x.starts_with('-') && !x.contains('=')),
        ["npm" | "pnpm" | "yarn" | "bun", "run", rest @ ..] => {
            rest.iter().find(|x| !x.starts_with('-'))
        }
        // pnpm and yarn run a package script named as the command (`pnpm release-ci`,
        // payloadcms/payload publish-release.yml:45); `pnpm deploy` is pnpm's own command,
        // which copies a workspace package into a folder.
        ["pnpm" | "yarn", script, ..]
            if !script.starts_with('-') && !matches!(*script, "deploy" | "exec" | "dlx") =>
        {
            Some(script)
        }
        _ => None,
    };
    target.and_then(|t| {
        let words = name_words(t);
        // Signing images (`make sign-ci-containers`) signs them in a registry, where they were
        // pushed (sigstore/cosign build.yaml:82): a publish.
        let signs_images = words.iter().any(|w| w == "sign")
            && words
                .iter()
                .any(|w| matches!(w.as_str(), "container" | "containers" | "image" | "images"));
        kind_named(&words).or(signs_images.then_some(DeliveryKind::Publish))
    })
}

/// The words of the name of the script or task a command runs: `./scripts/deploy.sh x` ->
/// `deploy`; `make ci-release` -> `ci`, `release`; with the words of its options. Folders and
/// other arguments do not name it (`pwsh bin/Release/x.ps1`, `./run.sh /tmp/release`).
fn script_name_words(words: &[String]) -> Vec<String> {
    let (mut out, words) = script_stem(words);
    // Its options still say what it does (`--dry-run`).
    out.extend(
        words
            .iter()
            .filter(|w| w.starts_with('-'))
            .flat_map(|w| name_words(w)),
    );
    out
}

/// The words of the name of the script or task a command runs, without its options, and the
/// command's words after an environment runner.
fn script_stem(words: &[String]) -> (Vec<String>, &[String]) {
    let (words, runner) = strip_runner(words);
    // A runner's task alias (`uvpy`) is an interpreter.
    let words = match words {
        [alias, rest @ ..] if runner && !alias.contains(['/', '.']) => rest,
        _ => words,
    };
    let is_runner = |w: &str| {
        INTERPRETERS.contains(&w)
            || matches!(
                w,
                "make" | "just" | "task" | "mage" | "npm" | "pnpm" | "yarn" | "bun" | "run"
            )
    };
    let Some(name) = words.iter().find(|w| !w.starts_with('-') && !is_runner(w)) else {
        return (Vec::new(), words);
    };
    let file = name.rsplit('/').next().unwrap_or(name);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    (name_words(stem), words)
}

/// A stored token named for pushing (`WHEELS_PUSH_TOKEN: ${{ secrets.WHEELS_PUSH_TOKEN }}`) in
/// a step's environment: a script handed it pushes somewhere with write access the job's own
/// token does not give (python/mypy build_wheels.yml:24).
fn push_token(env: &[crate::workflow::Pair]) -> bool {
    env.iter().any(|p| {
        p.value.as_scalar().is_some_and(|v| {
            v.split("secrets.").skip(1).any(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                name.to_ascii_uppercase().contains("PUSH")
                    && super::credentials::credential_name(&name)
            })
        })
    })
}

/// The action step whose output is the job environment's url (`url: ${{
/// steps.chromatic-deploy.outputs.storybookUrl }}`, nodejs/nodejs.org chromatic.yml:52-66):
/// GitHub records a deployment to that url, made by that step.
fn environment_url_step(input: &JobInput<'_, '_>) -> Option<DeliveryStep> {
    let url = input.job.environment.as_ref()?.url.as_ref()?;
    let id = url.value.split("steps.").nth(1)?.split('.').next()?;
    let s = input
        .trace
        .steps
        .iter()
        .find(|s| s.step.id.as_ref().is_some_and(|i| i.value == id))?;
    let action = s.step.repo_action()?;
    let u = s.step.uses.as_ref()?;
    Some(DeliveryStep {
        kind: DeliveryKind::Deploy,
        target: action.name(),
        why: format!("{} gives the environment's url", action.name()),
        location: crate::finding::Location::new(s.display, u.span),
        via: None,
        inferred: true,
    })
}

/// `git push` to a remote other than the checkout's own (`git push -f gradio-app HEAD:main`
/// after `git remote add gradio-app https://huggingface.co/spaces/…`, huggingface/peft
/// deploy_method_comparison_app.yml:44-47): the step's name says what the push delivers.
fn push_to_other_remote(words: &[String]) -> bool {
    let [git, push, rest @ ..] = words else {
        return false;
    };
    git == "git"
        && push == "push"
        && rest
            .iter()
            .find(|w| !w.starts_with('-'))
            .is_some_and(|remote| remote != "origin" && !remote.contains('$'))
}

/// `docker run <image> …`: a tool shipped as an image, as opaque as an unknown action; the
/// step's name says what it does (`Run release bot`, trufflesecurity/trufflehog
/// release-bot.yml:28-36).
fn runs_an_image(words: &[String]) -> bool {
    matches!(words, [docker, run, ..] if docker == "docker" && run == "run")
}

/// An unknown action whose own name says it publishes or releases
/// (`babel/actions/publish-github-release`, babel/babel release.yml:194) and that is handed a
/// stored token other than the job's: it delivers with that token, whatever the step or the
/// job call it (`Create a draft GitHub release` is still a release the token creates),
/// inferred. Without a stored token, or named for a check, the names decide as before.
fn action_named_for_delivery(s: &super::TracedStep<'_>) -> Option<DeliveryStep> {
    let a = s.step.repo_action()?;
    let own = a
        .path
        .as_deref()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .unwrap_or(&a.repo);
    let words = name_words(own);
    // An action named for what it hands out (`github-deploy-key`, `publish-token`) sets up a
    // credential; one named for a deploy is judged by the names as before.
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "key" | "keys" | "token" | "tokens" | "secret" | "secrets" | "deploy" | "deployment"
        )
    }) {
        return None;
    }
    // `publish-github-release` publishes a release.
    let kind = kind_named(&words).map(|k| {
        if words.iter().any(|w| w == "release") {
            DeliveryKind::Release
        } else {
            k
        }
    })?;
    let token = s
        .step
        .with
        .iter()
        .any(|p| p.value.as_scalar().is_some_and(stored_secret));
    if !token {
        return None;
    }
    let u = s.step.uses.as_ref()?;
    Some(DeliveryStep {
        kind,
        target: if words.iter().any(|w| w == "github") && kind == DeliveryKind::Release {
            "github release".into()
        } else {
            "unknown".into()
        },
        why: format!(
            "{} handed a stored token, named for a {}",
            a.name(),
            kind.as_str()
        ),
        location: crate::finding::Location::new(s.display, u.span),
        via: None,
        inferred: true,
    })
}

/// The job logs in to a container registry (`docker/login-action`, `docker login`).
fn logs_in_to_a_registry(input: &JobInput<'_, '_>) -> bool {
    input.trace.steps.iter().any(|s| {
        s.step
            .repo_action()
            .is_some_and(|a| a.name().eq_ignore_ascii_case("docker/login-action"))
    }) || input.trace.commands.iter().any(|c| {
        matches!(
            crate::inventory::catalog::normalize(&c.command.words).as_slice(),
            ["docker", "login", ..]
        )
    })
}

/// A task-runner target named for a push or a publish (`make build.all docker.push`,
/// `make -C test build.e2e-service docker.push-e2e-service`, apache/skywalking
/// publish-docker.yaml:81, publish-docker-e2e-service.yaml:64) in a job that logs in to a
/// container registry: the Makefile is not in the repository, but the login and the target's
/// name say it pushes images, inferred. Every target of the command is read, not only the
/// first (`build.all` builds before `docker.push` pushes); one named for a check is not.
fn registry_task_pushes(input: &JobInput<'_, '_>) -> Vec<DeliveryStep> {
    let mut out = Vec::new();
    let mut logs_in = None;
    for c in &input.trace.commands {
        // Every command of every job passes here: look at the tool before copying anything.
        let Some((tool, rest)) = c.command.words.split_first() else {
            continue;
        };
        if !matches!(tool.as_str(), "make" | "just" | "task" | "mage") {
            continue;
        }
        let mut targets = Vec::new();
        let mut args = rest.iter().map(String::as_str);
        while let Some(a) = args.next() {
            if matches!(a, "-C" | "-f" | "--directory" | "--file" | "-d" | "-t") {
                args.next();
            } else if !a.starts_with('-') && !a.contains('=') {
                targets.push(a);
            }
        }
        let Some(target) = targets.into_iter().find(|t| {
            let words = name_words(t);
            !is_check_named(&words)
                && words
                    .iter()
                    .any(|w| matches!(w.as_str(), "push" | "publish" | "release" | "deploy"))
        }) else {
            continue;
        };
        if !*logs_in.get_or_insert_with(|| logs_in_to_a_registry(input)) {
            return out;
        }
        out.push(DeliveryStep {
            kind: DeliveryKind::Publish,
            target: "registry push".into(),
            why: format!(
                "`{}` runs a target named for a push (`{target}`) after a registry login",
                c.command.text.lines().next().unwrap_or("")
            ),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: true,
        });
    }
    out
}

/// Tools whose setup makes a job a Terraform job.
const TERRAFORM_WORDS: &[&str] = &["terraform", "tf", "tofu", "opentofu", "terragrunt"];

/// The job installs or runs Terraform (`hashicorp/setup-terraform`, a `terraform` command).
fn runs_terraform(input: &JobInput<'_, '_>) -> bool {
    input.trace.steps.iter().any(|s| {
        s.step.repo_action().is_some_and(|a| {
            let n = a.name().to_ascii_lowercase();
            n.contains("setup-terraform")
                || n.contains("setup-opentofu")
                || n.contains("setup-terragrunt")
        })
    }) || input.trace.commands.iter().any(|c| {
        c.command
            .words
            .first()
            .is_some_and(|w| TERRAFORM_WORDS.contains(&w.rsplit('/').next().unwrap_or(w)))
    })
}

/// Local scripts whose definition is not read but whose name or arguments say they change
/// infrastructure, inferred:
/// - a script named for a Terraform apply or destroy (`bash scripts/terraform-apply.sh dir`,
///   ministryofjustice/modernisation-platform reusable_terraform_plan_apply.yml:240), or one
///   handed `apply`/`destroy` as an argument in a job that sets up Terraform (`bash
///   scripts/setup-baseline.sh <dir> "${i}" apply`, new-environment.yml:255); a plan
///   (`terraform-plan.sh`, `… plan`) changes nothing;
/// - a script in a step or job named for tearing down a review app (`./bin/cms-pr-environment
///   destroy` in `Destroy review app`, DSACMS/iv-cbv-payroll cms-pr-environment-destroy.yml:97):
///   the pull request's deployment is removed.
fn infrastructure_scripts(
    input: &JobInput<'_, '_>,
    job_words: &[String],
    out: &mut Vec<DeliveryStep>,
) {
    let mut terraform_job = None;
    for (i, s) in input.trace.steps.iter().enumerate() {
        if out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        let mut scripts = input
            .trace
            .commands_of(i)
            .filter(|c| local_script(&c.command.words))
            .peekable();
        let Some(first) = scripts.peek().copied() else {
            continue;
        };
        let changes = |w: &String| matches!(w.as_str(), "apply" | "destroy");
        // The step's first script that applies by its name, or by an argument in a job that
        // sets up Terraform (`terraform-init.sh` before `terraform-apply.sh` only prepares).
        let applies = scripts.find(|c| {
            let named = script_name_words(&c.command.words);
            let terraform = named.iter().any(|w| TERRAFORM_WORDS.contains(&w.as_str()));
            // The name is the action (`terraform-apply`, `apply_tf`), not something about it
            // (`get-terraform-destroy-count.sh` counts what a plan would destroy).
            let (led, _) = script_stem(&c.command.words);
            let by_name = led.first().is_some_and(changes) || led.last().is_some_and(changes);
            (terraform && by_name)
                || (c.command.words.iter().skip(1).any(changes)
                    && (terraform || *terraform_job.get_or_insert_with(|| runs_terraform(input))))
        });
        let mut words = s.name_words();
        words.extend(job_words.iter().cloned());
        let teardown = review_app(&words) == Some(DeliveryKind::Infrastructure);
        let (c, target, why) = match applies {
            Some(c) => (
                c,
                "terraform",
                "runs a script named or called for a Terraform apply",
            ),
            None if teardown => (
                first,
                "review app",
                "in a step or job named for tearing down a review app",
            ),
            None => continue,
        };
        out.push(DeliveryStep {
            kind: DeliveryKind::Infrastructure,
            target: target.into(),
            why: format!("`{}` {why}", c.command.text.lines().next().unwrap_or("")),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: true,
        });
    }
}

/// A stored registry credential (`DOCKERHUB_TOKEN: ${{ secrets.DOCKERHUB_TOKEN }}`,
/// `QUAY_TOKEN`) in a step's environment.
fn registry_secret(env: &[crate::workflow::Pair]) -> bool {
    env.iter().any(|p| {
        let name = p.key.value.to_ascii_uppercase();
        ["DOCKER", "QUAY", "REGISTRY", "GHCR"]
            .iter()
            .any(|r| name.contains(r))
            && super::credentials::credential_name(&name)
            && p.value.as_scalar().is_some_and(stored_secret)
    })
}

/// A local script handed a stored registry credential in a step named for a publish, an
/// upload or a push (`Build, test, and publish all-in-one image` running `bash
/// scripts/build/build-all-in-one-image.sh` with `DOCKERHUB_TOKEN` and `QUAY_TOKEN`,
/// jaegertracing/jaeger ci-docker-all-in-one.yml:66-72): the script pushes the images it
/// builds, inferred. The same script run without the credentials (`… (no publish)`) builds.
fn registry_scripts(input: &JobInput<'_, '_>, out: &mut Vec<DeliveryStep>) {
    for (i, s) in input.trace.steps.iter().enumerate() {
        if !registry_secret(&s.step.env) {
            continue;
        }
        let named = s
            .name_words()
            .iter()
            .any(|w| matches!(w.as_str(), "publish" | "upload" | "push"));
        if !named || out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        let Some(c) = input
            .trace
            .commands_of(i)
            .find(|c| local_script(&c.command.words))
        else {
            continue;
        };
        out.push(DeliveryStep {
            kind: DeliveryKind::Publish,
            target: "registry push".into(),
            why: format!(
                "`{}` handed a registry credential in a step named for a publish",
                c.command.text.lines().next().unwrap_or("")
            ),
            location: c.location.clone(),
            via: c.via.clone(),
            inferred: true,
        });
    }
}

/// A local script named for an upload, or run by a step named for one, in a job that signs in
/// to a cloud (`python3 ./scripts/ci/bundle_and_upload_rerun_cpp.py` after
/// `google-github-actions/auth`, rerun-io/rerun reusable_bundle_and_upload_rerun_cpp.yml:40,61;
/// `Upload markdown docs & examples to GCS`, on_push_docs.yml:88-94): the script puts what the
/// job built in the cloud's storage, inferred; a site's pages are a Pages delivery. A container
/// registry login is no storage, and a test's upload feeds the test.
fn storage_upload_scripts(
    input: &JobInput<'_, '_>,
    job_words: &[String],
    out: &mut Vec<DeliveryStep>,
) {
    if !input
        .auth
        .iter()
        .any(|a| matches!(a.cloud, "aws" | "gcp" | "azure"))
    {
        return;
    }
    // A job named for tests or checks uploads what they left (`prune_snapshots_for_upload.sh`
    // in `rs-tests`, rerun-io/rerun reusable_checks_rust.yml).
    if is_check_named(job_words) {
        return;
    }
    for (i, s) in input.trace.steps.iter().enumerate() {
        if out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        let step_words = s.name_words();
        for c in input
            .trace
            .commands_of(i)
            .filter(|c| local_script(&c.command.words))
        {
            let (stem, _) = script_stem(&c.command.words);
            let upload = |w: &[String]| w.iter().any(|x| x == "upload" || x == "uploads");
            if !(upload(&stem) || upload(&step_words)) {
                continue;
            }
            let words: Vec<String> = stem.iter().chain(&step_words).cloned().collect();
            if is_check_named(&words)
                || words
                    .iter()
                    .any(|w| matches!(w.as_str(), "coverage" | "cache" | "for"))
            {
                continue;
            }
            let site = words.iter().any(|w| {
                matches!(
                    w.as_str(),
                    "docs" | "doc" | "website" | "site" | "pages" | "documentation"
                )
            });
            out.push(DeliveryStep {
                kind: if site {
                    DeliveryKind::Pages
                } else {
                    DeliveryKind::Publish
                },
                target: "cloud storage".into(),
                why: format!(
                    "`{}` uploads after the job signs in to a cloud",
                    c.command.text.lines().next().unwrap_or("")
                ),
                location: c.location.clone(),
                via: c.via.clone(),
                inferred: true,
            });
            break;
        }
    }
}

/// When no step is recognised: a job named (or a step described) as deploy, release or publish
/// whose steps run a local script or an action the catalogue does not know.
pub(super) fn inferred_steps(input: &JobInput<'_, '_>) -> Vec<DeliveryStep> {
    if let Some(step) = environment_url_step(input) {
        return vec![step];
    }
    let job_words = job_words(input);
    let job_kind = kind_named(&job_words);
    let mut out = registry_task_pushes(input);
    infrastructure_scripts(input, &job_words, &mut out);
    registry_scripts(input, &mut out);
    storage_upload_scripts(input, &job_words, &mut out);
    for (i, s) in input.trace.steps.iter().enumerate() {
        if out.iter().any(|d| s.holds(&d.location)) {
            continue;
        }
        let opaque_action = s.step.repo_action().is_some_and(|a| {
            !a.is_reusable_workflow() && !utility_action(&a.name()) && {
                let at = s.step.uses.as_ref().map(|u| u.span);
                !input.facts.iter().any(|f| {
                    Some(f.location.start) == at.map(|a| a.start) && f.location.path == s.display
                })
            }
        });
        // A local action that is not composite (a JavaScript or Docker action) is as opaque as
        // an unknown remote one (`./.github/actions/github-release`, rust-lang/rust-analyzer
        // release.yaml:238); a composite one was walked into.
        let local_action = match s.step.uses.as_ref().map(|u| &u.value) {
            Some(Uses::Local(p)) if s.display == input.pw.display => {
                let dir = p.trim_start_matches("./").trim_end_matches('/');
                (!dir.is_empty()
                    && !input
                        .trace
                        .steps
                        .iter()
                        .any(|t| t.display != input.pw.display && t.display.contains(dir)))
                .then_some(dir)
            }
            _ => None,
        };
        let opaque_action = opaque_action || local_action.is_some();
        if opaque_action && let Some(step) = action_named_for_delivery(s) {
            out.push(step);
            continue;
        }
        let script = input.trace.commands_of(i).find(|c| {
            local_script(&c.command.words)
                || delivery_task(&c.command.words)
                || push_to_other_remote(&c.command.words)
                || runs_an_image(&c.command.words)
        });
        if !opaque_action && script.is_none() {
            continue;
        }
        let mut words = s.name_words();
        // An unknown action named for a delivery (`step-security/publish-action`) says what it
        // does by its name (the repository's, not the owner's).
        if opaque_action
            && script.is_none()
            && let Some(a) = s.step.repo_action()
        {
            let repo = a.repo.rsplit('/').next().unwrap_or(&a.repo);
            words.extend(name_words(repo));
        }
        if script.is_none()
            && let Some(dir) = local_action
        {
            // Its folder's name alone does not make it a delivery: the step or the job must be
            // named for one too, and not for a test (`./publish-sbom` in the job
            // `Action-Smoke-Test`, anchore/sbom-action validations.yaml).
            if kind_named(&words).or(job_kind).is_none() || is_check_named(&job_words) {
                continue;
            }
            words.extend(name_words(dir.rsplit('/').next().unwrap_or(dir)));
        }
        if let Some(c) = script {
            let named = script_name_words(&c.command.words);
            // A script or task named for building a release (`npm run build:release`, a step
            // `Assemble release variant`) builds; it ships nothing.
            let builds = named
                .first()
                .is_some_and(|w| w == "build" || w == "assemble")
                || words
                    .iter()
                    .any(|w| matches!(w.as_str(), "assemble" | "variant" | "generate"));
            if builds {
                continue;
            }
            words.extend(named);
        }
        let push_token = script.is_some() && push_token(&s.step.env);
        // A step whose own name says it checks (`verify release tarballs`) checks, whatever
        // the job is called (curl distcheck.yml:244).
        if is_check_named(&words) {
            continue;
        }
        let task = script.and_then(|c| task_kind(&c.command.words));
        let Some(kind) = kind_named(&words)
            .or(task)
            .or(job_kind)
            .or(push_token.then_some(DeliveryKind::Gitops))
        else {
            continue;
        };
        let (why, location) = match (script, &s.step.uses) {
            (Some(c), _) => (
                format!(
                    "`{}` in a job or step named for a {}",
                    c.command.text.lines().next().unwrap_or(""),
                    kind.as_str()
                ),
                c.location.clone(),
            ),
            (None, Some(u)) => (
                format!(
                    "{} in a job or step named for a {}",
                    s.step
                        .repo_action()
                        .map(|a| a.name())
                        .or_else(|| local_action.map(|d| format!("./{d}")))
                        .unwrap_or_default(),
                    kind.as_str()
                ),
                crate::finding::Location::new(s.display, u.span),
            ),
            (None, None) => continue,
        };
        // A step named for a registry (`Publish to npm and create releases`, remix-run/
        // react-router release.yml:133) says where its script publishes.
        let step_words = s.name_words();
        let target = registry_named(&step_words).unwrap_or("unknown");
        out.push(DeliveryStep {
            kind,
            target: target.into(),
            why,
            location,
            via: None,
            inferred: true,
        });
    }
    out
}
