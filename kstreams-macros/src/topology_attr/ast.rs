//! `#[topology]` input, parsed: the builder parameter, the explicitly
//! wired nodes (`b.add_source("name", TOPIC)`, `b.add_processor("name",
//! node, ["parent", ..])`, `b.add_sink("name", TOPIC, ["parent", ..])`),
//! and what can be traced through fluent chains: node names, joins and the
//! source topic each stream comes from.

use std::collections::HashMap;

use syn::{Expr, ExprMethodCall, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::{ADD_PROCESSOR, ADD_SINK, ADD_SOURCE, ADD_STATE_STORE};

/// Which explicit node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Source,
    Processor,
    Sink,
}

/// An explicitly wired node.
pub(crate) struct Node {
    pub(crate) name: LitStr,
    pub(crate) kind: Kind,
    /// Parent names, when given as a literal array of names.
    pub(crate) parents: Vec<LitStr>,
    /// The parents argument, for spans.
    pub(crate) parents_expr: Option<Expr>,
    /// Topic of sources and sinks; node expression of processors.
    pub(crate) target: Expr,
    /// Index of its statement in the body.
    pub(crate) stmt: usize,
    /// Bound with `let`: its stream may be used further by fluent code.
    pub(crate) bound: bool,
}

/// Where a stream comes from, as far as the macro can see.
#[derive(Clone)]
pub(crate) enum Origin {
    /// Straight from this topic constant (possibly through stateless
    /// operators); `table` when read with `b.table(..)`.
    Topic { topic: syn::Path, table: bool },
    /// Repartitioned, from a local variable we cannot follow, ...
    Unknown,
}

/// Two streams or tables joined: they must be co-partitioned (Kafka
/// Streams' `CopartitionedTopicsEnforcer` checks the topics of join groups
/// only; a `merge` or a processor with several parents may read topics of
/// any partition counts).
pub(crate) struct CoPartitioned {
    pub(crate) left: syn::Path,
    pub(crate) right: syn::Path,
    /// Whether each side was read as a table (the fix then repartitions the
    /// other side, as a table cannot be).
    pub(crate) left_is_table: bool,
    pub(crate) right_is_table: bool,
    /// The join method, where a mismatch is reported.
    pub(crate) span: proc_macro2::Span,
}

/// A node name used in the topology (for duplicate checks).
pub(crate) struct NameUse {
    pub(crate) name: String,
    pub(crate) span: proc_macro2::Span,
}

/// Everything the macro knows about the topology function.
pub(crate) struct Topology {
    pub(crate) item: syn::ItemFn,
    pub(crate) nodes: Vec<Node>,
    pub(crate) co_partitioned: Vec<CoPartitioned>,
    pub(crate) names: Vec<NameUse>,
    /// Compile-time description, one line per chain or node.
    pub(crate) description: Vec<String>,
    /// Names of the stores added with `b.add_state_store(..)`; `None` when
    /// one of them is not named by a literal (then connections are not checked).
    pub(crate) stores_added: Option<Vec<String>>,
    /// Store names given to `process_with_stores(.., &["name", ..])`.
    pub(crate) stores_used: Vec<LitStr>,
    /// Window constructors with literal sizes: `TimeWindows::tumbling::<N>()`
    /// and `TimeWindows::hopping::<SIZE, ADVANCE>()`.
    pub(crate) windows: Vec<WindowUse>,
    /// Windowed aggregations with constant windows and retention.
    pub(crate) retentions: Vec<super::retention::RetentionUse>,
}

/// A window constructor whose constants the macro can read.
pub(crate) struct WindowUse {
    pub(crate) size: u64,
    /// `None` for tumbling windows.
    pub(crate) advance: Option<u64>,
    pub(crate) span: proc_macro2::Span,
}

/// The first string literal anywhere in `tokens` (e.g. the name in
/// `KeyValueStoreBuilder::new("counts", StoreKind::RocksDb)`).
fn first_lit_str(tokens: proc_macro2::TokenStream) -> Option<String> {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Literal(l) => {
                if let Ok(syn::Lit::Str(s)) =
                    syn::parse2::<syn::Lit>(proc_macro2::TokenTree::Literal(l).into())
                {
                    return Some(s.value());
                }
            }
            proc_macro2::TokenTree::Group(g) => {
                if let Some(s) = first_lit_str(g.stream()) {
                    return Some(s);
                }
            }
            _ => {}
        }
    }
    None
}

fn int_lit(tt: &proc_macro2::TokenTree) -> Option<u64> {
    let proc_macro2::TokenTree::Literal(l) = tt else {
        return None;
    };
    match syn::parse2::<syn::Lit>(proc_macro2::TokenTree::Literal(l.clone()).into()) {
        Ok(syn::Lit::Int(i)) => i.base10_parse().ok(),
        _ => None,
    }
}

/// Finds `TimeWindows::tumbling::<N>` and `TimeWindows::hopping::<S, A>`
/// with integer literals anywhere in `tokens`.
fn find_windows(tokens: proc_macro2::TokenStream, out: &mut Vec<WindowUse>) {
    use proc_macro2::TokenTree as T;
    let tts: Vec<T> = tokens.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            T::Group(g) => find_windows(g.stream(), out),
            T::Ident(id) if id == "tumbling" || id == "hopping" => {
                let after_windows =
                    i >= 3 && matches!(&tts[i - 3], T::Ident(w) if w == "TimeWindows");
                let punct =
                    |j: usize, c: char| matches!(tts.get(j), Some(T::Punct(p)) if p.as_char() == c);
                if !(after_windows && punct(i + 1, ':') && punct(i + 2, ':') && punct(i + 3, '<')) {
                    continue;
                }
                let tumbling = id == "tumbling";
                let first = tts.get(i + 4).and_then(int_lit);
                let (second, close) = if tumbling {
                    (None, i + 5)
                } else {
                    (tts.get(i + 6).and_then(int_lit), i + 7)
                };
                if !punct(close, '>')
                    || first.is_none()
                    || (!tumbling && (!punct(i + 5, ',') || second.is_none()))
                {
                    continue;
                }
                let span = tts[i]
                    .span()
                    .join(tts[close].span())
                    .unwrap_or_else(|| tts[i].span());
                out.push(WindowUse {
                    size: first.unwrap_or_default(),
                    advance: second,
                    span,
                });
            }
            _ => {}
        }
    }
}

fn lit_str(expr: &Expr) -> Option<LitStr> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.clone()),
        Expr::Group(g) => lit_str(&g.expr),
        _ => None,
    }
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        other => other,
    }
}

fn path_of(expr: &Expr) -> Option<syn::Path> {
    match strip(expr) {
        Expr::Path(p) if p.qself.is_none() => Some(p.path.clone()),
        _ => None,
    }
}

pub(crate) fn show(tokens: impl quote::ToTokens) -> String {
    // One line: long token streams print with line breaks.
    let s = tokens
        .to_token_stream()
        .to_string()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    s.replace(" :: ", "::")
        .replace(" ,", ",")
        .replace("& ", "&")
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
}

struct Walker<'a> {
    builder: &'a syn::Ident,
    vars: HashMap<String, Origin>,
    co_partitioned: Vec<CoPartitioned>,
    names: Vec<NameUse>,
    description: Vec<String>,
    stores_used: Vec<LitStr>,
    retentions: Vec<super::retention::RetentionUse>,
}

impl Walker<'_> {
    fn is_builder(&self, expr: &Expr) -> bool {
        matches!(strip(expr), Expr::Path(p) if p.path.is_ident(self.builder))
    }

    /// Follows a fluent chain from its root; `steps` collects the operators
    /// for the description.
    fn trace(&mut self, expr: &Expr, steps: &mut Vec<String>) -> Origin {
        match strip(expr) {
            Expr::Path(p) => match p.path.get_ident() {
                Some(id) => {
                    steps.push(id.to_string());
                    self.vars
                        .get(&id.to_string())
                        .cloned()
                        .unwrap_or(Origin::Unknown)
                }
                None => Origin::Unknown,
            },
            Expr::MethodCall(m) => self.trace_call(m, steps),
            _ => Origin::Unknown,
        }
    }

    fn trace_call(&mut self, m: &ExprMethodCall, steps: &mut Vec<String>) -> Origin {
        let method = m.method.to_string();
        if self.is_builder(&m.receiver) {
            let topic_arg = match method.as_str() {
                // A table's topic is its origin too: joins with tables
                // are checked for co-partitioning.
                "stream" | "stream_with_timestamp_extractor" | "table" | "table_with" => {
                    m.args.first()
                }
                ADD_SOURCE => m.args.iter().nth(1),
                _ => None,
            };
            return match topic_arg.and_then(path_of) {
                Some(topic) => {
                    let table = method.starts_with("table");
                    let kind = if table { "table" } else { "stream" };
                    steps.push(format!("{kind}({})", show(&topic)));
                    Origin::Topic { topic, table }
                }
                None => Origin::Unknown,
            };
        }
        let origin = self.trace(&m.receiver, steps);
        self.retentions.extend(super::retention::find(m));
        let arg = m.args.first();
        // A `.named(..)` right before this operator names it instead.
        let named_before = steps.last().is_some_and(|s| s.starts_with("named("));
        match method.as_str() {
            "named" => {
                if let Some(lit) = arg.and_then(lit_str) {
                    self.names.push(NameUse {
                        name: lit.value(),
                        span: lit.span(),
                    });
                    steps.push(format!("named({:?})", lit.value()));
                }
                return origin;
            }
            "via" => {
                if let (Some(path), false) = (arg.and_then(path_of), named_before) {
                    if let Some(last) = path.segments.last() {
                        self.names.push(NameUse {
                            name: last.ident.to_string(),
                            span: last.ident.span(),
                        });
                    }
                }
                steps.push(format!("via({})", arg.map(show).unwrap_or_default()));
            }
            // Every operator that meets records of two inputs by key: the
            // joins (stream-table, table-table, stream-stream and their
            // `_with` forms) and `cogroup`, which Kafka Streams copartitions
            // too. `merge` is traced but not checked.
            "merge"
            | "join"
            | "left_join"
            | "outer_join"
            | "join_with"
            | "left_join_with"
            | "outer_join_with"
            | "join_with_key"
            | "join_stream"
            | "left_join_stream"
            | "outer_join_stream"
            | "join_stream_with"
            | "left_join_stream_with"
            | "outer_join_stream_with"
            | "cogroup" => {
                let mut other_steps = Vec::new();
                let other = arg
                    .map(|a| self.trace(a, &mut other_steps))
                    .unwrap_or(Origin::Unknown);
                let is_join = method != "merge";
                if let (
                    true,
                    Origin::Topic {
                        topic: left,
                        table: left_is_table,
                    },
                    Origin::Topic {
                        topic: right,
                        table: right_is_table,
                    },
                ) = (is_join, &origin, &other)
                {
                    if show(left) != show(right) {
                        self.co_partitioned.push(CoPartitioned {
                            left: left.clone(),
                            right: right.clone(),
                            left_is_table: *left_is_table,
                            right_is_table: *right_is_table,
                            span: m.method.span(),
                        });
                    }
                }
                steps.push(format!("{method}({})", other_steps.join(".")));
                return origin;
            }
            "repartition" => {
                steps.push("repartition(..)".to_owned());
                return Origin::Unknown;
            }
            "process_with_stores" => {
                if let Some(Expr::Array(names)) = m.args.iter().nth(1).map(strip) {
                    self.stores_used
                        .extend(names.elems.iter().filter_map(lit_str));
                }
                steps.push("process_with_stores(..)".to_owned());
            }
            "to" => steps.push(format!("to({})", arg.map(show).unwrap_or_default())),
            other => steps.push(format!("{other}(..)")),
        }
        origin
    }
}

fn parents_of(cx: &Ctxt, expr: &Expr) -> Option<Vec<LitStr>> {
    let Expr::Array(array) = strip(expr) else {
        return None;
    };
    let mut names = Vec::new();
    for e in &array.elems {
        match lit_str(e) {
            Some(l) => names.push(l),
            None => {
                cx.error_spanned_by(e, "parents are node names, e.g. `[\"source\"]` (or pass the streams: `&[&source]`)");
            }
        }
    }
    Some(names)
}

/// An explicit node call `b.add_*("name", ..)`, if `expr` is one.
fn explicit(w: &Walker<'_>, cx: &Ctxt, expr: &Expr, stmt: usize, bound: bool) -> Option<Node> {
    let Expr::MethodCall(m) = strip(expr) else {
        return None;
    };
    if !w.is_builder(&m.receiver) {
        return None;
    }
    let kind = match m.method.to_string().as_str() {
        ADD_SOURCE => Kind::Source,
        ADD_PROCESSOR => Kind::Processor,
        ADD_SINK => Kind::Sink,
        _ => return None,
    };
    let args: Vec<&Expr> = m.args.iter().collect();
    let expected = if kind == Kind::Source { 2 } else { 3 };
    if args.len() != expected {
        return None; // the method's own signature reports this
    }
    let Some(name) = lit_str(args[0]) else {
        cx.error_spanned_by(
            args[0],
            "a node name is a string literal, so that `#[topology]` can check the wiring",
        );
        return None;
    };
    let (parents, parents_expr) = match kind {
        Kind::Source => (Vec::new(), None),
        _ => (
            parents_of(cx, args[2]).unwrap_or_default(),
            Some(args[2].clone()),
        ),
    };
    Some(Node {
        name,
        kind,
        parents,
        parents_expr,
        target: args[1].clone(),
        stmt,
        bound,
    })
}

pub(crate) fn parse(cx: &Ctxt, item: syn::ItemFn) -> Option<Topology> {
    let sig = &item.sig;
    let builder = match sig.inputs.iter().collect::<Vec<_>>().as_slice() {
        [syn::FnArg::Typed(pt)] => match &*pt.pat {
            syn::Pat::Ident(p) => Some(p.ident.clone()),
            _ => None,
        },
        _ => None,
    };
    let Some(builder) = builder else {
        cx.error_spanned_by(&sig.inputs, "a `#[topology]` function takes the builder: `fn my_topology(b: &mut StreamsBuilder) { .. }`");
        return None;
    };
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "a `#[topology]` function cannot be generic");
    }
    let mut w = Walker {
        builder: &builder,
        vars: HashMap::new(),
        co_partitioned: Vec::new(),
        names: Vec::new(),
        description: Vec::new(),
        stores_used: Vec::new(),
        retentions: Vec::new(),
    };
    let mut nodes = Vec::new();
    let mut stores_added = Some(Vec::new());
    let mut windows = Vec::new();
    find_windows(quote::ToTokens::to_token_stream(&item.block), &mut windows);
    for (i, stmt) in item.block.stmts.iter().enumerate() {
        let (expr, binding) = match stmt {
            syn::Stmt::Expr(e, _) => (e, None),
            syn::Stmt::Local(l) => match &l.init {
                Some(init) => (
                    &*init.expr,
                    match &l.pat {
                        syn::Pat::Ident(p) => Some(p.ident.to_string()),
                        syn::Pat::Type(t) => match &*t.pat {
                            syn::Pat::Ident(p) => Some(p.ident.to_string()),
                            _ => None,
                        },
                        _ => None,
                    },
                ),
                None => continue,
            },
            _ => continue,
        };
        if let Expr::MethodCall(m) = strip(expr) {
            if w.is_builder(&m.receiver) && m.method == ADD_STATE_STORE {
                let name = first_lit_str(quote::ToTokens::to_token_stream(&m.args));
                match (name, &mut stores_added) {
                    (Some(name), Some(added)) => added.push(name),
                    _ => stores_added = None,
                }
                continue;
            }
        }
        if let Some(node) = explicit(&w, cx, expr, i, matches!(stmt, syn::Stmt::Local(_))) {
            w.names.push(NameUse {
                name: node.name.value(),
                span: node.name.span(),
            });
            let mut steps = Vec::new();
            let origin = match node.kind {
                Kind::Source => w.trace(expr, &mut steps),
                _ => Origin::Unknown,
            };
            if let Some(var) = binding {
                w.vars.insert(var, origin);
            }
            nodes.push(node);
            continue;
        }
        let mut steps = Vec::new();
        let origin = w.trace(expr, &mut steps);
        if steps.len() > 1 {
            w.description.push(steps.join(" -> "));
        }
        if let Some(var) = binding {
            w.vars.insert(var, origin);
        }
    }
    let Walker {
        co_partitioned,
        names,
        description,
        stores_used,
        retentions,
        ..
    } = w;
    Some(Topology {
        item,
        nodes,
        co_partitioned,
        names,
        description,
        stores_added,
        stores_used,
        windows,
        retentions,
    })
}
