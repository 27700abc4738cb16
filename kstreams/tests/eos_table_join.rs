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
    JoinCase {
        mode: "table-join",
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

#[test]
fn at_least_once_duplicates_are_reported() {
    let rows = 20_000;
    // A kill that lands right after a commit replays nothing: run again
    // (at most 3 runs) until the kills caused an anomaly to check.
    let mut counts = harness(&case(rows), "at_least_once", rows, 1_000, 4, 1_300);
    for _ in 1..3 {
        if counts.duplicated + counts.wrong + counts.missing > 0 {
            break;
        }
        println!(
            "at_least_once: no anomaly in this run (kills between commits replayed nothing); again"
        );
        counts = harness(&case(rows), "at_least_once", rows, 1_000, 4, 1_300);
    }
    // Open bug (see eos_join.rs's at_least_once test): reported, not
    // failed on.
    if counts.missing > 0 {
        eprintln!(
            "at_least_once: LOST {} rows (open at-least-once bug, see eos_join.rs)",
            counts.missing
        );
    }
    println!(
        "at_least_once: the harness saw {} duplicated and {} wrong results",
        counts.duplicated, counts.wrong
    );
    assert!(
        counts.duplicated + counts.wrong + counts.missing > 0,
        "no duplicate under at_least_once with kills in 3 runs; the checker cannot be trusted"
    );
}
