//! What `#[processor]` is put on, parsed: a function (a per-record node
//! whose shape comes from its signature) or an `impl` block (a
//! Processor-API processor).
//!
//! Shapes of functions, `K`/`V` the key and value read, `&` optional unless
//! noted:
//!
//! | signature | shape | like |
//! | --- | --- | --- |
//! | `fn(&V) -> bool`, `fn(&K, &V) -> bool` (references) | filter | `filter` |
//! | `fn(V) -> V2`, `fn(&K, V) -> V2` | value mapper | `map_values` |
//! | `fn(K, V) -> (K2, V2)` | key-changing mapper | `map` |
//! | `fn(V) -> Vec<V2>` / `impl IntoIterator<Item = V2>` | value flat-mapper | `flat_map_values` |
//! | `fn(K, V) -> Vec<(K2, V2)>` / `impl IntoIterator<Item = (K2, V2)>` | flat-mapper | `flat_map` |
//!
//! Each output may be wrapped in a `Result` (`kstreams::Result<bool>`,
//! `Result<V2, MyError>`, ...): the node is fallible, and the shape comes
//! from the `Ok` type. An `Err` is converted by
//! `kstreams::errors::IntoProcessingError` (which also decides which error
//! types are accepted, spanned at the user's error type). An impl
//! block's `process` may return `Result<(), E>` for the same error types.

use syn::{FnArg, GenericArgument, Pat, PathArguments, ReturnType, Type};

use crate::ctxt::Ctxt;

/// One parameter of a node function.
pub(crate) struct Param {
    /// The type read, without the reference.
    pub(crate) ty: Type,
    pub(crate) by_ref: bool,
    pub(crate) name: Option<syn::Ident>,
    pub(crate) span_ty: Type,
}

/// How a node function's output is forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Filter,
    MapValues,
    Map,
    FlatMapValues,
    FlatMap,
}

/// The error side of a fallible function or `process` method: what the
/// generated code converts an `Err` with.
pub(crate) struct Fallible {
    /// `E` of `Result<T, E>`; `None` for aliases such as `kstreams::Result<T>`.
    pub(crate) error: Option<Type>,
    /// The whole return type, for spans.
    pub(crate) ret: Type,
}

/// A `#[processor]` function.
pub(crate) struct FnNode {
    pub(crate) item: syn::ItemFn,
    pub(crate) key: Option<Param>,
    pub(crate) value: Param,
    /// Parameters after key and value: state stores.
    pub(crate) stores: Vec<Param>,
    pub(crate) shape: Shape,
    /// Output key type, when the shape changes the key.
    pub(crate) key_out: Option<Type>,
    /// Output value type (the input value for filters).
    pub(crate) value_out: Type,
    /// `Some` when the function returns a `Result`.
    pub(crate) fallible: Option<Fallible>,
}

fn param(arg: &FnArg) -> Option<Param> {
    let FnArg::Typed(pt) = arg else { return None };
    let name = match &*pt.pat {
        Pat::Ident(p) => Some(p.ident.clone()),
        _ => None,
    };
    let (ty, by_ref) = match &*pt.ty {
        Type::Reference(r) => ((*r.elem).clone(), true),
        other => (other.clone(), false),
    };
    Some(Param {
        ty,
        by_ref,
        name,
        span_ty: (*pt.ty).clone(),
    })
}

/// `T` of `Vec<T>` or `impl IntoIterator<Item = T>`.
fn iterated(ty: &Type) -> Option<Type> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|a| match a {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
        }
        Type::ImplTrait(it) => it.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(t) = b else {
                return None;
            };
            let last = t.path.segments.last()?;
            if last.ident != "IntoIterator" && last.ident != "Iterator" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            args.args.iter().find_map(|a| match a {
                GenericArgument::AssocType(at) if at.ident == "Item" => Some(at.ty.clone()),
                _ => None,
            })
        }),
        _ => None,
    }
}

fn pair(ty: &Type) -> Option<(Type, Type)> {
    match ty {
        Type::Tuple(t) if t.elems.len() == 2 => Some((t.elems[0].clone(), t.elems[1].clone())),
        Type::Paren(p) => pair(&p.elem),
        _ => None,
    }
}

/// `T` and, if written, `E` of a return type `Result<T, E>` or `Result<T>`
/// (any path ending in `Result`, e.g. `kstreams::Result<T>`).
pub(crate) fn result_parts(ty: &Type) -> Option<(Type, Option<Type>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [ok] => Some(((*ok).clone(), None)),
        [ok, err] => Some(((*ok).clone(), Some((*err).clone()))),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(t) => t.elems.is_empty(),
        Type::Paren(p) => is_unit(&p.elem),
        _ => false,
    }
}

/// Whether `ty` mentions `impl Trait` anywhere (such a function cannot be
/// named as a function pointer).
pub(crate) fn has_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

fn is_bool(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("bool"))
}

const SHAPES: &str = "a `#[processor]` function returns `bool` (filter, reading `&V` or `&K, &V`), \
    a value (map_values), a `(K2, V2)` pair from `(K, V)` (map), or `Vec<..>` / `impl IntoIterator<Item = ..>` (flat-map), \
    each possibly in a `Result` (e.g. `kstreams::Result<bool>`)";

pub(crate) fn parse_fn(cx: &Ctxt, item: syn::ItemFn) -> Option<FnNode> {
    let sig = &item.sig;
    if let Some(r) = sig.receiver() {
        cx.error_spanned_by(r, "`#[processor]` on a method: put `#[processor]` on the `impl` block instead, and the method is its `process`");
        return None;
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "a `#[processor]` function cannot be generic: a node reads and forwards concrete key and value types");
    }
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(a, "a `#[processor]` function cannot be async: records are processed synchronously, in order");
    }
    let params: Vec<Param> = sig.inputs.iter().filter_map(param).collect();
    // Store parameters are `&mut` references after the record's key and value.
    let is_store = |p: &Param| matches!(&p.span_ty, Type::Reference(r) if r.mutability.is_some());
    let record_params: Vec<&Param> = params.iter().take_while(|p| !is_store(p)).collect();
    let (key, value) = match record_params.len() {
        1 => (None, record_params[0]),
        2 => (Some(record_params[0]), record_params[1]),
        0 => {
            cx.error_spanned_by(&sig.inputs, "a `#[processor]` function reads a record: give it a value parameter (`v: &V`) or key and value (`k: &K, v: V`)");
            return None;
        }
        _ => {
            cx.error_spanned_by(&record_params[2].span_ty, "a `#[processor]` function takes the record's value, or its key and value; further parameters must be `&mut` state stores");
            return None;
        }
    };
    let stores: Vec<Param> = params
        .iter()
        .skip(record_params.len())
        .map(clone_param)
        .collect();
    if let Some(p) = params
        .iter()
        .skip(record_params.len())
        .find(|p| !is_store(p))
    {
        cx.error_spanned_by(
            &p.span_ty,
            "parameters after the record's key and value must be `&mut` state stores",
        );
    }
    let ret = match &sig.output {
        ReturnType::Type(_, t) => (**t).clone(),
        ReturnType::Default => {
            cx.error_spanned_by(
                &sig.ident,
                format!("`{}` returns nothing; {SHAPES}", sig.ident),
            );
            return None;
        }
    };
    let (ret, fallible) = match result_parts(&ret) {
        Some((ok, error)) => (ok, Some(Fallible { error, ret })),
        None => (ret, None),
    };
    if let (Some(f), true) = (&fallible, is_unit(&ret)) {
        cx.error_spanned_by(
            &f.ret,
            format!(
                "`{}` returns `Result<()>`, which forwards nothing; return `Result<bool>` to filter (`Ok(true)` keeps the record), or the value to forward, e.g. `Result<V>` with the record's value",
                sig.ident
            ),
        );
        return None;
    }
    let refs_only = key.is_none_or(|k| k.by_ref) && value.by_ref;
    let (shape, key_out, value_out) = if is_bool(&ret) && refs_only {
        (Shape::Filter, None, value.ty.clone())
    } else if let Some(elem) = iterated(&ret) {
        match (key.is_some(), pair(&elem)) {
            (true, Some((k2, v2))) => (Shape::FlatMap, Some(k2), v2),
            _ => (Shape::FlatMapValues, None, elem),
        }
    } else if let (true, Some((k2, v2))) = (key.is_some(), pair(&ret)) {
        (Shape::Map, Some(k2), v2)
    } else {
        if let Type::ImplTrait(_) = ret {
            cx.error_spanned_by(
                &ret,
                format!("cannot tell what this `impl Trait` forwards; {SHAPES}"),
            );
            return None;
        }
        (Shape::MapValues, None, ret)
    };
    Some(FnNode {
        key: key.map(clone_param),
        value: clone_param(value),
        stores,
        shape,
        key_out,
        value_out,
        fallible,
        item,
    })
}

fn clone_param(p: &Param) -> Param {
    Param {
        ty: p.ty.clone(),
        by_ref: p.by_ref,
        name: p.name.clone(),
        span_ty: p.span_ty.clone(),
    }
}

/// A `#[punctuate]` method found in a `#[processor]` impl.
pub(crate) struct Punctuator {
    pub(crate) method: syn::Ident,
    pub(crate) attr: super::attr::PunctuateAttr,
}

/// A `#[processor]` impl block.
pub(crate) struct ImplProcessor {
    pub(crate) item: syn::ItemImpl,
    pub(crate) key_in: Type,
    pub(crate) value_in: Type,
    pub(crate) key_out: Type,
    pub(crate) value_out: Type,
    pub(crate) has_init: bool,
    pub(crate) has_close: bool,
    pub(crate) punctuators: Vec<Punctuator>,
    /// The error side of `process`'s `Result`.
    pub(crate) process_error: Fallible,
}

/// The two type arguments of the last segment of `ty` (lifetimes skipped),
/// e.g. `K, V` of `Record<K, V>` or `ProcessorContext<'_, K, V>`.
pub(crate) fn two_type_args(ty: &Type, name: &str) -> Option<(Type, Type)> {
    let ty = match ty {
        Type::Reference(r) => &*r.elem,
        other => other,
    };
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let types: Vec<Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [k, v] => Some((k.clone(), v.clone())),
        _ => None,
    }
}

const PROCESS_SIG: &str = "fn process(&mut self, record: Record<K, V>, ctx: &mut ProcessorContext<'_, KOut, VOut>) -> kstreams::Result<()>";

pub(crate) fn parse_impl(cx: &Ctxt, mut item: syn::ItemImpl) -> Option<ImplProcessor> {
    if let Some((_, path, _)) = &item.trait_ {
        cx.error_spanned_by(path, "put `#[processor]` on an inherent `impl MyProcessor { .. }` block; it implements `kstreams::Processor` for you");
        return None;
    }
    let mut punctuators = Vec::new();
    let mut process = None;
    let (mut has_init, mut has_close) = (false, false);
    for impl_item in &mut item.items {
        let syn::ImplItem::Fn(f) = impl_item else {
            continue;
        };
        let mut kept = Vec::new();
        for attr in std::mem::take(&mut f.attrs) {
            let is_punctuate = attr
                .path()
                .segments
                .last()
                .is_some_and(|s| s.ident == crate::symbol::PUNCTUATE);
            if !is_punctuate {
                kept.push(attr);
                continue;
            }
            let tokens = match &attr.meta {
                syn::Meta::List(l) => l.tokens.clone(),
                _ => proc_macro2::TokenStream::new(),
            };
            let span = syn::spanned::Spanned::span(&attr);
            check_punctuator_sig(cx, &f.sig);
            if let Some(parsed) = super::attr::parse_punctuate_attr(cx, span, tokens) {
                punctuators.push(Punctuator {
                    method: f.sig.ident.clone(),
                    attr: parsed,
                });
            }
        }
        f.attrs = kept;
        match f.sig.ident.to_string().as_str() {
            "process" => process = Some(f.sig.clone()),
            "init" => has_init = true,
            "close" => has_close = true,
            _ => {}
        }
    }
    let Some(process) = process else {
        cx.error_spanned_by(
            &item.self_ty,
            format!("a `#[processor]` impl needs a `process` method: `{PROCESS_SIG}`"),
        );
        return None;
    };
    let process_error = match &process.output {
        ReturnType::Type(_, ty) => Fallible {
            error: result_parts(ty).and_then(|(_, error)| error),
            ret: (**ty).clone(),
        },
        ReturnType::Default => {
            cx.error_spanned_by(
                &process.ident,
                format!("`process` returns nothing; return `kstreams::Result<()>` (or `Result<(), E>` with an error type of your own): `{PROCESS_SIG}`"),
            );
            return None;
        }
    };
    let typed: Vec<&syn::PatType> = process
        .inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(t) => Some(t),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let record = typed.first().and_then(|t| two_type_args(&t.ty, "Record"));
    let context = typed
        .get(1)
        .and_then(|t| two_type_args(&t.ty, "ProcessorContext"));
    match (record, context, typed.len()) {
        (Some((key_in, value_in)), Some((key_out, value_out)), 2) => Some(ImplProcessor {
            item,
            key_in,
            value_in,
            key_out,
            value_out,
            has_init,
            has_close,
            punctuators,
            process_error,
        }),
        _ => {
            cx.error_spanned_by(&process, format!("`process` must read the record and the context, with their types: `{PROCESS_SIG}`"));
            None
        }
    }
}

fn check_punctuator_sig(cx: &Ctxt, sig: &syn::Signature) {
    let ok_receiver = sig
        .receiver()
        .is_some_and(|r| r.mutability.is_some() && r.reference.is_some());
    let others = sig
        .inputs
        .iter()
        .filter(|a| matches!(a, FnArg::Typed(_)))
        .count();
    if !ok_receiver || others != 2 {
        cx.error_spanned_by(
            &sig.inputs,
            "a punctuator takes `(&mut self, timestamp: i64, ctx: &mut ProcessorContext<'_, KOut, VOut>)` and returns `kstreams::Result<()>`",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn shape(tokens: proc_macro2::TokenStream) -> Result<(Shape, String, String), String> {
        let cx = Ctxt::new();
        let node = parse_fn(&cx, syn::parse2(tokens).unwrap());
        cx.check().map_err(crate::ctxt::all_messages)?;
        let n = node.unwrap();
        let ko = n
            .key_out
            .as_ref()
            .map(|t| quote!(#t).to_string())
            .unwrap_or_default();
        let vo = &n.value_out;
        Ok((n.shape, ko, quote!(#vo).to_string()))
    }

    #[test]
    fn shapes_from_signatures() {
        assert_eq!(
            shape(quote!(
                fn f(p: &Payment) -> bool {
                    true
                }
            ))
            .unwrap()
            .0,
            Shape::Filter
        );
        assert_eq!(
            shape(quote!(
                fn f(k: &String, p: &Payment) -> bool {
                    true
                }
            ))
            .unwrap()
            .0,
            Shape::Filter
        );
        assert_eq!(
            shape(quote!(
                fn f(p: Payment) -> bool {
                    true
                }
            ))
            .unwrap(),
            (Shape::MapValues, String::new(), "bool".into())
        );
        assert_eq!(
            shape(quote!(
                fn f(p: Payment) -> i64 {
                    1
                }
            ))
            .unwrap()
            .0,
            Shape::MapValues
        );
        assert_eq!(
            shape(quote!(
                fn f(k: &String, p: Payment) -> i64 {
                    1
                }
            ))
            .unwrap()
            .0,
            Shape::MapValues
        );
        assert_eq!(
            shape(quote!(
                fn f(k: String, p: Payment) -> (i64, u8) {
                    1
                }
            ))
            .unwrap(),
            (Shape::Map, "i64".into(), "u8".into())
        );
        assert_eq!(
            shape(quote!(
                fn f(p: String) -> (i64, u8) {
                    1
                }
            ))
            .unwrap()
            .0,
            Shape::MapValues
        );
        assert_eq!(
            shape(quote!(
                fn f(p: String) -> Vec<String> {
                    1
                }
            ))
            .unwrap()
            .0,
            Shape::FlatMapValues
        );
        assert_eq!(
            shape(quote!(
                fn f(k: String, p: String) -> impl IntoIterator<Item = (u8, u16)> {
                    1
                }
            ))
            .unwrap(),
            (Shape::FlatMap, "u8".into(), "u16".into())
        );
    }

    /// Shape, output types and the written error type of a fallible function.
    fn fallible(tokens: proc_macro2::TokenStream) -> (Shape, String, String, String) {
        let cx = Ctxt::new();
        let node = parse_fn(&cx, syn::parse2(tokens).unwrap());
        cx.check().unwrap();
        let n = node.unwrap();
        let (ko, vo) = (&n.key_out, &n.value_out);
        let f = n.fallible.expect("fallible");
        let e = f.error.map(|e| quote!(#e).to_string()).unwrap_or_default();
        (n.shape, quote!(#ko).to_string(), quote!(#vo).to_string(), e)
    }

    #[test]
    fn results_are_fallible_shapes_of_their_ok_type() {
        let s = |x: &str| x.to_string();
        assert_eq!(
            fallible(quote!(
                fn f(p: &Payment) -> kstreams::Result<bool> {}
            )),
            (Shape::Filter, s(""), s("Payment"), s(""))
        );
        assert_eq!(
            fallible(quote!(
                fn f(p: String) -> Result<i64, std::num::ParseIntError> {}
            )),
            (
                Shape::MapValues,
                s(""),
                s("i64"),
                s("std :: num :: ParseIntError")
            )
        );
        assert_eq!(
            fallible(quote!(
                fn f(k: String, p: String) -> Result<(u8, u16), MyError> {}
            )),
            (Shape::Map, s("u8"), s("u16"), s("MyError"))
        );
        assert_eq!(
            fallible(quote!(
                fn f(p: String) -> Result<Vec<String>> {}
            )),
            (Shape::FlatMapValues, s(""), s("String"), s(""))
        );
        assert_eq!(
            fallible(quote!(
                fn f(k: String, p: String) -> Result<impl IntoIterator<Item = (u8, u16)>, String> {}
            )),
            (Shape::FlatMap, s("u8"), s("u16"), s("String"))
        );
        assert!(shape(quote!(
            fn f(p: &P) -> Result<()> {}
        ))
        .unwrap_err()
        .contains("`f` returns `Result<()>`, which forwards nothing"));
    }

    #[test]
    fn unusable_signatures_are_explained() {
        assert!(shape(quote!(
            fn f() -> bool {
                true
            }
        ))
        .unwrap_err()
        .contains("reads a record"));
        assert!(shape(quote!(
            fn f(p: &P) {}
        ))
        .unwrap_err()
        .contains("returns nothing"));
        assert!(shape(quote!(
            fn f<T>(p: &T) -> bool {
                true
            }
        ))
        .unwrap_err()
        .contains("cannot be generic"));
        assert!(shape(quote!(
            fn f(a: u8, b: u8, c: u8) -> u8 {
                1
            }
        ))
        .unwrap_err()
        .contains("further parameters"));
        assert!(shape(quote!(
            fn f(p: u8) -> impl Fn() {
                1
            }
        ))
        .unwrap_err()
        .contains("impl Trait"));
    }

    #[test]
    fn impl_types_come_from_process() {
        let cx = Ctxt::new();
        let item = syn::parse2(quote! {
            impl P {
                fn process(&mut self, r: Record<String, Tx>, ctx: &mut ProcessorContext<'_, String, Perf>) -> Result<()> { Ok(()) }
                #[punctuate(every = "10s")]
                fn emit(&mut self, ts: i64, ctx: &mut ProcessorContext<'_, String, Perf>) -> Result<()> { Ok(()) }
            }
        })
        .unwrap();
        let p = parse_impl(&cx, item).unwrap();
        cx.check().unwrap();
        assert!(
            p.process_error.error.is_none(),
            "`Result<()>` names no error type"
        );
        let (ko, vo) = (&p.key_out, &p.value_out);
        assert_eq!(quote!(#ko #vo).to_string(), "String Perf");
        assert_eq!(p.punctuators.len(), 1);
        assert_eq!(p.punctuators[0].attr.every_ms, 10_000);
        let item = &p.item;
        assert!(!quote!(#item).to_string().contains("punctuate"));
    }
}
