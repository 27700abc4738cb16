//! Shared helpers for tests that need a real Kafka broker.
//!
//! Broker tests are never skipped: without `KAFKA_BOOTSTRAP_SERVERS` they fail
//! and say how to start Kafka.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;

/// The broker's bootstrap address, or a panic that says how to get one.
pub fn bootstrap() -> String {
    match std::env::var("KAFKA_BOOTSTRAP_SERVERS") {
        Ok(s) if !s.trim().is_empty() => s,
        _ => panic!(
            "KAFKA_BOOTSTRAP_SERVERS is not set: this test needs a real Kafka broker. \
             Run the suite with `cargo xtask test`, or start Kafka with `cargo xtask kafka start` \
             and export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092"
        ),
    }
}

/// A name no other test run uses: `<prefix>-<pid>-<nanos>`.
pub fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Creates topics with `partitions` partitions each (replication factor 1).
pub fn create_topics(names: &[&str], partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap())
        .create()
        .expect("admin client");
    let topics: Vec<NewTopic> = names.iter().map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1))).collect();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    let results = futures_executor::block_on(admin.create_topics(&topics, &opts)).expect("create_topics request");
    for result in results {
        if let Err((topic, code)) = result {
            panic!("could not create topic {topic}: {code}");
        }
    }
}
