//! One simple command of a `run:` script (as [`crate::inventory::shell`] reads it) -> what it
//! does with the token and with git credentials.

use super::api::{api_path, rest_call, rest_segments};
use super::scope::ApiNeed::{self, IssueOrPull, Scope as S};
use super::scope::Level::{Read as R, Write as W};
use super::scope::Scope::*;
use crate::inventory::catalog::normalize;

/// Which git operation reaches a remote, and so needs credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GitOp {
    /// `git push`, or a tool that pushes (semantic-release, `mike deploy --push`…).
    Push,
    /// `git fetch`, `pull`, `ls-remote`, `submodule update`, `lfs pull`: a private repository
    /// needs credentials to read.
    Fetch,
}

/// The remote a git operation talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remote {
    /// A remote by name (`origin`, or none given: the branch's upstream, `origin` after a
    /// checkout).
    Named(String),
    /// A URL that carries its own credentials (`https://x-access-token:${TOKEN}@github.com/…`);
    /// the text holding them.
    UrlWithCredentials(String),
    /// A `https://github.com/…` URL without credentials: the checkout's `extraheader` (keyed on
    /// `https://github.com/`) authenticates it.
    GithubUrl,
    /// SSH, or a host other than GitHub: nothing of the checkout's applies.
    Elsewhere,
}

/// What one command does with the token and git credentials.
#[derive(Clone, Debug, Default)]
pub struct CommandUse {
    /// API needs of the token this command authenticates with.
    pub api: Vec<ApiNeed>,
    /// Where the API token comes from: environment variable names the program reads, or text
    /// written on the command line (a header, `-t $TOKEN`). Empty when `api` is empty.
    pub token_vars: Vec<&'static str>,
    pub token_text: Option<String>,
    /// The needs hold whatever token is in sight: a registry push authenticates with an earlier
    /// login, which is the `GITHUB_TOKEN` in the usual setup.
    pub always: bool,
    /// A git operation through a remote.
    pub git: Option<(GitOp, Remote)>,
    /// Git is configured with credentials of its own from here on: the text that holds them,
    /// and the remote it applies to (`None`: every remote, as `gh auth setup-git` or an
    /// `extraheader` does).
    pub configures: Option<(Option<String>, String)>,
    /// `id-token: write`: the command mints an OIDC token.
    pub oidc: bool,
    /// The command's use of the token is understood (possibly: none at all).
    pub understood: bool,
}

impl CommandUse {
    fn known() -> Self {
        Self {
            understood: true,
            ..Self::default()
        }
    }

    fn api(needs: Vec<ApiNeed>, vars: &[&'static str]) -> Self {
        Self {
            api: needs,
            token_vars: vars.to_vec(),
            understood: true,
            ..Self::default()
        }
    }
}

/// Programs that do not read the token from the environment nor reach the GitHub API: shell
/// builtins, core utilities, package installs, compilers and test runners.
const TOKEN_FREE: &[&str] = &[
    "echo",
    "printf",
    "cat",
    "ls",
    "cd",
    "pushd",
    "popd",
    "mkdir",
    "rm",
    "rmdir",
    "cp",
    "mv",
    "test",
    "[",
    "[[",
    "true",
    "false",
    ":",
    "exit",
    "export",
    "set",
    "unset",
    "sleep",
    "grep",
    "egrep",
    "fgrep",
    "sed",
    "awk",
    "gawk",
    "jq",
    "yq",
    "tr",
    "cut",
    "head",
    "tail",
    "sort",
    "uniq",
    "wc",
    "find",
    "xargs",
    "tee",
    "touch",
    "chmod",
    "chown",
    "date",
    "pwd",
    "basename",
    "dirname",
    "read",
    "shift",
    "local",
    "declare",
    "readonly",
    "printenv",
    "which",
    "type",
    "tar",
    "zip",
    "unzip",
    "gzip",
    "gunzip",
    "xz",
    "sha256sum",
    "sha1sum",
    "md5sum",
    "shasum",
    "base64",
    "ln",
    "realpath",
    "readlink",
    "du",
    "df",
    "diff",
    "cmp",
    "patch",
    "file",
    "stat",
    "whoami",
    "hostname",
    "uname",
    "id",
    "nproc",
    "seq",
    "paste",
    "column",
    "rev",
    "nl",
    "wait",
    "trap",
    "return",
    "break",
    "continue",
    "let",
    "ulimit",
    "umask",
    "shopt",
    "hash",
    "alias",
    "mktemp",
    "install",
    "sudo",
    "apt-get",
    "apt",
    "dpkg",
    "yum",
    "dnf",
    "apk",
    "brew",
    "choco",
    "pip",
    "pip3",
    "pipx",
    "python",
    "python3",
    "node",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "bun",
    "deno",
    "corepack",
    "cargo",
    "rustup",
    "rustc",
    "go",
    "gofmt",
    "java",
    "javac",
    "mvn",
    "gradle",
    "gradlew",
    "mvnw",
    "dotnet",
    "msbuild",
    "ruby",
    "gem",
    "bundle",
    "rake",
    "php",
    "composer",
    "make",
    "cmake",
    "ctest",
    "ninja",
    "meson",
    "gcc",
    "g++",
    "clang",
    "clang++",
    "cc",
    "ld",
    "ar",
    "strip",
    "docker",
    "podman",
    "buildah",
    "kubectl",
    "helm",
    "kind",
    "terraform",
    "tofu",
    "terragrunt",
    "aws",
    "gcloud",
    "az",
    "pytest",
    "tox",
    "nox",
    "uv",
    "poetry",
    "pdm",
    "hatch",
    "mypy",
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "eslint",
    "prettier",
    "tsc",
    "jest",
    "vitest",
    "mocha",
    "playwright",
    "cypress",
    "rspec",
    "rubocop",
    "shellcheck",
    "hadolint",
    "actionlint",
    "zizmor",
    "bandit",
    "semgrep",
    "trivy",
    "grype",
    "syft",
    "cosign",
    "openssl",
    "ssh",
    "ssh-keyscan",
    "ssh-add",
    "ssh-agent",
    "scp",
    "rsync",
    "wget",
    "curl",
    "git",
    "chmod",
    "envsubst",
    "xvfb-run",
    "timeout",
    "time",
    "nohup",
    "tput",
    "clear",
    "exec",
    "eval",
    "source",
    ".",
    "bash",
    "sh",
    "zsh",
    "pwsh",
    "powershell",
    "cmd",
    "tree",
    "less",
    "more",
    "vim",
    "sponge",
    "bc",
    "expr",
    "dig",
    "nslookup",
    "ping",
    "nc",
    "netstat",
    "ps",
    "kill",
    "pkill",
    "systemctl",
    "service",
    "mount",
    "umount",
    "lsb_release",
    "getconf",
    "iconv",
    "xmllint",
    "convert",
    "sqlite3",
    "psql",
    "mysql",
    "redis-cli",
    "mongosh",
    "createdb",
    "pg_isready",
    "tsx",
    "ts-node",
    "turbo",
    "nx",
    "lerna",
    "rush",
    "bazel",
    "bazelisk",
    "buck2",
    "pants",
    "sbt",
    "lein",
    "mix",
    "elixir",
    "erl",
    "rebar3",
    "stack",
    "cabal",
    "ghc",
    "swift",
    "xcodebuild",
    "flutter",
    "dart",
    "zig",
    "nim",
    "julia",
    "Rscript",
    "R",
    "conda",
    "mamba",
    "micromamba",
    "pixi",
    "nix",
    "nix-build",
    "nix-shell",
    "just",
    "task",
    "pre-commit",
    "codecov",
    "sccache",
    "ccache",
    "wasm-pack",
    "maturin",
    "twine",
    "build",
    "sphinx-build",
    "mkdocs",
    "hugo",
    "jekyll",
    "doxygen",
    "asdf",
    "mise",
    "nvm",
    "sdk",
    "pyenv",
    "rbenv",
    "goenv",
];

/// Options of `git` itself that take a value (`git -C dir push`).
const GIT_GLOBAL_WITH_VALUE: &[&str] = &["-C", "-c", "--git-dir", "--work-tree", "--namespace"];

/// The git subcommand and its arguments, global options skipped.
fn git_args(words: &[String]) -> Option<(&str, &[String])> {
    let mut i = 1;
    while let Some(w) = words.get(i) {
        if GIT_GLOBAL_WITH_VALUE.contains(&w.as_str()) {
            i += 2;
        } else if w.starts_with('-') {
            i += 1;
        } else {
            return Some((w.as_str(), &words[i + 1..]));
        }
    }
    None
}

/// The first argument that is not an option (options that take a value skip it).
fn first_operand<'a>(args: &'a [String], with_value: &[&str]) -> Option<&'a str> {
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "--" {
            return args.get(i + 1).map(String::as_str);
        }
        if with_value.contains(&a.as_str()) {
            i += 2;
            continue;
        }
        if a.starts_with('-') {
            i += 1;
            continue;
        }
        return Some(a.as_str());
    }
    None
}

/// A URL or remote name -> the remote it names.
pub fn remote_of(target: Option<&str>) -> Remote {
    let Some(t) = target else {
        return Remote::Named("origin".into());
    };
    let is_url = t.contains("://") || t.starts_with("git@") || t.contains("@github.com");
    if !is_url {
        return Remote::Named(t.to_string());
    }
    if let Some(rest) = t.split_once("://").map(|(_, r)| r) {
        let host_part = rest.split('/').next().unwrap_or("");
        if let Some((userinfo, host)) = host_part.rsplit_once('@') {
            // The host may be the server URL's variable, cut of its scheme
            // (`@${GITHUB_SERVER_URL#https://}/…`).
            if !userinfo.is_empty() && host.to_ascii_lowercase().contains("github") {
                return Remote::UrlWithCredentials(userinfo.to_string());
            }
            return Remote::Elsewhere;
        }
        if host_part.ends_with("github.com") || host_part.contains("github.server_url") {
            return Remote::GithubUrl;
        }
        // `${{ github.server_url }}/${{ github.repository }}`
        if t.contains("github.server_url") || t.contains("GITHUB_SERVER_URL") {
            return Remote::GithubUrl;
        }
        return Remote::Elsewhere;
    }
    if t.contains("github.server_url") || t.contains("GITHUB_SERVER_URL") {
        return Remote::GithubUrl;
    }
    Remote::Elsewhere
}

fn git(words: &[String]) -> CommandUse {
    let mut out = CommandUse::known();
    let Some((sub, args)) = git_args(words) else {
        return out;
    };
    let has = |s: &str| args.iter().any(|a| a == s);
    match sub {
        "push" => {
            let target = first_operand(args, &["-o", "--push-option", "--repo", "--receive-pack"]);
            let repo_opt = args
                .iter()
                .find_map(|a| a.strip_prefix("--repo="))
                .or(target);
            out.git = Some((GitOp::Push, remote_of(repo_opt)));
        }
        "fetch" | "pull" | "ls-remote" => {
            let target = first_operand(
                args,
                &[
                    "--depth",
                    "--deepen",
                    "-j",
                    "--jobs",
                    "--shallow-since",
                    "--upload-pack",
                ],
            );
            out.git = Some((GitOp::Fetch, remote_of(target)));
        }
        "submodule" if has("update") || has("sync") && has("--recursive") => {
            out.git = Some((GitOp::Fetch, Remote::Named("origin".into())));
        }
        "lfs" if has("push") => out.git = Some((GitOp::Push, Remote::Named("origin".into()))),
        "lfs" if has("pull") || has("fetch") => {
            out.git = Some((GitOp::Fetch, Remote::Named("origin".into())));
        }
        "subtree" if has("push") => out.git = Some((GitOp::Push, Remote::Named("origin".into()))),
        "remote" if args.first().is_some_and(|a| a == "add" || a == "set-url") => {
            // `git remote set-url [--push] NAME URL`
            let rest: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with('-')).collect();
            if let (Some(name), Some(url)) = (rest.first(), rest.get(1))
                && let Remote::UrlWithCredentials(cred) = remote_of(Some(url))
            {
                out.configures = Some((Some(name.to_string()), cred));
            }
        }
        "config" => {
            let key = args
                .iter()
                .find(|a| !a.starts_with('-'))
                .map(|k| k.to_ascii_lowercase())
                .unwrap_or_default();
            let value = args
                .iter()
                .filter(|a| !a.starts_with('-'))
                .nth(1)
                .cloned()
                .unwrap_or_default();
            if key.contains("extraheader")
                || key.ends_with(".insteadof")
                || key.starts_with("credential")
            {
                // A credential helper reads its secret from the environment when it runs.
                let text = if key.ends_with(".insteadof") {
                    key.clone()
                } else {
                    value
                };
                out.configures = Some((None, text));
            }
        }
        _ => {}
    }
    out
}

/// `gh` subcommands and what they need.
fn gh(words: &[String]) -> CommandUse {
    const VARS: &[&str] = &["GH_TOKEN", "GITHUB_TOKEN"];
    // `gh -R owner/repo pr …`: skip gh's own options.
    let mut rest: Vec<&str> = Vec::new();
    let mut i = 1;
    while let Some(w) = words.get(i) {
        if w == "-R" || w == "--repo" {
            i += 2;
            continue;
        }
        rest.push(w);
        i += 1;
    }
    let (group, cmd) = (
        rest.first().copied().unwrap_or(""),
        rest.get(1).copied().unwrap_or(""),
    );
    let read = |s| CommandUse::api(vec![S(s, R)], VARS);
    let write = |s| CommandUse::api(vec![S(s, W)], VARS);
    match group {
        "pr" => match cmd {
            "view" | "list" | "diff" | "status" => read(PullRequests),
            "checks" => {
                CommandUse::api(vec![S(PullRequests, R), S(Checks, R), S(Statuses, R)], VARS)
            }
            "checkout" => CommandUse::api(vec![S(PullRequests, R), S(Contents, R)], VARS),
            "merge" => CommandUse::api(vec![S(PullRequests, W), S(Contents, W)], VARS),
            "" => CommandUse::default(),
            _ => write(PullRequests),
        },
        "issue" => match cmd {
            "view" | "list" | "status" => read(Issues),
            "" => CommandUse::default(),
            _ => write(Issues),
        },
        "release" => match cmd {
            "view" | "list" | "download" => read(Contents),
            "" => CommandUse::default(),
            _ => write(Contents),
        },
        "label" => match cmd {
            "list" => read(Issues),
            _ => write(Issues),
        },
        "workflow" => match cmd {
            "list" | "view" => read(Actions),
            _ => write(Actions),
        },
        "run" => match cmd {
            "list" | "view" | "download" | "watch" => read(Actions),
            _ => write(Actions),
        },
        "cache" => match cmd {
            "list" => read(Actions),
            _ => write(Actions),
        },
        "attestation" => read(Attestations),
        "api" => gh_api(&rest[1..]),
        "repo" if matches!(cmd, "view") => CommandUse::api(vec![ApiNeed::Nothing], VARS),
        "repo" if matches!(cmd, "clone") => read(Contents),
        "search" | "status" | "browse" | "extension" | "version" | "--version" | "help" => {
            CommandUse::known()
        }
        "auth" if cmd == "setup-git" => CommandUse {
            configures: Some((None, "GH_TOKEN".into())),
            understood: true,
            ..CommandUse::default()
        },
        "auth" => CommandUse::known(),
        _ => CommandUse::default(),
    }
}

/// `gh api [-X METHOD] PATH [-f k=v…]`
fn gh_api(args: &[&str]) -> CommandUse {
    const VARS: &[&str] = &["GH_TOKEN", "GITHUB_TOKEN"];
    let mut method: Option<String> = None;
    let mut path = None;
    let mut fields = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match *a {
            "-X" | "--method" => {
                method = args.get(i + 1).map(|s| s.to_string());
                i += 2;
                continue;
            }
            "-f" | "-F" | "--field" | "--raw-field" | "--input" => {
                fields = true;
                i += 2;
                continue;
            }
            "-H" | "--header" | "-q" | "--jq" | "-t" | "--template" | "--cache" | "--hostname"
            | "-p" | "--preview" => {
                i += 2;
                continue;
            }
            _ => {}
        }
        if let Some(m) = a.strip_prefix("--method=") {
            method = Some(m.to_string());
        } else if !a.starts_with('-') && path.is_none() {
            path = Some(*a);
        }
        i += 1;
    }
    let method = method.unwrap_or_else(|| if fields { "POST" } else { "GET" }.into());
    let Some(path) = path else {
        return CommandUse::default();
    };
    match rest_call(&method, path) {
        ApiNeed::Unknown => CommandUse::default(),
        need => CommandUse::api(vec![need], VARS),
    }
}

/// `curl`/`wget`/`http` to the GitHub API with a token.
fn http_client(words: &[String]) -> CommandUse {
    let program = words[0].rsplit('/').next().unwrap_or("");
    let Some(url) = words
        .iter()
        .skip(1)
        .find_map(|w| api_path(w).map(|p| (w, p)))
    else {
        // Not the GitHub API: no token involved.
        return CommandUse::known();
    };
    let mut method = None;
    let mut data = false;
    let mut auth = None;
    let mut i = 1;
    while let Some(w) = words.get(i) {
        let next = words.get(i + 1);
        match w.as_str() {
            "-X" | "--request" => method = next.cloned(),
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode" | "-F"
            | "--form" | "--json" | "--post-data" | "--post-file" => data = true,
            "-T" | "--upload-file" => method = Some("PUT".into()),
            "-H" | "--header" | "-u" | "--user" | "--oauth2-bearer" => {
                if let Some(v) = next
                    && (w == "-u"
                        || w == "--user"
                        || w == "--oauth2-bearer"
                        || v.to_ascii_lowercase().starts_with("authorization"))
                {
                    auth = Some(v.clone());
                }
            }
            _ => {}
        }
        if let Some(m) = w
            .strip_prefix("--method=")
            .or_else(|| w.strip_prefix("--request="))
        {
            method = Some(m.to_string());
        }
        if let Some(h) = w.strip_prefix("--header=")
            && h.to_ascii_lowercase().starts_with("authorization")
        {
            auth = Some(h.to_string());
        }
        if w.starts_with("--post-data=") || w.starts_with("--body-data=") {
            data = true;
        }
        // httpie: `http POST url Authorization:…`
        if program == "http" || program == "https" {
            if matches!(w.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                method = Some(w.clone());
            }
            if w.to_ascii_lowercase().starts_with("authorization:") {
                auth = Some(w.clone());
            }
        }
        i += 1;
    }
    let Some(auth) = auth else {
        // Unauthenticated: public data only.
        return CommandUse::known();
    };
    let method = method.unwrap_or_else(|| if data { "POST" } else { "GET" }.into());
    let need = rest_segments(&method, &url.1);
    if need == ApiNeed::Unknown {
        return CommandUse::default();
    }
    CommandUse {
        api: vec![need],
        token_text: Some(auth),
        understood: true,
        ..CommandUse::default()
    }
}

fn has_flag(words: &[&str], flags: &[&str]) -> bool {
    words.iter().any(|w| {
        flags.iter().any(|f| {
            w.strip_prefix(f)
                .is_some_and(|r| r.is_empty() || r.starts_with('='))
        })
    })
}

/// Release and publishing tools that push through the checkout's remote or call the API with
/// the token from the environment.
fn tool(w: &[&str]) -> Option<CommandUse> {
    const GH: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];
    let push = |api: Vec<ApiNeed>, vars: &[&'static str]| CommandUse {
        api,
        token_vars: vars.to_vec(),
        git: Some((GitOp::Push, Remote::Named("origin".into()))),
        understood: true,
        ..CommandUse::default()
    };
    let first = *w.first()?;
    let second = w.get(1).copied().unwrap_or("");
    Some(match (first, second) {
        ("semantic-release", _) => push(vec![S(Contents, W), S(Issues, W), S(PullRequests, W)], GH),
        ("release-it", _) => push(vec![S(Contents, W)], GH),
        ("np", _) => push(Vec::new(), GH),
        ("lerna", "version" | "publish")
            if !has_flag(w, &["--no-push", "--no-git-tag-version"]) =>
        {
            let api = if has_flag(w, &["--create-release"]) {
                vec![S(Contents, W)]
            } else {
                Vec::new()
            };
            push(api, GH)
        }
        ("mike", _) if has_flag(w, &["--push", "-p"]) => push(Vec::new(), GH),
        ("mkdocs", "gh-deploy") => push(Vec::new(), GH),
        ("ghp-import", _) if has_flag(w, &["--push", "-p"]) => push(Vec::new(), GH),
        ("cargo", "release")
            if has_flag(w, &["--execute", "-x"]) && !has_flag(w, &["--no-push"]) =>
        {
            push(Vec::new(), GH)
        }
        ("tbump", _) if !has_flag(w, &["--no-push"]) && !has_flag(w, &["--dry-run"]) => {
            push(Vec::new(), GH)
        }
        ("mvn" | "mvnw", _)
            if w.iter()
                .any(|x| *x == "release:prepare" || *x == "release:perform") =>
        {
            push(Vec::new(), GH)
        }
        ("goreleaser", _)
            if !has_flag(w, &["--snapshot", "--skip-publish", "--skip=publish"])
                && (second == "release" || second.is_empty() || second.starts_with('-')) =>
        {
            CommandUse::api(vec![S(Contents, W)], &["GITHUB_TOKEN"])
        }
        ("ghr", _) => CommandUse::api(vec![S(Contents, W)], &["GITHUB_TOKEN"]),
        ("danger", _) => CommandUse::api(
            vec![S(PullRequests, W), IssueOrPull(W), S(Statuses, W)],
            &["DANGER_GITHUB_API_TOKEN", "GITHUB_TOKEN"],
        ),
        ("reviewdog", _) => {
            let reporter = w
                .iter()
                .find_map(|x| x.strip_prefix("-reporter="))
                .unwrap_or("local");
            let need = match reporter {
                "github-pr-review" => vec![S(PullRequests, W)],
                "github-pr-check" | "github-check" => vec![S(Checks, W)],
                "github-pr-annotations" | "github-annotations" | "local" => Vec::new(),
                _ => vec![S(Checks, W), S(PullRequests, W)],
            };
            CommandUse::api(need, &["REVIEWDOG_GITHUB_API_TOKEN", "GITHUB_TOKEN"])
        }
        _ => return None,
    })
}

/// Pushes to a GitHub package registry and logins to it with the token.
fn registry(words: &[String], text: &str) -> Option<CommandUse> {
    let w = normalize(words);
    let github_registry = [
        "ghcr.io",
        "docker.pkg.github.com",
        "npm.pkg.github.com",
        "maven.pkg.github.com",
    ]
    .iter()
    .any(|r| text.contains(r));
    let first = *w.first()?;
    let second = w.get(1).copied().unwrap_or("");
    let pushes = matches!(
        (first, second),
        ("docker" | "podman" | "buildah" | "nerdctl", "push")
    ) || (first == "docker"
        && matches!(second, "buildx" | "build")
        && has_flag(&w, &["--push"]))
        || matches!((first, second), ("npm" | "yarn" | "pnpm", "publish"));
    let login = matches!(
        (first, second),
        ("docker" | "podman" | "buildah" | "helm" | "oras", "login")
    );
    if !(github_registry && (pushes || login)) {
        return None;
    }
    let level = if pushes { W } else { R };
    Some(CommandUse {
        api: vec![S(Packages, level)],
        always: true,
        understood: true,
        ..CommandUse::default()
    })
}

/// What one command does. `functions` are the names the script defines itself.
pub fn classify(words: &[String], text: &str, functions: &[String]) -> CommandUse {
    // `${{ inputs.SUDO }} apt-get …`: an expression standing before the program is a prefix
    // such as `sudo` (or nothing); the program is the next word.
    let lead = words
        .iter()
        .take_while(|w| w.starts_with("${{") && w.ends_with("}}"))
        .count();
    let words = if lead < words.len() {
        &words[lead..]
    } else {
        words
    };
    if words.is_empty() {
        return CommandUse::known();
    }
    let mut out = classify_program(words, text, functions);
    let w = normalize(words);
    let oidc = text.contains("ACTIONS_ID_TOKEN_REQUEST")
        || (w.first() == Some(&"npm")
            && w.get(1) == Some(&"publish")
            && has_flag(&w, &["--provenance"]))
        || (w.first() == Some(&"cosign")
            && matches!(
                w.get(1),
                Some(&("sign" | "attest" | "sign-blob" | "attest-blob"))
            )
            && !has_flag(&w, &["--key"]))
        || has_flag(&w, &["--trusted-publishing"]);
    if oidc {
        out.oidc = true;
        out.understood = true;
    }
    out
}

fn classify_program(words: &[String], text: &str, functions: &[String]) -> CommandUse {
    let program = words[0].rsplit('/').next().unwrap_or("");
    if functions.iter().any(|f| f == program) {
        return CommandUse::known();
    }
    if let Some(r) = registry(words, text) {
        return r;
    }
    match program {
        "git" => return git(words),
        "gh" => return gh(words),
        "curl" | "wget" | "http" | "https" => return http_client(words),
        "hub" => {
            return match words.get(1).map(String::as_str) {
                Some("release") => CommandUse::api(vec![S(Contents, W)], &["GITHUB_TOKEN"]),
                Some("pull-request") => {
                    CommandUse::api(vec![S(PullRequests, W)], &["GITHUB_TOKEN"])
                }
                _ => CommandUse::default(),
            };
        }
        _ => {}
    }
    let w = normalize(words);
    if let Some(t) = tool(&w) {
        return t;
    }
    let first = w.first().copied().unwrap_or(program);
    let second = w.get(1).copied().unwrap_or("");
    // Build tools publishing to GitHub Packages read the token under a name of the build
    // file's choosing: any variable holding it counts.
    if matches!(first, "gradle" | "gradlew" | "mvn" | "mvnw")
        && w.iter().any(|x| x.starts_with("publish") || *x == "deploy")
    {
        return CommandUse::api(vec![S(Packages, W)], &[]);
    }
    // A named script (`npm run release`, `make deploy`) runs what its definition says; the
    // caller looks through it when the definition can be read.
    let named_script = matches!(first, "make" | "just" | "task" | "rake")
        || (matches!(first, "npm" | "pnpm" | "yarn" | "bun")
            && !matches!(
                second,
                "ci" | "install"
                    | "i"
                    | "add"
                    | "test"
                    | "t"
                    | "audit"
                    | "pack"
                    | "config"
                    | "cache"
                    | "set"
                    | "version"
                    | "--version"
                    | "-v"
                    | "why"
                    | "ls"
                    | "list"
                    | "outdated"
                    | "dedupe"
                    | "prune"
                    | "rebuild"
                    | "link"
                    | "init"
                    | ""
            ));
    // An interpreter given a script file may read the token.
    let runs_script = matches!(
        first,
        "node"
            | "python"
            | "python3"
            | "ruby"
            | "bash"
            | "sh"
            | "zsh"
            | "pwsh"
            | "powershell"
            | "deno"
            | "bun"
            | "php"
            | "tsx"
            | "ts-node"
            | "source"
            | "."
            | "eval"
            | "exec"
            | "perl"
    ) && w.len() > 1
        && !matches!(second, "-c" | "--version" | "-V" | "-e" | "-m")
        || first.contains('$');
    if named_script || runs_script {
        return CommandUse::default();
    }
    CommandUse {
        understood: TOKEN_FREE.contains(&first),
        ..CommandUse::default()
    }
}

/// Names of the shell functions a script defines (`name() {` or `function name`).
pub fn defined_functions(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines() {
        let l = line.trim_start();
        let name = if let Some(rest) = l.strip_prefix("function ") {
            rest.split(|c: char| c.is_whitespace() || c == '(' || c == '{')
                .next()
        } else if let Some((name, _)) = l.split_once("()") {
            Some(name.trim())
        } else {
            None
        };
        if let Some(n) = name.filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':')
        }) {
            out.push(n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::shell::commands;

    fn one(script: &str) -> CommandUse {
        let cmds = commands(script, false);
        let c = cmds.last().expect("a command");
        classify(&c.words, &c.text, &defined_functions(script))
    }

    #[test]
    fn git_pushes_and_fetches() {
        let u = one("git push origin \"$TAG\"");
        assert_eq!(u.git, Some((GitOp::Push, Remote::Named("origin".into()))));
        let u = one("git -C sub push");
        assert_eq!(u.git, Some((GitOp::Push, Remote::Named("origin".into()))));
        let u = one("git push https://x-access-token:${GITHUB_TOKEN}@github.com/o/r.git HEAD:main");
        assert_eq!(
            u.git,
            Some((
                GitOp::Push,
                Remote::UrlWithCredentials("x-access-token:${GITHUB_TOKEN}".into())
            ))
        );
        // The host written as the server URL's variable (this project's release.yml).
        let u = one(
            "git push --force \"https://x-access-token:${TOKEN}@${GITHUB_SERVER_URL#https://}/${GITHUB_REPOSITORY}.git\" \"refs/tags/${MAJOR}\"",
        );
        assert_eq!(
            u.git,
            Some((
                GitOp::Push,
                Remote::UrlWithCredentials("x-access-token:${TOKEN}".into())
            ))
        );
        let u = one("git push https://x:${TOKEN}@gitlab.com/o/r.git");
        assert_eq!(u.git, Some((GitOp::Push, Remote::Elsewhere)));
        let u = one("git push git@github.com:o/r.git");
        assert_eq!(u.git, Some((GitOp::Push, Remote::Elsewhere)));
        let u = one("git fetch --depth 1 origin main");
        assert_eq!(u.git, Some((GitOp::Fetch, Remote::Named("origin".into()))));
        assert!(one("git tag v1").git.is_none());
        let u = one("git remote set-url origin https://x:${{ secrets.PAT }}@github.com/o/r");
        assert_eq!(
            u.configures,
            Some((Some("origin".into()), "x:${{ secrets.PAT }}".into()))
        );
    }

    #[test]
    fn gh_and_curl_calls() {
        let u = one("gh pr comment 1 --body hi");
        assert_eq!(u.api, vec![S(PullRequests, W)]);
        let u = one("gh release upload v1 dist/*");
        assert_eq!(u.api, vec![S(Contents, W)]);
        let u = one("gh api -X POST repos/{owner}/{repo}/statuses/$SHA -f state=success");
        assert_eq!(u.api, vec![S(Statuses, W)]);
        let u = one("gh api repos/{owner}/{repo}/pulls/1/files");
        assert_eq!(u.api, vec![S(PullRequests, R)]);
        assert!(!one("gh api graphql -f query=x").understood);
        let u = one(
            "curl -sS -X POST -H \"Authorization: Bearer $GITHUB_TOKEN\" https://api.github.com/repos/$GITHUB_REPOSITORY/issues/1/comments -d '{}'",
        );
        assert_eq!(u.api, vec![IssueOrPull(W)]);
        assert_eq!(
            u.token_text.as_deref(),
            Some("Authorization: Bearer $GITHUB_TOKEN")
        );
        let u = one("curl -s https://api.github.com/repos/o/r/releases/latest");
        assert!(u.api.is_empty() && u.understood);
    }

    #[test]
    fn tools_registries_and_unknown_programs() {
        let u = one("npx semantic-release");
        assert_eq!(u.git.map(|g| g.0), Some(GitOp::Push));
        assert!(u.api.contains(&S(Issues, W)));
        assert!(one("mike deploy --push 1.0 latest").git.is_some());
        assert!(one("mike deploy 1.0").git.is_none());
        let u = one("docker push ghcr.io/o/r:1");
        assert_eq!(u.api, vec![S(Packages, W)]);
        assert!(one("npm ci").understood);
        assert!(!one("node scripts/release.js").understood);
        assert!(!one("./release.sh").understood);
        assert!(one("f() { echo; }\nf").understood);
        assert!(one("${{ inputs.SUDO }} apt-get update").understood);
        assert!(!one("${{ matrix.run }}").understood);
        assert!(one("cosign sign --yes ghcr.io/o/r@sha256:1").oidc);
    }
}
