//! `ci-guard verify-deploy`: after a deploy, check the live endpoint is healthy and reports the
//! expected build.

use std::process::ExitCode;

use super::common::print;

pub const AFTER_HELP: &str = concat!(
    "Examples:\n",
    "  ci-guard verify-deploy --url https://app.example.com/healthz --expect-sha \"$GITHUB_SHA\"\n",
    "  ci-guard verify-deploy --url https://api.example.com/version --expect-run-id 123456789 \\\n",
    "      --header \"Authorization: Bearer $TOKEN\" --retries 10 --interval 3\n\n",
    "The expected values are looked for in version-like JSON fields at any depth and in\n",
    "version headers (x-commit-sha, x-version, x-build-id, ...); docs/verify-deploy.md lists them.\n",
    "Header values given with --header are never printed.\n\n",
    "Exit codes:\n",
    "  0  healthy and (when --expect-* is given) reports the expected build\n",
    "  1  unhealthy status, or the live build differs or is not reported (policy failure)\n",
    "  2  usage error\n",
    "  3  could not reach or read the endpoint (timeout, refused, DNS, TLS, cut connection)"
);

#[derive(clap::Args)]
pub struct VerifyDeployArgs {
    /// Endpoint to GET, e.g. https://app.example.com/healthz.
    #[arg(long, value_name = "URL")]
    url: String,
    /// Commit SHA the endpoint must report (7 to 64 hex digits; prefixes match).
    #[arg(long, value_name = "SHA")]
    expect_sha: Option<String>,
    /// CI run id the endpoint must report, e.g. ${{ github.run_id }}.
    #[arg(long, value_name = "ID")]
    expect_run_id: Option<String>,
    /// Image digest the endpoint must report.
    #[arg(long, value_name = "sha256:HEX")]
    expect_digest: Option<String>,
    /// Seconds one attempt may take, from connecting to the last body byte.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = ci_guard::verify_deploy::parse_seconds)]
    timeout: std::time::Duration,
    /// Attempts after the first, on timeouts, connection errors, 5xx and 429.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,
    /// Seconds before the first retry, doubled after each (Retry-After wins; 60 s at most).
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = ci_guard::verify_deploy::parse_seconds)]
    interval: std::time::Duration,
    /// Request header `Name: value`, repeatable. Values are never printed; redirects are then not followed.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    headers: Vec<String>,
}

pub fn run(args: &VerifyDeployArgs) -> ExitCode {
    use ci_guard::verify_deploy::{
        Expectation, FailureClass, Options, RequestHeader, VerifyError, verify,
    };

    let prepared = (|| -> Result<_, VerifyError> {
        let mut opts = Options::new(args.url.clone());
        opts.timeout = args.timeout;
        opts.retries = args.retries;
        opts.interval = args.interval;
        for (i, h) in args.headers.iter().enumerate() {
            opts.headers.push(RequestHeader::parse(h, i + 1)?);
        }
        if let Some(v) = &args.expect_sha {
            opts.expect.push(Expectation::sha(v)?);
        }
        if let Some(v) = &args.expect_run_id {
            opts.expect.push(Expectation::run_id(v)?);
        }
        if let Some(v) = &args.expect_digest {
            opts.expect.push(Expectation::digest(v)?);
        }
        Ok(opts)
    })();
    match prepared.and_then(|opts| verify(&opts)) {
        Ok(verified) => print(&format!("{verified}\n")),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(match e.class() {
                FailureClass::Usage => 2,
                FailureClass::Policy => 1,
                FailureClass::Unreachable => 3,
            })
        }
    }
}
