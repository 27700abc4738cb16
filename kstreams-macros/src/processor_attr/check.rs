//! Checks across a processor's parts: declared stores against the stores
//! its parameters use, duplicate names, store kinds.

use std::collections::HashMap;

use super::ast::Param;
use super::attr::{store_kind, StoreDecl};
use super::store_spec::example;
use crate::ctxt::Ctxt;

/// Checks store declarations and the store parameters of a node function
/// (`used`; `None` for impl processors, which reach stores at run time).
pub(crate) fn check_stores(cx: &Ctxt, declared: &[StoreDecl], used: Option<&[Param]>) {
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for decl in declared {
        if let Some(first) = seen.insert(decl.name.to_string(), &decl.name) {
            cx.error_spanned_by(
                &decl.name,
                format!(
                    "duplicate store name `{}`: every store of a processor needs its own name",
                    decl.name
                ),
            );
            cx.error_spanned_by(first, format!("`{}` is first declared here", decl.name));
        }
        if store_kind(&decl.kind).is_none() {
            cx.error_spanned_by(
                &decl.kind,
                "unknown store type; expected `KeyValue<KeySerde, ValueSerde>`, \
                 `Window<KeySerde, ValueSerde>(size = \"1m\", retention = \"1h\")` or \
                 `Session<KeySerde, ValueSerde>(retention = \"1h\")`",
            );
        }
    }
    let Some(used) = used else { return };
    for param in used {
        let Some(name) = &param.name else {
            cx.error_spanned_by(
                &param.span_ty,
                "a store parameter is named after its store: `seen: &mut dyn KeyValueStore<K, V>`",
            );
            continue;
        };
        if !seen.contains_key(&name.to_string()) {
            cx.error_spanned_by(
                name,
                format!("store `{name}` is not declared; declare it on the processor with its serdes: `#[processor(stores({name} = KeyValue<KeySerde, ValueSerde>))]` (or `Window<..>(..)`, `Session<..>(..)`)"),
            );
        }
    }
    for decl in declared {
        let is_used = used
            .iter()
            .any(|p| p.name.as_ref().is_some_and(|n| *n == decl.name));
        if !is_used {
            let (_, param) = example(store_kind(&decl.kind).as_deref(), &decl.name.to_string());
            cx.error_spanned_by(
                &decl.name,
                format!("store `{}` is declared but not used; add a parameter `{param}` or remove the declaration", decl.name),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(attr: proc_macro2::TokenStream, f: proc_macro2::TokenStream) -> String {
        let cx = Ctxt::new();
        let attr = super::super::attr::parse_processor_attr(&cx, attr);
        let node = super::super::ast::parse_fn(&cx, syn::parse2(f).unwrap()).unwrap();
        check_stores(&cx, &attr.stores, Some(&node.stores));
        cx.check()
            .err()
            .map(crate::ctxt::all_messages)
            .unwrap_or_default()
    }

    #[test]
    fn stores_declared_used_and_unique() {
        assert_eq!(
            errors(
                quote!(stores(seen = KeyValue<String, u64>)),
                quote!(
                    fn f(k: &String, v: u64, seen: &mut S) -> u64 {
                        v
                    }
                )
            ),
            ""
        );
        assert!(errors(
            quote!(),
            quote!(
                fn f(v: u64, seen: &mut S) -> u64 {
                    v
                }
            )
        )
        .contains("store `seen` is not declared"));
        assert!(errors(
            quote!(stores(a = KeyValue<u8, u8>, a = KeyValue<u8, u8>)),
            quote!(
                fn f(v: u64, a: &mut S) -> u64 {
                    v
                }
            )
        )
        .contains("duplicate store name `a`"));
        assert!(errors(
            quote!(stores(a = KeyValue<u8, u8>)),
            quote!(
                fn f(v: u64) -> u64 {
                    v
                }
            )
        )
        .contains("declared but not used"));
        assert!(errors(
            quote!(stores(a = Table<u8, u8>)),
            quote!(
                fn f(v: u64, a: &mut S) -> u64 {
                    v
                }
            )
        )
        .contains("unknown store type"));
    }
}
