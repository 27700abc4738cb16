//! The conformance case registry.
//!
//! # Adding a case (e.g. a windowed count, a join)
//!
//! 1. **Rust**: write `fn my_case(b: &StreamsBuilder, inputs: &[&str],
//!    output: &str)` below, building the kstreams topology from the
//!    input topic(s) to the output topic (declare them as
//!    `Topic<_, _, PARTITIONS>`; `inputs` has one name per input spec, in
//!    order), and add a [`Case`] to [`CASES`] with its name, input spec(s)
//!    (`&[InputSpec::STREAM]`, a variant such as
//!    `&[InputSpec { tombstone_percent: 10, ..InputSpec::STREAM }]`, or two
//!    specs with different seeds for a stream-table join) and how to show
//!    keys and values ([`Format`]; windowed keys: add a `Format`).
//! 2. **Java**: add a method with the same topology to
//!    `bench/java/src/main/java/dev/kstreams/conformance/Cases.java` and
//!    register it under the same name in `Cases.ALL`.
//! 3. Run `cargo xtask conformance my-case`. The harness needs nothing else:
//!    it asks `conformance_io cases` for the list and the number of inputs.
//!
//! Both apps run with `exactly_once_v2`, the record cache off
//! (`statestore.cache.max.bytes=0`, so every update is emitted) and a
//! 100 ms commit interval, `max.task.idle.ms` 1000 (a task with two
//! inputs waits for both before processing) and left/outer stream-stream
//! joins emitting as soon as windows close (the internal emit interval at
//! 0); every input ends with one far-future record per
//! partition, so windows close (see [`super::input`]).
//!
//! Outputs are compared per partition in offset order, so a case's output
//! order must be deterministic: fine for one input processed per partition
//! (no key change) and for co-partitioned inputs that are all produced
//! before the apps start; a key change (repartition topic) interleaves the
//! upstream tasks' records in an order neither app controls.

use std::time::Duration;

use kstreams::dsl::{
    BufferConfig, JoinWindows, Materialized, SessionWindows, SlidingWindows, Suppressed,
    TimeWindows,
};
use kstreams::serde::{SessionWindowed, TimeWindowed, I64};
use kstreams::{StreamsBuilder, Topic};

use super::input::InputSpec;
use super::{Format, PARTITIONS};

/// Builds a case's kstreams topology from the input topics (one per
/// [`Case::inputs`] spec, in order) to `output`.
pub type KstreamsTopology = fn(b: &StreamsBuilder, inputs: &[&str], output: &str);

/// One conformance case.
pub struct Case {
    /// Its name on the command line (`cargo xtask conformance NAME`), and
    /// the `--case` of both apps.
    pub name: &'static str,
    /// One line for humans.
    pub about: &'static str,
    /// The records of each input topic (String keys, i64 or null values);
    /// usually one.
    pub inputs: &'static [InputSpec],
    /// How to show output keys ...
    pub key: Format,
    /// ... and output values on a difference.
    pub value: Format,
    /// The kstreams side (the Java side is `Cases.java`'s method of the same name).
    pub kstreams: KstreamsTopology,
}

/// Every case, in the order `cargo xtask conformance` runs them.
/// Add new cases here (and in `Cases.java`): see the module documentation.
pub const CASES: &[Case] = &[
    Case {
        name: "count",
        about: "stream -> groupByKey -> count -> toStream -> to",
        inputs: &[InputSpec::STREAM],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: count,
    },
    Case {
        name: "reduce",
        about: "stream -> groupByKey -> reduce(sum of i64) -> toStream -> to",
        inputs: &[InputSpec {
            seed: 43,
            ..InputSpec::STREAM
        }],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: reduce,
    },
    Case {
        name: "aggregate",
        about:
            "stream -> groupByKey -> aggregate(\"\", agg + v + \";\") (String) -> toStream -> to",
        inputs: &[InputSpec {
            seed: 44,
            records: 200,
            ..InputSpec::STREAM
        }],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: aggregate,
    },
    Case {
        name: "table",
        about:
            "table (10 % tombstones) -> filter(v % 3 != 0) -> mapValues(v * 10) -> toStream -> to",
        inputs: &[InputSpec {
            seed: 45,
            tombstone_percent: 10,
            ..InputSpec::STREAM
        }],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: table,
    },
    Case {
        name: "count-filter",
        about: "stream -> groupByKey -> count -> filter(even) -> toStream -> to: a filter over an aggregation (old values on: an update that stops matching is a null)",
        inputs: &[InputSpec {
            seed: 48,
            ..InputSpec::STREAM
        }],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: count_filter,
    },
    Case {
        name: "table-materialized",
        about: "table as \"table-store\" (10 % tombstones) -> filter(v % 3 != 0) -> mapValues(v * 10) -> toStream -> to: old values on, misses that matched neither before nor now are dropped",
        inputs: &[InputSpec {
            seed: 49,
            tombstone_percent: 10,
            ..InputSpec::STREAM
        }],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: table_materialized,
    },
    Case {
        name: "merge",
        about: "stream(a).merge(stream(b)).mapValues(v * 2) -> to: timestamp order across two co-partitioned inputs",
        inputs: &[
            InputSpec {
                seed: 46,
                ..InputSpec::STREAM
            },
            InputSpec {
                seed: 47,
                records: 200,
                ..InputSpec::STREAM
            },
        ],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: merge,
    },
    Case {
        name: "tumbling-suppress",
        about: "windowedBy(10 s, grace 2 s) -> count -> suppress(untilWindowCloses) -> toStream -> to: one final result per window",
        inputs: &[InputSpec {
            seed: 48,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: tumbling_suppress,
    },
    Case {
        name: "hopping",
        about: "windowedBy(10 s advance 5 s, grace 3 s) -> count -> toStream -> to: every update of overlapping windows",
        inputs: &[InputSpec {
            seed: 49,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: hopping,
    },
    Case {
        name: "tumbling-reduce",
        about: "windowedBy(10 s, no grace) -> reduce(sum) -> toStream -> to: late records dropped at the window end",
        inputs: &[InputSpec {
            seed: 50,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: tumbling_reduce,
    },
    Case {
        name: "session-count",
        about: "stream -> groupByKey -> windowedBy(SessionWindows gap 5 s, grace 2 s) -> count -> toStream (tombstones of merged sessions as nulls) -> to",
        inputs: &[InputSpec {
            seed: 48,
            ..InputSpec::STREAM
        }],
        key: Format::SessionWindowedUtf8,
        value: Format::I64,
        kstreams: session_count,
    },
    Case {
        name: "session-suppress",
        about: "stream -> groupByKey -> windowedBy(SessionWindows gap 5 s, grace 2 s) -> count -> suppress(untilWindowCloses(unbounded)) -> toStream -> to",
        inputs: &[InputSpec {
            seed: 49,
            ..InputSpec::STREAM
        }],
        key: Format::SessionWindowedUtf8,
        value: Format::I64,
        kstreams: session_suppress,
    },
    Case {
        name: "session-reduce",
        about: "stream -> groupByKey -> windowedBy(SessionWindows gap 5 s, grace 2 s) -> reduce(sum; merged sessions summed) -> toStream -> to",
        inputs: &[InputSpec {
            seed: 51,
            ..InputSpec::STREAM
        }],
        key: Format::SessionWindowedUtf8,
        value: Format::I64,
        kstreams: session_reduce,
    },
    Case {
        name: "sliding-count",
        about: "stream -> groupByKey -> windowedBy(SlidingWindows difference 5 s, grace 2 s) -> count -> toStream -> to",
        inputs: &[InputSpec {
            seed: 50,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: sliding_count,
    },
    Case {
        name: "stream-stream-join",
        about: "stream(a).join(stream(b), l + \"|\" + r, JoinWindows 5 s grace 2 s) -> to: every pair within 5 s, at the later timestamp",
        inputs: JOIN_INPUTS,
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_stream_join,
    },
    Case {
        name: "stream-stream-left-join",
        about: "stream(a).leftJoin(stream(b), 5 s, grace 2 s) -> to: unmatched left records once their window closes (KIP-633)",
        inputs: JOIN_INPUTS,
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_stream_left_join,
    },
    Case {
        name: "stream-stream-outer-join",
        about: "stream(a).outerJoin(stream(b), 5 s before, 2 s after, grace 2 s) -> to: unmatched records of both sides once their window closes",
        inputs: JOIN_INPUTS,
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_stream_outer_join,
    },
    Case {
        name: "cogroup",
        about: "stream(a).groupByKey().cogroup(agg + v).cogroup(stream(b).groupByKey(), agg - 2v).aggregate(0) -> toStream -> to: two inputs, one store (KIP-150)",
        inputs: &[
            InputSpec {
                seed: 62,
                ..InputSpec::STREAM
            },
            InputSpec {
                seed: 63,
                records: 200,
                ..InputSpec::STREAM
            },
        ],
        key: Format::Utf8,
        value: Format::I64,
        kstreams: cogroup,
    },
    Case {
        name: "stream-table-join",
        about: "stream(a).join(table(b), v + \"x\" + t) -> to: each task processes both partitions in timestamp order (PartitionGroup; inputs produced before the apps start, max.task.idle.ms waits for unfetched data), so the table updates (15 % deletes) interleave with the orders deterministically; no timestamp is shared by the two inputs within a partition (checked by a unit test), so ties never decide",
        inputs: &[STREAM_TABLE_STREAM, STREAM_TABLE_TABLE],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_table_join,
    },
    Case {
        name: "stream-table-left-join",
        about: "stream(a).leftJoin(table(b), v + \"x\" + t, t null without a row) -> to: as stream-table-join",
        inputs: &[
            InputSpec {
                seed: 62,
                ..STREAM_TABLE_STREAM
            },
            InputSpec {
                seed: 63,
                ..STREAM_TABLE_TABLE
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_table_left_join,
    },
    Case {
        name: "stream-globaltable-join",
        about: "stream(a).join(globalTable(b), key \"key-\" + floorMod(v, 8), v + \"x\" + g) -> to: the global table (15 % deletes) is bootstrapped to its end before any stream record is processed (inputs produced before the apps start), so every order sees the table's final rows; the key selector maps to another key, no co-partitioning",
        inputs: &[
            InputSpec {
                seed: 64,
                ..STREAM_TABLE_STREAM
            },
            InputSpec {
                seed: 65,
                global: true,
                ..STREAM_TABLE_TABLE
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_globaltable_join,
    },
    Case {
        name: "stream-globaltable-left-join",
        about: "stream(a).leftJoin(globalTable(b), stream key, v + \"x\" + g, g null without a row) -> to: as stream-globaltable-join",
        inputs: &[
            InputSpec {
                seed: 66,
                ..STREAM_TABLE_STREAM
            },
            InputSpec {
                seed: 67,
                global: true,
                ..STREAM_TABLE_TABLE
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: stream_globaltable_left_join,
    },
    Case {
        name: "table-table-join",
        about: "table(a).join(table(b), l + \"+\" + r) -> toStream -> to: both tables with 15 % deletes, updates of either side in timestamp order (no shared timestamps, see stream-table-join); deletes are nulls",
        inputs: &[TABLE_TABLE_LEFT, TABLE_TABLE_RIGHT],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: table_table_join,
    },
    Case {
        name: "table-table-left-join",
        about: "table(a).leftJoin(table(b), l + \"+\" + r) -> toStream -> to: as table-table-join; the left side sends old values, so a left delete without a right row is a null",
        inputs: &[
            InputSpec {
                seed: 72,
                ..TABLE_TABLE_LEFT
            },
            InputSpec {
                seed: 73,
                ..TABLE_TABLE_RIGHT
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: table_table_left_join,
    },
    Case {
        name: "table-table-outer-join",
        about: "table(a).outerJoin(table(b), l + \"+\" + r) -> toStream -> to: as table-table-join; a key is deleted when both rows are gone",
        inputs: &[
            InputSpec {
                seed: 74,
                ..TABLE_TABLE_LEFT
            },
            InputSpec {
                seed: 75,
                ..TABLE_TABLE_RIGHT
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: table_table_outer_join,
    },
    Case {
        name: "tumbling-emit-final",
        about: "windowedBy(10 s, grace 2 s) -> emitStrategy(onWindowClose) -> count -> toStream -> to: one final result per window (KIP-825)",
        inputs: &[InputSpec {
            seed: 51,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: tumbling_emit_final,
    },
    Case {
        name: "sliding-emit-final",
        about: "windowedBy(SlidingWindows difference 5 s, grace 2 s) -> emitStrategy(onWindowClose) -> count -> toStream -> to (KIP-825)",
        inputs: &[InputSpec {
            seed: 52,
            ..InputSpec::STREAM
        }],
        key: Format::TimeWindowedUtf8,
        value: Format::I64,
        kstreams: sliding_emit_final,
    },
    Case {
        name: "session-emit-final",
        about: "windowedBy(SessionWindows gap 5 s, grace 2 s) -> emitStrategy(onWindowClose) -> count -> toStream -> to: one final result per session, by end, start, key (KIP-825)",
        inputs: &[InputSpec {
            seed: 53,
            ..InputSpec::STREAM
        }],
        key: Format::SessionWindowedUtf8,
        value: Format::I64,
        kstreams: session_emit_final,
    },
    Case {
        name: "fk-join",
        about: "table(a).join(table(b), v -> FK[floorMod(v, 3)], l + \"+\" + r) -> toStream -> to: a foreign-key join (KIP-213); the foreign keys all land in partition 0 of b (one right task answers, so each output partition's order is the left partition's), b's rows are all older than a's (no right update races a subscription), one foreign key never has a row",
        inputs: &[FK_LEFT, FK_RIGHT],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: fk_join,
    },
    Case {
        name: "fk-left-join",
        about: "table(a).leftJoin(table(b), v -> FK[floorMod(v, 3)], l + \"+\" + r) -> toStream -> to: as fk-join; rows without a foreign row join with null, a foreign-key change answers from the old and the new key",
        inputs: &[
            InputSpec {
                seed: 82,
                ..FK_LEFT
            },
            InputSpec {
                seed: 83,
                ..FK_RIGHT
            },
        ],
        key: Format::Utf8,
        value: Format::Utf8,
        kstreams: fk_left_join,
    },
];

/// The case named `name`.
pub fn find(name: &str) -> Option<&'static Case> {
    CASES.iter().find(|c| c.name == name)
}

type In = Topic<String, I64, PARTITIONS>;

fn count(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .count()
        .to_stream()
        .to(out);
}

fn reduce(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .reduce(|a, v| a + v)
        .to_stream()
        .to(out);
}

fn aggregate(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .aggregate(String::new, |_, v: i64, agg: String| format!("{agg}{v};"))
        .to_stream()
        .to(out);
}

/// Java's `KTable#toStream()` forwards deletes as null values: kstreams'
/// equivalent is `to_changelog_stream()` into an `Option<I64>` topic
/// (its `to_stream()` drops deletes, see its documentation). The source
/// is not materialized (as Java's `builder.table(topic)`), so the filter
/// gets no old values and forwards a null for every miss and tombstone.
fn table(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<I64>, PARTITIONS> = Topic::named(output);
    b.table(In::named(inputs[0]))
        .filter(|_, v| v % 3 != 0)
        .map_values(|v| v * 10)
        .to_changelog_stream()
        .to(out);
}

/// A filter over an aggregation: the count sends old values, so an update
/// that stops matching is forwarded as a null and one that matched
/// neither before nor now is dropped (`KTableFilter`).
fn count_filter(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<I64>, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .count()
        .filter(|_, v| v % 2 == 0)
        .to_changelog_stream()
        .to(out);
}

/// As `table`, with a named (materialized) source: the filter gets old
/// values and drops what matched neither before nor now.
fn table_materialized(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<I64>, PARTITIONS> = Topic::named(output);
    b.table_with(In::named(inputs[0]), Materialized::as_("table-store"))
        .filter(|_, v| v % 3 != 0)
        .map_values(|v| v * 10)
        .to_changelog_stream()
        .to(out);
}

/// Two inputs: each task reads partition N of both topics and picks the
/// buffered record with the lowest timestamp (Java's `PartitionGroup`).
fn merge(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .merge(&b.stream(In::named(inputs[1])))
        .map_values(|v: i64| v * 2)
        .to(out);
}

type Windowed10s = Topic<TimeWindowed<String, 10_000>, I64, PARTITIONS>;

fn tumbling_suppress(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(TimeWindows::of_size_and_grace(
            Duration::from_secs(10),
            Duration::from_secs(2),
        ))
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(Windowed10s::named(output));
}

fn hopping(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(
            TimeWindows::of_size_and_grace(Duration::from_secs(10), Duration::from_secs(3))
                .advance_by(Duration::from_secs(5)),
        )
        .count()
        .to_stream()
        .to(Windowed10s::named(output));
}

fn tumbling_reduce(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(TimeWindows::of_size_with_no_grace(Duration::from_secs(10)))
        .reduce(|a, v| a + v)
        .to_stream()
        .to(Windowed10s::named(output));
}

/// Sessions of gap 5 s and grace 2 s (`Cases.java`'s `SESSIONS`).
const SESSIONS: SessionWindows =
    SessionWindows::of_inactivity_gap_and_grace(Duration::from_secs(5), Duration::from_secs(2));

/// Java's `toStream()` forwards the tombstones of merged-away sessions as
/// null values: `to_changelog_stream()` into an `Option<I64>` topic.
fn session_count(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<SessionWindowed<String>, Option<I64>, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SESSIONS)
        .count()
        .to_changelog_stream()
        .to(out);
}

fn session_suppress(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<SessionWindowed<String>, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SESSIONS)
        .count()
        .suppress(Suppressed::until_window_closes(BufferConfig::unbounded()))
        .to_stream()
        .to(out);
}

/// The output key's window size is the time difference (5 s).
fn sliding_count(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<TimeWindowed<String, 5_000>, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_and_grace(
            Duration::from_secs(5),
            Duration::from_secs(2),
        ))
        .count()
        .to_stream()
        .to(out);
}

fn session_reduce(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<SessionWindowed<String>, Option<I64>, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SESSIONS)
        .reduce(|a, v| a + v)
        .to_changelog_stream()
        .to(out);
}

/// The two inputs of the stream-stream join cases: same keys, different
/// seeds; the right side is sparser.
const JOIN_INPUTS: &[InputSpec] = &[
    InputSpec {
        seed: 60,
        ..InputSpec::STREAM
    },
    InputSpec {
        seed: 61,
        records: 150,
        ..InputSpec::STREAM
    },
];

/// `Cases.java`'s `JOIN_WINDOWS`: 5 s either way, 2 s grace.
const JOIN_WINDOWS: JoinWindows =
    JoinWindows::of_time_difference_and_grace(Duration::from_secs(5), Duration::from_secs(2));

/// Java's `l + "|" + r` (a missing side prints as `null`).
fn joined(l: Option<&i64>, r: Option<&i64>) -> String {
    let show = |v: Option<&i64>| v.map_or("null".to_owned(), i64::to_string);
    format!("{}|{}", show(l), show(r))
}

fn stream_stream_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    // Left first, as Java evaluates `b.stream(a).join(b.stream(b), ..)`.
    let left = b.stream(In::named(inputs[0]));
    left.join_stream(
        &b.stream(In::named(inputs[1])),
        |l, r| joined(Some(l), Some(r)),
        JOIN_WINDOWS,
    )
    .to(out);
}

fn stream_stream_left_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    // Left first, as Java evaluates `b.stream(a).join(b.stream(b), ..)`.
    let left = b.stream(In::named(inputs[0]));
    left.left_join_stream(
        &b.stream(In::named(inputs[1])),
        |l, r| joined(Some(l), r),
        JOIN_WINDOWS,
    )
    .to(out);
}

/// Asymmetric: left records join right records from 5 s before to 2 s after.
fn stream_stream_outer_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    // Left first, as Java evaluates `b.stream(a).join(b.stream(b), ..)`.
    let left = b.stream(In::named(inputs[0]));
    left.outer_join_stream(
        &b.stream(In::named(inputs[1])),
        joined,
        JOIN_WINDOWS.after(Duration::from_secs(2)),
    )
    .to(out);
}

fn cogroup(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, I64, PARTITIONS> = Topic::named(output);
    let first = b.stream(In::named(inputs[0])).group_by_key();
    let second = b.stream(In::named(inputs[1])).group_by_key();
    first
        .cogroup(|_, v: i64, agg: i64| agg + v)
        .cogroup(&second, |_, v: i64, agg: i64| agg - 2 * v)
        .aggregate(|| 0)
        .to_stream()
        .to(out);
}
/// The stream side of the stream-table joins: the default stream.
const STREAM_TABLE_STREAM: InputSpec = InputSpec {
    seed: 60,
    ..InputSpec::STREAM
};

/// The table side: fewer, sparser updates over the same event time, some
/// late, 15 % deletes.
const STREAM_TABLE_TABLE: InputSpec = InputSpec {
    seed: 61,
    records: 120,
    step_ms: (1_000, 7_000),
    late_percent: 10,
    far_behind_every: 0,
    tombstone_percent: 15,
    ..InputSpec::STREAM
};

/// The left table of the table-table joins.
const TABLE_TABLE_LEFT: InputSpec = InputSpec {
    seed: 70,
    records: 150,
    step_ms: (500, 6_000),
    far_behind_every: 0,
    tombstone_percent: 15,
    ..InputSpec::STREAM
};

/// The right table of the table-table joins.
const TABLE_TABLE_RIGHT: InputSpec = InputSpec {
    seed: 71,
    records: 150,
    step_ms: (700, 5_000),
    far_behind_every: 0,
    tombstone_percent: 15,
    ..InputSpec::STREAM
};

/// The table is read first, as in Java's method (store names aside, the
/// order does not change the output).
fn stream_table_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    let table = b.table(In::named(inputs[1]));
    b.stream(In::named(inputs[0]))
        .join(&table, |v: &i64, t: &i64| format!("{v}x{t}"))
        .to(out);
}

fn stream_table_left_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    let table = b.table(In::named(inputs[1]));
    b.stream(In::named(inputs[0]))
        .left_join(&table, |v: &i64, t: Option<&i64>| {
            format!("{v}x{}", shown(t))
        })
        .to(out);
}

/// The global table is read first, as in Java's method.
fn stream_globaltable_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    let table = b.global_table(In::named(inputs[1]));
    b.stream(In::named(inputs[0]))
        .join_global(
            &table,
            |_: &String, v: &i64| format!("key-{}", v.rem_euclid(8)),
            |v: &i64, g: &i64| format!("{v}x{g}"),
        )
        .to(out);
}

fn stream_globaltable_left_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, String, PARTITIONS> = Topic::named(output);
    let table = b.global_table(In::named(inputs[1]));
    b.stream(In::named(inputs[0]))
        .left_join_global(
            &table,
            |k: &String, _: &i64| k.clone(),
            |v: &i64, g: Option<&i64>| format!("{v}x{}", shown(g)),
        )
        .to(out);
}

/// Java's string concatenation of a possibly null `Long`.
/// The left table of the foreign-key joins: starts after every row of
/// the right table (its first step is at least 500 ms, the right table
/// spans less) and is never out of order, so that no right update races
/// a subscription.
const FK_LEFT: InputSpec = InputSpec {
    seed: 80,
    records: 120,
    step_ms: (500, 3_000),
    late_percent: 0,
    far_behind_every: 0,
    tombstone_percent: 10,
    ..InputSpec::STREAM
};

/// The right table of the foreign-key joins: 40 rows within 200 ms.
const FK_RIGHT: InputSpec = InputSpec {
    seed: 81,
    records: 40,
    step_ms: (1, 5),
    late_percent: 0,
    far_behind_every: 0,
    tombstone_percent: 10,
    ..InputSpec::STREAM
};

/// The foreign keys: the first three `key-N` of partition 0 (the right
/// table has rows for the first two, see [`super::input::keys`]).
fn foreign_keys() -> Vec<String> {
    (0..)
        .map(|i| format!("key-{i}"))
        .filter(|k| super::murmur2::partition_of(k.as_bytes(), PARTITIONS) == 0)
        .take(3)
        .collect()
}

/// The foreign key of left value `v` (Java: `FK.get(Math.floorMod(v, 3))`).
fn foreign_key_of(keys: &[String], v: i64) -> String {
    keys[v.rem_euclid(keys.len() as i64) as usize].clone()
}

fn fk_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<String>, PARTITIONS> = Topic::named(output);
    let keys = foreign_keys();
    b.table(In::named(inputs[0]))
        .join_on_foreign_key(
            &b.table(In::named(inputs[1])),
            move |v: &i64| foreign_key_of(&keys, *v),
            |l: &i64, r: &i64| format!("{l}+{r}"),
        )
        .to_changelog_stream()
        .to(out);
}

fn fk_left_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<String>, PARTITIONS> = Topic::named(output);
    let keys = foreign_keys();
    b.table(In::named(inputs[0]))
        .left_join_on_foreign_key(
            &b.table(In::named(inputs[1])),
            move |v: &i64| Some(foreign_key_of(&keys, *v)),
            |l: &i64, r: Option<&i64>| format!("{l}+{}", shown(r)),
        )
        .to_changelog_stream()
        .to(out);
}

fn shown(v: Option<&i64>) -> String {
    v.map_or_else(|| "null".to_owned(), i64::to_string)
}

/// Deletes reach the output as nulls (Java's `toStream()`):
/// `to_changelog_stream()` into an `Option<String>` topic.
fn table_table_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<String>, PARTITIONS> = Topic::named(output);
    b.table(In::named(inputs[0]))
        .join(&b.table(In::named(inputs[1])), |l: &i64, r: &i64| {
            format!("{l}+{r}")
        })
        .to_changelog_stream()
        .to(out);
}

fn table_table_left_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<String>, PARTITIONS> = Topic::named(output);
    b.table(In::named(inputs[0]))
        .left_join(
            &b.table(In::named(inputs[1])),
            |l: &i64, r: Option<&i64>| format!("{l}+{}", shown(r)),
        )
        .to_changelog_stream()
        .to(out);
}

fn table_table_outer_join(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<String, Option<String>, PARTITIONS> = Topic::named(output);
    b.table(In::named(inputs[0]))
        .outer_join(
            &b.table(In::named(inputs[1])),
            |l: Option<&i64>, r: Option<&i64>| format!("{}+{}", shown(l), shown(r)),
        )
        .to_changelog_stream()
        .to(out);
}

fn tumbling_emit_final(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(TimeWindows::of_size_and_grace(
            Duration::from_secs(10),
            Duration::from_secs(2),
        ))
        .emit_strategy(kstreams::dsl::EmitStrategy::on_window_close())
        .count()
        .to_stream()
        .to(Windowed10s::named(output));
}

fn sliding_emit_final(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<TimeWindowed<String, 5_000>, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SlidingWindows::of_time_difference_and_grace(
            Duration::from_secs(5),
            Duration::from_secs(2),
        ))
        .emit_strategy(kstreams::dsl::EmitStrategy::on_window_close())
        .count()
        .to_stream()
        .to(out);
}

fn session_emit_final(b: &StreamsBuilder, inputs: &[&str], output: &str) {
    let out: Topic<SessionWindowed<String>, I64, PARTITIONS> = Topic::named(output);
    b.stream(In::named(inputs[0]))
        .group_by_key()
        .windowed_by(SESSIONS)
        .emit_strategy(kstreams::dsl::EmitStrategy::on_window_close())
        .count()
        .to_stream()
        .to(out);
}

#[cfg(test)]
mod join_input_tests {
    use std::collections::HashSet;

    use super::super::input::generate;
    use super::*;

    /// The two inputs of a join never share a timestamp within a
    /// partition: which side goes first is decided by timestamps alone,
    /// never by how Java's or kstreams' PartitionGroup breaks a tie.
    #[test]
    fn join_inputs_share_no_timestamp_within_a_partition() {
        let joins = CASES.iter().filter(|c| c.name.contains("join"));
        let mut checked = 0;
        for case in joins {
            assert_eq!(case.inputs.len(), 2, "{}", case.name);
            let stamps = |spec: &InputSpec| -> HashSet<(u32, i64)> {
                generate(spec, 0)
                    .into_iter()
                    .map(|r| (r.partition, r.timestamp))
                    .collect()
            };
            let (a, b) = (stamps(&case.inputs[0]), stamps(&case.inputs[1]));
            let shared: Vec<_> = a.intersection(&b).collect();
            assert!(shared.is_empty(), "{}: {shared:?}", case.name);
            checked += 1;
        }
        assert!(checked >= 5, "the join cases are registered");
    }
}
