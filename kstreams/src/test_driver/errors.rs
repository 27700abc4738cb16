//! The [`TopologyTestDriver`] with exception handlers: built from a
//! [`StreamsConfig`], it honours `deserialization.exception.handler`,
//! `processing.exception.handler`, `production.exception.handler` and
//! `errors.dead.letter.queue.topic.name` exactly as a stream thread does
//! (the same tasks run). Dead-letter records are output like any other:
//! read them with an output topic of `Bytes` serdes named after the DLQ.

use super::{DriverConfig, TopologyTestDriver};
use crate::errors::ErrorHandlers;
use crate::topology::Topology;
use crate::{Result, StreamsConfig};

impl TopologyTestDriver {
    /// A driver taking `application.id`, `statestore.cache.max.bytes`,
    /// `metrics.recording.level` and the exception handlers from `config` (Kafka Streams' driver takes its
    /// properties the same way).
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    /// use kstreams::errors::{dlq, LogAndContinueExceptionHandler};
    /// use kstreams::serde::{Bytes, I64};
    /// use kstreams::{StreamsConfig, TopologyTestDriver};
    ///
    /// const AMOUNTS: Topic<String, I64, 1> = Topic::new("amounts");
    /// const RAW: Topic<String, Bytes, 1> = Topic::new("amounts"); // the same topic, as bytes
    /// const OUT: Topic<String, I64, 1> = Topic::new("doubled");
    /// const DLQ: Topic<Bytes, Bytes, 1> = Topic::new("amounts-dlq");
    ///
    /// let builder = StreamsBuilder::new();
    /// builder.stream(AMOUNTS).map_values(|v: i64| v * 2).to(OUT);
    /// let config = StreamsConfig::new("doubler")
    ///     .deserialization_exception_handler(LogAndContinueExceptionHandler)
    ///     .dead_letter_queue_topic(DLQ.name());
    /// let driver = TopologyTestDriver::with_streams_config(builder.build()?, &config)?;
    ///
    /// driver.create_input_topic(AMOUNTS).pipe_input("a", 21)?;
    /// driver.create_input_topic(RAW).pipe_input("b", b"oops".to_vec())?; // 4 bytes, not an i64
    ///
    /// assert_eq!(driver.create_output_topic(OUT).read_values_to_vec()?, vec![42]);
    /// let dead = driver.create_output_topic(DLQ).read_record()?;
    /// assert_eq!(dead.value, b"oops".to_vec());
    /// assert_eq!(dead.headers.last(dlq::HEADER_ERRORS_OFFSET_NAME), Some(Some(&b"1"[..])));
    /// assert_eq!(driver.metrics().dropped_records_total(), 1);
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn with_streams_config(
        topology: Topology,
        config: &StreamsConfig,
    ) -> Result<TopologyTestDriver> {
        let settings = DriverConfig {
            application_id: config.application_id().to_owned(),
            cache_max_bytes: config.cache_max_bytes(),
            metrics_recording_level: config.recording_level(),
            ..DriverConfig::default()
        };
        let driver = TopologyTestDriver::with_config(topology, settings)?;
        let mut state = driver.state.borrow_mut();
        let errors = ErrorHandlers::new(config.errors.clone(), state.metrics.clone());
        for task in &mut state.tasks {
            task.set_error_handlers(errors.clone());
        }
        if let Some(global) = &mut state.global {
            global.set_error_handlers(errors);
        }
        drop(state);
        Ok(driver)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::dsl::{StreamsBuilder, Topic};
    use crate::errors::{dlq, LogAndContinueExceptionHandler, ProductionExceptionHandlerResponse};
    use crate::processor::{Processor, ProcessorContext, Record};
    use crate::serde::{Bytes, Json};
    use crate::Error;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Order {
        id: u32,
        qty: i32,
    }

    const ORDERS: Topic<String, Json<Order>, 1> = Topic::new("orders");
    const ORDERS_RAW: Topic<String, Bytes, 1> = Topic::new("orders");
    const OUT: Topic<String, Json<Order>, 1> = Topic::new("valid-orders");
    const DLQ: Topic<Bytes, Bytes, 1> = Topic::new("orders-dlq");

    fn passthrough() -> Topology {
        let b = StreamsBuilder::new();
        b.stream(ORDERS).to(OUT);
        b.build().expect("topology")
    }

    fn order(id: u32, qty: i32) -> Order {
        Order { id, qty }
    }

    #[test]
    fn log_and_fail_is_the_default_and_names_the_record() {
        let driver = TopologyTestDriver::new(passthrough()).expect("driver");
        driver
            .create_input_topic(ORDERS)
            .pipe_input("k", order(1, 1))
            .expect("good record");
        let err = driver
            .create_input_topic(ORDERS_RAW)
            .pipe_input("k", b"{oops".to_vec())
            .expect_err("poison pill");
        match &err {
            Error::HandlerFailed {
                stage,
                topic,
                partition,
                offset,
                ..
            } => {
                assert_eq!(
                    (*stage, topic.as_str(), *partition, *offset),
                    ("deserialization", "orders", 0, 1)
                );
            }
            other => panic!("expected HandlerFailed, got {other}"),
        }
        assert!(
            err.to_string()
                .contains("deserialization.exception.handler"),
            "{err}"
        );
        assert_eq!(
            driver
                .create_output_topic(OUT)
                .read_values_to_vec()
                .expect("out"),
            vec![order(1, 1)]
        );
    }

    #[test]
    fn log_and_continue_skips_counts_and_keeps_going() {
        let config = StreamsConfig::new("app").set(
            "deserialization.exception.handler",
            "LogAndContinueExceptionHandler",
        );
        let driver =
            TopologyTestDriver::with_streams_config(passthrough(), &config).expect("driver");
        let (mut good, mut raw) = (
            driver.create_input_topic(ORDERS),
            driver.create_input_topic(ORDERS_RAW),
        );
        for i in 0..10 {
            if i % 3 == 0 {
                raw.pipe_input("k", format!("garbage {i}").into_bytes())
                    .expect("skipped");
            } else {
                good.pipe_input("k", order(i, 1)).expect("processed");
            }
        }
        let ids: Vec<u32> = driver
            .create_output_topic(OUT)
            .read_values_to_vec()
            .expect("out")
            .iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(ids, vec![1, 2, 4, 5, 7, 8]);
        assert_eq!(driver.metrics().dropped_records_total(), 4);
        assert_eq!(
            driver.producer_topics(),
            Vec::<String>::new(),
            "no DLQ without the setting"
        );
    }

    #[test]
    fn dead_letter_queue_gets_the_original_bytes_and_error_headers() {
        let config = StreamsConfig::new("app")
            .deserialization_exception_handler(LogAndContinueExceptionHandler)
            .dead_letter_queue_topic(DLQ.name());
        let driver =
            TopologyTestDriver::with_streams_config(passthrough(), &config).expect("driver");
        driver
            .create_input_topic(ORDERS)
            .pipe_input("a", order(1, 1))
            .expect("good");
        let mut headers = crate::processor::Headers::new();
        headers.add("origin", Some(b"test".to_vec()));
        driver
            .create_input_topic(ORDERS_RAW)
            .pipe_record(
                Record::new("b".to_owned(), b"not json".to_vec(), 77).with_headers(headers),
            )
            .expect("skipped");
        let dead = driver
            .create_output_topic(DLQ)
            .read_records_to_vec()
            .expect("dlq");
        assert_eq!(dead.len(), 1);
        let dead = &dead[0];
        assert_eq!(
            (dead.key.as_slice(), dead.value.as_slice(), dead.timestamp),
            (&b"b"[..], &b"not json"[..], 77)
        );
        let header = |k: &str| {
            dead.headers
                .last(k)
                .flatten()
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(header("origin").as_deref(), Some("test"));
        assert_eq!(
            header(dlq::HEADER_ERRORS_EXCEPTION_NAME).as_deref(),
            Some("kstreams::Error::Serde")
        );
        assert!(
            header(dlq::HEADER_ERRORS_EXCEPTION_MESSAGE_NAME).is_some_and(|m| m.contains("orders"))
        );
        assert_eq!(
            header(dlq::HEADER_ERRORS_TOPIC_NAME).as_deref(),
            Some("orders")
        );
        assert_eq!(
            header(dlq::HEADER_ERRORS_PARTITION_NAME).as_deref(),
            Some("0")
        );
        assert_eq!(header(dlq::HEADER_ERRORS_OFFSET_NAME).as_deref(), Some("1"));
        assert_eq!(
            driver
                .create_output_topic(OUT)
                .read_values_to_vec()
                .expect("out"),
            vec![order(1, 1)]
        );
    }

    /// Fails on negative quantities.
    struct Validate;

    impl Processor<String, Order> for Validate {
        fn process(
            &mut self,
            record: Record<String, Order>,
            ctx: &mut ProcessorContext<'_, String, Order>,
        ) -> Result<()> {
            if record.value.qty < 0 {
                return Err(Error::Processing {
                    node: "validate".into(),
                    message: format!("negative quantity in order {}", record.value.id),
                });
            }
            ctx.forward(record)
        }
    }

    const AUDIT: Topic<String, Json<Order>, 1> = Topic::new("audit");

    fn validating() -> Topology {
        let b = StreamsBuilder::new();
        let orders = b.stream(ORDERS);
        orders.process(|| Validate).to(OUT);
        orders.to(AUDIT); // a sibling branch: sees every record
        b.build().expect("topology")
    }

    #[test]
    fn processing_errors_fail_by_default_and_continue_drops_at_the_failing_node() {
        let driver = TopologyTestDriver::new(validating()).expect("driver");
        let err = driver
            .create_input_topic(ORDERS)
            .pipe_input("k", order(1, -1))
            .expect_err("fails");
        assert!(
            matches!(
                err,
                Error::HandlerFailed {
                    stage: "processing",
                    offset: 0,
                    ..
                }
            ),
            "{err}"
        );

        let config = StreamsConfig::new("app")
            .set(
                "processing.exception.handler",
                "LogAndContinueProcessingExceptionHandler",
            )
            .dead_letter_queue_topic(DLQ.name());
        let driver =
            TopologyTestDriver::with_streams_config(validating(), &config).expect("driver");
        let mut input = driver.create_input_topic(ORDERS);
        for (id, qty) in [(1, 5), (2, -1), (3, 7)] {
            input.pipe_input("k", order(id, qty)).expect("continues");
        }
        let valid: Vec<u32> = driver
            .create_output_topic(OUT)
            .read_values_to_vec()
            .expect("out")
            .iter()
            .map(|o| o.id)
            .collect();
        assert_eq!(valid, vec![1, 3]);
        assert_eq!(
            driver.create_output_topic(AUDIT).queue_size(),
            3,
            "the sibling branch still sees the bad record"
        );
        let dead = driver.create_output_topic(DLQ).read_record().expect("dlq");
        assert_eq!(
            dead.headers.last(dlq::HEADER_ERRORS_EXCEPTION_NAME),
            Some(Some(&b"kstreams::Error::Processing"[..]))
        );
        assert_eq!(
            serde_json::from_slice::<Order>(&dead.value).expect("raw value"),
            order(2, -1)
        );
        assert_eq!(driver.metrics().dropped_records_total(), 1);
    }

    /// A map JSON cannot write: its keys are not strings.
    type PairKeyed = HashMap<(u8, u8), u8>;

    /// JSON cannot have non-string map keys: serializing this always fails.
    const BAD_SINK: Topic<String, Json<PairKeyed>, 1> = Topic::new("unwritable");

    fn unwritable() -> Topology {
        let b = StreamsBuilder::new();
        b.stream(ORDERS)
            .map_values(|o: Order| HashMap::from([((o.id as u8, 0), 1)]))
            .to(BAD_SINK);
        b.build().expect("topology")
    }

    #[test]
    fn production_handler_decides_on_sink_serialization_errors() {
        let driver = TopologyTestDriver::new(unwritable()).expect("driver");
        let err = driver
            .create_input_topic(ORDERS)
            .pipe_input("k", order(1, 1))
            .expect_err("fails");
        assert!(
            matches!(
                err,
                Error::HandlerFailed {
                    stage: "production",
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("production.exception.handler"),
            "{err}"
        );

        let config = StreamsConfig::new("app")
            .production_exception_handler(ProductionExceptionHandlerResponse::Continue);
        let driver =
            TopologyTestDriver::with_streams_config(unwritable(), &config).expect("driver");
        driver
            .create_input_topic(ORDERS)
            .pipe_input("k", order(1, 1))
            .expect("dropped");
        assert_eq!(driver.create_output_topic(BAD_SINK).queue_size(), 0);
        assert_eq!(driver.metrics().dropped_records_total(), 1);

        // RETRY is for Kafka errors; a serialization error fails.
        let config = StreamsConfig::new("app").set("production.exception.handler", "retry");
        let driver =
            TopologyTestDriver::with_streams_config(unwritable(), &config).expect("driver");
        assert!(driver
            .create_input_topic(ORDERS)
            .pipe_input("k", order(1, 1))
            .is_err());
    }
}
