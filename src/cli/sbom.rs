//! `ci-guard sbom`: a CycloneDX or SPDX document from the repository's lockfiles.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use ci_guard::finding::plural;

use super::common::{discover, print};

pub const AFTER_HELP: &str = concat!(
    "Examples:\n",
    "  ci-guard sbom                                   CycloneDX of the current repository\n",
    "  ci-guard sbom --format spdx --output sbom.spdx.json\n",
    "  SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) ci-guard sbom -o sbom.cdx.json\n\n",
    "Reads Cargo.lock, package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml,\n",
    "requirements*.txt, poetry.lock, Pipfile.lock, uv.lock, go.mod, go.sum, Gemfile.lock and\n",
    "composer.lock (docs/sbom.md). A lockfile that cannot be read is reported as file:line on\n",
    "standard error and left out; the others are still in the SBOM.\n\n",
    "Exit codes:\n",
    "  0  SBOM written (warnings, if any, on standard error)\n",
    "  2  usage error\n",
    "  3  I/O error"
);

#[derive(clap::Args)]
pub struct SbomArgs {
    /// Repository (or folder of repositories) whose lockfiles to read.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// SBOM format.
    #[arg(long, short = 'f', value_enum, default_value_t = SbomFormat::Cyclonedx)]
    format: SbomFormat,
    /// Write the SBOM to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// The root component's name [default: the repository's folder name, or GITHUB_REPOSITORY
    /// in GitHub Actions]: whatever folder the command runs in, the SBOM names the same thing.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

pub fn run(args: &SbomArgs) -> ExitCode {
    use ci_guard::sbom;
    let stamp = match sbom::Stamp::from_env() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let ws = match discover(&args.path) {
        Ok(ws) => ws,
        Err(code) => return code,
    };
    let mut inventory = sbom::collect(&ws);
    if let Some(name) = args
        .name
        .clone()
        .or_else(|| sbom::name_in_actions(|k| std::env::var(k).ok()))
    {
        inventory.root_name = name;
    }
    for e in &inventory.errors {
        eprintln!("warning: {e}; its packages are not in the SBOM");
    }
    let doc = match args.format {
        SbomFormat::Cyclonedx => sbom::cyclonedx::render(&inventory, &stamp),
        SbomFormat::Spdx => sbom::spdx::render(&inventory, &stamp),
    };
    let mut rendered = serde_json::to_string_pretty(&doc).unwrap_or_default();
    rendered.push('\n');
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, rendered.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(3);
            }
            let unpinned = inventory
                .components
                .iter()
                .filter(|c| c.requirement.is_some())
                .count();
            eprintln!(
                "ci-guard: {} written to {}",
                written(&inventory, unpinned),
                path.display()
            );
            ExitCode::SUCCESS
        }
        None => print(&rendered),
    }
}

/// "12 components from 1 lockfile (1 unreadable), 2 unpinned requirements".
fn written(inventory: &ci_guard::sbom::Inventory, unpinned: usize) -> String {
    let read = inventory.lockfiles.len() - inventory.errors.len();
    let mut out = format!(
        "{} from {}",
        plural(inventory.components.len(), "component", "components"),
        plural(read, "lockfile", "lockfiles")
    );
    if !inventory.errors.is_empty() {
        out.push_str(&format!(" ({} unreadable)", inventory.errors.len()));
    }
    if unpinned > 0 {
        out.push_str(&format!(
            ", {}",
            plural(unpinned, "unpinned requirement", "unpinned requirements")
        ));
    }
    out
}
