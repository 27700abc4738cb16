//! Whole-DAG checks of `#[topology]`: duplicate names, wiring to unknown
//! nodes, cycles and dangling nodes. Which inputs must be co-partitioned
//! (the two sides of a join) is found while parsing (`ast.rs`).

use std::collections::{HashMap, HashSet};

use super::ast::{Kind, Topology};
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &Ctxt, t: &Topology) {
    duplicates(cx, t);
    windows(cx, t);
    stores_connected(cx, t);
    let index: HashMap<String, usize> = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.value(), i))
        .collect();
    let cyclic = cycles(cx, t, &index);
    for (i, node) in t.nodes.iter().enumerate() {
        for parent in &node.parents {
            match index.get(&parent.value()) {
                None => {
                    let known: Vec<String> = t.nodes.iter().map(|n| format!("`{}`", n.name.value())).collect();
                    cx.error_spanned_by(
                        parent,
                        format!(
                            "no node named `{}` in this topology; add it first (`b.add_source(\"{}\", TOPIC)` or `b.add_processor(..)`){}",
                            parent.value(),
                            parent.value(),
                            if known.is_empty() { String::new() } else { format!("; nodes: {}", known.join(", ")) }
                        ),
                    );
                }
                Some(&p) if p >= i && !cyclic.contains(&i) => cx.error_spanned_by(
                    parent,
                    format!("`{}` is added after `{}`; add parents before their children", parent.value(), node.name.value()),
                ),
                Some(&p) if t.nodes[p].kind == Kind::Sink => cx.error_spanned_by(
                    parent,
                    format!("`{}` is a sink: it writes to a topic and forwards nothing; wire `{}` after the sink's parent instead", parent.value(), node.name.value()),
                ),
                Some(_) => {}
            }
        }
    }
    if !cx.has_errors() {
        dangling(cx, t, &index);
    }
}

/// Window sizes the macro can read: a zero size or advance, or an advance
/// larger than the size (records would fall between windows).
fn windows(cx: &Ctxt, t: &Topology) {
    for w in &t.windows {
        match w.advance {
            _ if w.size == 0 => cx.error_at(w.span, "a time window's size must be at least 1 ms; give the size in milliseconds, e.g. `TimeWindows::tumbling::<60_000>()`"),
            Some(0) => cx.error_at(w.span, "a hopping window's advance must be at least 1 ms"),
            Some(advance) if advance > w.size => cx.error_at(
                w.span,
                format!(
                    "a hopping window's advance ({advance} ms) exceeds its size ({} ms): records between windows would be dropped; \
                     use an advance <= size (`TimeWindows::hopping::<SIZE_MS, ADVANCE_MS>()` takes the size first)",
                    w.size
                ),
            ),
            _ => {}
        }
    }
}

/// Stores named in `process_with_stores(.., &["name"])` must be added with
/// `b.add_state_store(..)` (checked when every added store is named by a
/// literal; stores a `#[processor(stores(..))]` declares are connected for you).
fn stores_connected(cx: &Ctxt, t: &Topology) {
    let Some(added) = &t.stores_added else { return };
    for used in &t.stores_used {
        if !added.contains(&used.value()) {
            let name = used.value();
            cx.error_spanned_by(
                used,
                format!(
                    "store `{name}` is connected here but never added to this topology; add it first: \
                     `b.add_state_store(KeyValueStoreBuilder::<KeySerde, ValueSerde>::new(\"{name}\", StoreKind::RocksDb))`{}",
                    if added.is_empty() { String::new() } else { format!(" (stores added: {})", added.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")) }
                ),
            );
        }
    }
}

fn duplicates(cx: &Ctxt, t: &Topology) {
    let mut seen: HashMap<&str, proc_macro2::Span> = HashMap::new();
    for use_ in &t.names {
        if let Some(first) = seen.insert(&use_.name, use_.span) {
            cx.error_at(
                use_.span,
                format!("duplicate node name `{}`: every node of a topology needs its own name; rename one (or name it with `.named(\"..\")`)", use_.name),
            );
            cx.error_at(first, format!("`{}` is first used here", use_.name));
        }
    }
}

/// Reports each cycle once; returns the nodes on cycles.
fn cycles(cx: &Ctxt, t: &Topology, index: &HashMap<String, usize>) -> HashSet<usize> {
    // 0 = unvisited, 1 = on the stack, 2 = done.
    fn visit(
        i: usize,
        t: &Topology,
        index: &HashMap<String, usize>,
        state: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        state[i] = 1;
        stack.push(i);
        for parent in &t.nodes[i].parents {
            let Some(&p) = index.get(&parent.value()) else {
                continue;
            };
            match state[p] {
                0 => visit(p, t, index, state, stack, found),
                1 => {
                    let from = stack.iter().position(|&s| s == p).unwrap_or(0);
                    found.push(stack[from..].to_vec());
                }
                _ => {}
            }
        }
        stack.pop();
        state[i] = 2;
    }
    let mut state = vec![0u8; t.nodes.len()];
    let mut found = Vec::new();
    for i in 0..t.nodes.len() {
        if state[i] == 0 {
            visit(i, t, index, &mut state, &mut Vec::new(), &mut found);
        }
    }
    let mut on_cycle = HashSet::new();
    for cycle in found {
        // The stack runs child -> parent; print in data-flow order.
        let mut names: Vec<String> = cycle
            .iter()
            .rev()
            .map(|&i| format!("`{}`", t.nodes[i].name.value()))
            .collect();
        names.push(names[0].clone());
        let first = cycle[0];
        let span_node = &t.nodes[first];
        let span = span_node
            .parents_expr
            .as_ref()
            .map_or(span_node.name.span(), syn::spanned::Spanned::span);
        cx.error_at(
            span,
            format!(
                "cycle in the topology: {}; records would loop forever: a topology must be a DAG",
                names.join(" -> ")
            ),
        );
        on_cycle.extend(cycle);
    }
    on_cycle
}

fn dangling(cx: &Ctxt, t: &Topology, index: &HashMap<String, usize>) {
    // Nodes from which a sink is reachable.
    let mut reaches = vec![false; t.nodes.len()];
    let mut work: Vec<usize> = (0..t.nodes.len())
        .filter(|&i| t.nodes[i].kind == Kind::Sink)
        .collect();
    while let Some(i) = work.pop() {
        if std::mem::replace(&mut reaches[i], true) {
            continue;
        }
        work.extend(
            t.nodes[i]
                .parents
                .iter()
                .filter_map(|p| index.get(&p.value()).copied()),
        );
    }
    for (i, node) in t.nodes.iter().enumerate() {
        // A node bound with `let` may continue in fluent code; don't judge it.
        if reaches[i] || node.bound || node.kind == Kind::Sink {
            continue;
        }
        let name = node.name.value();
        cx.error_spanned_by(
            &node.name,
            format!(
                "node `{name}` is dangling: no path leads from it to a sink, so what it forwards is lost; \
                 wire it, e.g. `b.add_sink(\"{name}-sink\", TOPIC, [\"{name}\"])`"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::ast::show;
    use super::*;
    use quote::quote;

    fn errors(body: proc_macro2::TokenStream) -> String {
        let cx = Ctxt::new();
        let item = syn::parse2(quote!(fn t(b: &mut StreamsBuilder) { #body })).unwrap();
        if let Some(t) = super::super::ast::parse(&cx, item) {
            check(&cx, &t);
        }
        cx.check()
            .err()
            .map(crate::ctxt::all_messages)
            .unwrap_or_default()
    }

    #[test]
    fn explicit_wiring_is_checked() {
        assert_eq!(
            errors(quote! {
                b.add_source("src", IN);
                b.add_processor("p", node, ["src"]);
                b.add_sink("sink", OUT, ["p"]);
            }),
            ""
        );
        assert!(
            errors(quote! { b.add_source("src", IN); b.add_sink("sink", OUT, ["nope"]); })
                .contains("no node named `nope`")
        );
        assert!(errors(quote! {
            b.add_source("src", IN);
            b.add_processor("a", x, ["src", "b"]);
            b.add_processor("b", y, ["a"]);
            b.add_sink("sink", OUT, ["b"]);
        })
        .contains("cycle in the topology: `b` -> `a` -> `b`"));
        assert!(errors(quote! {
            b.add_source("src", IN);
            b.add_processor("p", x, ["src"]);
            b.add_sink("sink", OUT, ["src"]);
        })
        .contains("node `p` is dangling"));
        assert!(errors(quote! { b.add_source("src", IN); b.add_source("src", IN2); b.add_sink("s", OUT, ["src"]); })
            .contains("duplicate node name `src`"));
        assert!(errors(quote! { b.stream(IN).via(f).via(f).to(OUT); })
            .contains("duplicate node name `f`"));
        assert_eq!(
            errors(quote! { b.stream(IN).via(f).named("g").via(f).to(OUT); }),
            ""
        );
    }

    #[test]
    fn only_joins_must_be_co_partitioned() {
        let cx = Ctxt::new();
        let item = syn::parse2(quote!(
            fn t(b: &mut StreamsBuilder) {
                let left = b.stream(A);
                left.merge(&b.stream(B)).to(OUT);
                left.join(&b.stream(C), joiner, windows).to(OUT);
                let table = b.table(T);
                b.stream(S).join(&table, joiner).to(OUT);
                b.table(U).left_join(&b.table_with(V, materialized), joiner);
                b.stream(D)
                    .repartition(R)
                    .join(&b.stream(E), joiner, windows)
                    .to(OUT);
                b.add_source("x", X);
                b.add_source("y", Y);
                b.add_processor("both", node, ["x", "y"]);
                b.add_sink("sink", OUT, ["both"]);
            }
        ))
        .unwrap();
        let t = super::super::ast::parse(&cx, item).unwrap();
        check(&cx, &t);
        cx.check().unwrap();
        let pairs: Vec<String> = t
            .co_partitioned
            .iter()
            .map(|m| format!("{}={}", show(&m.left), show(&m.right)))
            .collect();
        assert_eq!(
            pairs,
            vec!["A=C", "S=T", "U=V"],
            "a merge (`A`, `B`) and a processor with two parents (`X`, `Y`) may read topics of different partition counts; a repartitioned side (`D`) is unknown"
        );
    }
}
