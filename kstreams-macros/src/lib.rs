//! Procedural macros for kstreams: `#[processor]`, `#[punctuate]` and
//! `#[topology]`. Use them through the `kstreams` crate
//! (`kstreams::processor`, ...), whose docs describe what users write.
//!
//! Layout, as thiserror and serde_derive: each macro parses its input
//! (`ast.rs`, attributes in `attr.rs`), validates it (`check.rs`) and
//! generates code (`expand.rs`). Every error goes into a [`ctxt::Ctxt`] and
//! all of them are reported together, spanned at the user's tokens; the
//! user's item is emitted even on error, so one mistake does not cascade.
//! The logic is plain `proc_macro2` code, unit-tested without a compiler.
#![warn(missing_docs, unreachable_pub)]

mod ctxt;
mod duration;
mod processor_attr;
mod punctuate_attr;
mod serde_derive;
mod symbol;
// Modules are not named after the macros: a private module named like a
// proc macro hides it from the crate's exports.
mod topology_attr;

use proc_macro::TokenStream;

/// Turns a function into a typed DAG node, or an `impl` block into a
/// Processor-API processor. See `kstreams::processor` (the re-export) for
/// the table of shapes; each may be returned in a `Result` (an `Err` goes
/// to `processing.exception.handler`, see `kstreams::errors::IntoProcessingError`).
/// Stores: `stores(kv = KeyValue<KS, VS>, w = Window<KS, VS>(size = "1m",
/// retention = "1h"), s = Session<KS, VS>(retention = "1h"))`, durations as
/// `#[punctuate]` intervals.
#[proc_macro_attribute]
pub fn processor(args: TokenStream, input: TokenStream) -> TokenStream {
    processor_attr::expand(args.into(), input.into()).into()
}

/// Marks a method of a `#[processor]` impl as a punctuator:
/// `#[punctuate(every = "10s", time = StreamTime)]`.
#[proc_macro_attribute]
pub fn punctuate(args: TokenStream, input: TokenStream) -> TokenStream {
    punctuate_attr::expand(args.into(), input.into()).into()
}

/// Turns `fn name(b: &mut StreamsBuilder) { ... }` into
/// `fn name() -> kstreams::Result<Topology>`, checks the wiring at compile
/// time and adds `name::DESCRIPTION`.
#[proc_macro_attribute]
pub fn topology(args: TokenStream, input: TokenStream) -> TokenStream {
    topology_attr::expand(args.into(), input.into()).into()
}

/// Gives a type with serde's `Serialize`/`Deserialize` the default serde
/// `Json<Self>` (`kstreams_serde::DefaultSerde`).
#[proc_macro_derive(JsonSerde)]
pub fn json_serde(input: TokenStream) -> TokenStream {
    serde_derive::expand(input.into(), "Json").into()
}

/// Gives a `prost::Message` the default serde `Protobuf<Self>`
/// (`kstreams_serde::DefaultSerde`).
#[proc_macro_derive(ProtobufSerde)]
pub fn protobuf_serde(input: TokenStream) -> TokenStream {
    serde_derive::expand(input.into(), "Protobuf").into()
}
