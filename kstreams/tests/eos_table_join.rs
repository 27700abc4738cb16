//! Exactly-once for a table-table join under failure (`eos_passthrough`
//! with `MODE=table-join`: two co-partitioned tables joined on their key,
//! both materialized in change-logged RocksDB stores). The right rows are
//! produced first and consumed (committed) by the application before any
//! left row is produced; then each left row is written once, in chunks,
//! while the process is SIGKILLed at random moments and restarted (both
//! stores restored from their changelogs); the harness is
//! `broker/table_join.rs`.
//!
//! Why "exactly one result per left row" is the precise expectation: no
//! right row changes while left rows flow, and each left key is written
//! once, so each left row joins once, with a right row that exists (an
//! update of the right row would legitimately re-join it). Under
//! exactly_once_v2 the read_committed output holds one `L:<i>+R:<i>` per
//! row. Under at_least_once a left row replayed after a kill is an update
//! of the restored row (old = new) and joins again: results appear twice.
//!
//! The same harness runs a stream-table join (`MODE=stream-table-join`:
//! the left rows as a stream, the right table restored from its
//! changelog after each kill): one `L:<i>+R:<i>` per left record under
//! exactly_once_v2; under at_least_once a replayed record joins again.

mod broker;

use broker::table_join::{harness, Counts, JoinCase};

fn key(i: usize) -> String {
    format!("row-{i:06}")
}

fn left(i: usize) -> (String, String) {
    (key(i), format!("L:{i}"))
}

fn joined(i: usize) -> String {
    format!("L:{i}+R:{i}")
}

fn case(rows: usize) -> JoinCase {
    case_of("table-join", rows)
}

fn case_of(mode: &'static str, rows: usize) -> JoinCase {
    JoinCase {
        mode,
        right: (0..rows).map(|i| (key(i), format!("R:{i}"))).collect(),
        left,
        joined,
    }
}

#[test]
fn exactly_once_v2_joins_every_row_exactly_once_after_sigkills() {
    let rows = 20_000;
    let counts = harness(&case(rows), "exactly_once_v2", rows, 100, 5, 300);
    assert_eq!(
        counts,
        Counts {
            exact: rows,
            ..Counts::default()
        },
        "exactly-once violated"
    );
}

// No at_least_once twin here: replayed left rows usually find the same
// value already in the restored table store and, as Kafka Streams' table
// sources do, emit nothing, so a kill often leaves no duplicate to see
// (three runs in a row showed none on CI's loaded machine). The checker is
// the shared `broker/table_join.rs` one, which `eos_fk_join.rs`'s
// at_least_once test shows catching duplicates.

#[test]
fn stream_table_join_exactly_once_v2_joins_every_record_exactly_once_after_sigkills() {
    let rows = 20_000;
    let case = case_of("stream-table-join", rows);
    let counts = harness(&case, "exactly_once_v2", rows, 100, 5, 300);
    assert_eq!(
        counts,
        Counts {
            exact: rows,
            ..Counts::default()
        },
        "exactly-once violated"
    );
}

#[test]
fn stream_table_join_at_least_once_duplicates_are_reported() {
    // A kill that lands right after a commit replays nothing: run again
    // (at most 3 runs) until the kills caused an anomaly to check.
    let rows = 20_000;
    let case = case_of("stream-table-join", rows);
    // A 5 s commit interval (Java's at_least_once default is 30 s): with
    // 1 s, a chunk that arrives after a pause is processed and committed
    // in the same loop turn (the interval elapsed while idle), so a kill
    // almost never lands between a join and its commit and nothing is
    // replayed (three runs in a row saw no duplicate).
    let mut counts = harness(&case, "at_least_once", rows, 5_000, 4, 1_300);
    for _ in 1..3 {
        if counts.duplicated + counts.wrong + counts.missing > 0 {
            break;
        }
        println!("at_least_once: no anomaly in this run; again");
        counts = harness(&case, "at_least_once", rows, 5_000, 4, 1_300);
    }
    assert_eq!(
        counts.missing, 0,
        "at_least_once lost {} records",
        counts.missing
    );
    assert!(
        counts.duplicated > 0,
        "no duplicate under at_least_once with kills in 3 runs; the checker cannot be trusted"
    );
}
