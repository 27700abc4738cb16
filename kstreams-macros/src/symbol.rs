//! Names of attributes and their keys, in one place.

pub(crate) const PUNCTUATE: &str = "punctuate";
pub(crate) const EVERY: &str = "every";
pub(crate) const TIME: &str = "time";
pub(crate) const STORES: &str = "stores";

pub(crate) const STREAM_TIME: &str = "StreamTime";
pub(crate) const WALL_CLOCK_TIME: &str = "WallClockTime";

pub(crate) const STORE_KINDS: &[&str] = &["KeyValue", "Window", "Session"];

/// Builder methods of the explicit (Processor-API) wiring.
pub(crate) const ADD_SOURCE: &str = "add_source";
pub(crate) const ADD_PROCESSOR: &str = "add_processor";
pub(crate) const ADD_SINK: &str = "add_sink";
pub(crate) const ADD_STATE_STORE: &str = "add_state_store";
