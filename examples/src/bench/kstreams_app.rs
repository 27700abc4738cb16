//! What the kstreams benchmark apps share: their configuration from the
//! common flags, the `BENCH state=RUNNING` line, the measured restore
//! rate (`BENCH restored records=N ms=M`, as `BenchApp.java` prints it),
//! and running a built topology until SIGTERM ([`run`]).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use kstreams::state::{ChangelogPartition, StateRestoreListener};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig, Topology};

use super::args::{AppArgs, Guarantee};
use super::report::report;

/// The benchmark's knobs, as `BenchApp.java` sets them.
pub fn config(args: &AppArgs) -> StreamsConfig {
    let config = StreamsConfig::new(args.application_id.as_str())
        .bootstrap_servers(&args.bootstrap)
        .processing_guarantee(match args.guarantee {
            Guarantee::AtLeastOnce => ProcessingGuarantee::AtLeastOnce,
            Guarantee::ExactlyOnceV2 => ProcessingGuarantee::ExactlyOnceV2,
        })
        .commit_interval_ms(args.commit_interval_ms)
        .num_stream_threads(args.threads)
        .state_dir(&args.state_dir);
    // Profiling aid: `KSTREAMS_BENCH_SET="key=value,key=value"` sets any
    // property on top of the benchmark's knobs (never set by the harness).
    let extra = std::env::var("KSTREAMS_BENCH_SET").unwrap_or_default();
    extra
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .fold(config, |c, (k, v)| c.set(k.trim(), v.trim()))
}

/// Runs `topology` with the benchmark's knobs until SIGTERM, printing
/// `BENCH state=RUNNING ...` (`started`: when `main` began), `BENCH
/// restored ...` after a restoration and `BENCH state=NOT_RUNNING` at the end.
pub fn run(topology: Topology, args: &AppArgs, started: Instant) -> kstreams::Result<()> {
    let streams = KafkaStreams::new(topology, config(args))?;
    report_running(&streams, started);
    streams.set_global_state_restore_listener(RestoreTimer::default());
    streams.run_until_signal()?;
    report("state=NOT_RUNNING");
    Ok(())
}

/// Logs to stderr (the harness keeps it in the run's log file): warnings
/// and errors, or what `RUST_LOG` asks for.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// Prints `BENCH state=RUNNING uptime_ms=N` on the first REBALANCING → RUNNING
/// (`started`: when `main` began).
pub fn report_running(streams: &KafkaStreams, started: Instant) {
    let once = AtomicBool::new(false);
    streams.set_state_listener(move |old, new| {
        if old == State::Rebalancing && new == State::Running && !once.swap(true, Ordering::SeqCst)
        {
            report(&format!(
                "state=RUNNING uptime_ms={}",
                started.elapsed().as_millis()
            ));
        }
    });
}

/// Times changelog restoration like `BenchApp.java`'s `RestoreTimer`: from
/// the first restoration start to the moment no restoration is open, over
/// all changelog partitions; prints `BENCH restored records=N ms=M` each
/// time the open count drops to zero (the harness takes the largest).
#[derive(Default)]
pub struct RestoreTimer {
    inner: Mutex<RestoreProgress>,
}

#[derive(Default)]
struct RestoreProgress {
    first_start: Option<Instant>,
    restored: u64,
    open: usize,
}

impl StateRestoreListener for RestoreTimer {
    fn on_restore_start(
        &self,
        _partition: &ChangelogPartition,
        _store: &str,
        _start: i64,
        _end: i64,
    ) {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.first_start.get_or_insert_with(Instant::now);
        p.open += 1;
    }

    fn on_restore_end(&self, _partition: &ChangelogPartition, _store: &str, total_restored: u64) {
        let mut p = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        p.restored += total_restored;
        p.open = p.open.saturating_sub(1);
        if p.open == 0 {
            let ms = p.first_start.map_or(0, |t| t.elapsed().as_millis());
            report(&format!("restored records={} ms={ms}", p.restored));
        }
    }
}
