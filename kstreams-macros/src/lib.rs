//! Procedural macros for kstreams.
