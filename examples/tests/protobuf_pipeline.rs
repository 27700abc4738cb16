//! The protobuf pipeline: exact output in the `TopologyTestDriver`, and
//! end to end on a real broker (exactly_once_v2), decoding the output with
//! the generated prost types.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use kstreams::serde::{Bytes, Protobuf};
use kstreams::{
    KafkaStreams, ProcessingGuarantee, State, StreamsConfig, Topic, TopologyTestDriver,
};
use kstreams_examples::protobuf_pipeline::{
    demo_customers, topology, topology_on, with_error_handling, EnrichedOrder, Order,
    ENRICHED_ORDERS, ORDERS,
};
use prost::Message as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::Message;

fn order(id: &str, customer: &str, product: &str, quantity: u32, unit_price_cents: i64) -> Order {
    Order {
        order_id: id.into(),
        customer_id: customer.into(),
        product: product.into(),
        quantity,
        unit_price_cents,
    }
}

fn orders() -> Vec<Order> {
    vec![
        order("o1", "c1", "keyboard", 2, 4_950),
        order("o2", "c2", "mouse", 1, 1_999),
        order("o3", "c9", "cable", 3, 500),
        order("o4", "c3", "monitor", 1, 18_900),
    ]
}

/// Written out by hand (not through `enrich`), so the test checks the logic.
fn expected() -> Vec<(String, EnrichedOrder)> {
    let rows = [
        ("Ada Lovelace", "gold", 9_900),
        ("Alan Turing", "silver", 1_999),
        ("unknown", "unknown", 1_500),
        ("Grace Hopper", "gold", 18_900),
    ];
    orders()
        .into_iter()
        .zip(rows)
        .map(|(o, (name, tier, total))| {
            let enriched = EnrichedOrder {
                customer_name: name.into(),
                customer_tier: tier.into(),
                total_cents: total,
                order: Some(o.clone()),
            };
            (o.order_id, enriched)
        })
        .collect()
}

#[test]
fn ttd_enriches_every_order_and_skips_undecodable_ones() -> kstreams::Result<()> {
    const RAW: Topic<String, Bytes, 1> = Topic::new("orders");
    const DLQ: Topic<Bytes, Bytes, 1> = Topic::new("orders-dlq");
    let config = with_error_handling(StreamsConfig::new("protobuf-pipeline"), DLQ.name());
    let driver = TopologyTestDriver::with_streams_config(topology(demo_customers())?, &config)?;
    let mut input = driver.create_input_topic(ORDERS);
    for (i, o) in orders().into_iter().enumerate() {
        input.pipe_input(o.order_id.clone(), o)?;
        if i == 1 {
            // A truncated varint: not a protobuf message.
            driver
                .create_input_topic(RAW)
                .pipe_input("bad", vec![0x08, 0x96])?;
        }
    }
    assert_eq!(
        driver
            .create_output_topic(ENRICHED_ORDERS)
            .read_key_values_to_vec()?,
        expected()
    );
    assert_eq!(
        driver.create_output_topic(DLQ).read_values_to_vec()?,
        vec![vec![0x08, 0x96]]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);
    Ok(())
}

fn bootstrap() -> String {
    std::env::var("KAFKA_BOOTSTRAP_SERVERS").unwrap_or_else(|_| {
        panic!("KAFKA_BOOTSTRAP_SERVERS is not set: start Kafka with `cargo xtask kafka start` (or run `cargo xtask test`)")
    })
}

fn unique(prefix: &str) -> &'static str {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Box::leak(
        format!(
            "{prefix}-{}-{}",
            std::process::id(),
            nanos % 1_000_000_000_000
        )
        .into_boxed_str(),
    )
}

fn client(extra: &[(&str, &str)]) -> ClientConfig {
    let mut cc = ClientConfig::new();
    cc.set("bootstrap.servers", bootstrap());
    for (k, v) in extra {
        cc.set(*k, *v);
    }
    cc
}

fn create_topics(names: &[&str]) {
    let admin: AdminClient<_> = client(&[]).create().expect("admin client");
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1)))
        .collect();
    let results = futures_executor::block_on(admin.create_topics(&topics, &AdminOptions::new()))
        .expect("create topics");
    for r in results {
        r.expect("topic created");
    }
}

/// Committed records of a one-partition topic, up to its end offset: (key, value bytes).
fn read_committed(topic: &str) -> Vec<(String, Vec<u8>)> {
    let consumer: BaseConsumer = client(&[
        ("group.id", unique("checker")),
        ("isolation.level", "read_committed"),
    ])
    .create()
    .expect("consumer");
    let (_, end) = consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(10))
        .expect("watermarks");
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(topic, 0, Offset::Beginning)
        .expect("tpl");
    consumer.assign(&tpl).expect("assign");
    let (mut out, deadline) = (Vec::new(), Instant::now() + Duration::from_secs(30));
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => out.push((
                String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned(),
                m.payload().unwrap_or_default().to_vec(),
            )),
            _ => {
                let position = consumer.position().expect("position");
                let at = position
                    .find_partition(topic, 0)
                    .and_then(|e| e.offset().to_raw())
                    .unwrap_or(-1);
                drop(position);
                if at >= end {
                    break;
                }
            }
        }
    }
    out
}

#[test]
fn broker_pipeline_writes_exact_protobuf_records() {
    let (orders_topic, enriched_topic, dlq, app) = (
        unique("pb-orders"),
        unique("pb-enriched"),
        unique("pb-dlq"),
        unique("pb-app"),
    );
    create_topics(&[orders_topic, enriched_topic, dlq]);
    let producer: BaseProducer = client(&[]).create().expect("producer");
    for (i, o) in orders().into_iter().enumerate() {
        producer
            .send(
                BaseRecord::to(orders_topic)
                    .key(&o.order_id)
                    .payload(&o.encode_to_vec()),
            )
            .map_err(|(e, _)| e)
            .expect("send");
        if i == 1 {
            producer
                .send(
                    BaseRecord::to(orders_topic)
                        .key("bad")
                        .payload(&[0x08_u8, 0x96][..]),
                )
                .map_err(|(e, _)| e)
                .expect("send");
        }
    }
    producer.flush(Duration::from_secs(30)).expect("flush");

    let orders: Topic<String, Protobuf<Order>, 1> = Topic::new(orders_topic);
    let enriched: Topic<String, Protobuf<EnrichedOrder>, 1> = Topic::new(enriched_topic);
    let config = StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .commit_interval_ms(200)
        .state_dir(std::env::temp_dir().join(app));
    let streams = KafkaStreams::new(
        topology_on(orders, enriched, demo_customers()).expect("topology"),
        with_error_handling(config, dlq),
    )
    .expect("new");
    streams.start().expect("start");
    let deadline = Instant::now() + Duration::from_secs(60);
    while read_committed(enriched_topic).len() < 4 {
        assert!(
            Instant::now() < deadline,
            "no enriched orders in time (state {:?})",
            streams.state()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(streams.close(Duration::from_secs(30)));
    assert_eq!(streams.state(), State::NotRunning);

    let got: Vec<(String, EnrichedOrder)> = read_committed(enriched_topic)
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                EnrichedOrder::decode(v.as_slice()).expect("output decodes as EnrichedOrder"),
            )
        })
        .collect();
    assert_eq!(got, expected());
    let dead: Vec<Vec<u8>> = read_committed(dlq).into_iter().map(|(_, v)| v).collect();
    assert_eq!(dead, vec![vec![0x08, 0x96]]);
    assert_eq!(streams.metrics().dropped_records_total(), 1);
}
