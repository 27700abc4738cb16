//! The only module that talks to rdkafka.
