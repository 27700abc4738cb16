//! The benchmark topologies: which kstreams program runs each, what the
//! harness measures for it, and the check its output must pass.
//!
//! Every topology exists twice with the same semantics and knobs: a
//! kstreams program (`examples/src/bin/bench_kstreams_*.rs`) and a method
//! of `bench/java` (`Topologies.java`, dispatched by `BenchApp.java`).
//! Checks compare what `bench_read` saw with what `bench_load` produced;
//! they must be able to fail, so each states an exact expectation where
//! the guarantee allows one.

/// Window size + grace of the windowed topologies (60 s + 10 s, as
/// `bench_kstreams_windowed.rs` and `Topologies.windowed`): `bench_load`
/// stamps its stream-time markers this long after the last event, which
/// closes every window of the input.
pub(crate) const WINDOW_CLOSE_MS: u64 = 70_000;

/// What the harness does for one topology.
#[derive(Debug)]
pub(crate) struct Topology {
    /// `--topology` of the apps, and the name in the table.
    pub(crate) name: &'static str,
    /// The kstreams program that runs it.
    pub(crate) kstreams_bin: &'static str,
    /// Values are 8-byte counts: the reader sums the latest per key.
    pub(crate) counts: bool,
    /// Has state stores: measure restoration from the changelogs.
    pub(crate) stateful: bool,
    /// Measure latency. Not for final results only: a window's result
    /// comes window size + grace after its first event, by design.
    pub(crate) latency: bool,
    /// Reads the account table (`--table`), which the harness fills first.
    pub(crate) table: bool,
    /// The apps' `--topology`: the row's own name, or the topology a
    /// scaling row runs (`counter` for `counter-2-threads`).
    pub(crate) program: &'static str,
    /// `num.stream.threads` of each instance.
    pub(crate) threads: u32,
    /// Instances of the app run side by side (one group, one state
    /// directory each).
    pub(crate) instances: u32,
}

impl Topology {
    /// A row that runs `program` with more threads or instances than one.
    pub(crate) fn scales(&self) -> bool {
        self.threads * self.instances > 1
    }
}

/// Every topology, in the table's order.
pub(crate) const TOPOLOGIES: [Topology; 8] = [
    Topology {
        name: "stateless",
        kstreams_bin: "bench_kstreams_stateless",
        counts: false,
        stateful: false,
        latency: true,
        table: false,
        program: "stateless",
        threads: 1,
        instances: 1,
    },
    Topology {
        name: "counter",
        kstreams_bin: "bench_kstreams_counter",
        counts: true,
        stateful: true,
        latency: true,
        table: false,
        program: "counter",
        threads: 1,
        instances: 1,
    },
    Topology {
        name: "windowed",
        kstreams_bin: "bench_kstreams_windowed",
        counts: true,
        stateful: true,
        latency: true,
        table: false,
        program: "windowed",
        threads: 1,
        instances: 1,
    },
    Topology {
        name: "windowed-suppress",
        kstreams_bin: "bench_kstreams_windowed",
        counts: true,
        stateful: true,
        latency: false,
        table: false,
        program: "windowed-suppress",
        threads: 1,
        instances: 1,
    },
    Topology {
        name: "stream-table-join",
        kstreams_bin: "bench_kstreams_stream_table_join",
        counts: false,
        stateful: true,
        latency: true,
        table: true,
        program: "stream-table-join",
        threads: 1,
        instances: 1,
    },
    Topology {
        name: "stream-stream-join",
        kstreams_bin: "bench_kstreams_stream_stream_join",
        counts: false,
        stateful: true,
        latency: true,
        table: false,
        program: "stream-stream-join",
        threads: 1,
        instances: 1,
    },
    // Scaling (issue 17): the counter with two stream threads in one
    // process, and in two processes of one thread each. Throughput only:
    // compared with the one-thread counter row.
    Topology {
        name: "counter-2-threads",
        kstreams_bin: "bench_kstreams_counter",
        counts: true,
        stateful: false,
        latency: false,
        table: false,
        program: "counter",
        threads: 2,
        instances: 1,
    },
    Topology {
        name: "counter-2-instances",
        kstreams_bin: "bench_kstreams_counter",
        counts: true,
        stateful: false,
        latency: false,
        table: false,
        program: "counter",
        threads: 1,
        instances: 2,
    },
];

/// The topology named `name`; the limit's `copy` is none of them.
pub(crate) fn by_name(name: &str) -> Option<&'static Topology> {
    TOPOLOGIES.iter().find(|t| t.name == name)
}

/// The names, for messages: `stateless, counter, ...`.
pub(crate) fn names() -> String {
    TOPOLOGIES
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the pre-produced input holds (from `bench_load produce`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InputCounts {
    /// Every record, markers included.
    pub(crate) events: u64,
    /// SUCCESS records, markers included.
    pub(crate) successes: u64,
    /// Stream-time markers: one SUCCESS event per partition, stamped
    /// [`WINDOW_CLOSE_MS`] after the last event; their windows stay open.
    pub(crate) markers: u64,
    /// Unordered pairs of distinct SUCCESS records (markers included) of
    /// one account at most the join window apart (`join_window_ms=`, the
    /// `JOIN_WINDOW_MS` of `examples/src/bench/pairs.rs`, bounds included).
    pub(crate) join_pairs: u64,
    /// The join window `bench_load` counted [`join_pairs`](Self::join_pairs) with, in ms.
    pub(crate) join_window_ms: u64,
}

/// The output check of a throughput run (`read`: `bench_read`'s line);
/// `Some(note)` when it fails:
/// - copy: every event copied (at least, under at_least_once);
/// - stateless, stream-table-join: one record per SUCCESS event (at least,
///   under at_least_once; every account has a row, so the inner join
///   drops none);
/// - counter, windowed: the latest counts (per key, per key and window)
///   add up to the SUCCESS events, under both guarantees;
/// - windowed-suppress: the final counts add up to the SUCCESS events but
///   the markers (whose windows never close), and under exactly_once_v2
///   each (key, window) is emitted once;
/// - stream-stream-join: `successes + 2 * join_pairs` records (at least,
///   under at_least_once): each pair of SUCCESS events of one account
///   within the window once per order, each event once with itself
///   (the reasoning: `examples/src/bench/pairs.rs`).
pub(crate) fn check_output(
    topology: &str,
    guarantee: &str,
    read: &str,
    input: &InputCounts,
) -> Option<String> {
    use super::child::field;
    // A scaling row's output is its program's.
    let topology = by_name(topology).map_or(topology, |t| t.program);
    let eos = guarantee == "exactly_once_v2";
    let records: u64 = field(read, "records").unwrap_or(0);
    let counts_sum: u64 = field(read, "counts_sum").unwrap_or(0);
    let (expected, got, what, exact) = match topology {
        "copy" => (input.events, records, "records copied", eos),
        "stateless" | "stream-table-join" => (input.successes, records, "output records", eos),
        "stream-stream-join" => (
            input.successes + 2 * input.join_pairs,
            records,
            "join results (successes + 2 x pairs within the window)",
            eos,
        ),
        "counter" | "windowed" => (input.successes, counts_sum, "sum of final counts", true),
        "windowed-suppress" => {
            if input.markers == 0 {
                return Some(
                    "CHECK FAILED: the input has no stream-time markers, so no window closes"
                        .into(),
                );
            }
            let keys: u64 = field(read, "keys").unwrap_or(0);
            if eos && records != keys {
                return Some(format!(
                    "CHECK FAILED: {records} final results for {keys} (key, window) pairs: a window was emitted twice"
                ));
            }
            (
                input.successes - input.markers,
                counts_sum,
                "sum of the closed windows' final counts",
                true,
            )
        }
        other => return Some(format!("CHECK FAILED: no check for topology `{other}`")),
    };
    let ok = if exact {
        got == expected
    } else {
        got >= expected
    };
    (!ok).then(|| {
        format!(
            "CHECK FAILED: {what} {got}, expected {}{expected}",
            if exact { "" } else { "at least " }
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const INPUT: InputCounts = InputCounts {
        events: 18,
        successes: 10,
        markers: 2,
        join_pairs: 3,
        join_window_ms: 10_000,
    };

    #[test]
    fn every_topology_has_a_check_and_a_program() {
        for t in &TOPOLOGIES {
            let check = check_output(t.name, "exactly_once_v2", "read records=0", &INPUT);
            assert!(check.is_some_and(|c| !c.contains("no check")), "{}", t.name);
            assert!(t.kstreams_bin.starts_with("bench_kstreams_"));
            assert!(
                crate::bench::build::KSTREAMS_BINS.contains(&t.kstreams_bin),
                "{} is not built",
                t.kstreams_bin
            );
        }
        assert_eq!(by_name("windowed").map(|t| t.counts), Some(true));
        assert!(by_name("copy").is_none());
    }

    #[test]
    fn record_counts() {
        let eos = "exactly_once_v2";
        assert_eq!(
            check_output("stateless", eos, "read records=10", &INPUT),
            None
        );
        assert!(check_output("stateless", eos, "read records=11", &INPUT).is_some());
        assert_eq!(
            check_output(
                "stream-table-join",
                "at_least_once",
                "read records=11",
                &INPUT
            ),
            None
        );
        assert!(check_output(
            "stream-table-join",
            "at_least_once",
            "read records=9",
            &INPUT
        )
        .is_some());
        assert!(check_output("copy", "at_least_once", "read records=17", &INPUT).is_some());
        assert_eq!(check_output("copy", eos, "read records=18", &INPUT), None);
    }

    #[test]
    fn join_results_are_successes_plus_twice_the_pairs() {
        let (eos, alos) = ("exactly_once_v2", "at_least_once");
        let join = "stream-stream-join";
        assert_eq!(check_output(join, eos, "read records=16", &INPUT), None);
        for wrong in ["read records=15", "read records=17", "read records=10"] {
            assert!(
                check_output(join, eos, wrong, &INPUT).is_some_and(|c| c.contains("expected 16")),
                "{wrong}"
            );
        }
        assert_eq!(check_output(join, alos, "read records=17", &INPUT), None);
        assert!(check_output(join, alos, "read records=15", &INPUT)
            .is_some_and(|c| c.contains("expected at least 16")));
        let no_pairs = InputCounts {
            join_pairs: 0,
            ..INPUT
        };
        assert_eq!(check_output(join, eos, "read records=10", &no_pairs), None);
    }

    #[test]
    fn counts() {
        let alos = "at_least_once";
        let read = "read records=30 keys=6 counts_sum=10";
        assert_eq!(check_output("counter", alos, read, &INPUT), None);
        assert_eq!(check_output("windowed", alos, read, &INPUT), None);
        assert!(check_output(
            "windowed",
            alos,
            "read records=30 keys=6 counts_sum=9",
            &INPUT
        )
        .is_some());
    }

    #[test]
    fn final_counts_leave_the_markers_out_and_are_emitted_once() {
        let eos = "exactly_once_v2";
        let once = "read records=5 keys=5 counts_sum=8";
        assert_eq!(check_output("windowed-suppress", eos, once, &INPUT), None);
        let twice = "read records=6 keys=5 counts_sum=8";
        assert!(check_output("windowed-suppress", eos, twice, &INPUT)
            .is_some_and(|c| c.contains("emitted twice")));
        assert_eq!(
            check_output("windowed-suppress", "at_least_once", twice, &INPUT),
            None
        );
        assert!(check_output(
            "windowed-suppress",
            eos,
            "read records=5 keys=5 counts_sum=10",
            &INPUT
        )
        .is_some());
        let no_markers = InputCounts {
            markers: 0,
            ..INPUT
        };
        assert!(check_output("windowed-suppress", eos, once, &no_markers).is_some());
    }
}
