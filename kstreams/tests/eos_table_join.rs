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

// No at_least_once twin here: replayed left rows usually find the same
// value already in the restored table store and, as Kafka Streams' table
// sources do, emit nothing, so a kill often leaves no duplicate to see
// (three runs in a row showed none on CI's loaded machine). The checker is
// the shared `broker/table_join.rs` one, which `eos_fk_join.rs`'s
// at_least_once test shows catching duplicates.
