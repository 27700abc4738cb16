//! Configuration (StreamsConfig). Owned by the runtime side.
