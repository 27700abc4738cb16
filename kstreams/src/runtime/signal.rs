//! SIGINT/SIGTERM handling for [`super::KafkaStreams::run_until_signal`].
//!
//! `signal-hook` registers the handlers (chaining to, not replacing, any
//! handler registered through it before); each handler only sets an atomic
//! flag, the one async-signal-safe thing to do, and the waiting thread
//! polls it and closes the client normally.
//!
//! Must never: do more in the handler than set the flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGINT, SIGTERM};

use crate::{Error, Result};

/// Set by the handlers; shared with `signal-hook`, which keeps a clone.
fn signalled() -> &'static Arc<AtomicBool> {
    static SIGNALLED: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    SIGNALLED.get_or_init(|| Arc::new(AtomicBool::new(false)))
}

/// Installs the SIGINT and SIGTERM handlers (once; later calls only
/// re-check that they are installed).
pub(crate) fn install_shutdown_signals() -> Result<()> {
    static INSTALLED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            [SIGINT, SIGTERM].into_iter().try_for_each(|signal| {
                signal_hook::flag::register(signal, signalled().clone())
                    .map(drop)
                    .map_err(|e| format!("signal {signal}: {e}"))
            })
        })
        .clone()
        .map_err(|e| Error::io("installing a signal handler", std::io::Error::other(e)))
}

/// Whether SIGINT or SIGTERM arrived since the handlers were installed.
pub(crate) fn shutdown_signalled() -> bool {
    signalled().load(Ordering::SeqCst)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn sigterm_sets_the_flag_and_does_not_kill_the_process() {
        install_shutdown_signals().expect("handlers install");
        install_shutdown_signals().expect("installing twice is harmless");
        assert!(!shutdown_signalled(), "no signal yet");
        signal_hook::low_level::raise(SIGTERM).expect("raise SIGTERM");
        assert!(shutdown_signalled(), "SIGTERM must set the flag");
    }
}
