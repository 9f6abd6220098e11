//! The commands, one file each: its `clap` arguments, its help text and its call into the
//! library. What several commands share (output formats, the fail-on policy, writing a report
//! and choosing the exit code) is in `common`.

pub mod audit;
pub mod common;
pub mod explain;
pub mod fix;
pub mod merge;
pub mod org;
pub mod rules;
pub mod run;
pub mod sbom;
pub mod scan;
pub mod verify_deploy;
