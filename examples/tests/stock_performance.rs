//! The stock-performance example (seed 003 §9): the moving averages and
//! differentials, the topology through the TopologyTestDriver with exact
//! outputs (stream-time punctuation driven by record timestamps), and the
//! application end to end on the real broker under exactly_once_v2.
//!
//! Expected outputs are computed here from the trade history, independently
//! of the processor: a symbol's performance from its whole list of trades,
//! and a punctuation each time a task's stream time reaches the next
//! multiple of 10 s (the first as soon as the task has data).

#[path = "../../kstreams/tests/broker/mod.rs"]
mod broker;

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use kstreams::serde::{Json, Serde};
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig, TopologyTestDriver};
use kstreams_examples::stock_performance::*;

// ---------------------------------------------------------------------------
// The model the tests compute expectations with.

fn trade(symbol: &str, share_price: f64, shares: u64, timestamp: i64) -> StockTransaction {
    StockTransaction {
        symbol: symbol.to_owned(),
        customer_id: format!("cust-{symbol}"),
        shares,
        share_price,
        timestamp,
    }
}

/// Mean of the `LOOK_BACK` values ending before index `end`, if there are that many.
fn sma(values: &[f64], end: usize) -> Option<f64> {
    (end >= 20).then(|| values[end - 20..end].iter().sum::<f64>() / 20.0)
}

fn percent_from(value: f64, average: Option<f64>) -> f64 {
    average.map_or(0.0, |a| (value - a) * 100.0 / a)
}

/// A symbol's performance after `history` (its trades, in order), from scratch.
fn performance_after(history: &[StockTransaction]) -> StockPerformance {
    let n = history.len();
    let last = &history[n - 1];
    let prices: Vec<f64> = history.iter().map(|t| t.share_price).collect();
    let volumes: Vec<f64> = history.iter().map(|t| t.shares as f64).collect();
    let from = n.saturating_sub(20);
    StockPerformance {
        last_updated: last.timestamp,
        current_price: last.share_price,
        current_share_volume: last.shares,
        average_price: sma(&prices, n),
        average_volume: sma(&volumes, n),
        price_differential: percent_from(last.share_price, sma(&prices, n - 1)),
        volume_differential: percent_from(last.shares as f64, sma(&volumes, n - 1)),
        price_lookback: prices[from..].iter().copied().collect::<VecDeque<f64>>(),
        volume_lookback: history[from..].iter().map(|t| t.shares).collect(),
    }
}

/// What one task forwards for `trades` (its partition, in processing order):
/// (symbol, performance, punctuation time).
fn expected_output(trades: &[StockTransaction]) -> Vec<(String, StockPerformance, i64)> {
    let mut histories: BTreeMap<String, Vec<StockTransaction>> = BTreeMap::new();
    let mut out = Vec::new();
    let (mut stream_time, mut next_punctuation) = (-1_i64, 0_i64);
    for t in trades {
        histories
            .entry(t.symbol.clone())
            .or_default()
            .push(t.clone());
        stream_time = stream_time.max(t.timestamp);
        if stream_time >= next_punctuation {
            for (symbol, history) in &histories {
                let p = performance_after(history);
                if p.price_differential.abs() >= 2.0 || p.volume_differential.abs() >= 2.0 {
                    out.push((symbol.clone(), p, stream_time));
                }
            }
            next_punctuation = (stream_time / 10_000 + 1) * 10_000;
        }
    }
    out
}

/// `value` as it comes back from the JSON topic (serde_json may parse a
/// long decimal one ulp off; both sides go through the same text).
fn through_json(p: StockPerformance) -> StockPerformance {
    let mut bytes = Vec::new();
    Json::<StockPerformance>::serialize(&p, &mut bytes).expect("encode");
    Json::<StockPerformance>::deserialize(&bytes).expect("decode")
}

const SYMBOLS: [&str; 6] = ["AAPL", "ACME", "BETA", "CHAR", "DELT", "EPSI"];

/// `per_symbol` trades of each symbol, interleaved, 250 ms apart from
/// `start`: prices move in steps of 0.25 with an occasional jump of ~8 %,
/// volumes in steps of 100 with an occasional spike (xorshift, fixed seed).
fn generate(per_symbol: usize, start: i64) -> Vec<StockTransaction> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut prices: Vec<f64> = (0..SYMBOLS.len()).map(|i| 20.0 + 15.0 * i as f64).collect();
    let mut out = Vec::new();
    for round in 0..per_symbol {
        for (i, symbol) in SYMBOLS.iter().enumerate() {
            let jump = next(12) == 0;
            let steps = if jump {
                (prices[i] * 0.08 / 0.25).round()
            } else {
                next(5) as f64 - 2.0
            };
            let sign = if next(2) == 0 { 1.0 } else { -1.0 };
            prices[i] = (prices[i] + sign * steps * 0.25).max(1.0);
            let shares = if next(15) == 0 {
                3_000
            } else {
                800 + 100 * next(5)
            };
            let timestamp = start + 250 * (round * SYMBOLS.len() + i) as i64;
            out.push(trade(symbol, prices[i], shares, timestamp));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The model's building blocks.

#[test]
fn no_differential_until_the_window_is_full() {
    let mut p = StockPerformance::default();
    for i in 0..LOOK_BACK {
        p.update(100.0 + i as f64, 1_000, i as i64);
        assert_eq!((p.price_differential, p.volume_differential), (0.0, 0.0));
        assert_eq!(p.average_price.is_some(), i == LOOK_BACK - 1);
    }
    assert_eq!(p.average_price, Some(109.5)); // (100 + .. + 119) / 20
    assert_eq!(p.average_volume, Some(1_000.0));
    p.update(100.0, 1_100, 20);
    assert_eq!(p.price_differential, (100.0 - 109.5) * 100.0 / 109.5);
    assert_eq!(p.volume_differential, 10.0);
    assert_eq!(p.price_lookback.len(), LOOK_BACK);
    assert_eq!(p.price_lookback.front(), Some(&101.0));
    assert_eq!(p.average_price, Some(109.5)); // (101 + .. + 119 + 100) / 20: 100 out, 100 in
    assert!(p.is_notable());
}

#[test]
fn the_threshold_is_two_percent_either_way() {
    let at = |price: f64, volume: f64| StockPerformance {
        price_differential: price,
        volume_differential: volume,
        ..Default::default()
    };
    assert!(!at(1.99, -1.99).is_notable());
    assert!(at(2.0, 0.0).is_notable());
    assert!(at(0.0, -2.0).is_notable());
}

// ---------------------------------------------------------------------------
// The topology.

#[test]
fn the_macro_topology_and_topology_with_describe_the_same_dag() -> kstreams::Result<()> {
    let described = stock_performance()?.describe().to_string();
    assert_eq!(
        described,
        topology_with(&StockTopics::DEFAULT)?.describe().to_string()
    );
    assert!(
        described.contains("Source: stocks-source (topics: [stock-transactions])"),
        "{described}"
    );
    assert!(
        described.contains("Processor: stocks-processor (stores: [stock-performance-store])"),
        "{described}"
    );
    assert!(
        described.contains("Sink: stocks-sink (topic: stock-performance)"),
        "{described}"
    );
    assert!(
        stock_performance::DESCRIPTION.contains("source \"stocks-source\" <- STOCK_TRANSACTIONS")
    );
    Ok(())
}

#[test]
fn punctuation_forwards_exactly_the_notable_symbols_at_stream_time() -> kstreams::Result<()> {
    let d = TopologyTestDriver::new(stock_performance()?)?;
    let mut input = d.create_input_topic(STOCK_TRANSACTIONS);
    let out = d.create_output_topic(STOCK_PERFORMANCE);
    let mut pipe = |t: StockTransaction| {
        input.pipe_input_with_timestamp(t.symbol.clone(), t.clone(), t.timestamp)
    };

    // 20 steady trades each: the windows fill, nothing differs.
    // (The first record fires the punctuator at once: stream time 0.)
    for i in 0..20 {
        pipe(trade("ACME", 100.0, 1_000, 100 * i))?;
        pipe(trade("BETA", 50.0, 500, 100 * i + 50))?;
    }
    pipe(trade("ACME", 103.0, 1_000, 5_000))?; // +3 % price: notable
    pipe(trade("BETA", 50.5, 500, 6_000))?; // +1 % price: not
    assert!(
        out.is_empty(),
        "process() never forwards; stream time is still below 10 s"
    );

    pipe(trade("CHAR", 20.0, 100, 10_000))?; // stream time 10 s: punctuation
    let acme = StockPerformance {
        last_updated: 5_000,
        current_price: 103.0,
        current_share_volume: 1_000,
        average_price: Some(100.15), // (19 × 100 + 103) / 20
        average_volume: Some(1_000.0),
        price_differential: 3.0,
        volume_differential: 0.0,
        price_lookback: [100.0; 19].into_iter().chain([103.0]).collect(),
        volume_lookback: [1_000; 20].into_iter().collect(),
    };
    let record = out.read_record()?;
    assert_eq!((record.key.as_str(), record.timestamp), ("ACME", 10_000));
    assert_eq!(record.value, acme);
    assert!(out.is_empty());

    // BETA at exactly its average price (1000.5 / 20) with 2 % less volume;
    // ACME back at its average: no longer notable.
    pipe(trade("BETA", 50.025, 490, 12_000))?;
    pipe(trade("ACME", 100.15, 1_000, 15_000))?;
    pipe(trade("CHAR", 20.0, 100, 19_999))?;
    assert!(out.is_empty());
    pipe(trade("CHAR", 20.0, 100, 20_000))?;
    let beta = StockPerformance {
        last_updated: 12_000,
        current_price: 50.025,
        current_share_volume: 490,
        average_price: Some((18.0 * 50.0 + 50.5 + 50.025) / 20.0),
        average_volume: Some(499.5), // (18 × 500 + 500 + 490) / 20
        price_differential: 0.0,
        volume_differential: -2.0,
        price_lookback: [50.0; 18].into_iter().chain([50.5, 50.025]).collect(),
        volume_lookback: [500; 19].into_iter().chain([490]).collect(),
    };
    let record = out.read_record()?;
    assert_eq!((record.key.as_str(), record.timestamp), ("BETA", 20_000));
    assert_eq!(record.value, through_json(beta.clone()));
    assert!(out.is_empty());

    // Wall-clock time does not drive this punctuator.
    d.advance_wall_clock_time(Duration::from_secs(60))?;
    assert!(out.is_empty());

    // Nothing new about BETA: the next punctuation reports it again; a late
    // record does not move stream time, and missed intervals fire once.
    pipe(trade("CHAR", 20.0, 100, 3_000))?;
    assert!(out.is_empty());
    pipe(trade("CHAR", 20.0, 100, 47_000))?;
    let record = out.read_record()?;
    assert_eq!((record.key.as_str(), record.timestamp), ("BETA", 47_000));
    assert_eq!(record.value, through_json(beta));
    assert!(out.is_empty());
    pipe(trade("CHAR", 20.0, 100, 49_999))?;
    assert!(out.is_empty(), "next punctuation at 50 s");
    Ok(())
}

#[test]
fn generated_trades_give_exactly_the_modelled_output() -> kstreams::Result<()> {
    let trades = generate(60, 1_700_000_000_000);
    let expected: Vec<(String, StockPerformance, i64)> = expected_output(&trades)
        .into_iter()
        .map(|(s, p, t)| (s, through_json(p), t))
        .collect();
    assert!(
        expected.len() > 10,
        "the data must exercise the threshold: {}",
        expected.len()
    );

    let d = TopologyTestDriver::new(stock_performance()?)?;
    let mut input = d.create_input_topic(STOCK_TRANSACTIONS);
    for t in &trades {
        input.pipe_input_with_timestamp(t.symbol.clone(), t.clone(), t.timestamp)?;
    }
    let actual: Vec<(String, StockPerformance, i64)> = d
        .create_output_topic(STOCK_PERFORMANCE)
        .read_records_to_vec()?
        .into_iter()
        .map(|r| (r.key, r.value, r.timestamp))
        .collect();
    assert_eq!(actual, expected);
    Ok(())
}

// ---------------------------------------------------------------------------
// On the broker.

/// Produces `(partition, trade)`s with the trade's symbol as key and its
/// timestamp as the record timestamp.
fn produce_trades(topic: &str, trades: &[(i32, StockTransaction)]) {
    broker::produce_placed(trades.iter().map(|(partition, t)| broker::Placed {
        topic: topic.to_owned(),
        partition: *partition,
        key: t.symbol.clone(),
        value: serde_json::to_string(t).expect("json"),
        timestamp: t.timestamp,
    }));
}

#[test]
fn on_the_broker_each_symbol_gets_exactly_the_expected_performances() {
    let prefix = broker::unique("stocks");
    let topics = StockTopics::prefixed(&format!("{prefix}-"));
    broker::create_topics(&topics.names(), PARTITIONS as i32);

    // Symbols are spread over both partitions by the producer (AAPL, BETA,
    // DELT → 0; ACME, CHAR, EPSI → 1); each partition is a task with its own
    // stream time, so each gets a last trade 10 s after the others, which
    // makes its punctuator fire once more.
    let partition_of = |symbol: &str| {
        SYMBOLS
            .iter()
            .position(|s| *s == symbol)
            .map_or(0, |i| (i % 2) as i32)
    };
    let mut trades = generate(60, 1_700_000_000_000);
    let end = trades.last().map_or(0, |t| t.timestamp);
    trades.push(trade("AAPL", 30.0, 1_000, end + 10_000));
    trades.push(trade("ACME", 40.0, 1_000, end + 10_001));
    let input: Vec<(i32, StockTransaction)> = trades
        .iter()
        .map(|t| (partition_of(&t.symbol), t.clone()))
        .collect();

    let mut expected: BTreeMap<String, Vec<(StockPerformance, i64)>> = BTreeMap::new();
    for partition in 0..PARTITIONS as i32 {
        let own: Vec<StockTransaction> = input
            .iter()
            .filter(|(p, _)| *p == partition)
            .map(|(_, t)| t.clone())
            .collect();
        for (symbol, p, at) in expected_output(&own) {
            expected
                .entry(symbol)
                .or_default()
                .push((through_json(p), at));
        }
    }
    let expected_count: usize = expected.values().map(Vec::len).sum();
    assert!(
        SYMBOLS
            .iter()
            .filter(|s| expected.contains_key(**s))
            .any(|s| partition_of(s) == 0)
            && SYMBOLS
                .iter()
                .filter(|s| expected.contains_key(**s))
                .any(|s| partition_of(s) == 1),
        "both partitions must emit something"
    );

    produce_trades(topics.transactions.name(), &input);

    let config = StreamsConfig::new(format!("{prefix}-app"))
        .bootstrap_servers(broker::bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(std::env::temp_dir().join(format!("{prefix}-state")));
    let streams = KafkaStreams::new(topology_with(&topics).expect("topology"), config)
        .expect("KafkaStreams::new");
    let started = Instant::now();
    streams.start().expect("start");

    let output = broker::read_committed_until(topics.performance.name(), expected_count);
    eprintln!("{} records read in {:?}", output.len(), started.elapsed());
    assert_eq!(
        streams.state(),
        State::Running,
        "the application kept running"
    );
    assert!(streams.close(Duration::from_secs(30)), "clean close");

    let mut actual: BTreeMap<String, Vec<(StockPerformance, i64)>> = BTreeMap::new();
    for (symbol, value, timestamp) in output {
        let performance = Json::<StockPerformance>::deserialize(&value)
            .expect("output decodes as StockPerformance");
        actual
            .entry(symbol)
            .or_default()
            .push((performance, timestamp));
    }
    // Per symbol, in order (a symbol is in one output partition); across
    // partitions the interleaving is the broker's.
    assert_eq!(
        actual.values().map(Vec::len).sum::<usize>(),
        expected_count,
        "record count"
    );
    assert_eq!(actual, expected);
}
