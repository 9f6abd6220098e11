//! semgrep: multi-language SAST with local rules only (no registry, no login, no network):
//! `--metrics=off` and `--disable-version-check` (without it every run waits on a version check,
//! about 100 s offline). Findings do not change the exit code (no `--error`); 1 and above fail.

use super::{Invocation, Kind, Target, ToolDef, path_arg, s, zero_only};
use crate::workspace::Language;

pub static TOOL: ToolDef = ToolDef {
    name: "semgrep",
    program: "semgrep",
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
        let out = scratch.join("semgrep.json");
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
        args.push(path_arg(&out));
        args.push(".".into());
        Invocation {
            args,
            env: Vec::new(),
            output_file: Some(out),
        }
    },
    version_args: &["--version"],
    exit: zero_only,
    cost: 8,
};
