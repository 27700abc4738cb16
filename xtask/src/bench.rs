//! `cargo xtask bench [--quick]`: kstreams, Java Kafka Streams and the
//! rdkafka copy loop ("the limit") on the same broker and the same input,
//! one after another with one stream thread each, as a markdown table saved
//! under `bench/results/` (see `bench/README.md` for what each figure means).
//!
//! Per implementation, topology and guarantee:
//! 1. throughput: the app reads the pre-produced input from the start; the
//!    output reader (`bench_read`) times first output to "the group has
//!    committed the end of the input"; meanwhile `VmHWM` gives peak RSS and
//!    the `BENCH state=RUNNING` line the start-up time;
//! 2. restore (stateful topologies): the state directory is deleted and the
//!    app started again on its populated changelogs;
//! 3. latency (all but windowed-suppress): a fresh app on an empty topic,
//!    offered half the measured throughput by `bench_load paced`; latency
//!    is the time a read_committed consumer sees a result minus the input
//!    record's timestamp.
//!
//! The topologies, and the check each output must pass, are in `topology.rs`.
//!
//! Every topic is named `kstreams-bench-<unix time>-...` and deleted at the end.

pub(crate) mod build;
pub(crate) mod child;
mod machine;
mod table;
mod topology;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use self::build::{JavaApp, RustBins};
use self::child::{field, Proc};
use self::table::{Figures, Impl, Results};
use self::topology::{InputCounts, Topology, TOPOLOGIES, WINDOW_CLOSE_MS};
use crate::paths::{cache_root, repo_root};
use crate::Result;

const PARTITIONS: &str = "8";
const ACCOUNTS: u64 = 50_000;
const GUARANTEES: [&str; 2] = ["at_least_once", "exactly_once_v2"];
/// Payments per second of event time in the pre-produced input: its record
/// timestamps cover `events / EVENT_RATE` seconds (200 s for a quick run,
/// about four 60-second windows; 2000 s for a full one).
const EVENT_RATE: u64 = 1_000;

/// The accounts a latency run's payments spread over.
///
/// The stream-stream join pairs every payment with the payments of its
/// account in the last and next 10 s, so its work per input record grows
/// with the payments per account and second. Its latency load keeps the
/// throughput input's density (`EVENT_RATE` payments/s over `ACCOUNTS`):
/// otherwise "half the measured throughput" would be far more than half
/// the work (at 19 000 records/s over 50 000 accounts, ~8 outputs per
/// record against ~1.3 in the throughput run), and the faster side would
/// be offered the heavier load. Every other topology keeps `ACCOUNTS` (the
/// join's table holds exactly those).
fn paced_accounts(topology: &str, rate: f64) -> u64 {
    if topology == "stream-stream-join" {
        (rate * ACCOUNTS as f64 / EVENT_RATE as f64).max(ACCOUNTS as f64) as u64
    } else {
        ACCOUNTS
    }
}

/// What a run measures, from the command line.
#[derive(Debug)]
struct Settings {
    quick: bool,
    release: bool,
    events: u64,
    latency_secs: u64,
    warmup_secs: u64,
    only: Vec<Impl>,
    topologies: Vec<&'static Topology>,
}

impl Settings {
    fn parse(args: &[&str]) -> Result<Settings> {
        let mut s = Settings {
            quick: false,
            release: true,
            events: 0,
            latency_secs: 0,
            warmup_secs: 0,
            only: vec![],
            topologies: vec![],
        };
        let mut events = None;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match *arg {
                "--quick" => s.quick = true,
                "--dev" => s.release = false,
                "--events" => {
                    let v = it.next().ok_or("--events needs a number")?;
                    events = Some(
                        v.parse()
                            .map_err(|_| format!("--events: `{v}` is not a number"))?,
                    );
                }
                "--only" => {
                    for name in it
                        .next()
                        .ok_or("--only needs a list, e.g. limit,java")?
                        .split(',')
                    {
                        s.only.push(match name {
                            "limit" => Impl::Limit,
                            "kstreams" => Impl::Kstreams,
                            "java" => Impl::Java,
                            other => {
                                return Err(format!(
                                "--only: unknown implementation `{other}` (limit, kstreams, java)"
                            ))
                            }
                        });
                    }
                }
                "--topologies" => {
                    for name in it
                        .next()
                        .ok_or("--topologies needs a list, e.g. windowed,windowed-suppress")?
                        .split(',')
                    {
                        s.topologies.push(topology::by_name(name).ok_or_else(|| {
                            format!(
                                "--topologies: unknown topology `{name}` ({})",
                                topology::names()
                            )
                        })?);
                    }
                }
                other => {
                    return Err(format!(
                        "bench: unknown option `{other}`\n\n{}",
                        crate::USAGE
                    ))
                }
            }
        }
        if s.only.is_empty() {
            s.only = vec![Impl::Limit, Impl::Kstreams, Impl::Java];
        }
        if s.topologies.is_empty() {
            s.topologies = TOPOLOGIES.iter().collect();
        }
        (s.events, s.latency_secs, s.warmup_secs) = if s.quick {
            (200_000, 4, 3)
        } else {
            (2_000_000, 20, 5)
        };
        s.events = events.unwrap_or(s.events);
        Ok(s)
    }

    fn mode(&self) -> &'static str {
        if self.quick {
            "quick"
        } else {
            "full"
        }
    }
}

/// `cargo xtask bench ...`
pub(crate) fn run(args: &[&str]) -> Result {
    let settings = Settings::parse(args)?;
    crate::prereqs::ensure()?;
    let broker = crate::cmd::Broker::up()?;
    let java = if settings.only.contains(&Impl::Java) {
        Some(build::java()?)
    } else {
        None
    };
    let bins = build::rust(settings.release)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let id = format!("kstreams-bench-{stamp}");
    let work = cache_root().join("bench").join(&id);
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let load_at_start = machine::load_average();
    let bench = Bench {
        bootstrap: broker.bootstrap.clone(),
        id,
        bins,
        java,
        settings,
        work,
        load_at_start,
    };
    eprintln!(
        "xtask: benchmark {} against Kafka at {}; logs in {}",
        bench.id,
        bench.bootstrap,
        bench.work.display()
    );

    let outcome = bench.measure_all();
    if let Err(e) = bench.load(&["cleanup", "--prefix", &bench.id]) {
        eprintln!("xtask: could not delete the benchmark's topics: {e}");
    }
    let _ = fs::remove_dir_all(bench.work.join("state"));
    if broker.started_here {
        eprintln!(
            "xtask: the broker keeps running at {}; stop it with `cargo xtask kafka stop`",
            broker.bootstrap
        );
    }
    let (results, input) = outcome?;
    bench.publish(&results, &input)
}

/// One benchmark run: its id (topic and group prefix), programs and settings.
struct Bench {
    bootstrap: String,
    id: String,
    bins: RustBins,
    java: Option<JavaApp>,
    settings: Settings,
    /// Logs and state directories of this run.
    work: PathBuf,
    /// Load averages when the measurements began (other work on the machine skews every figure).
    load_at_start: String,
}

/// The pre-produced input.
struct Input {
    topic: String,
    counts: InputCounts,
    line: String,
}

impl Bench {
    fn measure_all(&self) -> Result<(Results, Input)> {
        let topic = format!("{}-input", self.id);
        let table = self.table_topic();
        let with_table = self.settings.topologies.iter().any(|t| t.table);
        let topics = if with_table {
            format!("{topic},{table}")
        } else {
            topic.clone()
        };
        self.load(&["create", "--topics", &topics, "--partitions", PARTITIONS])?;
        let events = self.settings.events.to_string();
        let close = WINDOW_CLOSE_MS.to_string();
        let (accounts, event_rate) = (ACCOUNTS.to_string(), EVENT_RATE.to_string());
        let mut produce = vec![
            "produce",
            "--topic",
            &topic,
            "--count",
            &events,
            "--accounts",
            &accounts,
            "--event-rate",
            &event_rate,
            "--close-windows-ms",
            &close,
            "--partitions",
            PARTITIONS,
        ];
        if with_table {
            produce.extend(["--table-topic", &table]);
        }
        let line = self.load(&produce)?;
        let number = |key: &str| -> Result<u64> {
            field(&line, key).ok_or_else(|| format!("bench_load printed no {key}: {line}"))
        };
        let counts = InputCounts {
            events: number("produced")?,
            successes: number("successes")?,
            markers: number("markers")?,
            join_pairs: number("join_pairs")?,
            join_window_ms: number("join_window_ms")?,
        };
        eprintln!("xtask: input ready: {line}");
        let input = Input {
            topic,
            counts,
            line,
        };

        let mut results = Results::new();
        let mut cases: Vec<(Impl, &'static str, &'static str)> = Vec::new();
        for imp in [Impl::Limit, Impl::Kstreams, Impl::Java] {
            let topologies: Vec<&'static str> = if imp == Impl::Limit {
                vec!["copy"]
            } else {
                self.settings.topologies.iter().map(|t| t.name).collect()
            };
            for topology in topologies {
                for guarantee in GUARANTEES {
                    cases.push((imp, topology, guarantee));
                }
            }
        }
        for (imp, topology, guarantee) in cases {
            let key = (imp, topology, guarantee);
            let result = if !self.settings.only.contains(&imp) {
                Err("not selected (--only)".to_owned())
            } else if self.app(imp, topology, guarantee, "x").is_none() {
                if guarantee == GUARANTEES[0] {
                    eprintln!(
                        "xtask: {} {topology}: not available (its binary is not built)",
                        imp.name()
                    );
                }
                Err("not available".to_owned())
            } else {
                eprintln!("xtask: == {} {topology} {guarantee}", imp.name());
                let result = self.measure(imp, topology, guarantee, &input);
                // Free the disk now: a full run's latency topics alone can hold gigabytes per case.
                let (app_id, _) = self.app_id(imp, topology, guarantee);
                if let Err(e) = self.load(&["cleanup", "--prefix", &app_id]) {
                    eprintln!("xtask: could not delete the topics of {app_id}: {e}");
                }
                result
            };
            if let Err(e) = &result {
                if e != "not available" && !e.starts_with("not selected") {
                    eprintln!("xtask: {} {topology} {guarantee} failed: {e}", imp.name());
                }
            }
            results.insert(key, result);
        }
        Ok((results, input))
    }

    /// Throughput, RSS and start-up; then restore (stateful topologies) and latency.
    fn measure(
        &self,
        imp: Impl,
        topology: &'static str,
        guarantee: &'static str,
        input: &Input,
    ) -> std::result::Result<Figures, String> {
        let (app_id, slug) = self.app_id(imp, topology, guarantee);
        let state = self.work.join("state").join(&slug);
        let output = format!("{app_id}-output");
        self.load(&["create", "--topics", &output, "--partitions", PARTITIONS])?;
        // None: the limit's copy loop.
        let spec = topology::by_name(topology);

        let mut reader = self.reader(
            &output,
            &input.topic,
            &app_id,
            spec.is_some_and(|t| t.counts),
            false,
            &slug,
        )?;
        // Instances of a scaling row start together, each with its own
        // state directory; one instance keeps the plain directory.
        let instances = spec.map_or(1, |t| t.instances);
        let mut apps = Vec::new();
        for i in 0..instances {
            let (dir, log) = if i == 0 {
                (state.clone(), format!("{slug}-throughput"))
            } else {
                (
                    state.with_extension(format!("instance-{i}")),
                    format!("{slug}-throughput-{i}"),
                )
            };
            apps.push(self.spawn_app(
                imp,
                topology,
                guarantee,
                &app_id,
                &input.topic,
                &output,
                &dir,
                &log,
            )?);
        }
        // The clock starts when the first instance runs (the others' joins
        // and the rebalances they cause count against the row); start-up
        // is until the last one runs.
        let mut running = Vec::new();
        for app in &mut apps {
            let (at, _) = app.wait_for("state=RUNNING", Duration::from_secs(180))?;
            running.push((at, at.duration_since(app.started)));
        }
        let first_running = running.iter().map(|(at, _)| *at).min();
        let running_us = first_running.map_or(0, unix_us_at);
        let startup_ms = running
            .iter()
            .map(|(_, d)| d.as_secs_f64() * 1000.0)
            .fold(0.0, f64::max);
        let (_, read) = reader.wait_for(
            "read ",
            Duration::from_secs(if self.settings.quick { 300 } else { 1800 }),
        )?;
        reader.wait(Duration::from_secs(10))?;
        // Peak RSS of a deployment of several processes: the sum of theirs.
        let mut peak_rss_kib = 0;
        for app in apps {
            peak_rss_kib += app.stop(Duration::from_secs(60))?.peak_rss_kib;
        }
        let throughput = throughput(&read, running_us);
        let mut figures = Figures {
            throughput,
            rss_mib: Some(peak_rss_kib as f64 / 1024.0).filter(|m| *m > 0.0),
            startup_ms: Some(startup_ms),
            ..Figures::default()
        };
        figures.notes.extend(topology::check_output(
            topology,
            guarantee,
            &read,
            &input.counts,
        ));
        eprintln!(
            "xtask:    {:.0} records/s from RUNNING to input committed ({} from the first visible output; {} output records); \
             start-up {startup_ms:.0} ms; peak RSS {:.0} MiB",
            throughput.unwrap_or(0.0),
            field::<String>(&read, "rate").unwrap_or_default(),
            field::<String>(&read, "records").unwrap_or_default(),
            peak_rss_kib as f64 / 1024.0
        );

        if spec.is_some_and(|t| t.stateful) {
            match self.restore(
                imp,
                topology,
                guarantee,
                &app_id,
                &input.topic,
                &output,
                &state,
                &slug,
                startup_ms,
            ) {
                Ok((rate, note)) => {
                    figures.restore_rate = rate;
                    figures.notes.extend(note);
                }
                Err(e) => figures.notes.push(format!(
                    "restore failed: {}",
                    e.lines().next().unwrap_or("")
                )),
            }
        }
        if let Some(peak) = figures
            .throughput
            .filter(|_| spec.is_none_or(|t| t.latency))
        {
            match self.latency(imp, topology, guarantee, &app_id, &state, &slug, peak / 2.0) {
                Ok((lat, offered)) => {
                    let ms = |k: &str| field::<f64>(&lat, k).map(|us| us / 1000.0);
                    (figures.p50_ms, figures.p99_ms, figures.p999_ms) =
                        (ms("p50_us"), ms("p99_us"), ms("p999_us"));
                    // What the paced producer achieved (it may fall short of the asked rate on a busy machine).
                    figures.offered = Some(offered.unwrap_or(peak / 2.0).round());
                    let show = |k: &str| {
                        field::<f64>(&lat, k)
                            .map(|us| format!("{:.1}", us / 1000.0))
                            .unwrap_or_default()
                    };
                    eprintln!(
                        "xtask:    latency at {:.0} records/s: p50 {} ms, p99 {} ms, p999 {} ms",
                        peak / 2.0,
                        show("p50_us"),
                        show("p99_us"),
                        show("p999_us")
                    );
                }
                Err(e) => figures.notes.push(format!(
                    "latency run failed: {}",
                    e.lines().next().unwrap_or("")
                )),
            }
        }
        Ok(figures)
    }

    /// The application id of a case (prefix of every topic the case
    /// creates, the app's internal topics included) and its short name.
    fn app_id(&self, imp: Impl, topology: &str, guarantee: &str) -> (String, String) {
        let slug = format!(
            "{}-{topology}-{}",
            imp.name(),
            if guarantee == "at_least_once" {
                "alos"
            } else {
                "eos"
            }
        );
        (format!("{}-{slug}", self.id), slug)
    }

    /// The account table of `stream-table-join`, filled once with the input
    /// (the latency runs' fresh apps read it too).
    fn table_topic(&self) -> String {
        format!("{}-accounts", self.id)
    }

    /// Deletes the state directory, restarts the app on its changelog.
    #[allow(clippy::too_many_arguments)]
    fn restore(
        &self,
        imp: Impl,
        topology: &'static str,
        guarantee: &'static str,
        app_id: &str,
        input: &str,
        output: &str,
        state: &Path,
        slug: &str,
        fresh_startup_ms: f64,
    ) -> Result<(Option<f64>, Option<String>)> {
        fs::remove_dir_all(state)
            .map_err(|e| format!("cannot delete the state directory {}: {e}", state.display()))?;
        let mut app = self.spawn_app(
            imp,
            topology,
            guarantee,
            app_id,
            input,
            output,
            state,
            &format!("{slug}-restore"),
        )?;
        let (running_at, _) = app.wait_for("state=RUNNING", Duration::from_secs(600))?;
        let startup_ms = running_at.duration_since(app.started).as_secs_f64() * 1000.0;
        // Java reports restoration through a StateRestoreListener; it may finish just after RUNNING.
        let _ = app.wait_for("restored", Duration::from_secs(3));
        let ended = app.stop(Duration::from_secs(60))?;
        let reported = ended
            .lines
            .iter()
            .filter(|l| l.starts_with("restored"))
            .filter_map(|l| Some((field::<f64>(l, "records")?, field::<f64>(l, "ms")?)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((records, ms)) = reported.filter(|(r, _)| *r > 0.0) {
            eprintln!("xtask:    restore: {records} records in {ms} ms (start to RUNNING {startup_ms:.0} ms)");
            return Ok((Some(records / (ms.max(1.0) / 1000.0)), None));
        }
        // No report from the app: changelog size over the extra start-up time.
        let line = self.load(&["changelog", "--prefix", app_id])?;
        let records: f64 = field(&line, "records").unwrap_or(0.0);
        let extra_ms = (startup_ms - fresh_startup_ms).max(1.0);
        eprintln!("xtask:    restore: {records} changelog records, start to RUNNING {startup_ms:.0} ms (fresh: {fresh_startup_ms:.0} ms)");
        Ok((
            Some(records / (extra_ms / 1000.0)),
            Some("restore rate estimated as changelog records / extra start-up time".into()),
        ))
    }

    /// A fresh app on empty topics, offered `rate` records/s; returns the
    /// reader's line and the rate the paced producer achieved.
    #[allow(clippy::too_many_arguments)]
    fn latency(
        &self,
        imp: Impl,
        topology: &'static str,
        guarantee: &'static str,
        app_id: &str,
        state: &Path,
        slug: &str,
        rate: f64,
    ) -> Result<(String, Option<f64>)> {
        let app_id = format!("{app_id}-lat");
        let (input, output) = (format!("{app_id}-input"), format!("{app_id}-output"));
        self.load(&[
            "create",
            "--topics",
            &format!("{input},{output}"),
            "--partitions",
            PARTITIONS,
        ])?;
        let mut reader = self.reader(
            &output,
            &input,
            &app_id,
            false,
            true,
            &format!("{slug}-lat"),
        )?;
        let state = state.with_extension("lat");
        let mut app = self.spawn_app(
            imp,
            topology,
            guarantee,
            &app_id,
            &input,
            &output,
            &state,
            &format!("{slug}-latency"),
        )?;
        app.wait_for("state=RUNNING", Duration::from_secs(180))?;
        let secs = self.settings.latency_secs + self.settings.warmup_secs;
        let accounts = paced_accounts(topology, rate).to_string();
        let mut paced = Proc::spawn(
            "bench_load paced",
            self.load_cmd(&[
                "paced",
                "--topic",
                &input,
                "--rate",
                &format!("{rate:.0}"),
                "--seconds",
                &secs.to_string(),
                "--accounts",
                &accounts,
            ]),
            self.work.join(format!("{slug}-paced.log")),
            false,
        )?;
        let (_, done) = paced.wait_for("paced", Duration::from_secs(secs + 120))?;
        paced.wait(Duration::from_secs(10))?;
        let start_ms: i64 = field(&done, "start_ms")
            .ok_or_else(|| format!("bench_load paced printed no start_ms: {done}"))?;
        reader.send_line(&format!(
            "end from_ms={}",
            start_ms + 1000 * self.settings.warmup_secs as i64
        ))?;
        let (_, read) = reader.wait_for("read ", Duration::from_secs(300))?;
        reader.wait(Duration::from_secs(10))?;
        app.stop(Duration::from_secs(60))?;
        Ok((read, field(&done, "rate")))
    }

    /// Starts `bench_read` and waits until it reads.
    fn reader(
        &self,
        output: &str,
        input: &str,
        group: &str,
        long_values: bool,
        wait_stdin: bool,
        slug: &str,
    ) -> Result<Proc> {
        let mut cmd = Command::new(self.bins.path("bench_read"));
        cmd.args([
            "--bootstrap",
            &self.bootstrap,
            "--output",
            output,
            "--input",
            input,
            "--group",
            group,
        ]);
        cmd.args([
            "--long-values",
            &long_values.to_string(),
            "--wait-stdin",
            &wait_stdin.to_string(),
        ]);
        let mut reader = Proc::spawn(
            "bench_read",
            cmd,
            self.work.join(format!("{slug}-reader.log")),
            wait_stdin,
        )?;
        reader.wait_for("reader=ready", Duration::from_secs(60))?;
        Ok(reader)
    }

    /// The command of an implementation, with every app flag but the topics
    /// and ids; `None` when that implementation is not available.
    fn app(&self, imp: Impl, topology: &str, guarantee: &str, state: &str) -> Option<Command> {
        let mut cmd = match imp {
            Impl::Limit => Command::new(self.bins.path("bench_limit")),
            Impl::Java => self.java.as_ref()?.command(),
            Impl::Kstreams => {
                let bin = topology::by_name(topology)?.kstreams_bin;
                if !self.bins.has(bin) {
                    return None;
                }
                Command::new(self.bins.path(bin))
            }
        };
        let spec = topology::by_name(topology);
        if spec.is_some_and(|t| t.table) {
            cmd.args(["--table", &self.table_topic()]);
        }
        let threads = spec.map_or(1, |t| t.threads).to_string();
        cmd.args([
            "--topology",
            spec.map_or(topology, |t| t.program),
            "--bootstrap",
            &self.bootstrap,
            "--guarantee",
            guarantee,
        ]);
        cmd.args([
            "--commit-interval-ms",
            "100",
            "--threads",
            &threads,
            "--state-dir",
            state,
        ]);
        Some(cmd)
    }

    #[allow(clippy::too_many_arguments)]
    fn spawn_app(
        &self,
        imp: Impl,
        topology: &str,
        guarantee: &str,
        app_id: &str,
        input: &str,
        output: &str,
        state: &Path,
        log: &str,
    ) -> Result<Proc> {
        let state_str = state
            .to_str()
            .ok_or_else(|| format!("state directory {} is not UTF-8", state.display()))?;
        let mut cmd = self
            .app(imp, topology, guarantee, state_str)
            .ok_or_else(|| format!("{} is not available", imp.name()))?;
        cmd.args([
            "--application-id",
            app_id,
            "--input",
            input,
            "--output",
            output,
        ]);
        Proc::spawn(
            &format!("{} {topology} {guarantee}", imp.name()),
            cmd,
            self.work.join(format!("{log}.log")),
            false,
        )
    }

    fn load_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.bins.path("bench_load"));
        cmd.arg(args[0])
            .args(["--bootstrap", &self.bootstrap])
            .args(&args[1..]);
        cmd
    }

    /// Runs `bench_load` to completion; returns its last `BENCH` line.
    fn load(&self, args: &[&str]) -> Result<String> {
        let out = self
            .load_cmd(args)
            .output()
            .map_err(|e| format!("cannot run bench_load: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "bench_load {} failed: {}",
                args[0],
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        Ok(stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("BENCH "))
            .unwrap_or("")
            .to_owned())
    }

    /// Prints the table and saves it under `bench/results/` (and, for a full run, in `bench/README.md`).
    fn publish(&self, results: &Results, input: &Input) -> Result {
        let librdkafka = self
            .load(&["version"])
            .ok()
            .and_then(|l| field::<String>(&l, "librdkafka"))
            .unwrap_or_else(|| "?".into());
        let profile = if self.settings.release {
            "release"
        } else {
            "dev (debug build: not representative)"
        };
        let date = machine::today();
        let table = table::render(results);
        let notes = table::notes(results);
        let body = format!(
            "# kstreams benchmark, {date} ({} run)\n\n{}\
             - load average (1/5/15 min): {} when the run began, {} when it ended\n\
             - input: {} payment events ({} SUCCESS{}) over 8 partitions, 16-byte keys, ~110-byte JSON values; one stream thread (the scaling rows: two threads, or two instances of one); commit interval 100 ms\n\
             - latency: offered half of each row's measured throughput for {} s after a {} s warm-up\n\n\
             {table}\n{}",
            self.settings.mode(),
            machine::describe(&librdkafka, profile),
            self.load_at_start,
            machine::load_average(),
            input.counts.events,
            input.counts.successes,
            if self.settings.topologies.iter().any(|t| t.name == "stream-stream-join") {
                format!(
                    "; {} pairs of one account's successes at most {} ms apart",
                    input.counts.join_pairs, input.counts.join_window_ms
                )
            } else {
                String::new()
            },
            self.settings.latency_secs,
            self.settings.warmup_secs,
            if notes.is_empty() { String::new() } else { format!("Notes:\n\n{notes}") },
        );
        println!("\n{body}");
        let dir = repo_root().join("bench/results");
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let path = dir.join(format!("{date}-{}.md", self.settings.mode()));
        fs::write(&path, &body).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("xtask: saved {} (input: {})", path.display(), input.line);
        if !self.settings.quick {
            update_readme(&body)?;
        }
        Ok(())
    }
}

/// Wall-clock time (µs since the epoch, as `bench_read` reports its times) of an `Instant` in the past.
fn unix_us_at(at: Instant) -> i64 {
    let now_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    now_us - Instant::now().saturating_duration_since(at).as_micros() as i64
}

/// Input records per second from the moment the app reported RUNNING
/// (`running_us`) to the moment the reader saw the group commit the end of
/// the input (`done_us`). The first visible output would be a later start
/// under exactly-once (it waits for the first transaction) and varies with
/// how long that first commit takes.
fn throughput(read: &str, running_us: i64) -> Option<f64> {
    let done_us: i64 = field(read, "done_us")?;
    let input: f64 = field(read, "input")?;
    let secs = (done_us - running_us) as f64 / 1e6;
    (secs > 0.0 && input > 0.0).then(|| input / secs)
}

const README_BEGIN: &str = "<!-- latest full run: written by cargo xtask bench -->";
const README_END: &str = "<!-- end of latest full run -->";

/// Replaces the latest-results block of `bench/README.md`.
fn update_readme(body: &str) -> Result {
    let path = repo_root().join("bench/README.md");
    let text =
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (Some(begin), Some(end)) = (text.find(README_BEGIN), text.find(README_END)) else {
        return Err(format!(
            "{} lacks the markers {README_BEGIN} ... {README_END}",
            path.display()
        ));
    };
    let body = body.replacen("# kstreams benchmark, ", "### ", 1);
    let updated = format!("{}{README_BEGIN}\n{body}\n{}", &text[..begin], &text[end..]);
    fs::write(&path, updated).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stream_stream_join_spreads_its_latency_load_over_more_accounts() {
        assert_eq!(paced_accounts("stream-stream-join", 20_000.0), 1_000_000);
        assert_eq!(paced_accounts("stream-stream-join", 300.0), 50_000);
        assert_eq!(paced_accounts("stream-table-join", 20_000.0), ACCOUNTS);
        assert_eq!(paced_accounts("counter", 20_000.0), ACCOUNTS);
    }

    #[test]
    fn quick_and_full_settings() {
        let quick = Settings::parse(&["--quick", "--only", "limit,java"]).unwrap();
        assert_eq!(
            (quick.events, quick.release, quick.mode()),
            (200_000, true, "quick")
        );
        assert_eq!(quick.only, vec![Impl::Limit, Impl::Java]);
        let full = Settings::parse(&["--events", "1000", "--dev"]).unwrap();
        assert_eq!(
            (full.events, full.release, full.mode(), full.only.len()),
            (1000, false, "full", 3)
        );
        assert!(Settings::parse(&["--only", "flink"])
            .unwrap_err()
            .contains("unknown implementation `flink`"));
        assert_eq!(full.topologies.len(), TOPOLOGIES.len());
        let some = Settings::parse(&["--topologies", "windowed,stream-table-join"]).unwrap();
        let names: Vec<_> = some.topologies.iter().map(|t| t.name).collect();
        assert_eq!(names, ["windowed", "stream-table-join"]);
        assert!(Settings::parse(&["--topologies", "windowd"])
            .unwrap_err()
            .contains("unknown topology `windowd`"));
        assert!(Settings::parse(&["--fast"])
            .unwrap_err()
            .contains("unknown option `--fast`"));
    }

    #[test]
    fn throughput_runs_from_running_to_committed() {
        let read = "read records=8 input=200000 first_us=1500000 last_us=1900000 done_us=3000000 rate=133333";
        assert_eq!(throughput(read, 1_000_000), Some(100_000.0));
        assert_eq!(throughput(read, 3_000_000), None);
        assert_eq!(throughput("read records=0", 0), None);
    }
}
