//! Trait impls for the zero-sized serde marker types (`Json<T>`,
//! `Protobuf<T>`, the windowed serdes).
//!
//! They are written by hand, not derived: `#[derive(Clone)]` on `Json<T>`
//! would demand `T: Clone`, and such bounds would leak onto every topic and
//! processor that names the serde. A marker is never more than
//! `PhantomData<fn() -> T>`, so it is `Copy`, `Send` and `Sync` for any `T`.

/// Implements `Clone`, `Copy`, `Default` and `Debug` for a tuple struct
/// whose only field is a `PhantomData`, without bounds on its parameters.
///
/// `marker_impls!([T] Json<T>);` — the brackets hold the impl's generic
/// parameters, then comes the type.
macro_rules! marker_impls {
    ([$($params:tt)*] $ty:ty) => {
        impl<$($params)*> ::core::clone::Clone for $ty {
            fn clone(&self) -> Self {
                *self
            }
        }

        impl<$($params)*> ::core::marker::Copy for $ty {}

        impl<$($params)*> ::core::default::Default for $ty {
            fn default() -> Self {
                Self(::core::marker::PhantomData)
            }
        }

        impl<$($params)*> ::core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::core::any::type_name::<Self>())
            }
        }
    };
}

pub(crate) use marker_impls;
