//! The correlated-purchases example through the TopologyTestDriver: the
//! exact pairs the brute-force reference gives, at the later timestamp,
//! and the repartition topics Java's join would create.

use kstreams::test_driver::TopologyTestDriver;
use kstreams_examples::correlated_purchases::{
    expected, sample, sort, topology, CorrelatedPurchase, CORRELATED, TRANSACTIONS,
};

#[test]
fn every_coffee_and_electronics_pair_within_twenty_minutes_once() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut transactions = driver.create_input_topic(TRANSACTIONS);
    let purchases = sample(1_000_000);
    for (store, purchase) in &purchases {
        transactions.pipe_input_with_timestamp(
            store.clone(),
            purchase.clone(),
            purchase.purchase_date,
        )?;
    }
    let mut pairs: Vec<(String, CorrelatedPurchase, i64)> = driver
        .create_output_topic(CORRELATED)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    sort(&mut pairs);
    assert_eq!(pairs, expected(&purchases));
    assert_eq!(pairs.len(), 5);
    Ok(())
}

#[test]
fn both_branches_are_repartitioned_by_customer_before_the_join() -> kstreams::Result<()> {
    let description = topology()?.describe().to_string();
    let repartitions: Vec<&str> = description
        .lines()
        .filter(|l| l.contains("Sink:") && l.contains("-repartition"))
        .collect();
    assert_eq!(repartitions.len(), 2, "{description}");
    assert!(description.contains("KSTREAM-JOINTHIS-"), "{description}");
    assert!(description.contains("KSTREAM-JOINOTHER-"), "{description}");
    Ok(())
}

/// The example program on the broker: it creates its topics, produces the
/// sample, runs the join under exactly_once_v2 and exits 0 only when the
/// committed pairs are exactly the expected ones, each once.
#[test]
fn the_example_pairs_exactly_the_expected_purchases_on_the_broker() {
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .expect("KAFKA_BOOTSTRAP_SERVERS must name a broker (`cargo xtask kafka start`)");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_correlated_purchases"))
        .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("paired exactly once"), "{stdout}");
}
