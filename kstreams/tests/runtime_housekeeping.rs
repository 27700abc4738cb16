//! Housekeeping of a long-running application, on the real broker:
//! committed records of repartition topics are purged
//! (`repartition.purge.interval.ms`), user topics never are.

mod broker;

use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::TopicPartitionList;

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, StreamsConfig};

use broker::{bootstrap, create_topics, group_lag, produce, unique};

const PARTITIONS: i32 = 4;
const RECORDS: usize = 2_000;

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn,kstreams=info"))
        .with_test_writer()
        .try_init();
}

fn consumer(group: Option<&str>) -> BaseConsumer {
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", bootstrap());
    if let Some(group) = group {
        cc.set("group.id", group);
    }
    cc.create().expect("consumer")
}

/// Per partition of `topic`: (low watermark, high watermark).
fn watermarks(topic: &str) -> Vec<(i64, i64)> {
    let c = consumer(None);
    (0..PARTITIONS)
        .map(|p| {
            c.fetch_watermarks(topic, p, Duration::from_secs(10))
                .expect("watermarks")
        })
        .collect()
}

/// Per partition of `topic`: the offset group `group` committed (-1: none).
fn committed(group: &str, topic: &str) -> Vec<i64> {
    let c = consumer(Some(group));
    let mut tpl = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        tpl.add_partition(topic, p);
    }
    let committed = c
        .committed_offsets(tpl, Duration::from_secs(10))
        .expect("committed offsets");
    (0..PARTITIONS)
        .map(|p| {
            committed
                .find_partition(topic, p)
                .and_then(|e| e.offset().to_raw())
                .unwrap_or(-1)
        })
        .collect()
}

/// The application's repartition topics, from the cluster's metadata.
fn repartition_topics(app: &str) -> Vec<String> {
    let metadata = consumer(None)
        .fetch_metadata(None, Duration::from_secs(10))
        .expect("metadata");
    metadata
        .topics()
        .iter()
        .map(|t| t.name().to_owned())
        .filter(|n| n.starts_with(&format!("{app}-")) && n.ends_with("-repartition"))
        .collect()
}

/// `input → select_key(value) → group_by_key → count → output` under
/// exactly-once: the repartition topic's low watermark follows the offsets
/// committed with the transactions; the input topic keeps every record.
#[test]
fn committed_repartition_records_are_purged() {
    init_logs();
    let (input, output, app) = (unique("hk-in"), unique("hk-out"), unique("hk-app"));
    create_topics(&[&input, &output], PARTITIONS);
    produce(
        &input,
        (0..RECORDS).map(|i| (format!("k{i}"), format!("user{}", i % 97))),
    );
    let b = StreamsBuilder::new();
    let source: Topic<String, String, 4> = Topic::named(&input);
    let sink: Topic<String, I64, 4> = Topic::named(&output);
    b.stream(source)
        .select_key(|_k, v: &String| v.clone())
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("per-user"))
        .to_stream()
        .to(sink);
    let config = StreamsConfig::new(&app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .repartition_purge_interval_ms(200)
        .state_dir(std::env::temp_dir().join(unique("hk-state")));
    let streams = KafkaStreams::new(b.build().expect("topology"), config).expect("new");
    streams.start().expect("start");

    let deadline = Instant::now() + Duration::from_secs(120);
    while group_lag(&app, &input, PARTITIONS) != 0 {
        assert!(
            Instant::now() < deadline,
            "the input was not consumed in time"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let topics = repartition_topics(&app);
    assert_eq!(topics.len(), 1, "one repartition topic: {topics:?}");
    let repartition = &topics[0];
    // Purged up to what the group committed on it, once every record went through.
    let purged = loop {
        let (marks, offsets) = (watermarks(repartition), committed(&app, repartition));
        let through: i64 = offsets.iter().map(|o| o.max(&0)).sum();
        if through >= RECORDS as i64 && marks.iter().zip(&offsets).all(|((low, _), c)| low == c) {
            break (marks, offsets);
        }
        assert!(
            Instant::now() < deadline,
            "{repartition} not purged to the committed offsets: watermarks {marks:?}, committed {offsets:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    println!(
        "{repartition}: watermarks {:?}, committed {:?}",
        purged.0, purged.1
    );
    // Records went through the topic (and not all of them are commit markers).
    let written: i64 = purged.0.iter().map(|(_, high)| high).sum();
    assert!(
        written > RECORDS as i64,
        "{written} offsets in {repartition}"
    );
    assert!(
        purged.0.iter().all(|(low, _)| *low > 0),
        "every partition purged"
    );
    // The user's input topic is never purged.
    assert!(
        watermarks(&input).iter().all(|(low, _)| *low == 0),
        "the input topic was purged: {:?}",
        watermarks(&input)
    );
    assert!(streams.close(Duration::from_secs(30)));
}
