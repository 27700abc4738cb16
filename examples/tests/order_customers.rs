//! The order-customers example (foreign-key join) through the
//! TopologyTestDriver, one change at a time (what each change emits: the
//! fan-out, the moved order, the late customer), and on the broker.

use std::collections::BTreeMap;

use kstreams::test_driver::TopologyTestDriver;
use kstreams_examples::order_customers::{
    expected, last_values, sample, topology, Change, EnrichedOrder, CUSTOMERS, ORDERS,
    ORDERS_WITH_CUSTOMERS,
};

/// (key, customer name and city, or `None` for a tombstone) of records.
type Emitted = Vec<(String, Option<(String, String)>)>;

#[test]
fn each_change_emits_what_the_join_must_and_every_order_ends_right() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut orders = driver.create_input_topic(ORDERS);
    let mut customers = driver.create_input_topic(CUSTOMERS);
    let output = driver.create_output_topic(ORDERS_WITH_CUSTOMERS);
    let changes = sample(1_000_000);
    let (mut changelog, mut emitted) = (Vec::new(), Vec::<Emitted>::new());
    for (timestamp, change) in &changes {
        match change {
            Change::Customer(id, c) => {
                customers.pipe_input_with_timestamp(id.clone(), c.clone(), *timestamp)?
            }
            Change::Order(id, o) => {
                orders.pipe_input_with_timestamp(id.clone(), o.clone(), *timestamp)?
            }
        }
        let records: Vec<(String, Option<EnrichedOrder>)> = output.read_key_values_to_vec()?;
        emitted.push(
            records
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_ref().map(|o| (o.name.clone(), o.city.clone())),
                    )
                })
                .collect(),
        );
        changelog.extend(records);
    }
    let joined = |order: &str, name: &str, city: &str| {
        (order.to_owned(), Some((name.to_owned(), city.to_owned())))
    };
    // The sample's changes, in order (see `order_customers::sample`).
    assert!(
        emitted[0].is_empty() && emitted[1].is_empty(),
        "customers alone join nothing"
    );
    assert_eq!(emitted[2], vec![joined("o-1", "Ada", "London")]);
    assert_eq!(emitted[3], vec![joined("o-2", "Ada", "London")]);
    assert_eq!(emitted[4], vec![joined("o-3", "Bo", "Paris")]);
    assert_eq!(
        emitted[5],
        vec![
            joined("o-1", "Ada", "Berlin"),
            joined("o-2", "Ada", "Berlin")
        ],
        "Ada's move fans out to both her orders"
    );
    assert_eq!(
        emitted[6],
        vec![joined("o-3", "Ada", "Berlin")],
        "the lamp moves to Ada"
    );
    assert!(
        emitted[7].iter().all(|(_, v)| v.is_none()),
        "c-3 does not exist yet: no result for the mug, {:?}",
        emitted[7]
    );
    assert_eq!(emitted[8], vec![joined("o-4", "Cy", "Oslo")]);
    assert_eq!(emitted[9], vec![], "Bo has no orders left");

    let want: BTreeMap<String, Option<EnrichedOrder>> = expected(&changes)
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    assert_eq!(last_values(&changelog), want);
    assert_eq!(want.len(), 4, "every order of the sample ends joined");
    Ok(())
}

/// The example program on the broker: it creates its topics, produces the
/// sample, runs the join under exactly_once_v2 and exits 0 only when the
/// last committed value of each order is the expected one, for every
/// order.
#[test]
fn the_example_ends_with_every_order_joined_to_its_final_customer_on_the_broker() {
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .expect("KAFKA_BOOTSTRAP_SERVERS must name a broker (`cargo xtask kafka start`)");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_order_customers"))
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("every order ends joined with its customer's last row"),
        "{stdout}"
    );
}
