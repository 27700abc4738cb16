//! Retention of windowed aggregations, checked at compile time:
//! `.windowed_by(W).count_with(Materialized::as_(..).with_retention(R))`
//! with `W` and `R` constant expressions becomes a constant evaluated by
//! the compiler, which fails (at `R`) when `R` is shorter than the window
//! size plus the grace period of `W` (2 × time difference + grace for
//! sliding windows, inactivity gap + grace for sessions), the rule Java's
//! `WindowStoreMaterializer`, `SlidingWindowStoreMaterializer` and
//! `SessionStoreMaterializer` enforce when the aggregation is built. Other
//! expressions are left to `StreamsBuilder::build`, which refuses the same.
//!
//! An expression is treated as constant only when it certainly is (a
//! literal, a `SCREAMING_CASE` constant, a known `const fn` of `Duration`
//! or of the window types over such arguments): the generated constant
//! must never fail on an expression that is merely not constant.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::{Expr, ExprMethodCall};

use super::ast::show;

/// A windowed aggregation whose windows and retention are constants.
pub(crate) struct RetentionUse {
    pub(crate) window: Expr,
    pub(crate) retention: Expr,
}

/// The aggregations that take a `Materialized` as their last argument.
const MATERIALIZING: &[&str] = &["count_with", "reduce_with", "aggregate_with"];

/// `const fn`s of `std::time::Duration` and of the window types, by name.
const CONST_FNS: &[&str] = &[
    "from_secs",
    "from_millis",
    "from_micros",
    "from_nanos",
    "new",
    "tumbling",
    "hopping",
    "of_size_with_no_grace",
    "of_size_and_grace",
    "of_time_difference_with_no_grace",
    "of_time_difference_and_grace",
    "of_inactivity_gap_with_no_grace",
    "of_inactivity_gap_and_grace",
];

/// Types whose `CONST_FNS` are meant.
const CONST_TYPES: &[&str] = &[
    "Duration",
    "TimeWindows",
    "SlidingWindows",
    "SessionWindows",
];

/// `const fn` methods of the window types.
const CONST_METHODS: &[&str] = &["with_grace_ms", "advance_by"];

/// The use in `m`, if `m` is such an aggregation with constant windows
/// and retention.
pub(crate) fn find(m: &ExprMethodCall) -> Option<RetentionUse> {
    if !MATERIALIZING.contains(&m.method.to_string().as_str()) {
        return None;
    }
    let window = windowed_by_arg(&m.receiver)?;
    let retention = with_retention_arg(m.args.last()?)?;
    (is_const(window) && is_const(retention)).then(|| RetentionUse {
        window: window.clone(),
        retention: retention.clone(),
    })
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

/// `W` of a receiver `….windowed_by(W)`.
fn windowed_by_arg(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        Expr::MethodCall(m) if m.method == "windowed_by" && m.args.len() == 1 => m.args.first(),
        _ => None,
    }
}

/// `R` of `….with_retention(R)…` anywhere in a `Materialized` chain.
fn with_retention_arg(expr: &Expr) -> Option<&Expr> {
    match strip(expr) {
        Expr::MethodCall(m) if m.method == "with_retention" && m.args.len() == 1 => m.args.first(),
        Expr::MethodCall(m) => with_retention_arg(&m.receiver),
        _ => None,
    }
}

fn is_screaming(ident: &syn::Ident) -> bool {
    let s = ident.to_string();
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `expr` certainly is a constant expression (see the module docs).
fn is_const(expr: &Expr) -> bool {
    match strip(expr) {
        Expr::Lit(_) => true,
        Expr::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| is_screaming(&s.ident))
        }
        Expr::Binary(b) => is_int_arithmetic(&b.left) && is_int_arithmetic(&b.right),
        Expr::Call(call) => {
            let Expr::Path(f) = strip(&call.func) else {
                return false;
            };
            let segments: Vec<&syn::PathSegment> = f.path.segments.iter().collect();
            let known = match segments.as_slice() {
                [.., ty, func] => {
                    CONST_TYPES.contains(&ty.ident.to_string().as_str())
                        && CONST_FNS.contains(&func.ident.to_string().as_str())
                }
                _ => false,
            };
            known && f.qself.is_none() && call.args.iter().all(is_const)
        }
        Expr::MethodCall(m) => {
            CONST_METHODS.contains(&m.method.to_string().as_str())
                && is_const(&m.receiver)
                && m.args.iter().all(is_const)
        }
        _ => false,
    }
}

/// Integer literals combined with `+ - * /` (a constant may be a
/// `Duration`, whose operators are not `const`).
fn is_int_arithmetic(expr: &Expr) -> bool {
    match strip(expr) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(_),
            ..
        }) => true,
        Expr::Binary(b) => {
            matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_) | syn::BinOp::Div(_)
            ) && is_int_arithmetic(&b.left)
                && is_int_arithmetic(&b.right)
        }
        _ => false,
    }
}

/// The constant that fails compilation, at the retention, when it is too short.
pub(crate) fn check(r: &RetentionUse) -> TokenStream {
    let (window, retention) = (&r.window, &r.retention);
    let span = syn::spanned::Spanned::span(retention);
    let (w, ret) = (show(window), show(retention));
    let advice =
        "give `with_retention` at least that, or leave it out (the retention is then exactly that)";
    let time = format!(
        "the retention of this windowed aggregation's store, `{ret}`, is shorter than the window size plus the grace period of `{w}`: \
         windows would be dropped before they close (Kafka Streams refuses such a store); {advice}"
    );
    let sliding = format!(
        "the retention of this sliding-window aggregation's store, `{ret}`, is shorter than 2 × the time difference plus the grace period of `{w}`: \
         a record may need the window starting 2 × time difference before it (Kafka Streams refuses such a store); {advice}"
    );
    let session = format!(
        "the retention of this session aggregation's store, `{ret}`, is shorter than the inactivity gap plus the grace period of `{w}`: \
         sessions would be dropped before they close (Kafka Streams refuses such a store); {advice}"
    );
    let shortfall = quote!(::kstreams::__private::RetentionShortfall);
    quote_spanned! {span=>
        const _: () = match ::kstreams::__private::WindowRetention(#window).shortfall(#retention) {
            #shortfall::None => {}
            #shortfall::TimeWindows => ::core::panic!(#time),
            #shortfall::SlidingWindows => ::core::panic!(#sliding),
            #shortfall::SessionWindows => ::core::panic!(#session),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(chain: TokenStream) -> Option<(String, String)> {
        let m: ExprMethodCall = syn::parse2(chain).ok()?;
        find(&m).map(|r| (show(&r.window), show(&r.retention)))
    }

    #[test]
    fn constant_windows_and_retentions_are_found() {
        let (w, r) = found(quote!(g.windowed_by(WINDOWS).count_with(
            Materialized::as_("c").with_retention(Duration::from_secs(60))
        )))
        .unwrap();
        assert_eq!(
            (w.as_str(), r.as_str()),
            ("WINDOWS", "Duration::from_secs(60)")
        );
        assert!(found(quote!(g
            .windowed_by(TimeWindows::of_size_and_grace(
                Duration::from_secs(60),
                Duration::ZERO
            ))
            .aggregate_with(
                i,
                a,
                Materialized::as_("c")
                    .in_memory()
                    .with_retention(RETENTION)
                    .with_logging_disabled()
            )))
        .is_some());
        assert!(found(quote!(g
            .windowed_by(TimeWindows::tumbling::<60_000>().with_grace_ms(1_000))
            .reduce_with(
                r,
                M.with_retention(std::time::Duration::from_secs(60 * 60))
            )))
        .is_some());
    }

    #[test]
    fn anything_not_certainly_constant_is_left_to_build() {
        // A local variable, a non-const function, Duration arithmetic, no retention, no windows.
        assert!(found(quote!(g
            .windowed_by(windows)
            .count_with(M.with_retention(Duration::from_secs(60)))))
        .is_none());
        assert!(found(quote!(g
            .windowed_by(W)
            .count_with(M.with_retention(retention()))))
        .is_none());
        assert!(found(quote!(g.windowed_by(W).count_with(M.with_retention(R * 2)))).is_none());
        assert!(found(quote!(g
            .windowed_by(W)
            .count_with(M.with_retention(Duration::from_secs(n)))))
        .is_none());
        assert!(found(quote!(g.windowed_by(W).count_with(Materialized::as_("c")))).is_none());
        assert!(found(quote!(g.count_with(M.with_retention(R)))).is_none());
        assert!(found(quote!(g.windowed_by(W).count())).is_none());
    }
}
