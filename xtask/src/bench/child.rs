//! Benchmark processes: spawn one, read its `BENCH ...` lines as they come
//! (timestamped on arrival), sample its peak RSS from `/proc/<pid>/status`
//! (`VmHWM`) while it runs, stop it with SIGTERM.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Result;

/// A running benchmark process.
pub(crate) struct Proc {
    label: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<(Instant, String)>,
    seen: Vec<String>,
    peak_kib: Arc<AtomicU64>,
    sampler: Option<JoinHandle<()>>,
    log: PathBuf,
    /// When it was spawned.
    pub(crate) started: Instant,
}

/// How a process ended.
pub(crate) struct Ended {
    /// Its largest `VmHWM`, in KiB (0 if never read).
    pub(crate) peak_rss_kib: u64,
    /// Every `BENCH` line it printed (without the prefix).
    pub(crate) lines: Vec<String>,
}

impl Proc {
    /// Spawns `cmd`; stdout's `BENCH` lines are collected, and everything
    /// (stdout and stderr) goes to `log`.
    pub(crate) fn spawn(
        label: &str,
        mut cmd: Command,
        log: PathBuf,
        with_stdin: bool,
    ) -> Result<Proc> {
        let err =
            fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut out_log = err
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        cmd.stdout(Stdio::piped()).stderr(err).stdin(if with_stdin {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {label} ({:?}): {e}", cmd.get_program()))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| format!("{label}: no stdout pipe"))?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::result::Result::ok)
            {
                // Every line goes to the log (BENCH lines too, for reading a run afterwards).
                let _ = writeln!(out_log, "{line}");
                if let Some(rest) = line.strip_prefix("BENCH ") {
                    if tx.send((Instant::now(), rest.to_owned())).is_err() {
                        break;
                    }
                }
            }
        });
        let pid = child.id();
        let peak_kib = Arc::new(AtomicU64::new(0));
        let peak = Arc::clone(&peak_kib);
        let sampler = std::thread::spawn(move || {
            while let Some(kib) = vm_hwm_kib(pid) {
                peak.fetch_max(kib, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let stdin = child.stdin.take();
        Ok(Proc {
            label: label.to_owned(),
            child,
            stdin,
            lines,
            seen: Vec::new(),
            peak_kib,
            sampler: Some(sampler),
            log,
            started,
        })
    }

    /// Waits for a `BENCH` line starting with `prefix`; returns it and when it arrived.
    pub(crate) fn wait_for(
        &mut self,
        prefix: &str,
        timeout: Duration,
    ) -> Result<(Instant, String)> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return Ok((at, line));
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{} printed no `BENCH {prefix}` within {timeout:?}{}",
                        self.label,
                        self.log_tail()
                    ))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self
                        .child
                        .wait()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|e| e.to_string());
                    return Err(format!(
                        "{} exited ({status}) before `BENCH {prefix}`{}",
                        self.label,
                        self.log_tail()
                    ));
                }
            }
        }
    }

    /// Like [`Proc::wait_for`], but `Ok(None)` when no such line came within
    /// `timeout` (an exit before it is still an error).
    pub(crate) fn poll_for(&mut self, prefix: &str, timeout: Duration) -> Result<Option<String>> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((_, line)) => {
                    self.seen.push(line.clone());
                    if line.starts_with(prefix) {
                        return Ok(Some(line));
                    }
                }
                Err(RecvTimeoutError::Timeout) => return Ok(None),
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self
                        .child
                        .wait()
                        .map(|s| s.to_string())
                        .unwrap_or_else(|e| e.to_string());
                    return Err(format!(
                        "{} exited ({status}) before `BENCH {prefix}`{}",
                        self.label,
                        self.log_tail()
                    ));
                }
            }
        }
    }

    /// `Some(message with the log's tail)` once the process has exited.
    pub(crate) fn exit_message(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!(
                "{} exited ({status}){}",
                self.label,
                self.log_tail()
            )),
            Ok(None) => None,
            Err(e) => Some(format!("cannot wait for {}: {e}", self.label)),
        }
    }

    /// Writes one line to the process's stdin.
    pub(crate) fn send_line(&mut self, line: &str) -> Result {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| format!("{}: stdin is not piped", self.label))?;
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("cannot write to {}: {e}", self.label))
    }

    /// Waits for the process to exit by itself (it must succeed).
    pub(crate) fn wait(mut self, timeout: Duration) -> Result<Ended> {
        self.stdin = None;
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(self.finish()),
                Ok(Some(status)) => {
                    return Err(format!(
                        "{} failed ({status}){}",
                        self.label,
                        self.log_tail()
                    ))
                }
                Ok(None) if Instant::now() > deadline => {
                    self.kill();
                    return Err(format!(
                        "{} did not finish within {timeout:?}{}",
                        self.label,
                        self.log_tail()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("cannot wait for {}: {e}", self.label)),
            }
        }
    }

    /// SIGTERM, then waits up to `timeout` for a clean exit (SIGKILL after that).
    pub(crate) fn stop(mut self, timeout: Duration) -> Result<Ended> {
        self.stdin = None;
        let pid = self.child.id();
        // SIGTERM through kill(1): xtask depends on std only.
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => return Ok(self.finish()),
                Ok(None) if Instant::now() > deadline => {
                    eprintln!(
                        "xtask: {} did not stop within {timeout:?} of SIGTERM; killing it",
                        self.label
                    );
                    self.kill();
                    return Ok(self.finish());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(format!("cannot wait for {}: {e}", self.label)),
            }
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn finish(mut self) -> Ended {
        if let Some(sampler) = self.sampler.take() {
            let _ = sampler.join();
        }
        // Lines still in the pipe when the process exited.
        while let Ok((_, line)) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.seen.push(line);
        }
        Ended {
            peak_rss_kib: self.peak_kib.load(Ordering::SeqCst),
            lines: std::mem::take(&mut self.seen),
        }
    }

    pub(crate) fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!("; log {}:\n{}", self.log.display(), tail.join("\n"))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        // An error path left it running: do not leak benchmark processes.
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// `VmHWM` (peak resident set) of a live process, in KiB; `None` once it is gone.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The value of `key=value` in a `BENCH` line.
pub(crate) fn field<T: std::str::FromStr>(line: &str, key: &str) -> Option<T> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_exact_key() {
        let line = "read records=10 p99_us=7 p999_us=9";
        assert_eq!(field::<u64>(line, "records"), Some(10));
        assert_eq!(field::<u64>(line, "p99_us"), Some(7));
        assert_eq!(field::<u64>(line, "p999_us"), Some(9));
        assert_eq!(field::<u64>(line, "p9"), None);
    }

    #[test]
    fn own_peak_rss_is_readable() {
        assert!(vm_hwm_kib(std::process::id()).is_some_and(|k| k > 0));
    }
}
