//! The training progress bar: drawn on stderr when it is a terminal, silent otherwise.

use std::io::IsTerminal;

use super::config::ProgressBar as Mode;

/// A progress bar over the steps of training.
pub struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    /// A bar of `len` steps, visible when `mode` allows and stderr is a terminal.
    pub fn new(mode: Mode, len: u64) -> Self {
        let visible = mode == Mode::Auto && std::io::stderr().is_terminal();
        let bar = if visible { indicatif::ProgressBar::new(len) } else { indicatif::ProgressBar::hidden() };
        if let Ok(style) = indicatif::ProgressStyle::with_template("cascades {bar:30} {pos}/{len} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        Progress { bar }
    }

    /// Starts a step.
    pub fn step(&self, message: impl Into<String>) {
        self.bar.set_message(message.into());
    }

    /// Ends a step.
    pub fn done(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
