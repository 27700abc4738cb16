//! `#[derive(JsonSerde)]` and `#[derive(ProtobufSerde)]`: give a type its
//! default serde (`kstreams_serde::DefaultSerde`), so aggregations, stores
//! and repartitions that don't name one serialize it as JSON (a type with
//! serde's traits) or Protobuf (a `prost::Message`).
//!
//! A trait with both blanket implementations would overlap (and overlap
//! with the primitives' defaults), so the choice is one derive per type.

use proc_macro2::TokenStream;
use quote::quote;

/// `impl DefaultSerde for T { type Serde = <wrapper><T>; }`.
pub(crate) fn expand(input: TokenStream, wrapper: &str) -> TokenStream {
    let item: syn::DeriveInput = match syn::parse2(input) {
        Ok(item) => item,
        Err(e) => return e.to_compile_error(),
    };
    let name = &item.ident;
    let (impl_generics, type_generics, where_clause) = item.generics.split_for_impl();
    let wrapper = syn::Ident::new(wrapper, proc_macro2::Span::call_site());
    quote! {
        impl #impl_generics ::kstreams::serde::DefaultSerde for #name #type_generics #where_clause {
            type Serde = ::kstreams::serde::#wrapper<Self>;
        }
    }
}
