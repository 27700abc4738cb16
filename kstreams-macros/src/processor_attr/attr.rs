//! Attribute arguments: `#[processor(stores(name = KeyValue<KeySerde, ValueSerde>, ...))]`
//! and `#[punctuate(every = "10s", time = StreamTime)]`.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Meta, Token};

use crate::ctxt::Ctxt;
use crate::duration::parse_millis;
use crate::symbol::{EVERY, STORES, STORE_KINDS, STREAM_TIME, TIME, WALL_CLOCK_TIME};

/// A store declared on a processor: `name = Kind<KeySerde, ValueSerde>`,
/// with options in parentheses for window and session stores
/// (`w = Window<String, I64>(size = "1m", retention = "1h")`).
pub(crate) struct StoreDecl {
    pub(crate) name: syn::Ident,
    pub(crate) kind: syn::Type,
    /// `(key = value, ..)` after the type, as written (checked in `check.rs`).
    pub(crate) options: Option<StoreOptions>,
}

/// The parenthesized options of a store declaration.
pub(crate) struct StoreOptions {
    pub(crate) paren: syn::token::Paren,
    pub(crate) items: Vec<Meta>,
}

impl syn::parse::Parse for StoreDecl {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let name: syn::Ident = input.parse().map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a store declaration such as `seen = KeyValue<String, u64>`",
            )
        })?;
        input.parse::<Token![=]>()?;
        let kind: syn::Type = input.parse()?;
        let options = if input.peek(syn::token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            let items = Punctuated::<Meta, Token![,]>::parse_terminated(&content)?;
            Some(StoreOptions {
                paren,
                items: items.into_iter().collect(),
            })
        } else {
            None
        };
        Ok(StoreDecl {
            name,
            kind,
            options,
        })
    }
}

/// `#[processor(...)]` arguments.
#[derive(Default)]
pub(crate) struct ProcessorAttr {
    pub(crate) stores: Vec<StoreDecl>,
}

fn metas(cx: &Ctxt, tokens: TokenStream) -> Vec<Meta> {
    match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(list) => list.into_iter().collect(),
        Err(e) => {
            cx.syn_error(e);
            Vec::new()
        }
    }
}

pub(crate) fn parse_processor_attr(cx: &Ctxt, tokens: TokenStream) -> ProcessorAttr {
    let mut attr = ProcessorAttr::default();
    for meta in metas(cx, tokens) {
        match &meta {
            Meta::List(list) if list.path.is_ident(STORES) => {
                match Punctuated::<StoreDecl, Token![,]>::parse_terminated.parse2(list.tokens.clone()) {
                    Ok(items) => attr.stores.extend(items),
                    Err(e) => cx.syn_error(e),
                }
            }
            other => cx.error_spanned_by(
                other.path(),
                format!("unknown `#[processor]` argument `{}`; the only one is `stores(name = KeyValue<KeySerde, ValueSerde>, ...)` (or `Window<..>(..)`, `Session<..>(..)`)", path_str(other.path())),
            ),
        }
    }
    attr
}

/// The kind of a store type (`KeyValue`, `Window`, `Session`), if known.
pub(crate) fn store_kind(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?.ident.to_string();
    STORE_KINDS.contains(&last.as_str()).then_some(last)
}

/// Which clock drives a punctuator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeKind {
    StreamTime,
    WallClockTime,
}

/// `#[punctuate(...)]` arguments.
#[derive(Debug)]
pub(crate) struct PunctuateAttr {
    pub(crate) every_ms: u64,
    pub(crate) time: TimeKind,
}

pub(crate) fn path_str(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// Parses `every = "10s", time = StreamTime`; `span` locates the attribute
/// for errors about missing keys.
pub(crate) fn parse_punctuate_attr(
    cx: &Ctxt,
    span: Span,
    tokens: TokenStream,
) -> Option<PunctuateAttr> {
    let mut every = None;
    let mut time = TimeKind::StreamTime;
    let mut ok = true;
    for meta in metas(cx, tokens) {
        let Meta::NameValue(nv) = &meta else {
            cx.error_spanned_by(
                &meta,
                "expected `every = \"10s\"` or `time = StreamTime | WallClockTime`",
            );
            ok = false;
            continue;
        };
        if nv.path.is_ident(EVERY) {
            match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => match parse_millis(&s.value()) {
                    Ok(ms) => every = Some(ms),
                    Err(message) => {
                        cx.error_spanned_by(s, message);
                        ok = false;
                    }
                },
                other => {
                    cx.error_spanned_by(
                        other,
                        "`every` takes a string such as \"10s\", \"500ms\" or \"1m\"",
                    );
                    ok = false;
                }
            }
        } else if nv.path.is_ident(TIME) {
            let kind = match &nv.value {
                Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            };
            match kind.as_deref() {
                Some(STREAM_TIME) => time = TimeKind::StreamTime,
                Some(WALL_CLOCK_TIME) => time = TimeKind::WallClockTime,
                _ => {
                    let shown = quote::ToTokens::to_token_stream(&nv.value).to_string();
                    cx.error_spanned_by(
                        &nv.value,
                        format!("unknown time kind `{shown}`; expected `StreamTime` (driven by record timestamps) or `WallClockTime` (driven by the system clock)"),
                    );
                    ok = false;
                }
            }
        } else {
            cx.error_spanned_by(
                &nv.path,
                format!(
                    "unknown `#[punctuate]` argument `{}`; expected `every` or `time`",
                    path_str(&nv.path)
                ),
            );
            ok = false;
        }
    }
    match every {
        Some(every_ms) if ok => Some(PunctuateAttr { every_ms, time }),
        Some(_) => None,
        None => {
            if ok {
                cx.error_at(span, "`#[punctuate]` needs an interval: `#[punctuate(every = \"10s\", time = StreamTime)]`");
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn punctuate(tokens: TokenStream) -> Result<Option<PunctuateAttr>, String> {
        let cx = Ctxt::new();
        let attr = parse_punctuate_attr(&cx, Span::call_site(), tokens);
        cx.check().map(|()| attr).map_err(crate::ctxt::all_messages)
    }

    #[test]
    fn punctuate_args() {
        let a = punctuate(quote!(every = "10s", time = WallClockTime))
            .unwrap()
            .unwrap();
        assert_eq!((a.every_ms, a.time), (10_000, TimeKind::WallClockTime));
        let a = punctuate(quote!(every = "1m")).unwrap().unwrap();
        assert_eq!(a.time, TimeKind::StreamTime);
        assert!(punctuate(quote!(every = "0s"))
            .unwrap_err()
            .contains("zero"));
        assert!(punctuate(quote!(every = "10s", time = EventTime))
            .unwrap_err()
            .contains("unknown time kind `EventTime`"));
        assert!(punctuate(quote!(time = StreamTime))
            .unwrap_err()
            .contains("needs an interval"));
        assert!(punctuate(quote!(every = 10))
            .unwrap_err()
            .contains("takes a string"));
        assert!(punctuate(quote!(period = "1s"))
            .unwrap_err()
            .contains("unknown `#[punctuate]` argument `period`"));
    }

    #[test]
    fn processor_stores() {
        let cx = Ctxt::new();
        let attr = parse_processor_attr(
            &cx,
            quote!(stores(seen = KeyValue<String, u64>, w = Window<String, i64>)),
        );
        cx.check().unwrap();
        assert_eq!(attr.stores.len(), 2);
        assert_eq!(store_kind(&attr.stores[1].kind).as_deref(), Some("Window"));
        let cx = Ctxt::new();
        parse_processor_attr(&cx, quote!(store(x = KeyValue<String, u64>)));
        assert!(cx
            .check()
            .unwrap_err()
            .to_string()
            .contains("unknown `#[processor]` argument `store`"));
    }
}
