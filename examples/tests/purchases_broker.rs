//! The purchases example end to end on the real broker under
//! exactly_once_v2: every sink holds exactly the expected records, read
//! with a read_committed consumer (keys and values decoded from bytes).

#[path = "../../kstreams/tests/broker/mod.rs"]
mod broker;

use std::time::Duration;

use kstreams::serde::{Json, Serde, I64};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};
use kstreams_examples::purchases::{
    topology_with, Purchase, PurchasePattern, PurchaseTopics, RewardAccumulator,
};

const DEPARTMENTS: [&str; 4] = ["coffee", "electronics", "clothing", "coffee"];

fn purchase(i: u32) -> Purchase {
    Purchase {
        first_name: format!("first{i}"),
        last_name: format!("last{}", i % 7),
        customer_id: format!("customer-{}", i % 13),
        credit_card_number: format!("4000-1234-5678-{:04}", i),
        item_purchased: format!("item-{i}"),
        department: DEPARTMENTS[(i % 4) as usize].to_owned(),
        employee_id: format!("employee-{}", i % 3),
        quantity: 1 + i % 3,
        price: f64::from(i % 11) * 1.25, // 0.00 .. 12.50: some at or below 5.00
        purchase_date: 1_700_000_000_000 + i64::from(i) * 1_000,
        zip_code: format!("{:05}", 10_000 + i % 5),
        store_id: format!("store-{}", i % 2),
    }
}

/// All records of a one-partition topic, read_committed, as raw key/value bytes.
fn read_raw(topic: &str, expected: usize) -> Vec<(Option<Vec<u8>>, Vec<u8>)> {
    broker::read_committed_raw_until(topic, expected)
        .into_iter()
        .map(|(k, v, _)| (k, v.unwrap_or_default()))
        .collect()
}

fn decode<S: Serde>(bytes: &[u8]) -> S::Target {
    S::deserialize(bytes).expect("output decodes with the topic's serde")
}

#[test]
fn purchases_topology_writes_exactly_the_expected_records_to_every_sink() {
    let prefix = broker::unique("purchases");
    let topics = PurchaseTopics::prefixed(&format!("{prefix}-"));
    broker::create_topics(&topics.names(), 1);

    let input: Vec<Purchase> = (0..400).map(purchase).collect();
    broker::produce(
        topics.transactions.name(),
        input.iter().map(|p| {
            (
                p.customer_id.clone(),
                serde_json::to_string(p).expect("json"),
            )
        }),
    );

    let config = StreamsConfig::new(format!("{prefix}-app"))
        .bootstrap_servers(broker::bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(std::env::temp_dir().join(format!("{prefix}-state")));
    let streams = KafkaStreams::new(topology_with(&topics).expect("topology"), config)
        .expect("KafkaStreams::new");
    streams.start().expect("start");

    let masked: Vec<Purchase> = input
        .iter()
        .cloned()
        .map(Purchase::mask_credit_card)
        .collect();
    let by_department = |department: &str| -> Vec<(i64, Purchase)> {
        masked
            .iter()
            .filter(|p| p.price > 5.00 && p.department == department)
            .map(|p| (p.purchase_date, p.clone()))
            .collect()
    };
    let expected_coffee = by_department("coffee");
    let expected_electronics = by_department("electronics");
    assert!(
        !expected_coffee.is_empty() && !expected_electronics.is_empty(),
        "the input must exercise both branches"
    );

    let purchases: Vec<(String, Purchase)> = read_raw(topics.purchases.name(), masked.len())
        .into_iter()
        .map(|(k, v)| {
            (
                String::from_utf8(k.expect("key")).expect("utf-8 key"),
                decode::<Json<Purchase>>(&v),
            )
        })
        .collect();
    let patterns: Vec<PurchasePattern> = read_raw(topics.patterns.name(), masked.len())
        .into_iter()
        .map(|(_, v)| decode::<Json<PurchasePattern>>(&v))
        .collect();
    let rewards: Vec<RewardAccumulator> = read_raw(topics.rewards.name(), masked.len())
        .into_iter()
        .map(|(_, v)| decode::<Json<RewardAccumulator>>(&v))
        .collect();
    let branch = |topic: &str, expected: usize| -> Vec<(i64, Purchase)> {
        read_raw(topic, expected)
            .into_iter()
            .map(|(k, v)| {
                (
                    decode::<I64>(&k.expect("key")),
                    decode::<Json<Purchase>>(&v),
                )
            })
            .collect()
    };
    let coffee = branch(topics.coffee.name(), expected_coffee.len());
    let electronics = branch(topics.electronics.name(), expected_electronics.len());

    assert_eq!(
        streams.state(),
        State::Running,
        "the application kept running"
    );
    assert!(streams.close(Duration::from_secs(30)), "clean close");

    let expected_purchases: Vec<(String, Purchase)> = masked
        .iter()
        .map(|p| (p.customer_id.clone(), p.clone()))
        .collect();
    assert_eq!(
        purchases, expected_purchases,
        "purchases: every masked purchase once, in input order"
    );
    assert!(purchases
        .iter()
        .all(|(_, p)| p.credit_card_number.starts_with("xxxx-xxxx-xxxx-")));
    assert_eq!(
        patterns,
        masked.iter().map(PurchasePattern::from).collect::<Vec<_>>(),
        "patterns"
    );
    assert_eq!(
        rewards,
        masked
            .iter()
            .map(RewardAccumulator::from)
            .collect::<Vec<_>>(),
        "rewards"
    );
    assert_eq!(
        coffee, expected_coffee,
        "coffee: purchases over 5.00 keyed by date"
    );
    assert_eq!(
        electronics, expected_electronics,
        "electronics: purchases over 5.00 keyed by date"
    );
}
