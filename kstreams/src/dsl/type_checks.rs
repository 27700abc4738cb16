//! Type checks the DSL states as traits so that a mismatch is reported in
//! the user's words (`#[diagnostic::on_unimplemented]`), never as a
//! `type mismatch resolving <.. as Serde>::Target == ..` from the solver.
//!
//! Each trait is implemented only for the identity (`impl<T> KeyMatches<T>
//! for T`): `A: KeyMatches<B>` holds exactly when `A` and `B` are the same
//! type, and when they are not, the compiler says so with the message below.

/// Holds when a topic's key type (`Self`, what its key serde reads and
/// writes) is the stream's key type `K`.
#[diagnostic::on_unimplemented(
    message = "this topic's key serde handles `{Self}`, but the records' keys are `{K}`",
    label = "a topic for keys of type `{Self}`, written with records whose keys are `{K}`",
    note = "a sink must use the same types as the stream before it: pick a topic whose key serde handles `{K}`, or change the keys first (`.select_key(..)`, `.map(..)`)"
)]
pub trait KeyMatches<K> {}

impl<K> KeyMatches<K> for K {}

/// Holds when a topic's value type (`Self`, what its value serde reads and
/// writes) is the stream's value type `V`.
#[diagnostic::on_unimplemented(
    message = "this topic's value serde handles `{Self}`, but the records' values are `{V}`",
    label = "a topic for values of type `{Self}`, written with records whose values are `{V}`",
    note = "a sink must use the same types as the stream before it: pick a topic whose value serde handles `{V}`, or change the values first (`.map_values(..)`)"
)]
pub trait ValueMatches<V> {}

impl<V> ValueMatches<V> for V {}
