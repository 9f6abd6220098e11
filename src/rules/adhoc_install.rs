//! `adhoc-install`: tools installed in CI steps without a version (`pip install X`,
//! `npm install -g X`, `npx X`, `go install X@latest`, `cargo install X`, `gem install X`).

use super::Rule;
use super::run_sites::{program_words, run_sites};
use crate::analysis::RepoAnalysis;
use crate::finding::{Area, Finding, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "adhoc-install",
        area: Area::WorkflowSecurity,
        default: Severity::Medium,
        summary: "Package installed in a CI step without a pinned version",
        help: include_str!("../../docs/rules/adhoc-install.md"),
    },
    check: Some(check),
};

/// Python packaging tools that nearly every pipeline upgrades; unpinned, they are a smaller risk.
const PACKAGING_TOOLS: &[&str] = &["pip", "setuptools", "wheel"];

struct Unpinned {
    manager: &'static str,
    packages: Vec<String>,
    fix: String,
    severity: Severity,
}

fn check(repo: &RepoAnalysis<'_>, out: &mut Vec<Finding>) {
    for site in run_sites(repo) {
        for cmd in site.commands(repo).iter() {
            let Some(u) = unpinned(program_words(&cmd.words)) else {
                continue;
            };
            let message = format!(
                "step `{}` installs {} with {} but no version, so each run may get a different \
                 (or a newly compromised) release; pin it: `{}`",
                site.step.label(),
                u.packages
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                u.manager,
                u.fix,
            );
            out.push(
                Finding::at(&RULE.meta, site.command_location(cmd), &cmd.text, message)
                    .severity(u.severity),
            );
        }
    }
}

/// Arguments that are not options, skipping the values of options that take one.
fn operands<'a>(args: &'a [String], with_value: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            skip = with_value.contains(&a.as_str());
            continue;
        }
        // Shell syntax the placeholder reader leaves in words: stop at redirections and pipes.
        if matches!(a.as_str(), "|" | ">" | ">>" | "2>&1" | ";" | "&&" | "||") || a.starts_with('>')
        {
            break;
        }
        out.push(a.as_str());
    }
    out
}

fn has(args: &[String], flags: &[&str]) -> bool {
    args.iter().any(|a| {
        flags.iter().any(|f| {
            a.strip_prefix(f)
                .is_some_and(|r| r.is_empty() || r.starts_with('='))
        })
    })
}

/// A package spec that names a registry package (not a path, URL, file or variable).
fn is_registry_name(p: &str) -> bool {
    !(p.is_empty()
        || p.starts_with('.')
        || p.starts_with('/')
        || p.starts_with('$')
        || p.starts_with('~')
        || p.contains("://")
        || p.starts_with("git+")
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || p.ends_with(".zip")
        || p.ends_with(".tgz")
        || p.contains("${{"))
}

fn unpinned(words: &[String]) -> Option<Unpinned> {
    let first = words.first()?.rsplit('/').next()?.to_string();
    let rest = &words[1..];
    match first.as_str() {
        "pip" | "pip3" => pip(rest),
        "python" | "python3" if rest.len() > 2 && rest[0] == "-m" && rest[1] == "pip" => {
            pip(&rest[2..])
        }
        "uv" if rest.first().is_some_and(|w| w == "pip") => pip(&rest[1..]),
        "npm" | "pnpm" => {
            let sub = rest.first()?.as_str();
            if !matches!(sub, "install" | "i" | "add") {
                return None;
            }
            // Without `-g`, naming packages adds them outside the reviewed lockfile.
            let how = if has(rest, &["-g", "--global"]) {
                "npm install -g"
            } else {
                "npm install"
            };
            js_packages(&rest[1..], how)
        }
        "yarn" if rest.len() > 1 && rest[0] == "global" && rest[1] == "add" => {
            js_packages(&rest[2..], "yarn global add")
        }
        "npx" => {
            // `npx pkg args…`: only the first operand is the package; `-p pkg` names it too.
            let pkg = rest
                .windows(2)
                .find(|w| w[0] == "-p" || w[0] == "--package")
                .map(|w| w[1].as_str())
                .or_else(|| operands(rest, &["-c", "--call"]).first().copied())?;
            if !is_registry_name(pkg) || js_version(pkg) {
                return None;
            }
            Some(Unpinned {
                manager: "npx",
                packages: vec![pkg.to_string()],
                fix: format!("npx {pkg}@<version>"),
                severity: RULE.meta.default,
            })
        }
        "go" if rest.first().is_some_and(|w| w == "install") => {
            let pkgs: Vec<String> = operands(&rest[1..], &["-C", "-o", "-tags"])
                .into_iter()
                .filter(|p| {
                    p.rsplit_once('@')
                        .is_some_and(|(_, v)| matches!(v, "latest" | "master" | "main" | "HEAD"))
                })
                .map(str::to_string)
                .collect();
            let first = pkgs.first()?.clone();
            let module = first.rsplit_once('@').map_or(first.as_str(), |(m, _)| m);
            Some(Unpinned {
                manager: "go install",
                fix: format!("go install {module}@v<X.Y.Z>"),
                packages: pkgs,
                severity: RULE.meta.default,
            })
        }
        "cargo" if rest.first().is_some_and(|w| w == "install") => {
            let args = &rest[1..];
            if has(
                args,
                &["--version", "--vers", "--path", "--git", "--rev", "--tag"],
            ) {
                return None;
            }
            let pkgs: Vec<String> = operands(
                args,
                &[
                    "--root",
                    "--target",
                    "--features",
                    "-F",
                    "--profile",
                    "--registry",
                    "--index",
                    "-j",
                    "--jobs",
                    "--bin",
                    "--example",
                    "--branch",
                ],
            )
            .into_iter()
            .filter(|p| is_registry_name(p) && !p.contains('@'))
            .map(str::to_string)
            .collect();
            let first = pkgs.first()?.clone();
            Some(Unpinned {
                manager: "cargo install",
                fix: format!("cargo install {first} --version <X.Y.Z> --locked"),
                packages: pkgs,
                severity: RULE.meta.default,
            })
        }
        "gem" if rest.first().is_some_and(|w| w == "install") => {
            let args = &rest[1..];
            if has(args, &["-v", "--version"]) {
                return None;
            }
            let pkgs: Vec<String> = operands(
                args,
                &["-i", "--install-dir", "-n", "--bindir", "-s", "--source"],
            )
            .into_iter()
            .filter(|p| is_registry_name(p) && !p.ends_with(".gem") && !p.contains(':'))
            .map(str::to_string)
            .collect();
            let first = pkgs.first()?.clone();
            Some(Unpinned {
                manager: "gem install",
                fix: format!("gem install {first} -v <X.Y.Z>"),
                packages: pkgs,
                severity: RULE.meta.default,
            })
        }
        _ => None,
    }
}

fn pip(rest: &[String]) -> Option<Unpinned> {
    if rest.first().is_none_or(|w| w != "install") {
        return None;
    }
    let args = &rest[1..];
    // Requirements and constraints files pin (or should pin) in one reviewed place.
    if has(
        args,
        &[
            "--require-hashes",
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
        ],
    ) {
        return None;
    }
    let pkgs: Vec<String> = operands(
        args,
        &[
            "-i",
            "--index-url",
            "--extra-index-url",
            "-t",
            "--target",
            "--prefix",
            "--root",
            "-f",
            "--find-links",
            "--platform",
            "--python-version",
            "--only-binary",
            "--no-binary",
        ],
    )
    .into_iter()
    .filter(|p| {
        is_registry_name(p) && !p.contains("==") && !p.contains("===") && !p.contains(" @ ")
    })
    .map(|p| p.trim_matches(|c| c == '"' || c == '\'').to_string())
    .collect();
    let first = pkgs.first()?.clone();
    let base = |p: &str| {
        p.split(['[', '<', '>', '~', '!', '='])
            .next()
            .unwrap_or(p)
            .to_ascii_lowercase()
    };
    let severity = if pkgs
        .iter()
        .all(|p| PACKAGING_TOOLS.contains(&base(p).as_str()))
    {
        Severity::Low
    } else {
        RULE.meta.default
    };
    Some(Unpinned {
        manager: "pip",
        fix: format!(
            "pip install {}==<X.Y.Z> (or a requirements file with --require-hashes)",
            base(&first)
        ),
        packages: pkgs,
        severity,
    })
}

/// `name@1.2.3`, `@scope/name@1.2.3`; a dist-tag such as `@latest` is not a version.
/// `name@X.Y.Z` (an optional `v`, a pre-release or build suffix): one exact version. Ranges and
/// partial versions (`@^20.0.0`, `@1`, `@8.x`) and dist-tags (`@latest`) move.
fn js_version(p: &str) -> bool {
    let body = p.strip_prefix('@').unwrap_or(p);
    body.split_once('@').is_some_and(|(_, v)| {
        let v = v.strip_prefix('v').unwrap_or(v);
        let core = v.split(['-', '+']).next().unwrap_or(v);
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

fn js_packages(args: &[String], how: &'static str) -> Option<Unpinned> {
    let pkgs: Vec<String> = operands(args, &["--prefix", "--registry"])
        .into_iter()
        .filter(|p| is_registry_name(p) && !js_version(p))
        .map(str::to_string)
        .collect();
    let first = pkgs.first()?.clone();
    let name = match first.strip_prefix('@') {
        Some(b) => format!("@{}", b.split('@').next().unwrap_or(b)),
        None => first.split('@').next().unwrap_or(&first).to_string(),
    };
    Some(Unpinned {
        manager: how,
        fix: format!("{how} {name}@<X.Y.Z>"),
        packages: pkgs,
        severity: RULE.meta.default,
    })
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::rules::testing::{findings_for, workflow_running};
    use crate::yaml::Pos;

    #[test]
    fn flags_each_unpinned_manager() {
        let script = "pip install requests black==24.1.0\npython -m pip install --upgrade pip\nnpm install -g @techdocs/cli\nnpx prettier --check .\ngo install golang.org/x/tools/cmd/goimports@latest\ncargo install cargo-audit\ngem install bundler\nsudo npm i -g yarn@latest\nnpm i semver";
        let found = findings_for("adhoc-install", &workflow_running(script));
        let got: Vec<_> = found
            .iter()
            .map(|f| (f.location.as_ref().map(|l| l.start.line), f.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(7), Severity::Medium),
                (Some(8), Severity::Low),
                (Some(9), Severity::Medium),
                (Some(10), Severity::Medium),
                (Some(11), Severity::Medium),
                (Some(12), Severity::Medium),
                (Some(13), Severity::Medium),
                (Some(14), Severity::Medium),
                (Some(15), Severity::Medium),
            ]
        );
        assert_eq!(
            found[0].location.as_ref().map(|l| l.start),
            Some(Pos::new(7, 11))
        );
        assert!(
            found[0].message.contains("installs `requests` with pip"),
            "{}",
            found[0].message
        );
        assert!(
            found[2]
                .message
                .contains("npm install -g @techdocs/cli@<X.Y.Z>"),
            "{}",
            found[2].message
        );
        assert!(
            found[4]
                .message
                .contains("go install golang.org/x/tools/cmd/goimports@v<X.Y.Z>")
        );
    }

    #[test]
    fn ranges_and_partial_versions_are_not_pins() {
        // Shapes from the corpus: playwright's `npm install -g yarn@1`, actions/runner's
        // `npm install --save-dev @types/node@^20.0.0`.
        let script = "npm install -g yarn@1\nnpm install --save-dev @types/node@^20.0.0\nnpm i -g pnpm@8.x\n";
        let found = findings_for("adhoc-install", &workflow_running(script));
        let lines: Vec<_> = found
            .iter()
            .map(|f| f.location.as_ref().map(|l| l.start.line))
            .collect();
        assert_eq!(lines, vec![Some(7), Some(8), Some(9)]);
    }

    #[test]
    fn pinned_and_file_based_installs_are_not_findings() {
        let script = "pip install -r requirements.txt\npip install --require-hashes -r req.txt\npip install black==24.1.0\npip install -e .\npip install ./dist/pkg.whl\nnpm install\nnpm ci\nnpm install -g pnpm@9.1.0\nnpm install -g sass@v1.79.0\nnpm install --no-save tsx@4.21.0\nnpm i -g @scope/tool@2.0.0-rc.1\nnpm install ../eslint\nnpx @biomejs/biome@1.9.4 check\ngo install golang.org/x/tools/cmd/goimports@v0.20.0\ncargo install cargo-audit --version 0.21.0 --locked\ncargo install --path .\ngem install bundler -v 2.5.0";
        assert!(findings_for("adhoc-install", &workflow_running(script)).is_empty());
    }
}
