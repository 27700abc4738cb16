//! Housekeeping of a long-running application, on the real broker:
//! committed records of repartition topics are purged
//! (`repartition.purge.interval.ms`), user topics never are; stores are
//! flushed and checkpointed on a clean close (not on every commit), so a
//! clean restart restores nothing, under both guarantees.

mod broker;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::topic_partition_list::TopicPartitionList;

use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::state::{ChangelogPartition, StateRestoreListener};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

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

/// Counts restored records.
struct Restored(Arc<AtomicU64>);

impl StateRestoreListener for Restored {
    fn on_restore_start(&self, _: &ChangelogPartition, _: &str, _: i64, _: i64) {}
    fn on_batch_restored(&self, _: &ChangelogPartition, _: &str, _: i64, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }
    fn on_restore_end(&self, _: &ChangelogPartition, _: &str, _: u64) {}
}

/// Runs `input → group_by_key → count("counts")` until it consumed all
/// input; returns the store's contents and how many records it restored.
fn run_counter(
    app: &str,
    input: &str,
    state_dir: &std::path::Path,
    guarantee: ProcessingGuarantee,
) -> (BTreeMap<String, i64>, u64) {
    let b = StreamsBuilder::new();
    let source: Topic<String, String, 4> = Topic::named(input);
    b.stream(source)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    // No record cache: every record is a changelog write.
    let config = StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(guarantee)
        .commit_interval_ms(100)
        .set("statestore.cache.max.bytes", "0")
        .state_dir(state_dir);
    let streams = KafkaStreams::new(b.build().expect("topology"), config).expect("new");
    let restored = Arc::new(AtomicU64::new(0));
    streams.set_global_state_restore_listener(Restored(restored.clone()));
    streams.start().expect("start");
    let deadline = Instant::now() + Duration::from_secs(120);
    while streams.state() != State::Running || group_lag(app, input, PARTITIONS) != 0 {
        assert!(
            Instant::now() < deadline,
            "the input was not consumed in time"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let contents = streams
        .store(StoreQueryParameters::from_name_and_type(
            "counts",
            QueryableStoreTypes::key_value::<String, I64>(),
        ))
        .expect("store")
        .all()
        .expect("scan")
        .collect::<kstreams::Result<BTreeMap<_, _>>>()
        .expect("scan");
    assert!(streams.close(Duration::from_secs(30)));
    (contents, restored.load(Ordering::Relaxed))
}

#[test]
fn a_clean_restart_restores_nothing_under_both_guarantees() {
    init_logs();
    for guarantee in [
        ProcessingGuarantee::AtLeastOnce,
        ProcessingGuarantee::ExactlyOnceV2,
    ] {
        let (input, app) = (unique("hk-ck-in"), unique("hk-ck-app"));
        create_topics(&[&input], PARTITIONS);
        // 12 000 changelog records: more than one checkpoint's worth in all.
        produce(
            &input,
            (0..12_000).map(|i| (format!("k{}", i % 100), "x".to_owned())),
        );
        let state_dir = std::env::temp_dir().join(unique("hk-ck-state"));
        let (first, restored) = run_counter(&app, &input, &state_dir, guarantee);
        assert_eq!(first.len(), 100, "{guarantee}");
        assert!(first.values().all(|n| *n == 120), "{guarantee}: {first:?}");
        assert_eq!(
            restored, 0,
            "{guarantee}: a new application restores nothing"
        );
        let (second, restored) = run_counter(&app, &input, &state_dir, guarantee);
        assert_eq!(second, first, "{guarantee}: the reopened stores differ");
        assert_eq!(
            restored, 0,
            "{guarantee}: the checkpoint written on close covers the flushed stores"
        );
        let _ = std::fs::remove_dir_all(&state_dir);
    }
}
