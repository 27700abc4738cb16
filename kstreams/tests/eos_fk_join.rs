//! Exactly-once for a foreign-key table-table join under failure
//! (`eos_passthrough` with `MODE=fk`: orders joined with customers on the
//! customer an order names, through the subscription and response topics
//! and the change-logged subscription store). Customers are produced
//! first, and orders only once the application has consumed (and
//! committed) every customer; then orders are produced in chunks while the
//! process is SIGKILLed at random moments and restarted (the two table
//! stores and the subscription store are restored from their changelogs);
//! the harness is `broker/table_join.rs`.
//!
//! Why "exactly one result per order" is the precise expectation: each
//! order key is written once and no customer changes while orders flow,
//! so each order sends one subscription (instruction
//! `PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE`, a new row), its customer's
//! partition answers once with a customer that exists, and the response
//! resolver joins it once. No update of the right side re-joins an order
//! (that would be a second, legitimate result), and no response arrives
//! before its customer (that would be a tombstone: the inner join's
//! "no foreign row" answer). So under exactly_once_v2 the read_committed
//! output holds one non-null record per order, with the right customer.
//!
//! Under at_least_once the same checker reports what it sees: an order
//! replayed after a kill finds its row already in the restored table
//! (`old` set), subscribes again (`PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE`)
//! and is answered and joined again, and replayed subscriptions and
//! responses are answered and joined again: results appear twice.

mod broker;

use broker::table_join::{harness, Counts, JoinCase};

const CUSTOMERS: usize = 500;

fn customer(i: usize) -> String {
    format!("customer-{:04}", (i * 7919) % CUSTOMERS)
}

/// A customer row's value.
fn customer_name(customer: &str) -> String {
    format!("name of {customer}")
}

/// Order `i`: its key, and its value naming its customer (`<customer>/<i>`).
fn order(i: usize) -> (String, String) {
    (format!("order-{i:06}"), format!("{}/{i}", customer(i)))
}

/// What order `i`'s one result must be.
fn joined(i: usize) -> String {
    format!("{}+{}", order(i).1, customer_name(&customer(i)))
}

fn case() -> JoinCase {
    JoinCase {
        mode: "fk",
        right: (0..CUSTOMERS)
            .map(|c| {
                let key = format!("customer-{c:04}");
                let name = customer_name(&key);
                (key, name)
            })
            .collect(),
        left: order,
        joined,
    }
}

#[test]
fn exactly_once_v2_joins_every_order_exactly_once_after_sigkills() {
    let orders = 20_000;
    let counts = harness(&case(), "exactly_once_v2", orders, 100, 5, 300);
    assert_eq!(
        counts,
        Counts {
            exact: orders,
            ..Counts::default()
        },
        "exactly-once violated"
    );
}

#[test]
fn at_least_once_duplicates_are_reported() {
    // A kill that lands right after a commit replays nothing: run again
    // (at most 3 runs) until the kills caused an anomaly to check.
    let mut counts = harness(&case(), "at_least_once", 20_000, 1_000, 4, 1_300);
    for _ in 1..3 {
        if counts.duplicated + counts.wrong + counts.missing > 0 {
            break;
        }
        println!(
            "at_least_once: no anomaly in this run (kills between commits replayed nothing); again"
        );
        counts = harness(&case(), "at_least_once", 20_000, 1_000, 4, 1_300);
    }
    // At-least-once may repeat results, never lose one (the losses seen
    // on 2026-12-03 were the test broker's retention, see eos_join.rs).
    assert_eq!(
        counts.missing, 0,
        "at_least_once lost {} orders",
        counts.missing
    );
    println!(
        "at_least_once: the harness saw {} duplicated and {} wrong results",
        counts.duplicated, counts.wrong
    );
    assert!(
        counts.duplicated + counts.wrong + counts.missing > 0,
        "no duplicate under at_least_once with kills in 3 runs; the checker cannot be trusted"
    );
}
