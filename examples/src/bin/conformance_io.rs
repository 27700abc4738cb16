//! Kafka side of `cargo xtask conformance` (xtask itself depends on std only).
//!
//! ```text
//! conformance_io cases                                         one `CASE name<TAB>inputs<TAB>about` line per case
//! conformance_io create  --bootstrap B --topics T1,T2          topics with conformance::PARTITIONS partitions
//! conformance_io produce --bootstrap B --case C --topics IN[,IN..] [--base-ms MS] [--seed-xor N] [--dump FILE]
//! conformance_io read    --bootstrap B --case C --topic OUT --input IN[,IN..] --group APP_ID --dump FILE
//!                        [--quiet-ms 3000] [--timeout-s 120]
//! conformance_io cleanup --bootstrap B --prefix P              deletes every topic named P*
//! ```
//!
//! `produce` writes the case's generated input(s) (see `conformance/input.rs`),
//! the i-th input spec to the i-th topic,
//! with Java's partitioner (`partitioner=murmur2_random`) and checks that
//! every record landed in the partition Java's `murmur2` names.
//!
//! `read` reads every partition of OUT from the beginning with a
//! read_committed consumer and writes one tab-separated line per record to
//! FILE, in partition and offset order:
//! `partition offset timestamp key-hex value-hex key-text value-text`
//! (`-` for a null key or value in the hex columns).
//!
//! When is the output complete? Under exactly_once_v2 an app commits its
//! input offsets in the same transaction as the output they caused, so once
//! the group APP_ID has committed the end of every IN (but global tables'
//! inputs, which no group consumes) (and of its own
//! `APP_ID-*-repartition` topics, for cases that repartition, and foreign-key
//! joins' `APP_ID-KTABLE-FK-JOIN-*-topic`; on those, written in
//! transactions, a committed offset one short of the end counts when the
//! last offset is a transaction marker), every output
//! record is committed too. The reader then waits until no record has
//! arrived for `--quiet-ms` (default 3 s): enough for the consumer to fetch
//! what the last transaction made visible, and a margin for an app that
//! emits on commit or on a wall-clock punctuation. Waiting for quiet alone
//! would not be robust (a slow start looks quiet); waiting for the offsets
//! alone would race the fetch.

#[allow(dead_code)]
#[path = "../conformance/mod.rs"]
mod conformance;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use conformance::cases::{self, Case};
use conformance::murmur2::partition_of;
use conformance::{hex, PARTITIONS};
use kstreams_examples::bench::args::Flags;
use kstreams_examples::bench::kafka::{self, query_consumer, topics_with_prefix, watermarks};
use kstreams_examples::bench::report::report;
use kstreams_examples::bench::BenchResult;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset, TopicPartitionList};

const USAGE: &str = "usage: conformance_io cases|create|produce|read|cleanup --bootstrap HOST:PORT ... (see the source's header)";

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let result = Flags::parse(args)
        .map_err(Into::into)
        .and_then(|flags| match command.as_str() {
            "cases" => {
                for case in cases::CASES {
                    println!("CASE {}\t{}\t{}", case.name, case.inputs.len(), case.about);
                }
                Ok(())
            }
            "create" => create(&flags),
            "produce" => produce(&flags),
            "read" => read(&flags),
            "cleanup" => cleanup(&flags),
            other => Err(format!("unknown command `{other}`\n{USAGE}").into()),
        });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance_io {command}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn case(flags: &Flags) -> BenchResult<&'static Case> {
    let name = flags.required("case")?;
    cases::find(name).ok_or_else(|| format!("unknown case `{name}`").into())
}

fn create(flags: &Flags) -> BenchResult {
    let topics: Vec<&str> = flags
        .required("topics")?
        .split(',')
        .filter(|t| !t.is_empty())
        .collect();
    kafka::create_topics(flags.required("bootstrap")?, &topics, PARTITIONS as i32)?;
    report(&format!("created topics={}", topics.len()));
    Ok(())
}

fn cleanup(flags: &Flags) -> BenchResult {
    let prefix = flags.required("prefix")?;
    if prefix.len() < 12 {
        return Err(format!("refusing to delete topics by the short prefix `{prefix}`").into());
    }
    let deleted = kafka::delete_topics_with_prefix(flags.required("bootstrap")?, prefix)?;
    report(&format!("deleted topics={}", deleted.len()));
    Ok(())
}

/// Collects delivery failures and partitions that differ from Java's choice.
#[derive(Default)]
struct Deliveries {
    problems: std::sync::Mutex<Vec<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    /// The partition Java's partitioner picks.
    type DeliveryOpaque = Box<i32>;

    fn delivery(&self, result: &DeliveryResult<'_>, expected: Box<i32>) {
        let problem = match result {
            Ok(m) if m.partition() == *expected => return,
            Ok(m) => format!(
                "record with key {:?} landed in partition {}, Java's murmur2 says {expected}",
                m.key().map(String::from_utf8_lossy),
                m.partition()
            ),
            Err((e, _)) => format!("a record was not delivered: {e}"),
        };
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(problem);
    }
}

/// A base timestamp a few hours in the past, on a whole hour (see `input.rs`).
fn default_base_ms() -> i64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    const HOUR: i64 = 3_600_000;
    now_ms / HOUR * HOUR - 6 * HOUR
}

fn produce(flags: &Flags) -> BenchResult {
    let case = case(flags)?;
    let topics: Vec<&str> = flags.required("topics")?.split(',').collect();
    if topics.len() != case.inputs.len() {
        return Err(format!(
            "case `{}` has {} input(s), --topics names {}",
            case.name,
            case.inputs.len(),
            topics.len()
        )
        .into());
    }
    let base_ms = flags.number("base-ms", default_base_ms())?;
    let seed_xor = flags.number("seed-xor", 0u64)?;
    let producer: BaseProducer<Deliveries> = ClientConfig::new()
        .set("bootstrap.servers", flags.required("bootstrap")?)
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        // Java's partitioner: the apps' sinks put a key where it was in the input.
        .set("partitioner", "murmur2_random")
        .create_with_context(Deliveries::default())?;
    let (mut dump, mut total, mut tombstones, mut seeds) = (String::new(), 0, 0, Vec::new());
    for (spec, topic) in case.inputs.iter().zip(&topics) {
        let mut spec = *spec;
        spec.seed ^= seed_xor;
        seeds.push(spec.seed.to_string());
        let records = conformance::input::generate(&spec, base_ms);
        total += records.len();
        tombstones += records.iter().filter(|r| r.value.is_none()).count();
        for r in &records {
            let expected = partition_of(r.key.as_bytes(), PARTITIONS) as i32;
            let value = r.value.map(i64::to_be_bytes);
            let mut record: BaseRecord<'_, [u8], [u8], Box<i32>> =
                BaseRecord::with_opaque_to(topic, Box::new(expected))
                    .key(r.key.as_bytes())
                    .timestamp(r.timestamp);
            if let Some(v) = &value {
                record = record.payload(&v[..]);
            }
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        producer.poll(Duration::from_millis(5));
                    }
                    Err((e, _)) => return Err(format!("cannot produce to {topic}: {e}").into()),
                }
            }
            let _ = writeln!(
                dump,
                "{topic}\t{}\t{}\t{}\t{}",
                r.partition,
                r.timestamp,
                r.key,
                r.value.map_or("null".to_owned(), |v| v.to_string())
            );
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while producer.in_flight_count() > 0 {
        if Instant::now() > deadline {
            return Err(format!(
                "{} records still unacknowledged after 60 s (is the broker up?)",
                producer.in_flight_count()
            )
            .into());
        }
        producer.poll(Duration::from_millis(5));
    }
    let problems = producer
        .context()
        .problems
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if let Some(first) = problems.first() {
        return Err(format!(
            "{} problems producing the input; first: {first}",
            problems.len()
        )
        .into());
    }
    let path = flags.or("dump", "");
    if !path.is_empty() {
        std::fs::write(path, dump).map_err(|e| format!("cannot write {path}: {e}"))?;
    }
    report(&format!(
        "produced records={total} seed={} base_ms={base_ms} tombstones={tombstones}",
        seeds.join(",")
    ));
    Ok(())
}

/// One output record.
struct OutRecord {
    partition: i32,
    offset: i64,
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
}

fn read(flags: &Flags) -> BenchResult {
    let case = case(flags)?;
    let bootstrap = flags.required("bootstrap")?;
    let output = flags.required("topic")?;
    let inputs: Vec<&str> = flags.required("input")?.split(',').collect();
    let group = flags.required("group")?;
    let path = flags.required("dump")?;
    let quiet = Duration::from_millis(flags.number("quiet-ms", 3000)?);
    let timeout = Duration::from_secs(flags.number("timeout-s", 120)?);

    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("{group}-conformance-reader"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("fetch.wait.max.ms", "50")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    for (partition, _, _) in watermarks(&consumer, output)? {
        assignment.add_partition_offset(output, partition, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    drop(assignment);
    let offsets = query_consumer(bootstrap, group)?;
    let mut input_ends = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        // A global table's topic has no committed offsets to wait for.
        if case.inputs.get(i).is_some_and(|spec| spec.global) {
            continue;
        }
        for (p, low, high) in watermarks(&offsets, input)? {
            input_ends.push((input.to_string(), p, low, high));
        }
    }
    report("reader=ready");

    let started = Instant::now();
    let mut records: Vec<OutRecord> = Vec::new();
    let mut last_record = Instant::now();
    let mut committed_at: Option<Instant> = None;
    let mut next_check = Instant::now();
    // Which (topic, partition, end) end in a commit marker: probed once.
    let mut markers = HashMap::new();
    loop {
        if let Some(result) = consumer.poll(Duration::from_millis(20)) {
            match result {
                Ok(m) => {
                    records.push(OutRecord {
                        partition: m.partition(),
                        offset: m.offset(),
                        timestamp: m.timestamp().to_millis().unwrap_or(-1),
                        key: m.key().map(<[u8]>::to_vec),
                        value: m.payload().map(<[u8]>::to_vec),
                    });
                    last_record = Instant::now();
                }
                Err(e) => eprintln!("conformance_io read: consumer error (continuing): {e}"),
            }
            continue;
        }
        let now = Instant::now();
        match committed_at {
            Some(at) if now.duration_since(at.max(last_record)) >= quiet => break,
            Some(_) => {}
            None if now >= next_check => {
                next_check = now + Duration::from_millis(200);
                if everything_committed(bootstrap, &offsets, group, &input_ends, &mut markers)? {
                    committed_at = Some(now);
                }
            }
            None => {}
        }
        if started.elapsed() > timeout {
            return Err(format!(
                "timed out after {timeout:?}: {} output records so far; the group {group} has{} committed the end of {}",
                records.len(),
                if committed_at.is_some() { "" } else { " not" },
                inputs.join(", ")
            )
            .into());
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    let mut text = String::new();
    for r in &records {
        let hex_or_null = |b: &Option<Vec<u8>>| b.as_deref().map_or("-".to_owned(), hex);
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            r.partition,
            r.offset,
            r.timestamp,
            hex_or_null(&r.key),
            hex_or_null(&r.value),
            case.key.show(r.key.as_deref()),
            case.value.show(r.value.as_deref()),
        );
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {path}: {e}"))?;
    report(&format!(
        "read records={} ms={}",
        records.len(),
        started.elapsed().as_millis()
    ));
    Ok(())
}

/// Whether `topic` is a foreign-key join's subscription or response topic
/// (`APP_ID-KTABLE-FK-JOIN-SUBSCRIPTION-{REGISTRATION,RESPONSE}-…-topic`),
/// which the app reads back as it does a repartition topic.
fn is_fk_join_topic(topic: &str) -> bool {
    topic.contains("-KTABLE-FK-JOIN-SUBSCRIPTION-") && topic.ends_with("-topic")
}

/// Whether `group` has committed the end of every input partition
/// (`input_ends`: topic, partition, low and high watermark) and of its own
/// repartition topics.
fn everything_committed(
    bootstrap: &str,
    offsets: &BaseConsumer,
    group: &str,
    input_ends: &[(String, i32, i64, i64)],
    markers: &mut HashMap<(String, i32, i64), bool>,
) -> BenchResult<bool> {
    let mut ends = input_ends.to_vec();
    for topic in topics_with_prefix(bootstrap, &format!("{group}-"))?
        .into_iter()
        .filter(|t| t.ends_with("-repartition") || is_fk_join_topic(t))
    {
        for (p, low, high) in watermarks(offsets, &topic)? {
            ends.push((topic.clone(), p, low, high));
        }
    }
    let mut wanted = TopicPartitionList::new();
    for (topic, p, _, _) in &ends {
        wanted.add_partition(topic, *p);
    }
    let committed = offsets.committed_offsets(wanted, Duration::from_secs(10))?;
    for (topic, p, low, high) in &ends {
        let at = committed
            .find_partition(topic, *p)
            .and_then(|e| e.offset().to_raw())
            .unwrap_or(-1);
        let done = high == low
            || at >= *high
            // The app's own topics are written in transactions: their last
            // offset is a commit marker, which a group's committed offset
            // (last processed record + 1) stays behind.
            || (at == high - 1 && !input_ends.iter().any(|(t, ..)| t == topic) && match markers.get(&(topic.clone(), *p, *high)) {
                    Some(&marker) => marker,
                    None => {
                        let marker = ends_with_marker(bootstrap, topic, *p, *high)?;
                        markers.insert((topic.clone(), *p, *high), marker);
                        marker
                    }
                });
        if !done {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether offset `high - 1` of `topic`/`p` holds a control record (a
/// transaction marker) rather than data: a read_uncommitted consumer
/// placed there gets no record at that offset.
fn ends_with_marker(bootstrap: &str, topic: &str, p: i32, high: i64) -> BenchResult<bool> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("{topic}-marker-probe"))
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_uncommitted")
        .set("fetch.wait.max.ms", "50")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_offset(topic, p, Offset::Offset(high - 1))?;
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + Duration::from_millis(1500);
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => return Ok(m.offset() != high - 1),
            Some(Err(e)) => return Err(e.into()),
            None => {}
        }
    }
    Ok(true)
}
