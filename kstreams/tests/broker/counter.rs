//! The payment counter's input and its check (`eos_passthrough` with
//! `MODE=counter`, seed 000): events `account → status`, the expected
//! count of successful payments per account, and the last committed
//! count of every account read back read_committed.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::unique;

/// Accounts (600 of them get successful payments: `7919 ≡ 4 mod 5`).
pub const ACCOUNTS: usize = 1_000;

/// Event `i`: an account and a status (3 in 5 are `SUCCESS`).
pub fn event(i: usize) -> (String, String) {
    let account = format!("acct-{:04}", (i * 7919) % ACCOUNTS);
    let status = if i % 5 < 3 {
        "SUCCESS"
    } else if i % 5 == 3 {
        "FAILED"
    } else {
        "PENDING"
    };
    (account, status.to_owned())
}

/// The count of successful payments per account over events `0..events`.
pub fn expected_counts(events: usize) -> HashMap<String, i64> {
    let mut expected = HashMap::new();
    for (account, status) in (0..events).map(event) {
        if status == "SUCCESS" {
            *expected.entry(account).or_insert(0) += 1;
        }
    }
    expected
}

/// The last committed count of every account in `topic` (read_committed,
/// every partition from the beginning up to its end offset).
pub fn latest_counts(bootstrap: &str, topic: &str, partitions: i32) -> HashMap<String, i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("counter-checker"))
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    let mut ends = Vec::new();
    for p in 0..partitions {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .expect("tpl");
        ends.push(
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .expect("watermarks")
                .1,
        );
    }
    consumer.assign(&tpl).expect("assign");
    let mut latest = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => {
                let key = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                let value = m
                    .payload()
                    .and_then(|v| <[u8; 8]>::try_from(v).ok())
                    .expect("an I64 count");
                latest.insert(key, i64::from_be_bytes(value));
            }
            Some(Err(e)) => eprintln!("checker: {e}"),
            None => {
                let positions = consumer.position().expect("position");
                let done = (0..partitions).all(|p| {
                    positions
                        .find_partition(topic, p)
                        .and_then(|e| e.offset().to_raw())
                        .unwrap_or(-1)
                        >= ends[p as usize]
                });
                drop(positions);
                if done || Instant::now() > deadline {
                    return latest;
                }
            }
        }
    }
}

/// Accounts whose last count is (exact, under, over) the expected one.
pub fn compare(
    expected: &HashMap<String, i64>,
    actual: &HashMap<String, i64>,
) -> (usize, usize, usize) {
    let (mut exact, mut under, mut over) = (0, 0, 0);
    for (account, e) in expected {
        match actual.get(account).copied().unwrap_or(0) {
            a if a == *e => exact += 1,
            a if a < *e => under += 1,
            _ => over += 1,
        }
    }
    (exact, under, over)
}
