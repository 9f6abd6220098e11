//! semgrep: multi-language SAST with local rules only (no registry, no login, no network):
//! `--metrics=off` and `--disable-version-check` (without it every run waits on a version check,
//! about 100 s offline). Findings do not change the exit code (no `--error`); 1 and above fail.

use super::{Invocation, Kind, Target, ToolDef, path_arg, s, zero_only};
use crate::workspace::Language;

pub static TOOL: ToolDef = ToolDef {
    name: "semgrep",
    program: "semgrep",
    homepage: "https://github.com/semgrep/semgrep",
    reads: None,
    parser: "semgrep",
    kind: Kind::Sast,
    group: None,
    applies: |t: &Target| {
        let code: Vec<&str> = t
            .languages
            .iter()
            .filter(|l| !matches!(l, Language::Shell))
            .map(|l| match l {
                Language::Python => "Python",
                Language::JavaScript => "JavaScript",
                Language::TypeScript => "TypeScript",
                Language::Go => "Go",
                Language::Rust => "Rust",
                Language::Java => "Java",
                Language::Kotlin => "Kotlin",
                Language::Ruby => "Ruby",
                Language::Php => "PHP",
                Language::CSharp => "C#",
                Language::Shell => "shell",
            })
            .collect();
        (!code.is_empty()).then(|| format!("{} code", super::some_of(&code)))
    },
    unrunnable: |t: &Target| {
        t.semgrep_config.is_none().then(|| {
            "no local rules: add .semgrep.yml (or .semgrep/) or pass --semgrep-config FILE (registry rules need the network)".to_string()
        })
    },
    invocation: |t, scratch| {
        let config = t
            .semgrep_config
            .as_deref()
            .map(path_arg)
            .unwrap_or_default();
        let mut args = s(&["scan", "--config"]);
        args.push(config);
        args.extend(s(&[
            "--metrics=off",
            "--disable-version-check",
            "--json",
            "--quiet",
            "-o",
        ]));
        Invocation::to_file(args, scratch.join("semgrep.json"), &s(&["."]))
    },
    version_args: &["--version"],
    exit: zero_only,
    cost: 8,
};

/// semgrep names a rule of a local config file after the file's folder: `rules.yml` in
/// `/work/ci/` gives `work.ci.my-rule`. That folder differs between machines and checkouts, so
/// the prefix is dropped and ids, fingerprints and baselines stay stable.
pub fn strip_local_prefix(run: &mut crate::scanners::model::ToolRun, config: &std::path::Path) {
    let folder = if config.is_dir() {
        Some(config)
    } else {
        config.parent()
    };
    // semgrep writes the folder as given, `/` turned into `.` (so `..` stays `..`).
    let dotted = folder
        .map(|f| f.to_string_lossy().replace(['/', '\\'], "."))
        .unwrap_or_default();
    let dotted = dotted.trim_matches('.');
    if dotted.is_empty() {
        return;
    }
    let prefix = format!("semgrep/{dotted}.");
    let strip = |id: &mut String| {
        if let Some(rest) = id.strip_prefix(&prefix)
            && !rest.is_empty()
        {
            *id = format!("semgrep/{rest}");
        }
    };
    run.rules.iter_mut().for_each(|r| strip(&mut r.id));
    run.findings.iter_mut().for_each(|f| strip(&mut f.rule_id));
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::scanners::model::{Origin, RunStatus, ScanFinding, ScanRule, ToolRun};

    #[test]
    fn local_rule_ids_lose_the_config_folder() {
        let rule = |id: &str| ScanRule {
            id: id.into(),
            name: None,
            description: None,
            help_uri: None,
        };
        let mut run = ToolRun {
            tool: "semgrep".into(),
            version: None,
            origin: Origin::Native,
            status: RunStatus::Completed,
            rules: vec![
                rule("semgrep/work.ci.eval-use"),
                rule("semgrep/python.lang.x"),
            ],
            findings: vec![ScanFinding {
                rule_id: "semgrep/work.ci.eval-use".into(),
                severity: Severity::Medium,
                cvss: None,
                message: String::new(),
                location: None,
                package: None,
                suppressed: false,
                also_reported_by: Vec::new(),
                fingerprint: String::new(),
            }],
            notifications: Vec::new(),
        };
        super::strip_local_prefix(&mut run, std::path::Path::new("/work/ci/rules.yml"));
        let mut other = run.clone();
        other.rules[0].id = "semgrep/a.b....rules.eval-use".into();
        super::strip_local_prefix(&mut other, std::path::Path::new("/a/b/../rules/rules.yml"));
        assert_eq!(other.rules[0].id, "semgrep/eval-use");
        assert_eq!(run.rules[0].id, "semgrep/eval-use");
        assert_eq!(run.rules[1].id, "semgrep/python.lang.x");
        assert_eq!(run.findings[0].rule_id, "semgrep/eval-use");
    }
}
