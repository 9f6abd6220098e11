//! `hardcoded-credentials`: passwords, tokens and keys written as literals in a workflow instead of
//! read from `secrets`: container and service `credentials.password`, sensitive `env:` values,
//! secret-like `with:` inputs, and well-known key shapes anywhere in `env:`/`with:`/`run:`.

use super::Rule;
use super::run_sites::run_sites;
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, Location, RuleMeta, Severity};
use crate::workflow::{Container, Pair};
use crate::yaml::{Node, Pos, Span};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "hardcoded-credentials",
        area: Area::WorkflowSecurity,
        default: Severity::High,
        summary: "Password, token or key written as a literal instead of a secret",
        help: include_str!("../../docs/rules/hardcoded-credentials.md"),
    },
    check: Some(check),
};

/// Values people use for throwaway test databases: a finding, but a low one.
const PLACEHOLDERS: &[&str] = &[
    "postgres",
    "password",
    "passw0rd",
    "pass",
    "root",
    "secret",
    "test",
    "testing",
    "tests",
    "example",
    "dummy",
    "changeme",
    "admin",
    "mysql",
    "redis",
    "user",
    "guest",
    "ci",
    "local",
    "localdev",
    "development",
    "dev",
    "fake",
    "foobar",
    "foo",
    "bar",
    "sa",
    "mongo",
    "mongodb",
    "rabbitmq",
    "keycloak",
    "minioadmin",
    "localstack",
    "12345",
    "123456",
    "1234",
    "xxx",
    "default",
    "sonar",
    "docker",
];

/// Where the value is: decides the severity of a literal that has no known key shape.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// `env:` of a `services:` container or the job `container:`: a throwaway database.
    ServiceEnv,
    /// Workflow, job or step `env:`, or a step's `with:`.
    Env,
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for pw in &repo.workflows {
        let wf = &pw.workflow;
        let file = pw.display.as_str();
        env_pairs(file, &wf.env, Place::Env, "workflow `env`", out);
        for job in &wf.jobs {
            env_pairs(
                file,
                &job.env,
                Place::Env,
                &format!("job `{}` `env`", job.id.value),
                out,
            );
            for c in job.container.iter().chain(&job.services) {
                container(file, &job.id.value, c, out);
            }
            for step in job.all_steps() {
                let label = step.label();
                env_pairs(
                    file,
                    &step.env,
                    Place::Env,
                    &format!("step `{label}` `env`"),
                    out,
                );
                // Inputs named like secrets (`password:`, `token:`) are credentials as well.
                env_pairs(
                    file,
                    &step.with,
                    Place::Env,
                    &format!("step `{label}` input"),
                    out,
                );
            }
        }
    }
    for pa in &repo.actions {
        if let Some(crate::workflow::ActionRuns::Composite { steps }) = &pa.action.runs {
            for step in steps {
                let label = step.label();
                env_pairs(
                    &pa.display,
                    &step.env,
                    Place::Env,
                    &format!("step `{label}` `env`"),
                    out,
                );
                env_pairs(
                    &pa.display,
                    &step.with,
                    Place::Env,
                    &format!("step `{label}` input"),
                    out,
                );
            }
        }
    }
    // Keys with a recognisable shape inside scripts (`export TOKEN=ghp_…`).
    for site in run_sites(repo) {
        for (i, line) in site.run.value.lines().enumerate() {
            let Some((at, kind)) = key_shape(line) else {
                continue;
            };
            let column = line[..at].chars().count() as u32 + 1;
            let token: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
                .collect();
            let location = site.location(i as u32 + 1, column, &token);
            let message = format!(
                "step `{}` has a literal {kind} in its script; anyone who can read the repository \
                 can use it: revoke it, store it as a secret and pass it in `env:` \
                 (`TOKEN: ${{{{ secrets.TOKEN }}}}`)",
                site.step.label()
            );
            out.push(Finding::at(&RULE.meta, location, &token, message).severity(Severity::High));
        }
    }
}

fn container(file: &str, job: &str, c: &Container, out: &mut Vec<Finding>) {
    let what = match &c.service {
        Some(s) => format!("service `{}`", s.value),
        None => format!("job `{job}` container"),
    };
    if let Some(password) = c.credentials.as_ref().and_then(|n| n.get("password"))
        && let Some(value) = literal(password)
    {
        let message = format!(
            "{what} logs in to its registry with a literal password; anyone who can read the \
             repository can push to (or pull private images from) that registry: revoke it and use \
             `password: ${{{{ secrets.REGISTRY_PASSWORD }}}}`"
        );
        let severity = if key_shape(value).is_some() || !is_placeholder(value) {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(
            Finding::at(
                &RULE.meta,
                Location::new(file, password.span),
                &format!("{what} password"),
                message,
            )
            .severity(severity),
        );
    }
    env_pairs(
        file,
        &c.env,
        Place::ServiceEnv,
        &format!("{what} `env`"),
        out,
    );
}

/// A scalar value that is a literal: not an expression, not empty, not a shell variable.
fn literal(node: &Node) -> Option<&str> {
    let v = node.as_str()?.trim();
    if v.is_empty() || v.contains("${{") || v.starts_with('$') {
        return None;
    }
    Some(v)
}

/// A name whose value is the credential itself: it ends with a credential word
/// (`DB_PASSWORD`, `API_TOKEN`, `MINIO_SECRET_KEY`, `keychain-password`). Names of lists or
/// references (`secrets`, `secret-ids`, `TOKEN_FILE`, `access_token_lifetime`) are not.
fn sensitive_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase().replace(['-', '.'], "_");
    let words: Vec<&str> = k.split('_').filter(|w| !w.is_empty()).collect();
    let Some(last) = words.last() else {
        return false;
    };
    let before = words
        .len()
        .checked_sub(2)
        .and_then(|i| words.get(i))
        .copied();
    (matches!(
        *last,
        "PASS" | "PWD" | "SECRET" | "PASSPHRASE" | "APIKEY" | "CREDENTIALS"
    ) || last.ends_with("PASSWORD")
        || last.ends_with("PASSWD")
        || last.ends_with("TOKEN"))
        && k != "PWD"
        || *last == "KEY"
            && before.is_some_and(|b| {
                matches!(
                    b,
                    "API"
                        | "SECRET"
                        | "PRIVATE"
                        | "ACCESS"
                        | "SIGNING"
                        | "ENCRYPTION"
                        | "MASTER"
                        | "AUTH"
                        | "LICENSE"
                        | "CLIENT"
                )
            })
        || k.ends_with("SECRET_KEY_BASE")
}

fn is_placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    PLACEHOLDERS.contains(&l.as_str())
        || l.starts_with("test")
        || l.starts_with("dummy")
        || l.starts_with("fake")
        || l.starts_with("example")
        || l.contains("changeme")
        || l.contains("not-a-secret")
        || l.contains("notasecret")
        || l.chars().all(|c| c == 'x' || c == '*')
}

/// Booleans, numbers and single words such as `true` are settings, not secrets.
fn is_setting(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "none" | "null" | "required" | "optional"
    ) || v.parse::<f64>().is_ok() && v.len() < 6
}

fn env_pairs(file: &str, pairs: &[Pair], place: Place, what: &str, out: &mut Vec<Finding>) {
    for p in pairs {
        let Some(value) = literal(&p.value) else {
            continue;
        };
        let key = p.key.value.as_str();
        let shape = key_shape(value);
        let severity = match (shape, place) {
            (Some(_), _) => Severity::High,
            _ if !sensitive_name(key) || is_setting(value) => continue,
            (None, Place::ServiceEnv) => Severity::Low,
            (None, Place::Env) if is_placeholder(value) => Severity::Low,
            (None, Place::Env) => Severity::Medium,
        };
        let kind = shape.map_or("literal credential".to_string(), |(_, k)| {
            format!("literal {k}")
        });
        let secret_name = key.to_ascii_uppercase().replace('-', "_");
        let why = if severity == Severity::Low {
            "it looks like a throwaway test value, but a literal credential still teaches the \
             pattern and ends up reused"
        } else {
            "anyone who can read the repository can use it; revoke it"
        };
        let message = format!(
            "{what} `{key}` is a {kind}; {why}: store it as a secret and write \
             `{key}: ${{{{ secrets.{secret_name} }}}}`"
        );
        let span = value_span(&p.value);
        out.push(
            Finding::at(
                &RULE.meta,
                Location::new(file, span),
                &format!("{what} {key}"),
                message,
            )
            .severity(severity),
        );
    }
}

/// The value's span; a multi-line value is reported at its first character.
fn value_span(node: &Node) -> Span {
    if node.span.start.line == node.span.end.line {
        node.span
    } else {
        Span::new(
            node.span.start,
            Pos::new(node.span.start.line, node.span.start.column + 1),
        )
    }
}

/// Byte offset and kind of a well-known credential shape in `s`.
pub(crate) fn key_shape(s: &str) -> Option<(usize, &'static str)> {
    let bytes = s.as_bytes();
    let word_start =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    let run_len =
        |from: usize, ok: &dyn Fn(u8) -> bool| bytes[from..].iter().take_while(|b| ok(**b)).count();
    let alnum = |b: u8| b.is_ascii_alphanumeric();
    let upper_digit = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let token_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    for (i, &b) in bytes.iter().enumerate() {
        // Every shape below starts with one of these ASCII bytes (so `i` is a char boundary);
        // scripts are read line by line, so most bytes are skipped here.
        if !matches!(b, b'A' | b'g' | b'n' | b'p' | b's' | b'x' | b'-' | b'h') {
            continue;
        }
        let rest = &s[i..];
        if !word_start(i) && !rest.starts_with("-----BEGIN") {
            continue;
        }
        // AWS access key ids; the documentation's example keys end in EXAMPLE.
        for p in ["AKIA", "ASIA"] {
            if rest.starts_with(p)
                && run_len(i + 4, &upper_digit) == 16
                && !rest[..20].ends_with("EXAMPLE")
            {
                return Some((i, "AWS access key id"));
            }
        }
        for (p, min, kind) in [
            ("ghp_", 36, "GitHub personal access token"),
            ("gho_", 36, "GitHub OAuth token"),
            ("ghs_", 36, "GitHub app token"),
            ("ghu_", 36, "GitHub user token"),
            ("ghr_", 36, "GitHub refresh token"),
            ("github_pat_", 60, "GitHub fine-grained token"),
            ("glpat-", 20, "GitLab token"),
            ("npm_", 36, "npm token"),
            ("pypi-", 50, "PyPI token"),
            ("sk_live_", 20, "Stripe secret key"),
            ("xoxb-", 20, "Slack bot token"),
            ("xoxp-", 20, "Slack user token"),
            ("xoxa-", 20, "Slack token"),
            ("xoxr-", 20, "Slack refresh token"),
            ("xoxs-", 20, "Slack token"),
            ("AIza", 35, "Google API key"),
        ] {
            if rest.starts_with(p) && run_len(i + p.len(), &token_char) >= min {
                return Some((i, kind));
            }
        }
        if rest.starts_with("-----BEGIN") && rest.contains("PRIVATE KEY") {
            return Some((i, "private key"));
        }
        if rest.starts_with("https://hooks.slack.com/services/T")
            && run_len(i + 33, &|b| alnum(b) || b == b'/') > 20
        {
            return Some((i, "Slack webhook URL"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::key_shape;
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, positions};
    use crate::yaml::Pos;

    #[test]
    fn severity_follows_shape_and_place() {
        let wf = "on: push\nenv:\n  AWS_ACCESS_KEY_ID: AKIAZ2X3C4V5B6N7M8Q9\n  NODE_ENV: production\njobs:\n  a:\n    runs-on: ubuntu-latest\n    container:\n      image: ghcr.io/org/ci:1\n      credentials:\n        username: bot\n        password: s3cr3t-Registry-Pw\n    services:\n      db:\n        image: postgres:16\n        env:\n          POSTGRES_PASSWORD: postgres\n          POSTGRES_USER: postgres\n    env:\n      API_TOKEN: hunter2-but-longer\n      DB_PASSWORD: test\n      GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n      TOKEN_FILE: /tmp/token\n      USE_TOKEN: true\n    steps:\n      - run: echo hi\n        env:\n          SLACK: xoxb-123456789012-abcdefghijklmnop\n";
        let found = findings_for("hardcoded-credentials", wf);
        let got = positions(&found);
        assert_eq!(
            got,
            vec![
                (Some(Pos::new(3, 22)), Severity::High),
                (Some(Pos::new(12, 19)), Severity::High),
                (Some(Pos::new(17, 30)), Severity::Low),
                (Some(Pos::new(20, 18)), Severity::Medium),
                (Some(Pos::new(21, 20)), Severity::Low),
                (Some(Pos::new(28, 18)), Severity::High),
            ],
            "{found:#?}"
        );
        assert!(found[0].message.contains("AWS access key id"));
        assert!(found[1].message.contains("secrets.REGISTRY_PASSWORD"));
        assert!(found[5].message.contains("Slack bot token"));
    }

    #[test]
    fn names_of_secret_lists_are_not_credentials() {
        for k in [
            "secrets",
            "secret-ids",
            "repo_secrets",
            "TOKEN_FILE",
            "access_token_lifetime",
            "GH_AW_SECRET_NAMES",
            "E2E_PASS_PHONE",
            "PWD",
        ] {
            assert!(!super::sensitive_name(k), "{k}");
        }
        for k in [
            "DB_PASSWORD",
            "api-token",
            "MINIO_KMS_SECRET_KEY",
            "keychain-password",
            "SECRET_KEY_BASE",
            "PGPASSWORD",
        ] {
            assert!(super::sensitive_name(k), "{k}");
        }
    }

    #[test]
    fn shapes_in_scripts_and_examples() {
        assert_eq!(key_shape("AKIAIOSFODNN7EXAMPLE"), None);
        assert_eq!(
            key_shape("x=ghp_0123456789abcdefghijABCDEFGHIJ012345").map(|s| s.0),
            Some(2)
        );
        assert!(key_shape("-----BEGIN OPENSSH PRIVATE KEY-----").is_some());
        assert_eq!(key_shape("ghp_short"), None);
        let wf = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo start\n          export GH=ghp_0123456789abcdefghijABCDEFGHIJ012345\n";
        let found = findings_for("hardcoded-credentials", wf);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].location.as_ref().map(|l| l.start),
            Some(Pos::new(8, 21))
        );
    }
}
