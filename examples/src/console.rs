//! What the examples print besides their results: logs through `tracing`
//! (`RUST_LOG`, colours only on a terminal) and progress bars for long
//! work (only on a terminal; a pipe or a file gets no bar and no escape
//! codes).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Logs to stderr: `RUST_LOG`, or `default_filter` without it; ANSI colours
/// only when stderr is a terminal.
pub fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// A progress bar of `len` steps on stderr, labelled `what`; `None` when
/// stderr is not a terminal.
pub fn progress(len: u64, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("  {msg:24} [{bar:30}] {pos}/{len} ({per_sec}, {eta} left)")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// A [`StateRestoreListener`](kstreams::state::StateRestoreListener) that
/// draws one bar per restoring store partition (only on a terminal) and
/// otherwise leaves the logging to kstreams' own progress lines.
#[derive(Default)]
pub struct RestoreBars {
    bars: std::sync::Mutex<std::collections::HashMap<BarKey, ProgressBar>>,
}

/// A restoring store partition: (store, changelog topic, partition).
type BarKey = (String, String, i32);

fn bar_key(store: &str, partition: &kstreams::state::ChangelogPartition) -> BarKey {
    (
        store.to_owned(),
        partition.topic.clone(),
        partition.partition,
    )
}

impl RestoreBars {
    fn bars(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<BarKey, ProgressBar>> {
        self.bars.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl kstreams::state::StateRestoreListener for RestoreBars {
    fn on_restore_start(
        &self,
        partition: &kstreams::state::ChangelogPartition,
        store: &str,
        start_offset: i64,
        end_offset: i64,
    ) {
        let len = u64::try_from(end_offset - start_offset).unwrap_or(0);
        if let Some(bar) = progress(len, &format!("restoring {store}-{}", partition.partition)) {
            self.bars().insert(bar_key(store, partition), bar);
        }
    }

    fn on_batch_restored(
        &self,
        partition: &kstreams::state::ChangelogPartition,
        store: &str,
        _batch_end_offset: i64,
        num_restored: u64,
    ) {
        if let Some(bar) = self.bars().get(&bar_key(store, partition)) {
            bar.inc(num_restored);
        }
    }

    fn on_restore_end(
        &self,
        partition: &kstreams::state::ChangelogPartition,
        store: &str,
        _total_restored: u64,
    ) {
        if let Some(bar) = self.bars().remove(&bar_key(store, partition)) {
            bar.finish_and_clear();
        }
    }
}
