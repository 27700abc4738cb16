//! The payment-enrichment example through the TopologyTestDriver (the
//! exact enriched payments the brute-force reference gives, each with the
//! account row of its time) and on the broker.

use kstreams::test_driver::TopologyTestDriver;
use kstreams_examples::payment_enrichment::{
    accounts, expected, payments, sort, topology, EnrichedPayment, ACCOUNTS, ENRICHED, PAYMENTS,
};

#[test]
fn every_payment_carries_its_account_as_of_its_time() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut accounts_in = driver.create_input_topic(ACCOUNTS);
    let mut payments_in = driver.create_input_topic(PAYMENTS);
    let (account_rows, payment_rows) = (accounts(1_000_000), payments(1_000_000));
    // Pipe both inputs merged in timestamp order, as a task takes them.
    let mut timeline: Vec<(i64, bool, usize)> = account_rows
        .iter()
        .enumerate()
        .map(|(i, (_, _, t))| (*t, true, i))
        .chain(
            payment_rows
                .iter()
                .enumerate()
                .map(|(i, (_, _, t))| (*t, false, i)),
        )
        .collect();
    timeline.sort();
    for (t, is_account, i) in timeline {
        if is_account {
            let (key, row, _) = &account_rows[i];
            accounts_in.pipe_input_with_timestamp(key.clone(), row.clone(), t)?;
        } else {
            let (key, payment, _) = &payment_rows[i];
            payments_in.pipe_input_with_timestamp(key.clone(), payment.clone(), t)?;
        }
    }
    let mut enriched: Vec<(String, EnrichedPayment, i64)> = driver
        .create_output_topic(ENRICHED)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    sort(&mut enriched);
    assert_eq!(enriched, expected(&account_rows, &payment_rows));
    assert_eq!(enriched.len(), payment_rows.len(), "one result per payment");
    Ok(())
}

#[test]
fn an_account_update_emits_nothing() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(topology()?)?;
    let mut accounts_in = driver.create_input_topic(ACCOUNTS);
    for (key, row, t) in accounts(0) {
        accounts_in.pipe_input_with_timestamp(key, row, t)?;
    }
    assert!(driver.create_output_topic(ENRICHED).is_empty());
    Ok(())
}

/// The example program on the broker: it creates its topics, produces the
/// sample, runs the join under exactly_once_v2 and exits 0 only when the
/// committed enriched payments are exactly the expected ones, each once.
#[test]
fn the_example_enriches_exactly_the_expected_payments_on_the_broker() {
    let bootstrap = std::env::var("KAFKA_BOOTSTRAP_SERVERS")
        .expect("KAFKA_BOOTSTRAP_SERVERS must name a broker (`cargo xtask kafka start`)");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_payment_enrichment"))
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
        stdout.contains("as it was when the payment was made"),
        "{stdout}"
    );
}
