//! The action's inputs and the runner's environment, resolved once.
//!
//! A Docker action gets its inputs as `INPUT_<NAME>` environment variables: the input's name
//! upper-cased with hyphens kept (`INPUT_FAIL-ON`). `ci-guard run` also takes each as a flag of
//! the same name (`--fail-on`), and a flag wins, so the same command runs on a laptop. An empty
//! variable counts as unset: the runner passes inputs the workflow did not set as empty strings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::config::ShellcheckMode;
use crate::finding::Severity;
use crate::github::Token;
use crate::report::color::Color;

/// Every input `action.yml` declares, in its order.
pub const INPUT_NAMES: &[&str] = &[
    "path",
    "token",
    "checks",
    "scanners",
    "fail-on",
    "baseline",
    "sarif-file",
    "sbom-format",
    "sbom-file",
    "upload",
    "category",
    "config",
    "summary",
    "osv",
    "network-timeout",
    "shellcheck",
    "color",
];

/// The analyses `run` knows. The workflow audit runs by default; the SBOM is written when
/// `sbom-format` is set or `checks` lists `sbom`. The others are accepted and reported as not
/// available, so a workflow written for a later version says what it did not get instead of
/// passing quietly. Settings and history are read when there is a token (`crate::settings`,
/// `crate::history`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Analysis {
    /// Workflows and local actions (the `audit` command).
    Workflows,
    /// Repository settings through the GitHub API: branch protection, rulesets, environments.
    Settings,
    /// The repository's run history through the GitHub API: measured reliability.
    History,
    /// Third-party scanners.
    Scanners,
    /// An SBOM from the lockfiles.
    Sbom,
}

impl Analysis {
    pub const ALL: [Analysis; 5] = [
        Analysis::Workflows,
        Analysis::Settings,
        Analysis::History,
        Analysis::Scanners,
        Analysis::Sbom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Analysis::Workflows => "workflows",
            Analysis::Settings => "settings",
            Analysis::History => "history",
            Analysis::Scanners => "scanners",
            Analysis::Sbom => "sbom",
        }
    }

    pub fn available(self) -> bool {
        matches!(
            self,
            Analysis::Workflows | Analysis::Settings | Analysis::History | Analysis::Scanners
        )
    }
}

/// The SBOM `run` writes (input `sbom-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

impl SbomFormat {
    /// As people write it, for messages and the summary.
    pub fn title(self) -> &'static str {
        match self {
            SbomFormat::Cyclonedx => "CycloneDX",
            SbomFormat::Spdx => "SPDX",
        }
    }

    /// Where the file goes when the `sbom-file` input is not set (the formats' usual suffixes).
    pub fn default_file(self) -> &'static str {
        match self {
            SbomFormat::Cyclonedx => "ci-guard.cdx.json",
            SbomFormat::Spdx => "ci-guard.spdx.json",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadMode {
    /// Upload when it can work: skipped with a notice without a repository, a commit or a token,
    /// and on pull requests from forks or Dependabot, whose token is read-only.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Debug)]
pub struct Inputs {
    /// What to audit, relative to the workspace.
    pub path: String,
    pub token: Option<Token>,
    /// Analyses asked for. `auto` (the default) is every available one.
    pub checks: Vec<Analysis>,
    /// `true` when `checks` named analyses explicitly.
    pub checks_explicit: bool,
    pub scanners: Vec<String>,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
    /// Relative to the workspace unless absolute.
    pub sarif_file: String,
    /// `None`: no SBOM is written.
    pub sbom_format: Option<SbomFormat>,
    /// Relative to the workspace unless absolute; the format's default name when unset.
    pub sbom_file: String,
    pub upload: UploadMode,
    pub category: String,
    pub config: Option<PathBuf>,
    pub summary: bool,
    /// Native SCA: look the lockfiles' packages up in OSV (needs the network).
    pub osv: bool,
    /// `network-timeout`: seconds for all the network work of the run; the default when `None`.
    pub network_timeout: Option<std::time::Duration>,
    /// When shellcheck runs on the `run:` scripts; `None`: the configuration's, else auto.
    pub shellcheck: Option<ShellcheckMode>,
    /// Colours in the text report `run` prints outside Actions (`crate::report::color`).
    pub color: Color,
}

/// An input with a value it cannot take (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("input `{name}`: {reason}")]
pub struct InputError {
    pub name: &'static str,
    pub reason: String,
}

impl Inputs {
    /// `flags` (by input name) win over `INPUT_*` from `env`.
    pub fn resolve(
        flags: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, InputError> {
        let get = |name: &str| -> Option<String> {
            flags
                .get(name)
                .cloned()
                .or_else(|| env(&format!("INPUT_{}", name.to_ascii_uppercase())))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let err = |name: &'static str, reason: String| InputError { name, reason };

        let (checks, checks_explicit) = match get("checks") {
            None => (available(), false),
            Some(v) if v == "auto" || v == "all" => (
                if v == "all" {
                    Analysis::ALL.to_vec()
                } else {
                    available()
                },
                v == "all",
            ),
            Some(v) => {
                let mut out = Vec::new();
                for item in list(&v) {
                    let a = Analysis::ALL
                        .into_iter()
                        .find(|a| a.as_str() == item)
                        .ok_or_else(|| {
                            err(
                                "checks",
                                format!(
                                    "unknown check `{item}`; use `auto`, `all` or a list of: {}",
                                    Analysis::ALL.map(Analysis::as_str).join(", ")
                                ),
                            )
                        })?;
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
                (out, true)
            }
        };
        let fail_on = match get("fail-on").as_deref() {
            None => Some(Severity::High),
            Some(v) => Severity::parse_fail_on(v).map_err(|e| err("fail-on", e))?,
        };
        let upload = match get("upload").as_deref() {
            None | Some("auto") => UploadMode::Auto,
            Some("true") | Some("always") => UploadMode::Always,
            Some("false") | Some("never") => UploadMode::Never,
            Some(v) => {
                return Err(err(
                    "upload",
                    format!("`{v}` is not one of auto, true, false"),
                ));
            }
        };
        let sbom_format = match get("sbom-format").as_deref() {
            Some("cyclonedx") => Some(SbomFormat::Cyclonedx),
            Some("spdx") => Some(SbomFormat::Spdx),
            Some("none") => None,
            // `checks: sbom` (or `all`) asks for one; CycloneDX is the `sbom` command's default.
            None if checks_explicit && checks.contains(&Analysis::Sbom) => {
                Some(SbomFormat::Cyclonedx)
            }
            None => None,
            Some(v) => {
                return Err(err(
                    "sbom-format",
                    format!("`{v}` is not one of cyclonedx, spdx, none"),
                ));
            }
        };
        let summary = match get("summary").as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(v) => return Err(err("summary", format!("`{v}` is not true or false"))),
        };
        let osv = match get("osv").as_deref() {
            None | Some("false") => false,
            Some("true") => true,
            Some(v) => return Err(err("osv", format!("`{v}` is not true or false"))),
        };
        let network_timeout = match get("network-timeout") {
            None => None,
            Some(v) => Some(
                crate::verify_deploy::parse_seconds(&v)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        err(
                            "network-timeout",
                            format!("`{v}` is not a number of seconds above 0"),
                        )
                    })?,
            ),
        };
        let shellcheck = match get("shellcheck") {
            None => None,
            Some(v) => Some(ShellcheckMode::parse(&v).ok_or_else(|| {
                err(
                    "shellcheck",
                    format!("`{v}` is not one of auto, always, never"),
                )
            })?),
        };
        let color = match get("color") {
            None => Color::Auto,
            Some(v) => v.parse().map_err(|e| err("color", e))?,
        };
        Ok(Self {
            path: get("path").unwrap_or_else(|| ".".into()),
            token: get("token").as_deref().and_then(Token::new),
            checks,
            checks_explicit,
            scanners: get("scanners").map(|v| list(&v)).unwrap_or_default(),
            fail_on,
            baseline: get("baseline").map(PathBuf::from),
            sarif_file: get("sarif-file").unwrap_or_else(|| "ci-guard.sarif".into()),
            sbom_file: get("sbom-file")
                .unwrap_or_else(|| sbom_format.map_or("", SbomFormat::default_file).to_string()),
            sbom_format,
            upload,
            category: get("category").unwrap_or_else(|| "ci-guard/".into()),
            config: get("config").map(PathBuf::from),
            summary,
            osv,
            network_timeout,
            shellcheck,
            color,
        })
    }
}

fn available() -> Vec<Analysis> {
    Analysis::ALL
        .into_iter()
        // Scanners start third-party tools: `auto` runs them only when the `scanners` input or
        // the configuration's `scanners:` names them (decided in `action::run`).
        .filter(|a| a.available() && *a != Analysis::Scanners)
        .collect()
}

/// Items separated by commas, spaces or newlines (a YAML block scalar is a natural way to list).
fn list(v: &str) -> Vec<String> {
    v.split([',', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The runner's `GITHUB_*` variables `run` reads.
#[derive(Clone, Debug, Default)]
pub struct Runner {
    /// `GITHUB_ACTIONS=true`: workflow commands are read, so annotations and `::add-mask::`.
    pub in_actions: bool,
    pub workspace: Option<PathBuf>,
    pub repository: Option<String>,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    pub actor: Option<String>,
    pub step_summary: Option<PathBuf>,
    pub output: Option<PathBuf>,
    pub api_url: Option<String>,
    pub server_url: Option<String>,
    pub run_id: Option<String>,
}

impl Runner {
    /// `flags` may set `repository`, `sha`, `ref` and `workspace` (they win).
    pub fn from_env(
        flags: &BTreeMap<String, String>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Self {
        let get = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let flag = |name: &str| flags.get(name).cloned().filter(|v| !v.is_empty());
        Self {
            in_actions: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            workspace: flag("workspace")
                .or_else(|| get("GITHUB_WORKSPACE"))
                .map(PathBuf::from),
            repository: flag("repository").or_else(|| get("GITHUB_REPOSITORY")),
            sha: flag("sha").or_else(|| get("GITHUB_SHA")),
            git_ref: flag("ref").or_else(|| get("GITHUB_REF")),
            event_name: get("GITHUB_EVENT_NAME"),
            event_path: get("GITHUB_EVENT_PATH").map(PathBuf::from),
            actor: get("GITHUB_ACTOR"),
            step_summary: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: get("GITHUB_OUTPUT").map(PathBuf::from),
            api_url: get("GITHUB_API_URL"),
            server_url: get("GITHUB_SERVER_URL"),
            run_id: get("GITHUB_RUN_ID"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults() {
        let i = Inputs::resolve(&BTreeMap::new(), &env_of(&[])).expect("inputs");
        assert_eq!(i.path, ".");
        assert_eq!(i.fail_on, Some(Severity::High));
        assert_eq!(i.upload, UploadMode::Auto);
        assert_eq!(
            i.checks,
            vec![Analysis::Workflows, Analysis::Settings, Analysis::History]
        );
        assert!(!i.checks_explicit && i.summary && i.token.is_none());
        assert_eq!(i.sarif_file, "ci-guard.sarif");
        assert!(i.sbom_format.is_none() && i.sbom_file.is_empty());
        assert_eq!(i.shellcheck, None, "the configuration's, else auto");
        let i = Inputs::resolve(&BTreeMap::new(), &env_of(&[("INPUT_SHELLCHECK", "never")]))
            .expect("inputs");
        assert_eq!(i.shellcheck, Some(ShellcheckMode::Never));
        assert_eq!(i.color, Color::Auto);
        let i = Inputs::resolve(&BTreeMap::new(), &env_of(&[("INPUT_COLOR", "always")]))
            .expect("inputs");
        assert_eq!(i.color, Color::Always);
    }

    /// `action.yml` declares exactly the inputs this module reads, in the same order.
    #[test]
    fn action_yml_declares_every_input() {
        let action = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/action.yml"))
            .expect("action.yml");
        let inputs = action
            .split("\ninputs:\n")
            .nth(1)
            .and_then(|rest| rest.split("\noutputs:").next())
            .expect("an inputs section");
        let declared: Vec<&str> = inputs
            .lines()
            .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
            .filter(|name| !name.starts_with(' '))
            .collect();
        assert_eq!(declared, INPUT_NAMES);
    }

    #[test]
    fn sbom_format_and_file() {
        let i = Inputs::resolve(&BTreeMap::new(), &env_of(&[("INPUT_SBOM-FORMAT", "spdx")]))
            .expect("inputs");
        assert_eq!(i.sbom_format, Some(SbomFormat::Spdx));
        assert_eq!(i.sbom_file, "ci-guard.spdx.json");
        let env = env_of(&[
            ("INPUT_SBOM-FORMAT", "cyclonedx"),
            ("INPUT_SBOM-FILE", "out/bom.json"),
        ]);
        let i = Inputs::resolve(&BTreeMap::new(), &env).expect("inputs");
        assert_eq!(i.sbom_format, Some(SbomFormat::Cyclonedx));
        assert_eq!(i.sbom_file, "out/bom.json");
        // Listing the `sbom` check asks for one, in the `sbom` command's default format.
        let i = Inputs::resolve(
            &BTreeMap::new(),
            &env_of(&[("INPUT_CHECKS", "workflows,sbom")]),
        )
        .expect("inputs");
        assert_eq!(i.sbom_format, Some(SbomFormat::Cyclonedx));
        let env = env_of(&[("INPUT_CHECKS", "all"), ("INPUT_SBOM-FORMAT", "none")]);
        let i = Inputs::resolve(&BTreeMap::new(), &env).expect("inputs");
        assert!(i.sbom_format.is_none());
    }

    #[test]
    fn hyphens_are_kept_and_flags_win() {
        let env = env_of(&[
            ("INPUT_FAIL-ON", "medium"),
            ("INPUT_SARIF-FILE", "out/x.sarif"),
            ("INPUT_FAIL_ON", "critical"),
            ("INPUT_UPLOAD", "false"),
            ("INPUT_TOKEN", ""),
        ]);
        let i = Inputs::resolve(&BTreeMap::new(), &env).expect("inputs");
        assert_eq!(i.fail_on, Some(Severity::Medium));
        assert_eq!(i.sarif_file, "out/x.sarif");
        assert_eq!(i.upload, UploadMode::Never);
        assert!(i.token.is_none(), "an empty input is unset");
        let flags = BTreeMap::from([("fail-on".to_string(), "none".to_string())]);
        assert_eq!(Inputs::resolve(&flags, &env).expect("inputs").fail_on, None);
        let flags = BTreeMap::from([("fail-on".to_string(), "info".to_string())]);
        let i = Inputs::resolve(&flags, &env).expect("inputs");
        assert_eq!(i.fail_on, Some(Severity::Info));
    }

    #[test]
    fn lists_and_future_analyses() {
        let env = env_of(&[
            ("INPUT_CHECKS", "workflows,\nsettings"),
            ("INPUT_SCANNERS", "trivy gitleaks"),
        ]);
        let i = Inputs::resolve(&BTreeMap::new(), &env).expect("inputs");
        assert_eq!(i.checks, vec![Analysis::Workflows, Analysis::Settings]);
        assert!(i.checks_explicit);
        assert_eq!(i.scanners, vec!["trivy", "gitleaks"]);
    }

    #[test]
    fn bad_values_name_the_input() {
        for (k, v, name) in [
            ("INPUT_FAIL-ON", "severe", "fail-on"),
            ("INPUT_UPLOAD", "maybe", "upload"),
            ("INPUT_CHECKS", "workflows,magic", "checks"),
            ("INPUT_SUMMARY", "yes", "summary"),
            ("INPUT_OSV", "on", "osv"),
            ("INPUT_SBOM-FORMAT", "xml", "sbom-format"),
            ("INPUT_SHELLCHECK", "true", "shellcheck"),
            ("INPUT_COLOR", "yes", "color"),
        ] {
            let e = Inputs::resolve(&BTreeMap::new(), &env_of(&[(k, v)])).expect_err(k);
            assert_eq!(e.name, name);
            assert!(
                e.to_string()
                    .contains(v.split(',').next_back().unwrap_or(v)),
                "{e}"
            );
        }
    }

    #[test]
    fn runner_reads_github_variables() {
        let env = env_of(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_SHA", "abc"),
            ("GITHUB_REF", "refs/heads/main"),
        ]);
        let flags = BTreeMap::from([("ref".to_string(), "refs/heads/dev".to_string())]);
        let r = Runner::from_env(&flags, &env);
        assert!(r.in_actions);
        assert_eq!(r.repository.as_deref(), Some("o/r"));
        assert_eq!(r.git_ref.as_deref(), Some("refs/heads/dev"));
        assert!(r.step_summary.is_none());
    }
}
