//! Names of attributes and their keys, in one place.

pub(crate) const PUNCTUATE: &str = "punctuate";
pub(crate) const EVERY: &str = "every";
pub(crate) const TIME: &str = "time";
pub(crate) const STORES: &str = "stores";

pub(crate) const STREAM_TIME: &str = "StreamTime";
pub(crate) const WALL_CLOCK_TIME: &str = "WallClockTime";

pub(crate) const KEY_VALUE: &str = "KeyValue";
pub(crate) const WINDOW: &str = "Window";
pub(crate) const SESSION: &str = "Session";
pub(crate) const STORE_KINDS: &[&str] = &[KEY_VALUE, WINDOW, SESSION];

/// Options of window and session store declarations.
pub(crate) const SIZE: &str = "size";
pub(crate) const RETENTION: &str = "retention";
pub(crate) const RETAIN_DUPLICATES: &str = "retain_duplicates";

/// Builder methods of the explicit (Processor-API) wiring.
pub(crate) const ADD_SOURCE: &str = "add_source";
pub(crate) const ADD_PROCESSOR: &str = "add_processor";
pub(crate) const ADD_SINK: &str = "add_sink";
pub(crate) const ADD_STATE_STORE: &str = "add_state_store";
