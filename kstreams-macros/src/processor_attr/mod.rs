//! `#[processor]`: parse ([`ast`], [`attr`]) → check ([`check`], stores
//! resolved in [`store_spec`]) → expand
//! ([`expand`]).

mod ast;
mod attr;
mod check;
mod expand;
mod store_spec;

use proc_macro2::TokenStream;

use crate::ctxt::{with_errors, Ctxt};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let attr = attr::parse_processor_attr(&cx, args);
    let item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            cx.syn_error(e);
            return with_errors(input, cx.check());
        }
    };
    let tokens = match item {
        syn::Item::Fn(f) => match ast::parse_fn(&cx, f.clone()) {
            Some(node) => {
                let fn_errors = cx.has_errors();
                check::check_stores(&cx, &attr.stores, Some(&node.stores));
                let stores = store_spec::resolve_stores(&cx, &attr.stores, Some(&node.stores));
                let errors = match (fn_errors, cx.has_errors()) {
                    (true, _) => expand::Errors::InFunction,
                    (false, true) => expand::Errors::InStores,
                    (false, false) => expand::Errors::None,
                };
                let mut tokens = expand::expand_fn(&node, &stores, errors);
                if errors == expand::Errors::InStores {
                    tokens.extend(expand::mention_serdes(&attr.stores));
                }
                tokens
            }
            None => quote::quote!(#f),
        },
        syn::Item::Impl(i) => match ast::parse_impl(&cx, i.clone()) {
            Some(p) => {
                check::check_stores(&cx, &attr.stores, None);
                let stores = store_spec::resolve_stores(&cx, &attr.stores, None);
                let mut tokens = expand::expand_impl(&p, &stores);
                if cx.has_errors() {
                    tokens.extend(expand::mention_serdes(&attr.stores));
                }
                tokens
            }
            None => strip_punctuate(i),
        },
        other => {
            cx.error_spanned_by(
                quote::quote!(#other).into_iter().next(),
                "`#[processor]` goes on a function (a per-record node) or on the `impl` block of a processor struct",
            );
            quote::quote!(#other)
        }
    };
    with_errors(tokens, cx.check())
}

/// The impl block with its `#[punctuate]` attributes removed (they were
/// reported already; left in place they would each add an error).
fn strip_punctuate(mut item: syn::ItemImpl) -> TokenStream {
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(f) = impl_item {
            f.attrs.retain(|a| {
                a.path()
                    .segments
                    .last()
                    .is_none_or(|s| s.ident != crate::symbol::PUNCTUATE)
            });
        }
    }
    quote::quote!(#item)
}
