//! ci-guard: audit a repository's CI/CD pipeline and report it where GitHub users look.

pub mod action;
pub mod analysis;
pub mod assess;
pub mod audit;
pub mod files;
pub mod finding;
pub mod fix;
pub mod github;
pub mod history;
pub mod inventory;
pub mod lockfile;
pub mod measured;
pub mod org;
pub mod report;
pub mod rules;
pub mod sbom;
pub mod scanners;
pub mod settings;
pub mod source;
pub mod verify_deploy;
pub mod workflow;
pub mod workspace;
pub mod yaml;

/// Where rule documentation links point.
pub const PROJECT_URL: &str = "https://github.com/ci-guard/ci-guard";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub mod config;
pub mod redact;
pub mod suppress;
pub mod time;
pub mod untrusted;
