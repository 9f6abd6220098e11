//! Third-party scanners (SAST, SCA, container, secret, IaC) and ci-guard's native SCA: decide which
//! apply, run them in parallel with timeouts, parse each tool's native output into one model
//! ([`model`]), normalise it (paths, severities, dependency locations, duplicates), and hand the
//! runs to the sinks. One file per tool under `parse/`.

pub mod model;
pub mod normalise;
pub mod parse;
