//! Store declarations resolved into what the generated code builds: the
//! kind, serdes and checked options of each store
//! (`KeyValue<KS, VS>`, `Window<KS, VS>(size = "1m", retention = "1h")`,
//! `Session<KS, VS>(retention = "1h")`), errors spanned at the option.

use syn::Meta;

use super::ast::Param;
use super::attr::{store_kind, StoreDecl};
use super::expand::{StoreArg, StoreSpec};
use crate::ctxt::Ctxt;
use crate::duration::parse_positive_millis;
use crate::symbol::{KEY_VALUE, RETAIN_DUPLICATES, RETENTION, SESSION, SIZE, WINDOW};

/// How a store of each kind is declared and taken as a parameter, for messages.
pub(crate) fn example(kind: Option<&str>, name: &str) -> (String, String) {
    match kind {
        Some(WINDOW) => (
            format!("{name} = Window<KeySerde, ValueSerde>(size = \"1m\", retention = \"1h\")"),
            format!("{name}: &mut dyn WindowStore<K, V>"),
        ),
        Some(SESSION) => (
            format!("{name} = Session<KeySerde, ValueSerde>(retention = \"1h\")"),
            format!("{name}: &mut dyn SessionStore<K, V>"),
        ),
        _ => (
            format!("{name} = KeyValue<KeySerde, ValueSerde>"),
            format!("{name}: &mut dyn KeyValueStore<K, V>"),
        ),
    }
}

/// A `size = "1m"`-style option: its value in ms, or an error at the value.
fn millis_option(cx: &Ctxt, nv: &syn::MetaNameValue, what: &str) -> Option<u64> {
    match &nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => match parse_positive_millis(&s.value(), what) {
            Ok(ms) => Some(ms),
            Err(message) => {
                cx.error_spanned_by(s, message);
                None
            }
        },
        other => {
            cx.error_spanned_by(
                other,
                format!(
                    "{what} is a string such as \"1m\", \"30s\" or \"1h\" (units ms, s, m, h, d)"
                ),
            );
            None
        }
    }
}

/// The options of a window or session store declaration (`allowed` names
/// the keys this kind takes), as `(key, value)` in ms or bool; unknown or
/// malformed options are reported.
fn store_options<'a>(
    cx: &Ctxt,
    decl: &'a StoreDecl,
    kind: &str,
    allowed: &[&str],
) -> StoreOptionValues<'a> {
    let mut values = StoreOptionValues::default();
    let what = if kind == WINDOW {
        "window store"
    } else {
        "session store"
    };
    let Some(options) = &decl.options else {
        return values;
    };
    let list = match allowed {
        [one] => format!("only `{one}`"),
        [init @ .., last] => format!(
            "{} and `{last}`",
            init.iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [] => String::new(),
    };
    for meta in &options.items {
        let key = meta
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            let hint = if key == "grace" {
                "; a grace period belongs to the windows of a DSL aggregation \
                 (`TimeWindows::of_size_and_grace`): a processor decides itself which records are too late"
            } else {
                ""
            };
            cx.error_spanned_by(
                meta.path(),
                format!(
                    "unknown option `{}` of {what} `{}`; a {what} takes {list}, e.g. `{}`{hint}",
                    super::attr::path_str(meta.path()),
                    decl.name,
                    example(Some(kind), &decl.name.to_string()).0
                ),
            );
            continue;
        }
        match (key.as_str(), meta) {
            (RETAIN_DUPLICATES, Meta::Path(_)) => values.retain_duplicates = true,
            (
                RETAIN_DUPLICATES,
                Meta::NameValue(syn::MetaNameValue {
                    value:
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Bool(b),
                            ..
                        }),
                    ..
                }),
            ) => values.retain_duplicates = b.value,
            (RETAIN_DUPLICATES, other) => cx.error_spanned_by(
                other,
                "`retain_duplicates` is `true` or `false` (`retain_duplicates = true`)",
            ),
            (SIZE, Meta::NameValue(nv)) => {
                values.size = millis_option(cx, nv, "a window store's size").map(|v| (v, nv))
            }
            (RETENTION, Meta::NameValue(nv)) => {
                values.retention =
                    millis_option(cx, nv, &format!("a {what}'s retention")).map(|v| (v, nv))
            }
            (_, other) => cx.error_spanned_by(
                other,
                format!("write `{key} = \"..\"` with a duration such as \"1m\", \"30s\" or \"1h\""),
            ),
        }
    }
    values
}

/// Values read from a store declaration's options, with the options for spans.
#[derive(Default)]
struct StoreOptionValues<'a> {
    size: Option<(u64, &'a syn::MetaNameValue)>,
    retention: Option<(u64, &'a syn::MetaNameValue)>,
    retain_duplicates: bool,
}

/// What a declaration stores, with its options checked: `None` (after an
/// error) when it cannot be built.
fn resolve_spec(cx: &Ctxt, decl: &StoreDecl, kind: &str) -> Option<StoreSpec> {
    let missing = |what: &str| {
        cx.error_spanned_by(
            &decl.kind,
            format!(
                "{what}: `{}`",
                example(Some(kind), &decl.name.to_string()).0
            ),
        );
    };
    match kind {
        KEY_VALUE => {
            if let Some(options) = &decl.options {
                cx.error_at(
                    options.paren.span.join(),
                    "a key/value store takes no options: remove the parentheses after `KeyValue<..>`",
                );
                return None;
            }
            Some(StoreSpec::KeyValue)
        }
        WINDOW => {
            let v = store_options(cx, decl, kind, &[SIZE, RETENTION, RETAIN_DUPLICATES]);
            let (has_size, has_retention) =
                (option_written(decl, SIZE), option_written(decl, RETENTION));
            if !has_size || !has_retention {
                missing(&format!(
                    "window store `{}` needs its window size and retention",
                    decl.name
                ));
                return None;
            }
            let ((size_ms, size), (retention_ms, retention)) = (v.size?, v.retention?);
            if retention_ms < size_ms {
                // Java's `Stores.persistentWindowStore` refuses the same.
                let text = |nv: &syn::MetaNameValue| {
                    quote::ToTokens::to_token_stream(&nv.value).to_string()
                };
                cx.error_spanned_by(
                    &retention.value,
                    format!(
                        "the retention of window store `{}`, {} ({retention_ms} ms), is shorter than its window size, {} ({size_ms} ms): \
                         a window would be dropped before it ends; give a retention of at least the size",
                        decl.name,
                        text(retention),
                        text(size),
                    ),
                );
                return None;
            }
            Some(StoreSpec::Window {
                size_ms,
                retention_ms,
                retain_duplicates: v.retain_duplicates,
            })
        }
        _ => {
            let v = store_options(cx, decl, kind, &[RETENTION]);
            if !option_written(decl, RETENTION) {
                missing(&format!(
                    "session store `{}` needs its retention (how long a session is kept after it ends)",
                    decl.name
                ));
                return None;
            }
            let (retention_ms, _) = v.retention?;
            Some(StoreSpec::Session { retention_ms })
        }
    }
}

fn option_written(decl: &StoreDecl, key: &str) -> bool {
    decl.options
        .as_ref()
        .is_some_and(|o| o.items.iter().any(|m| m.path().is_ident(key)))
}

/// The declared stores with their serdes and options, in the order of
/// `order` (a node function's store parameters) or of declaration (`None`).
pub(crate) fn resolve_stores(
    cx: &Ctxt,
    declared: &[StoreDecl],
    order: Option<&[Param]>,
) -> Vec<StoreArg> {
    let resolve = |decl: &StoreDecl, param_span: proc_macro2::Span| -> Option<StoreArg> {
        let kind = store_kind(&decl.kind)?;
        let Some((key_serde, value_serde)) = super::ast::two_type_args(&decl.kind, &kind) else {
            cx.error_spanned_by(
                &decl.kind,
                format!(
                    "`{kind}` takes the store's key and value serdes: `{}`",
                    example(Some(&kind), &decl.name.to_string()).0
                ),
            );
            return None;
        };
        let spec = resolve_spec(cx, decl, &kind)?;
        Some(StoreArg {
            name: decl.name.clone(),
            param_span,
            key_serde,
            value_serde,
            spec,
        })
    };
    match order {
        None => declared
            .iter()
            .filter_map(|d| resolve(d, d.name.span()))
            .collect(),
        Some(params) => params
            .iter()
            .filter_map(|p| {
                let name = p.name.as_ref()?;
                let decl = declared.iter().find(|d| d.name == *name)?;
                resolve(decl, name.span())
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    /// The resolved stores of `attr` for a function taking them in order,
    /// or the errors.
    fn resolved(attr: proc_macro2::TokenStream) -> Result<Vec<StoreSpec>, String> {
        let cx = Ctxt::new();
        let attr = super::super::attr::parse_processor_attr(&cx, attr);
        let specs = resolve_stores(&cx, &attr.stores, None)
            .into_iter()
            .map(|s| s.spec)
            .collect();
        cx.check()
            .map(|()| specs)
            .map_err(crate::ctxt::all_messages)
    }

    #[test]
    fn window_and_session_store_options() {
        assert_eq!(
            resolved(quote!(stores(
                kv = KeyValue<String, I64>,
                w = Window<String, I64>(size = "1m", retention = "1h", retain_duplicates),
                s = Session<String, I64>(retention = "30m")
            ))),
            Ok(vec![
                StoreSpec::KeyValue,
                StoreSpec::Window {
                    size_ms: 60_000,
                    retention_ms: 3_600_000,
                    retain_duplicates: true
                },
                StoreSpec::Session {
                    retention_ms: 1_800_000
                },
            ])
        );
        let error = |attr| resolved(attr).unwrap_err();
        assert!(error(quote!(stores(w = Window<String, I64>(size = "1m", retention = "1h", grace = "1s"))))
            .contains("unknown option `grace` of window store `w`; a window store takes `size`, `retention` and `retain_duplicates`"));
        assert!(error(quote!(stores(
            w = Window < String,
            I64 > (retention = "1h")
        )))
        .contains("window store `w` needs its window size and retention"));
        assert!(error(quote!(stores(w = Window<String, I64>)))
            .contains("needs its window size and retention"));
        assert!(error(quote!(stores(
            w = Window < String,
            I64 > (size = "1h", retention = "1m")
        )))
        .contains("is shorter than its window size"));
        assert!(error(quote!(stores(
            w = Window < String,
            I64 > (size = "0s", retention = "1m")
        )))
        .contains("a window store's size must be at least 1ms"));
        assert!(error(quote!(stores(
            w = Window < String,
            I64 > (size = 60, retention = "1m")
        )))
        .contains("is a string such as"));
        assert!(error(quote!(stores(
            w = Window < String,
            I64 > (size = "1m", retention = "1h", retain_duplicates = "yes")
        )))
        .contains("`retain_duplicates` is `true` or `false`"));
        assert!(error(quote!(stores(s = Session<String, I64>)))
            .contains("session store `s` needs its retention"));
        assert!(error(quote!(stores(
            s = Session < String,
            I64 > (retention = "1h", size = "1m")
        )))
        .contains("a session store takes only `retention`"));
        assert!(error(quote!(stores(
            kv = KeyValue < String,
            I64 > (retention = "1h")
        )))
        .contains("a key/value store takes no options"));
        assert!(
            error(quote!(stores(w = Window<String>(size = "1m", retention = "1h"))))
                .contains("`Window` takes the store's key and value serdes")
        );
    }
}
