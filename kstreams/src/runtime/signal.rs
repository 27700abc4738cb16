//! SIGINT/SIGTERM handling for [`super::KafkaStreams::run_until_signal`].
//!
//! The handler only sets an atomic flag (the one async-signal-safe thing to
//! do); the waiting thread polls it and closes the client normally.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, Result};

static SIGNALLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    SIGNALLED.store(true, Ordering::SeqCst);
}

/// Installs the SIGINT and SIGTERM handlers.
pub(crate) fn install_shutdown_signals() -> Result<()> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: `on_signal` only stores to an atomic, which is
        // async-signal-safe; `signal` is called with a valid signal number.
        let previous = unsafe { libc::signal(signal, handler) };
        if previous == libc::SIG_ERR {
            return Err(Error::io("installing a signal handler", std::io::Error::last_os_error()));
        }
    }
    Ok(())
}

/// Whether SIGINT or SIGTERM arrived since the handlers were installed.
pub(crate) fn shutdown_signalled() -> bool {
    SIGNALLED.load(Ordering::SeqCst)
}
