//! The co-grouping example (seed 003 §10): the topology through the
//! TopologyTestDriver with exact outputs (stream-time punctuation driven by
//! record timestamps), and the application end to end on the real broker
//! under exactly_once_v2.
//!
//! Expected outputs are computed here, independently of the processor:
//! each task takes its clicks and purchases in timestamp order, and each
//! time its stream time reaches the next multiple of 15 s (the first as
//! soon as it has data) every customer with pending activity gets one
//! record, in key order, and starts afresh.

#[path = "../../kstreams/tests/broker/mod.rs"]
mod broker;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use kstreams::serde::{Json, Serde};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig, TopologyTestDriver};
use kstreams_examples::cogroup::*;

fn click(customer: &str, symbol: &str, timestamp: i64) -> ClickEvent {
    ClickEvent {
        customer_id: customer.to_owned(),
        symbol: symbol.to_owned(),
        link: format!("https://news.example/{symbol}/{timestamp}"),
        timestamp,
    }
}

fn purchase(
    customer: &str,
    symbol: &str,
    shares: u64,
    share_price: f64,
    timestamp: i64,
) -> StockTransaction {
    StockTransaction {
        symbol: symbol.to_owned(),
        customer_id: customer.to_owned(),
        shares,
        share_price,
        timestamp,
    }
}

fn group(clicks: &[&ClickEvent], purchases: &[&StockTransaction]) -> ClicksAndPurchases {
    ClicksAndPurchases {
        clicks: clicks.iter().map(|&c| c.clone()).collect(),
        purchases: purchases.iter().map(|&p| p.clone()).collect(),
    }
}

fn key_and_time(a: &Activity) -> (&str, i64) {
    match a {
        Activity::Click(c) => (&c.customer_id, c.timestamp),
        Activity::Purchase(p) => (&p.customer_id, p.timestamp),
    }
}

/// What one task forwards for `activity` (its partition of both topics, in
/// timestamp order): (customer, group, punctuation time).
fn expected_output(activity: &[Activity]) -> Vec<(String, ClicksAndPurchases, i64)> {
    let mut pending: BTreeMap<String, ClicksAndPurchases> = BTreeMap::new();
    let mut out = Vec::new();
    let (mut stream_time, mut next_punctuation) = (-1_i64, 0_i64);
    for a in activity {
        let (customer, timestamp) = key_and_time(a);
        let entry = pending.entry(customer.to_owned()).or_default();
        match a {
            Activity::Click(c) => entry.clicks.push(c.clone()),
            Activity::Purchase(p) => entry.purchases.push(p.clone()),
        }
        stream_time = stream_time.max(timestamp);
        if stream_time >= next_punctuation {
            out.extend(
                std::mem::take(&mut pending)
                    .into_iter()
                    .map(|(k, g)| (k, g, stream_time)),
            );
            next_punctuation = (stream_time / 15_000 + 1) * 15_000;
        }
    }
    out
}

const CUSTOMERS: [&str; 8] = [
    "cust-0", "cust-1", "cust-2", "cust-3", "cust-4", "cust-5", "cust-6", "cust-7",
];
const SYMBOLS: [&str; 4] = ["AAPL", "ACME", "BETA", "CHAR"];

/// `n` clicks and purchases (about 2:1) of random customers, 137 ms apart
/// from `start` (xorshift, fixed seed); prices are multiples of 0.25.
fn generate(n: usize, start: i64) -> Vec<Activity> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n) as usize
    };
    (0..n)
        .map(|i| {
            let timestamp = start + 137 * i as i64;
            let customer = CUSTOMERS[next(CUSTOMERS.len() as u64)];
            let symbol = SYMBOLS[next(SYMBOLS.len() as u64)];
            if next(3) == 0 {
                let shares = 10 * (1 + next(20) as u64);
                let price = 10.0 + 0.25 * next(200) as f64;
                Activity::Purchase(purchase(customer, symbol, shares, price, timestamp))
            } else {
                Activity::Click(click(customer, symbol, timestamp))
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The topology.

#[test]
fn the_macro_topology_and_topology_with_describe_the_same_dag() -> kstreams::Result<()> {
    let described = cogroup()?.describe().to_string();
    assert_eq!(
        described,
        topology_with(&CogroupTopics::DEFAULT)?
            .describe()
            .to_string()
    );
    for node in [
        "Source: Events-Source (topics: [click-events])",
        "Source: Txn-Source (topics: [stock-purchases])",
        "Processor: Events-Processor (stores: [])",
        "Processor: Txn-Processor (stores: [])",
        "Processor: Activity-Merge (stores: [])",
        "Processor: CoGrouping-Processor (stores: [cogroup-store])",
        "Sink: CoGrouping-Sink (topic: cogrouped-activity)",
    ] {
        assert!(described.contains(node), "no `{node}` in\n{described}");
    }
    assert!(
        cogroup::DESCRIPTION.contains("merge("),
        "{}",
        cogroup::DESCRIPTION
    );
    Ok(())
}

#[test]
fn each_punctuation_forwards_and_clears_every_customers_clicks_and_purchases(
) -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(cogroup()?)?;
    let mut clicks = d.create_input_topic(CLICK_EVENTS);
    let mut purchases = d.create_input_topic(STOCK_PURCHASES);
    let out = d.create_output_topic(COGROUPED);
    let store = d.get_key_value_store::<String, Json<ClicksAndPurchases>>(COGROUP_STORE)?;
    let read = || -> kstreams::Result<Vec<(String, ClicksAndPurchases, i64)>> {
        Ok(out
            .read_records_to_vec()?
            .into_iter()
            .map(|r| (r.key, r.value, r.timestamp))
            .collect())
    };
    let mut click_in = |c: &ClickEvent| {
        clicks.pipe_input_with_timestamp(c.customer_id.clone(), c.clone(), c.timestamp)
    };
    let mut purchase_in = |p: &StockTransaction| {
        purchases.pipe_input_with_timestamp(p.customer_id.clone(), p.clone(), p.timestamp)
    };

    // The first record fires the punctuator at once (stream time 1 s).
    let c1 = click("cust-1", "ACME", 1_000);
    click_in(&c1)?;
    assert_eq!(
        read()?,
        vec![("cust-1".to_owned(), group(&[&c1], &[]), 1_000)]
    );
    assert_eq!(
        store.get(&"cust-1".to_owned())?,
        None,
        "emitted groups are cleared"
    );

    // Both topics feed the same groups; nothing leaves before 15 s.
    let p1 = purchase("cust-1", "ACME", 100, 12.5, 2_000);
    let c2 = click("cust-2", "BETA", 3_000);
    let c3 = click("cust-1", "BETA", 4_000);
    let p2 = purchase("cust-2", "BETA", 40, 7.25, 14_999);
    purchase_in(&p1)?;
    click_in(&c2)?;
    click_in(&c3)?;
    purchase_in(&p2)?;
    assert_eq!(read()?, vec![]);
    assert_eq!(
        store.get(&"cust-1".to_owned())?,
        Some(group(&[&c3], &[&p1]))
    );

    let c4 = click("cust-3", "CHAR", 15_000);
    click_in(&c4)?;
    assert_eq!(
        read()?,
        vec![
            ("cust-1".to_owned(), group(&[&c3], &[&p1]), 15_000),
            ("cust-2".to_owned(), group(&[&c2], &[&p2]), 15_000),
            ("cust-3".to_owned(), group(&[&c4], &[]), 15_000),
        ]
    );
    assert_eq!(store.get(&"cust-1".to_owned())?, None);

    // Wall-clock time does not drive this punctuator; a late record joins
    // its group without moving stream time.
    let p3 = purchase("cust-1", "ACME", 10, 13.0, 20_000);
    let p4 = purchase("cust-2", "AAPL", 5, 180.75, 5_000);
    purchase_in(&p3)?;
    d.advance_wall_clock_time(Duration::from_secs(60))?;
    purchase_in(&p4)?;
    assert_eq!(read()?, vec![]);

    let c5 = click("cust-2", "AAPL", 31_000);
    click_in(&c5)?;
    assert_eq!(
        read()?,
        vec![
            ("cust-1".to_owned(), group(&[], &[&p3]), 31_000),
            ("cust-2".to_owned(), group(&[&c5], &[&p4]), 31_000)
        ]
    );
    let c6 = click("cust-2", "AAPL", 44_999);
    click_in(&c6)?;
    assert_eq!(read()?, vec![], "next punctuation at 45 s");
    Ok(())
}

#[test]
fn generated_activity_gives_exactly_the_modelled_output() -> kstreams::Result<()> {
    let activity = generate(800, 1_700_000_000_000);
    let expected = expected_output(&activity);
    assert!(expected.len() > 50, "{}", expected.len());

    let d = TopologyTestDriver::new(cogroup()?)?;
    let mut clicks = d.create_input_topic(CLICK_EVENTS);
    let mut purchases = d.create_input_topic(STOCK_PURCHASES);
    for a in &activity {
        match a {
            Activity::Click(c) => {
                clicks.pipe_input_with_timestamp(c.customer_id.clone(), c.clone(), c.timestamp)?
            }
            Activity::Purchase(p) => purchases.pipe_input_with_timestamp(
                p.customer_id.clone(),
                p.clone(),
                p.timestamp,
            )?,
        }
    }
    let actual: Vec<(String, ClicksAndPurchases, i64)> = d
        .create_output_topic(COGROUPED)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    assert_eq!(actual, expected);
    Ok(())
}

// ---------------------------------------------------------------------------
// On the broker.

/// Produces the activity to the partitions given, keyed by customer id,
/// with its timestamp as the record timestamp.
fn produce_activity(topics: &CogroupTopics, activity: &[(i32, Activity)]) {
    broker::produce_placed(activity.iter().map(|(partition, a)| {
        let (topic, value) = match a {
            Activity::Click(c) => (
                topics.clicks.name(),
                serde_json::to_string(c).expect("json"),
            ),
            Activity::Purchase(p) => (
                topics.purchases.name(),
                serde_json::to_string(p).expect("json"),
            ),
        };
        let (customer, timestamp) = key_and_time(a);
        broker::Placed {
            topic: topic.to_owned(),
            partition: *partition,
            key: customer.to_owned(),
            value,
            timestamp,
        }
    }));
}

#[test]
fn on_the_broker_each_customer_gets_exactly_the_expected_groups() {
    let prefix = broker::unique("cogroup");
    let topics = CogroupTopics::prefixed(&format!("{prefix}-"));
    broker::create_topics(&topics.names(), PARTITIONS as i32);

    // The producer partitions both topics alike by customer (cust-0, -2, ..
    // → 0; cust-1, -3, .. → 1): co-partitioned, one task per partition pair.
    // Each partition ends with a click 15 s after everything else, so its
    // last punctuation forwards all that is still pending.
    let partition_of = |customer: &str| {
        CUSTOMERS
            .iter()
            .position(|c| *c == customer)
            .map_or(0, |i| (i % 2) as i32)
    };
    let mut activity = generate(800, 1_700_000_000_000);
    let end = activity.last().map_or(0, |a| key_and_time(a).1);
    activity.push(Activity::Click(click("cust-0", "ACME", end + 15_000)));
    activity.push(Activity::Click(click("cust-1", "ACME", end + 15_001)));
    let input: Vec<(i32, Activity)> = activity
        .iter()
        .map(|a| (partition_of(key_and_time(a).0), a.clone()))
        .collect();

    let mut expected: BTreeMap<String, Vec<(ClicksAndPurchases, i64)>> = BTreeMap::new();
    for partition in 0..PARTITIONS as i32 {
        let own: Vec<Activity> = input
            .iter()
            .filter(|(p, _)| *p == partition)
            .map(|(_, a)| a.clone())
            .collect();
        for (customer, g, at) in expected_output(&own) {
            expected.entry(customer).or_default().push((g, at));
        }
    }
    let expected_count: usize = expected.values().map(Vec::len).sum();
    for customer in CUSTOMERS {
        let forwarded: usize = expected.get(customer).map_or(0, |gs| {
            gs.iter()
                .map(|(g, _)| g.clicks.len() + g.purchases.len())
                .sum()
        });
        let sent = activity
            .iter()
            .filter(|a| key_and_time(a).0 == customer)
            .count();
        assert_eq!(
            forwarded, sent,
            "{customer}: everything is forwarded once by the last punctuation"
        );
    }

    produce_activity(&topics, &input);

    // The task must take its two partitions' records in timestamp order:
    // with Kafka's default max.task.idle.ms = 0 it still waits for a
    // partition with nothing buffered while the consumer reports a fetched
    // lag for it (KIP-695). Without fetched lags this test fails about two
    // runs in three.
    let config = StreamsConfig::new(format!("{prefix}-app"))
        .bootstrap_servers(broker::bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .max_task_idle_ms(0)
        .state_dir(std::env::temp_dir().join(format!("{prefix}-state")));
    let streams = KafkaStreams::new(topology_with(&topics).expect("topology"), config)
        .expect("KafkaStreams::new");
    let started = Instant::now();
    streams.start().expect("start");

    let output = broker::read_committed_until(topics.cogrouped.name(), expected_count);
    eprintln!("{} records read in {:?}", output.len(), started.elapsed());
    assert_eq!(
        streams.state(),
        State::Running,
        "the application kept running"
    );
    assert!(streams.close(Duration::from_secs(30)), "clean close");

    let mut actual: BTreeMap<String, Vec<(ClicksAndPurchases, i64)>> = BTreeMap::new();
    for (customer, value, timestamp) in output {
        let g = Json::<ClicksAndPurchases>::deserialize(&value)
            .expect("output decodes as ClicksAndPurchases");
        actual.entry(customer).or_default().push((g, timestamp));
    }
    // Per customer, in order (a customer is in one output partition); across
    // partitions the interleaving is the broker's.
    assert_eq!(
        actual.values().map(Vec::len).sum::<usize>(),
        expected_count,
        "record count"
    );
    assert_eq!(actual, expected);
}

/// The DSL version (`cogroup_dsl`): with the record cache off, every click
/// or purchase emits the customer's whole history so far, and the store
/// holds it.
#[test]
fn the_dsl_cogroup_folds_both_inputs_into_each_customers_history() -> kstreams::Result<()> {
    let topology = cogroup_dsl()?;
    let described = topology.describe().to_string();
    assert!(
        described.contains("COGROUPKSTREAM-MERGE-"),
        "not the DSL's cogroup:\n{described}"
    );
    let config = kstreams::test_driver::DriverConfig {
        cache_max_bytes: 0,
        ..Default::default()
    };
    let d = TopologyTestDriver::with_config(topology, config)?;
    let mut clicks = d.create_input_topic(CLICK_EVENTS);
    let mut purchases = d.create_input_topic(STOCK_PURCHASES);
    let out = d.create_output_topic(CUSTOMER_ACTIVITY);
    let (c1, p1, c2) = (
        click("cust-1", "ACME", 1_000),
        purchase("cust-1", "ACME", 100, 12.5, 2_000),
        click("cust-2", "BETA", 3_000),
    );
    clicks.pipe_input_with_timestamp("cust-1", c1.clone(), c1.timestamp)?;
    purchases.pipe_input_with_timestamp("cust-1", p1.clone(), p1.timestamp)?;
    clicks.pipe_input_with_timestamp("cust-2", c2.clone(), c2.timestamp)?;
    let got: Vec<_> = out
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    assert_eq!(
        got,
        vec![
            ("cust-1".to_owned(), group(&[&c1], &[]), 1_000),
            ("cust-1".to_owned(), group(&[&c1], &[&p1]), 2_000),
            ("cust-2".to_owned(), group(&[&c2], &[]), 3_000),
        ]
    );
    let store =
        d.get_key_value_store::<String, Json<ClicksAndPurchases>>(CUSTOMER_ACTIVITY_STORE)?;
    assert_eq!(
        store.get(&"cust-1".to_owned())?,
        Some(group(&[&c1], &[&p1]))
    );
    Ok(())
}
