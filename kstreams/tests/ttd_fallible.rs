//! Fallible `#[processor]`s through the TopologyTestDriver: an `Err` of a
//! function or of an impl's `process` becomes `Error::Processing` naming
//! the node, and goes to `processing.exception.handler` (KIP-1033):
//! `LogAndContinueProcessingExceptionHandler` drops the record at that node
//! and counts it; `LogAndFailProcessingExceptionHandler` (the default)
//! fails the pipe with `Error::HandlerFailed`.

use std::num::ParseIntError;

use kstreams::errors::{
    LogAndContinueProcessingExceptionHandler, LogAndFailProcessingExceptionHandler,
};
use kstreams::processor::{ProcessorContext, Record};
use kstreams::serde::I64;
use kstreams::state::KeyValueStore;
use kstreams::topology::Topology;
use kstreams::{
    processor, topology, Error, StreamsBuilder, StreamsConfig, Topic, TopologyTestDriver,
};

const LINES: Topic<String, String, 1> = Topic::new("lines");
const AMOUNTS: Topic<String, I64, 1> = Topic::new("amounts");
const TOTALS: Topic<String, I64, 1> = Topic::new("totals");

/// Parses an amount in cents.
#[processor]
fn parse_amount(line: String) -> Result<i64, ParseIntError> {
    line.trim().parse::<i64>()
}

/// Running total per key; refuses negative amounts before touching the store.
#[processor(stores(totals = KeyValue<String, I64>))]
fn running_total(
    key: &String,
    cents: i64,
    totals: &mut dyn KeyValueStore<String, i64>,
) -> kstreams::Result<i64> {
    if cents < 0 {
        return Err(Error::IllegalState(format!("negative amount {cents}")));
    }
    let total = totals.get(key)?.unwrap_or(0) + cents;
    totals.put(key, &total)?;
    Ok(total)
}

/// The Processor-API twin of `parse_amount`: `?` on a `ParseIntError` in `process`.
#[derive(Default)]
struct Parse;

#[processor]
impl Parse {
    fn process(
        &mut self,
        record: Record<String, String>,
        ctx: &mut ProcessorContext<'_, String, i64>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let cents = record.value.trim().parse::<i64>()?;
        ctx.forward(record.with_value(cents))?;
        Ok(())
    }
}

fn parsing() -> Topology {
    let b = StreamsBuilder::new();
    let lines = b.stream(LINES);
    lines.via(parse_amount).to(AMOUNTS);
    b.build().expect("topology")
}

fn totals() -> Topology {
    let b = StreamsBuilder::new();
    b.stream(LINES)
        .via(parse_amount)
        .via(running_total)
        .to(TOTALS);
    b.build().expect("topology")
}

fn continuing() -> StreamsConfig {
    StreamsConfig::new("fallible")
        .processing_exception_handler(LogAndContinueProcessingExceptionHandler)
}

fn failing() -> StreamsConfig {
    StreamsConfig::new("fallible")
        .processing_exception_handler(LogAndFailProcessingExceptionHandler)
}

/// `(stage, offset, node, message)` of a `HandlerFailed` error.
fn handler_failed(error: &Error) -> (&str, i64, &str, &str) {
    match error {
        Error::HandlerFailed {
            stage,
            offset,
            source,
            ..
        } => match &**source {
            Error::Processing { node, message } => (stage, *offset, node, message),
            other => panic!("expected a processing error inside, got {other:?}"),
        },
        other => panic!("expected HandlerFailed, got {other:?}"),
    }
}

#[test]
fn log_and_continue_skips_the_failing_record_and_counts_it() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::with_streams_config(parsing(), &continuing())?;
    driver.create_input_topic(LINES).pipe_key_values([
        ("a", "12"),
        ("b", "twelve"),
        ("c", " 7 "),
        ("d", ""),
        ("e", "-3"),
    ])?;
    assert_eq!(
        driver
            .create_output_topic(AMOUNTS)
            .read_key_values_to_vec()?,
        vec![
            ("a".to_string(), 12),
            ("c".to_string(), 7),
            ("e".to_string(), -3)
        ]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 2);
    Ok(())
}

#[test]
fn log_and_fail_fails_with_the_node_and_the_source_error() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::with_streams_config(parsing(), &failing())?;
    let mut input = driver.create_input_topic(LINES);
    input.pipe_input("a", "12")?;
    let error = input
        .pipe_input("b", "twelve")
        .expect_err("the handler answers FAIL");
    assert_eq!(
        handler_failed(&error),
        (
            "processing",
            1,
            "parse_amount",
            "invalid digit found in string"
        )
    );
    assert!(
        error
            .to_string()
            .contains("processing error in `parse_amount`: invalid digit found in string"),
        "{error}"
    );
    assert_eq!(
        driver.create_output_topic(AMOUNTS).read_values_to_vec()?,
        vec![12]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 0);
    Ok(())
}

#[test]
fn log_and_fail_is_the_default() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::new(parsing())?;
    let error = driver
        .create_input_topic(LINES)
        .pipe_input("a", "1.5")
        .expect_err("fails");
    assert_eq!(
        handler_failed(&error),
        (
            "processing",
            0,
            "parse_amount",
            "invalid digit found in string"
        )
    );
    Ok(())
}

#[test]
fn the_error_names_the_node_as_wired() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    b.stream(LINES)
        .named("parse-cents")
        .via(parse_amount)
        .to(AMOUNTS);
    let driver = TopologyTestDriver::with_streams_config(b.build()?, &failing())?;
    let error = driver
        .create_input_topic(LINES)
        .pipe_input("a", "x")
        .expect_err("fails");
    assert_eq!(
        handler_failed(&error),
        (
            "processing",
            0,
            "parse-cents",
            "invalid digit found in string"
        )
    );
    Ok(())
}

#[test]
fn a_skipped_record_leaves_the_store_alone() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::with_streams_config(totals(), &continuing())?;
    driver.create_input_topic(LINES).pipe_key_values([
        ("ann", "10"),
        ("ann", "-4"), // running_total refuses it: skipped
        ("bob", "5"),
        ("ann", "ten"), // parse_amount fails: skipped before running_total
        ("ann", "3"),
    ])?;
    assert_eq!(
        driver
            .create_output_topic(TOTALS)
            .read_key_values_to_vec()?,
        vec![
            ("ann".to_string(), 10),
            ("bob".to_string(), 5),
            ("ann".to_string(), 13)
        ]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 2);
    let store = driver.get_key_value_store::<String, I64>("totals")?;
    assert_eq!(store.get(&"ann".to_string())?, Some(13));

    let driver = TopologyTestDriver::with_streams_config(totals(), &failing())?;
    let mut input = driver.create_input_topic(LINES);
    input.pipe_input("ann", "10")?;
    let error = input.pipe_input("ann", "-4").expect_err("fails");
    assert_eq!(
        handler_failed(&error),
        (
            "processing",
            1,
            "running_total",
            "illegal state: negative amount -4"
        )
    );
    Ok(())
}

#[topology]
fn parse_wired(b: &mut StreamsBuilder) {
    b.add_source("lines-source", LINES);
    b.add_processor("parse", Parse::default, ["lines-source"]);
    b.add_sink("amounts-sink", AMOUNTS, ["parse"]);
}

#[test]
fn impl_process_errors_go_through_the_handler_too() -> kstreams::Result<()> {
    let driver = TopologyTestDriver::with_streams_config(parse_wired()?, &continuing())?;
    driver
        .create_input_topic(LINES)
        .pipe_key_values([("a", "1"), ("b", "x"), ("c", "3")])?;
    assert_eq!(
        driver.create_output_topic(AMOUNTS).read_values_to_vec()?,
        vec![1, 3]
    );
    assert_eq!(driver.metrics().dropped_records_total(), 1);

    let driver = TopologyTestDriver::with_streams_config(parse_wired()?, &failing())?;
    let error = driver
        .create_input_topic(LINES)
        .pipe_input("b", "x")
        .expect_err("fails");
    assert_eq!(
        handler_failed(&error),
        ("processing", 0, "parse", "invalid digit found in string")
    );
    Ok(())
}
