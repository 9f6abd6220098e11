//! Whether the text report is coloured: one rule for every command that prints it (`audit`,
//! `scan`, `run`).
//!
//! `NO_COLOR` (set, not empty) wins; then `always` and `never` mean what they say; `auto`
//! colours a terminal, any output when `FORCE_COLOR` is set to something other than `0` or
//! `false`, and standard output in a GitHub Actions job (`GITHUB_ACTIONS=true`): there standard
//! output is a pipe, not a terminal, yet the log renders ANSI colours (actions/runner#241), the
//! convention chalk's `supports-color` follows too. A file named by `--output` is coloured
//! only when asked (`always`, `FORCE_COLOR`).

use std::io::IsTerminal;

/// `--color` and the action's `color` input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

/// Where the text goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// Standard output; `terminal` when it is one.
    Stdout { terminal: bool },
    /// A file the user named.
    File,
}

impl Output {
    /// Standard output of this process, a terminal or not.
    pub fn stdout() -> Self {
        Output::Stdout {
            terminal: std::io::stdout().is_terminal(),
        }
    }
}

impl Color {
    pub const NAMES: [&'static str; 3] = ["auto", "always", "never"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto" => Some(Color::Auto),
            "always" => Some(Color::Always),
            "never" => Some(Color::Never),
            _ => None,
        }
    }

    /// Whether to colour text written to `to`, with the environment's `NO_COLOR`,
    /// `FORCE_COLOR` and `GITHUB_ACTIONS` read through `env` (the module's rule).
    pub fn enabled(self, to: Output, env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        if set("NO_COLOR").is_some() {
            return false;
        }
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                let forced = set("FORCE_COLOR").is_some_and(|v| v != "0" && v != "false");
                let actions_log = set("GITHUB_ACTIONS").as_deref() == Some("true");
                forced
                    || match to {
                        Output::Stdout { terminal } => terminal || actions_log,
                        Output::File => false,
                    }
            }
        }
    }
}

impl std::str::FromStr for Color {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Color::parse(s).ok_or_else(|| format!("`{s}` is not one of {}", Color::NAMES.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_string())
        }
    }

    const TTY: Output = Output::Stdout { terminal: true };
    const PIPE: Output = Output::Stdout { terminal: false };

    #[test]
    fn colour_follows_the_flag_force_color_and_no_color_last() {
        // auto: a terminal, or FORCE_COLOR (not 0/false/empty) for a pipe or a file.
        assert!(Color::Auto.enabled(TTY, env(&[])));
        assert!(!Color::Auto.enabled(PIPE, env(&[])));
        assert!(!Color::Auto.enabled(Output::File, env(&[])));
        assert!(Color::Auto.enabled(PIPE, env(&[("FORCE_COLOR", "1")])));
        assert!(Color::Auto.enabled(Output::File, env(&[("FORCE_COLOR", "3")])));
        const OFF: [&[(&str, &str)]; 3] = [
            &[("FORCE_COLOR", "0")],
            &[("FORCE_COLOR", "false")],
            &[("FORCE_COLOR", "")],
        ];
        for pairs in OFF {
            assert!(!Color::Auto.enabled(PIPE, env(pairs)), "{pairs:?}");
        }
        assert!(Color::Always.enabled(PIPE, env(&[])));
        assert!(Color::Always.enabled(Output::File, env(&[])));
        assert!(!Color::Never.enabled(TTY, env(&[("FORCE_COLOR", "1")])));
        // NO_COLOR wins over everything; empty means unset.
        assert!(!Color::Always.enabled(TTY, env(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")])));
        assert!(!Color::Auto.enabled(TTY, env(&[("NO_COLOR", "1")])));
        assert!(Color::Always.enabled(PIPE, env(&[("NO_COLOR", "")])));
    }

    #[test]
    fn an_actions_log_is_coloured_under_auto_but_not_a_file() {
        let actions = env(&[("GITHUB_ACTIONS", "true")]);
        assert!(Color::Auto.enabled(PIPE, &actions));
        assert!(!Color::Auto.enabled(Output::File, &actions));
        assert!(!Color::Never.enabled(PIPE, &actions));
        assert!(!Color::Auto.enabled(PIPE, env(&[("GITHUB_ACTIONS", "false")])));
        assert!(!Color::Auto.enabled(PIPE, env(&[("GITHUB_ACTIONS", "true"), ("NO_COLOR", "1")])));
    }

    #[test]
    fn names_parse_and_others_are_refused() {
        for name in Color::NAMES {
            assert!(Color::parse(name).is_some(), "{name}");
        }
        assert_eq!("always".parse::<Color>(), Ok(Color::Always));
        assert_eq!(
            "yes".parse::<Color>(),
            Err("`yes` is not one of auto, always, never".to_string())
        );
    }
}
