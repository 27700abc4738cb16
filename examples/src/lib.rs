//! Runnable kstreams applications and the topologies they run.
//!
//! Each example keeps its model types and `topology()` here (so tests can
//! drive the topology with the `TopologyTestDriver`) and its `main` in
//! `src/bin/`.

pub mod bench;
pub mod cogroup;
pub mod console;
pub mod correlated_purchases;
pub mod order_customers;
pub mod page_views;
pub mod payment_counter;
pub mod payment_enrichment;
pub mod protobuf_pipeline;
pub mod purchases;
pub mod stock_performance;
