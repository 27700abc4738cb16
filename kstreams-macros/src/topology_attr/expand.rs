//! Code generation for `#[topology]`: `fn name() -> Result<Topology>`, the
//! explicit wiring rewritten from names to streams, spanned co-partitioning
//! checks, and `name::DESCRIPTION`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::ast::{show, CoPartitioned, Kind, Topology};

fn handle(index: usize, at: Span) -> syn::Ident {
    format_ident!(
        "__kstreams_node_{}",
        index,
        span = Span::mixed_site().located_at(at)
    )
}

/// The body with explicit nodes bound to streams and parent names replaced
/// by those streams.
fn rewrite(t: &Topology) -> Vec<TokenStream> {
    let index: std::collections::HashMap<String, usize> = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.value(), i))
        .collect();
    t.item
        .block
        .stmts
        .iter()
        .enumerate()
        .map(|(s, stmt)| {
            let Some((j, node)) = t.nodes.iter().enumerate().find(|(_, n)| n.stmt == s) else {
                return quote!(#stmt);
            };
            let expr: &syn::Expr = match stmt {
                syn::Stmt::Expr(e, _) => e,
                syn::Stmt::Local(syn::Local { init: Some(init), .. }) => &init.expr,
                _ => return quote!(#stmt),
            };
            let mut call = match expr {
                syn::Expr::MethodCall(m) => m.clone(),
                _ => return quote!(#stmt),
            };
            if let (Some(syn::Expr::Array(_)), false) = (&node.parents_expr, node.parents.is_empty()) {
                let refs = node.parents.iter().map(|p| {
                    let h = handle(index[&p.value()], p.span());
                    quote_spanned!(p.span()=> &#h)
                });
                let span = node.parents_expr.as_ref().map_or(Span::call_site(), syn::spanned::Spanned::span);
                call.args[2] = syn::parse_quote_spanned!(span=> &[#(#refs),*]);
            }
            let h = handle(j, node.name.span());
            // Explicit processors go through `StreamsBuilder::add_processor_after`, which
            // reads the parents before the node: a node of the wrong types is
            // then reported at the node, in `ProcessorSupplier`'s words,
            // rather than as a mismatched parents slice.
            let call: TokenStream = match (node.kind, call.args.len()) {
                (Kind::Processor, 3) => {
                    let (recv, name, node_expr, parents) = (&call.receiver, &call.args[0], &call.args[1], &call.args[2]);
                    quote_spanned!(call.method.span()=> ::kstreams::StreamsBuilder::add_processor_after(&*#recv, #parents, #name, #node_expr))
                }
                _ => quote!(#call),
            };
            let bind_user = match stmt {
                syn::Stmt::Local(local) => {
                    let pat = &local.pat;
                    quote!(let #pat = ::core::clone::Clone::clone(&#h);)
                }
                _ => quote!(),
            };
            match node.kind {
                Kind::Sink => match stmt {
                    syn::Stmt::Local(local) => {
                        let pat = &local.pat;
                        quote!(let #pat = #call;)
                    }
                    _ => quote!(#call;),
                },
                _ => quote!(let #h = #call; #bind_user),
            }
        })
        .collect()
}

/// One constant per join of two topic constants: the partition counts are
/// in the constants' types, which the macro cannot see, so the compiler
/// compares them and a mismatch fails the constant's evaluation at the
/// user's join call, with a message naming both topics, both counts and
/// the fix (`kstreams::topology::co_partitioning`).
fn co_partitioning_check(m: &CoPartitioned) -> TokenStream {
    let (l, r) = (&m.left, &m.right);
    let (l_name, r_name) = (show(l), show(r));
    let (l_table, r_table) = (m.left_is_table, m.right_is_table);
    quote_spanned! {m.span=>
        const _: () = {
            let (left, right) = (
                ::kstreams::__private::partitions_of(#l),
                ::kstreams::__private::partitions_of(#r),
            );
            if left != right {
                ::core::panic!("{}", ::kstreams::__private::CoPartitionMessage::new(#l_name, left, #l_table, #r_name, right, #r_table).as_str());
            }
        };
    }
}

fn checks(t: &Topology) -> TokenStream {
    let checks = t.co_partitioned.iter().map(co_partitioning_check);
    let retentions = t.retentions.iter().map(super::retention::check);
    quote!(#(#checks)* #(#retentions)*)
}

pub(crate) fn description(t: &Topology) -> String {
    let mut out = format!("topology `{}`\n", t.item.sig.ident);
    for node in &t.nodes {
        let parents: Vec<String> = node
            .parents
            .iter()
            .map(|p| format!("{:?}", p.value()))
            .collect();
        let target = show(&node.target);
        let line = match node.kind {
            Kind::Source => format!("  source {:?} <- {target}\n", node.name.value()),
            Kind::Processor => format!(
                "  processor {:?} ({target}) <- [{}]\n",
                node.name.value(),
                parents.join(", ")
            ),
            Kind::Sink => format!(
                "  sink {:?} -> {target} <- [{}]\n",
                node.name.value(),
                parents.join(", ")
            ),
        };
        out.push_str(&line);
    }
    for chain in &t.description {
        out.push_str(&format!("  {chain}\n"));
    }
    out
}

/// The same view as [`description`] as a Mermaid flowchart: explicitly
/// wired nodes (stadium: source, box: processor, parallelogram: sink) with
/// their parent edges, and each fluent chain as one box. The runtime's
/// `TopologyDescription::to_mermaid()` draws the built topology in full
/// (sub-topologies, internal topics, stores).
pub(crate) fn mermaid(t: &Topology) -> String {
    fn label(text: &str) -> String {
        text.replace('"', "#quot;")
    }
    let mut out = format!("flowchart TD\n  subgraph {}\n", t.item.sig.ident);
    let ids: std::collections::HashMap<String, usize> = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.value(), i))
        .collect();
    for (i, node) in t.nodes.iter().enumerate() {
        let target = show(&node.target);
        let name = node.name.value();
        let shape = match node.kind {
            Kind::Source => format!("([\"source {} ← {}\"])", label(&name), label(&target)),
            Kind::Processor => format!("[\"processor {} ({})\"]", label(&name), label(&target)),
            Kind::Sink => format!("[/\"sink {} → {}\"/]", label(&name), label(&target)),
        };
        out.push_str(&format!("    n{i}{shape}\n"));
    }
    for (i, node) in t.nodes.iter().enumerate() {
        for parent in &node.parents {
            if let Some(p) = ids.get(&parent.value()) {
                out.push_str(&format!("    n{p} --> n{i}\n"));
            }
        }
    }
    for (i, chain) in t.description.iter().enumerate() {
        out.push_str(&format!("    c{i}[\"{}\"]\n", label(&chain.to_string())));
    }
    out.push_str("  end\n");
    out
}

fn module(t: &Topology, description: &str) -> TokenStream {
    let vis = &t.item.vis;
    let name = &t.item.sig.ident;
    let doc = format!("Compile-time view of the [`{name}()`] topology.");
    let mermaid = mermaid(t);
    quote! {
        #[doc = #doc]
        #[allow(non_snake_case)]
        #vis mod #name {
            /// Sources, processors, sinks and fluent chains, as `#[topology]` saw them.
            pub const DESCRIPTION: &str = #description;
            /// The same as a Mermaid flowchart (the built topology's
            /// `describe().to_mermaid()` has sub-topologies, topics and stores).
            pub const MERMAID: &str = #mermaid;
        }
    }
}

pub(crate) fn expand(t: &Topology) -> TokenStream {
    let item = &t.item;
    let attrs = &item.attrs;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let inputs = &item.sig.inputs;
    let output = &item.sig.output;
    let stmts = rewrite(t);
    let checks = checks(t);
    // Named for the user: compile-time checks inside it are reported as
    // `name::wiring::_`. User items in the body live inside it and the
    // call is outside their scope, so the name cannot clash.
    let wire = format_ident!("wiring", span = Span::mixed_site());
    let call = match output {
        syn::ReturnType::Default => quote!(#wire(&mut builder);),
        syn::ReturnType::Type(..) => quote!(#wire(&mut builder)?;),
    };
    let module = module(t, &description(t));
    quote! {
        #(#attrs)*
        #vis fn #name() -> ::kstreams::Result<::kstreams::topology::Topology> {
            fn #wire(#inputs) #output {
                #(#stmts)*
                #checks
            }
            let mut builder = ::kstreams::StreamsBuilder::new();
            #call
            builder.build()
        }
        #module
    }
}

/// What is emitted when the topology has errors: the function and module
/// exist (so callers compile), the errors say what to fix.
///
/// With `body`, the user's statements are kept in an uncalled function, so
/// that what they use (imports, constants) is not reported as unused on top
/// of the real error; only for topologies the macro did not need to rewrite.
pub(crate) fn dummy(item: &syn::ItemFn, body: bool) -> TokenStream {
    let inputs = &item.sig.inputs;
    let output = if body {
        item.sig.output.clone()
    } else {
        syn::ReturnType::Default
    };
    let block = if body {
        let b = &item.block;
        quote!(#b)
    } else {
        quote!({})
    };
    let attrs = &item.attrs;
    let vis = &item.vis;
    let name = &item.sig.ident;
    let doc = format!("Compile-time view of the [`{name}()`] topology.");
    quote! {
        #(#attrs)*
        #vis fn #name() -> ::kstreams::Result<::kstreams::topology::Topology> {
            #[allow(dead_code, unused_variables)]
            fn wiring(#inputs) #output #block
            ::core::unreachable!("this topology did not compile")
        }
        #[doc = #doc]
        #[allow(non_snake_case)]
        #vis mod #name {
            /// Empty: the topology did not compile.
            pub const DESCRIPTION: &str = "";
            /// Empty: the topology did not compile.
            pub const MERMAID: &str = "";
        }
    }
}
