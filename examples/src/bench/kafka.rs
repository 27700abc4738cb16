//! Kafka helpers of the benchmark and example programs: topics (create,
//! delete, count), producing with back-pressure, draining a producer
//! without rust-rdkafka's 100 ms `flush` steps, reading what was committed,
//! and a SIGTERM flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::Message;

use super::BenchResult;

const ADMIN_TIMEOUT: Duration = Duration::from_secs(30);

fn admin(bootstrap: &str) -> BenchResult<AdminClient<DefaultClientContext>> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()?)
}

/// Creates topics with `partitions` partitions (replication 1); an existing topic is an error.
pub fn create_topics(bootstrap: &str, names: &[&str], partitions: i32) -> BenchResult {
    let admin = admin(bootstrap)?;
    let topics: Vec<NewTopic> = names
        .iter()
        .map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1)))
        .collect();
    let opts = AdminOptions::new().operation_timeout(Some(ADMIN_TIMEOUT));
    for result in futures_executor::block_on(admin.create_topics(&topics, &opts))? {
        result.map_err(|(topic, code)| format!("cannot create topic {topic}: {code}"))?;
    }
    Ok(())
}

/// Deletes every topic whose name starts with `prefix`; returns their names.
pub fn delete_topics_with_prefix(bootstrap: &str, prefix: &str) -> BenchResult<Vec<String>> {
    let names = topics_with_prefix(bootstrap, prefix)?;
    if names.is_empty() {
        return Ok(names);
    }
    let admin = admin(bootstrap)?;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let opts = AdminOptions::new().operation_timeout(Some(ADMIN_TIMEOUT));
    for result in futures_executor::block_on(admin.delete_topics(&refs, &opts))? {
        result.map_err(|(topic, code)| format!("cannot delete topic {topic}: {code}"))?;
    }
    Ok(names)
}

/// A consumer for metadata and offset queries only (it never subscribes).
pub fn query_consumer(bootstrap: &str, group: &str) -> BenchResult<BaseConsumer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?)
}

/// Names of the topics that start with `prefix`, sorted.
pub fn topics_with_prefix(bootstrap: &str, prefix: &str) -> BenchResult<Vec<String>> {
    let consumer = query_consumer(bootstrap, "kstreams-bench-metadata")?;
    let metadata = consumer.fetch_metadata(None, ADMIN_TIMEOUT)?;
    let mut names: Vec<String> = metadata
        .topics()
        .iter()
        .map(|t| t.name().to_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    names.sort();
    Ok(names)
}

/// Per partition of `topic`: (partition, low watermark, high watermark).
/// Retries for a while: a topic created a moment ago may have no leader yet.
pub fn watermarks(consumer: &BaseConsumer, topic: &str) -> BenchResult<Vec<(i32, i64, i64)>> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match try_watermarks(consumer, topic) {
            Ok(marks) => return Ok(marks),
            Err(e) if Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn try_watermarks(consumer: &BaseConsumer, topic: &str) -> BenchResult<Vec<(i32, i64, i64)>> {
    let metadata = consumer.fetch_metadata(Some(topic), ADMIN_TIMEOUT)?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .map(|t| t.partitions().iter().map(|p| p.id()).collect())
        .unwrap_or_default();
    if partitions.is_empty() {
        return Err(format!("topic {topic} does not exist (or has no partitions)").into());
    }
    let mut out = Vec::with_capacity(partitions.len());
    for p in partitions {
        let (low, high) = consumer.fetch_watermarks(topic, p, ADMIN_TIMEOUT)?;
        out.push((p, low, high));
    }
    Ok(out)
}

/// A producer for the load generator: idempotent, batching, Java's partitioner.
pub fn load_producer(bootstrap: &str, linger_ms: u32) -> BenchResult<BaseProducer> {
    Ok(ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("linger.ms", linger_ms.to_string())
        .set("batch.size", "1000000")
        .set("queue.buffering.max.messages", "1000000")
        .set("partitioner", "murmur2_random")
        .create()?)
}

/// Sends a record, serving delivery reports while the local queue is full.
pub fn send_with_backpressure(
    producer: &BaseProducer,
    mut record: BaseRecord<'_, [u8], [u8]>,
) -> BenchResult {
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                producer.poll(Duration::from_millis(1));
            }
            Err((e, _)) => return Err(e.into()),
        }
    }
}

/// Waits until every produced record is acknowledged, polling in 1 ms steps
/// (rust-rdkafka's `flush` polls in 100 ms steps, a stall per call).
pub fn drain(producer: &BaseProducer, timeout: Duration) -> BenchResult {
    let deadline = Instant::now() + timeout;
    while producer.in_flight_count() > 0 {
        if Instant::now() > deadline {
            return Err(format!(
                "{} records still unacknowledged after {timeout:?}",
                producer.in_flight_count()
            )
            .into());
        }
        producer.poll(Duration::from_millis(1));
    }
    Ok(())
}

static TERMINATE: AtomicBool = AtomicBool::new(false);

extern "C" fn on_terminate(_signal: libc::c_int) {
    TERMINATE.store(true, Ordering::SeqCst);
}

/// Installs SIGTERM/SIGINT handlers that only set a flag; see [`terminated`].
pub fn install_terminate_flag() -> BenchResult {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let handler = on_terminate as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only stores to an atomic (async-signal-safe).
        if unsafe { libc::signal(signal, handler) } == libc::SIG_ERR {
            return Err(format!(
                "cannot install a signal handler: {}",
                std::io::Error::last_os_error()
            )
            .into());
        }
    }
    Ok(())
}

/// Whether SIGTERM or SIGINT arrived.
pub fn terminated() -> bool {
    TERMINATE.load(Ordering::SeqCst)
}

/// A committed record: topic, key, value, timestamp.
pub type Committed = (String, Vec<u8>, Vec<u8>, i64);

/// A committed changelog record: topic, key, value (`None`: a tombstone),
/// timestamp.
pub type CommittedChange = (String, Vec<u8>, Option<Vec<u8>>, i64);

/// Reads the committed records (`isolation.level=read_committed`) of
/// `topics` from the start until `expected` arrived and 3 s more passed
/// (so that a duplicate would show), or 90 s passed. Records without a key
/// or value are skipped.
pub fn read_committed(
    bootstrap: &str,
    topics: &[&str],
    expected: usize,
) -> BenchResult<Vec<Committed>> {
    let changes = read_committed_until(bootstrap, topics, |out| {
        out.iter()
            .filter(|(_, _, value, _)| value.is_some())
            .count()
            >= expected
    })?;
    Ok(changes
        .into_iter()
        .filter_map(|(topic, key, value, ts)| value.map(|value| (topic, key, value, ts)))
        .collect())
}

/// Reads the committed records (`isolation.level=read_committed`) of
/// `topics` from the start, tombstones included, until `done` holds for
/// what was read and 3 s more passed (so that a later record would show),
/// or 90 s passed. Records without a key are skipped.
pub fn read_committed_until(
    bootstrap: &str,
    topics: &[&str],
    done: impl Fn(&[CommittedChange]) -> bool,
) -> BenchResult<Vec<CommittedChange>> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("{}-reader", topics.join("-")))
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(topics)?;
    let (mut out, deadline, mut complete) =
        (Vec::new(), Instant::now() + Duration::from_secs(90), None);
    while Instant::now() < deadline
        && complete.is_none_or(|at: Instant| at.elapsed() < Duration::from_secs(3))
    {
        if let Some(message) = consumer.poll(Duration::from_millis(200)) {
            let m = message?;
            if let Some(key) = m.key() {
                let timestamp = m.timestamp().to_millis().unwrap_or(-1);
                out.push((
                    m.topic().to_owned(),
                    key.to_vec(),
                    m.payload().map(<[u8]>::to_vec),
                    timestamp,
                ));
            }
        }
        if complete.is_none() && done(&out) {
            complete = Some(Instant::now());
        }
    }
    Ok(out)
}
