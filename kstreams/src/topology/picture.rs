//! Pictures of a topology: [`TopologyDescription::to_mermaid`] and
//! [`TopologyDescription::to_dot`] (Graphviz). Each sub-topology is a
//! group; topics are drawn once, as their own shape, so a repartition
//! topic links the sub-topology that writes it to the one that reads it;
//! state stores hang off the processors connected to them, with their
//! changelog topics. A global store's sub-topology is a group too,
//! labelled "(global store)".
//!
//! Both formats are generated from the same [`Picture`] (nodes, edges,
//! groups), so they always show the same graph.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::describe::{NodeDescription, NodeType, TopologyDescription};

/// What a picture node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Source,
    Processor,
    Sink,
    Topic,
    Store,
}

/// A node of the picture: a stable id, its label and shape, and the
/// sub-topology it is drawn in (`None`: outside every group).
#[derive(Debug, Clone)]
struct Node {
    id: String,
    label: String,
    shape: Shape,
    group: Option<u32>,
}

/// The graph both formats draw.
struct Picture {
    nodes: Vec<Node>,
    /// (from id, to id, dashed: store and changelog links).
    edges: Vec<(String, String, bool)>,
    /// (sub-topology id, whether it is a global store's), by id.
    groups: Vec<(u32, bool)>,
}

/// An id Mermaid and Graphviz both accept: letters, digits, `_`.
fn id(prefix: &str, name: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + name.len());
    out.push_str(prefix);
    for c in name.chars() {
        out.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    out
}

impl Picture {
    fn of(description: &TopologyDescription) -> Picture {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let mut topics = BTreeSet::new();
        let mut stores = BTreeSet::new();
        let mut parts: Vec<(u32, bool, Vec<&NodeDescription>)> = description
            .subtopologies
            .iter()
            .map(|s| (s.id, false, s.nodes.iter().collect()))
            .chain(
                description
                    .global_stores
                    .iter()
                    .map(|g| (g.id, true, vec![&g.source, &g.processor])),
            )
            .collect();
        parts.sort_by_key(|(id, _, _)| *id);
        for (group, _, members) in &parts {
            for node in members {
                let this = id("n_", &node.name);
                let shape = match &node.node_type {
                    NodeType::Source { topics: read } => {
                        for topic in read {
                            topics.insert(topic.clone());
                            edges.push((id("t_", topic), this.clone(), false));
                        }
                        Shape::Source
                    }
                    NodeType::Processor { stores: connected } => {
                        for store in connected {
                            stores.insert(store.clone());
                            edges.push((this.clone(), id("s_", store), true));
                        }
                        Shape::Processor
                    }
                    NodeType::Sink { topic, .. } => {
                        if let Some(topic) = topic {
                            topics.insert(topic.clone());
                            edges.push((this.clone(), id("t_", topic), false));
                        }
                        Shape::Sink
                    }
                };
                for successor in &node.successors {
                    edges.push((this.clone(), id("n_", successor), false));
                }
                nodes.push(Node {
                    id: this,
                    label: node.name.clone(),
                    shape,
                    group: Some(*group),
                });
            }
        }
        for store in &stores {
            nodes.push(Node {
                id: id("s_", store),
                label: store.clone(),
                shape: Shape::Store,
                group: None,
            });
            if let Some(changelog) = description.changelogs.get(store) {
                topics.insert(changelog.clone());
                edges.push((id("s_", store), id("t_", changelog), true));
            }
        }
        for topic in &topics {
            nodes.push(Node {
                id: id("t_", topic),
                label: topic.clone(),
                shape: Shape::Topic,
                group: None,
            });
        }
        Picture {
            nodes,
            edges,
            groups: parts.iter().map(|(id, global, _)| (*id, *global)).collect(),
        }
    }
}

/// What a group's label adds for a global store's sub-topology.
fn global_label(global: bool) -> &'static str {
    if global {
        " (global store)"
    } else {
        ""
    }
}

/// Escapes a label for a double-quoted Mermaid or DOT string.
fn quoted(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "#quot;")
}

impl TopologyDescription {
    /// The topology as a Mermaid flowchart (left to right): sub-topologies
    /// are subgraphs, topics are rounded boxes, stores are cylinders with
    /// dashed links to their processors and changelogs. Paste it into a
    /// Markdown file between ```` ```mermaid ```` fences.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("logins");
    /// const OUT: Topic<String, kstreams::serde::I64, 1> = Topic::new("login-counts");
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).group_by_key().count().to_stream().to(OUT);
    /// let mermaid = builder.build()?.describe().to_mermaid();
    /// assert!(mermaid.starts_with("flowchart LR\n"));
    /// assert!(mermaid.contains("subgraph sub_0 [\"Sub-topology 0\"]"));
    /// assert!(mermaid.contains("t_logins([\"logins\"])"));
    /// assert!(mermaid.contains("t_logins --> n_KSTREAM_SOURCE_0000000000"));
    /// assert!(mermaid.contains("s_KSTREAM_AGGREGATE_STATE_STORE_0000000001[(\"KSTREAM-AGGREGATE-STATE-STORE-0000000001\")]"));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to_mermaid(&self) -> String {
        let picture = Picture::of(self);
        let shape = |n: &Node| -> String {
            let label = quoted(&n.label);
            match n.shape {
                Shape::Source => format!("{}[/\"{label}\"/]", n.id),
                Shape::Sink => format!("{}[\\\"{label}\"\\]", n.id),
                Shape::Processor => format!("{}[\"{label}\"]", n.id),
                Shape::Topic => format!("{}([\"{label}\"])", n.id),
                Shape::Store => format!("{}[(\"{label}\")]", n.id),
            }
        };
        let mut out = String::from("flowchart LR\n");
        for &(group, global) in &picture.groups {
            let _ = writeln!(
                out,
                "    subgraph sub_{group} [\"Sub-topology {group}{}\"]",
                global_label(global)
            );
            for node in picture.nodes.iter().filter(|n| n.group == Some(group)) {
                let _ = writeln!(out, "        {}", shape(node));
            }
            out.push_str("    end\n");
        }
        for node in picture.nodes.iter().filter(|n| n.group.is_none()) {
            let _ = writeln!(out, "    {}", shape(node));
        }
        for (from, to, dashed) in &picture.edges {
            let arrow = if *dashed { "-.-" } else { "-->" };
            let _ = writeln!(out, "    {from} {arrow} {to}");
        }
        out
    }

    /// The topology as a Graphviz `digraph` (render with `dot -Tsvg`):
    /// sub-topologies are clusters, topics are ellipses, stores are
    /// cylinders with dashed links to their processors and changelogs.
    ///
    /// ```
    /// use kstreams::dsl::{StreamsBuilder, Topic};
    ///
    /// const IN: Topic<String, String, 1> = Topic::new("in");
    /// const OUT: Topic<String, String, 1> = Topic::new("out");
    /// let builder = StreamsBuilder::new();
    /// builder.stream(IN).filter(|_, v| !v.is_empty()).to(OUT);
    /// let dot = builder.build()?.describe().to_dot();
    /// assert!(dot.starts_with("digraph topology {\n"));
    /// assert!(dot.contains("subgraph cluster_0 {"));
    /// assert!(dot.contains("n_KSTREAM_FILTER_0000000001 -> n_KSTREAM_SINK_0000000002;"));
    /// assert!(dot.contains("t_in [label=\"in\", shape=ellipse];"));
    /// # Ok::<(), kstreams::Error>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let picture = Picture::of(self);
        let attrs = |n: &Node| -> String {
            let shape = match n.shape {
                Shape::Source => "invhouse",
                Shape::Processor => "box",
                Shape::Sink => "house",
                Shape::Topic => "ellipse",
                Shape::Store => "cylinder",
            };
            format!(
                "{} [label=\"{}\", shape={shape}];",
                n.id,
                n.label.replace('\\', "\\\\").replace('"', "\\\"")
            )
        };
        let mut out = String::from("digraph topology {\n    rankdir=LR;\n");
        for &(group, global) in &picture.groups {
            let _ = writeln!(out, "    subgraph cluster_{group} {{");
            let _ = writeln!(
                out,
                "        label=\"Sub-topology {group}{}\";",
                global_label(global)
            );
            for node in picture.nodes.iter().filter(|n| n.group == Some(group)) {
                let _ = writeln!(out, "        {}", attrs(node));
            }
            out.push_str("    }\n");
        }
        for node in picture.nodes.iter().filter(|n| n.group.is_none()) {
            let _ = writeln!(out, "    {}", attrs(node));
        }
        for (from, to, dashed) in &picture.edges {
            let style = if *dashed {
                " [style=dashed, arrowhead=none]"
            } else {
                ""
            };
            let _ = writeln!(out, "    {from} -> {to}{style};");
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topology::describe::{NodeDescription, SubtopologyDescription};

    fn two_subtopologies() -> TopologyDescription {
        let node = |name: &str, node_type, pred: &[&str], succ: &[&str]| NodeDescription {
            name: name.to_owned(),
            node_type,
            predecessors: pred.iter().map(|s| s.to_string()).collect(),
            successors: succ.iter().map(|s| s.to_string()).collect(),
        };
        TopologyDescription {
            subtopologies: vec![
                SubtopologyDescription {
                    id: 0,
                    nodes: vec![
                        node(
                            "src",
                            NodeType::Source {
                                topics: vec!["in".into()],
                            },
                            &[],
                            &["sink"],
                        ),
                        node(
                            "sink",
                            NodeType::Sink {
                                topic: Some("x-repartition".into()),
                                extractor: None,
                            },
                            &["src"],
                            &[],
                        ),
                    ],
                },
                SubtopologyDescription {
                    id: 1,
                    nodes: vec![
                        node(
                            "src2",
                            NodeType::Source {
                                topics: vec!["x-repartition".into()],
                            },
                            &[],
                            &["agg"],
                        ),
                        node(
                            "agg",
                            NodeType::Processor {
                                stores: vec!["counts".into()],
                            },
                            &["src2"],
                            &[],
                        ),
                    ],
                },
            ],
            global_stores: Vec::new(),
            changelogs: [("counts".to_owned(), "counts-changelog".to_owned())].into(),
        }
    }

    #[test]
    fn a_repartition_topic_is_drawn_once_between_its_writer_and_its_reader() {
        let mermaid = two_subtopologies().to_mermaid();
        assert_eq!(
            mermaid
                .matches("t_x_repartition([\"x-repartition\"])")
                .count(),
            1,
            "{mermaid}"
        );
        assert!(mermaid.contains("n_sink --> t_x_repartition"), "{mermaid}");
        assert!(mermaid.contains("t_x_repartition --> n_src2"), "{mermaid}");
        assert!(mermaid.contains("n_agg -.- s_counts"), "{mermaid}");
        assert!(
            mermaid.contains("s_counts -.- t_counts_changelog\n"),
            "{mermaid}"
        );
        let dot = two_subtopologies().to_dot();
        assert_eq!(dot.matches("t_x_repartition [label").count(), 1, "{dot}");
        assert!(dot.contains("subgraph cluster_1 {"), "{dot}");
        assert!(
            dot.contains("s_counts -> t_counts_changelog [style=dashed, arrowhead=none];"),
            "{dot}"
        );
    }

    #[test]
    fn ids_keep_only_safe_characters_and_labels_are_escaped() {
        assert_eq!(
            id("n_", "KSTREAM-FILTER-0000000001"),
            "n_KSTREAM_FILTER_0000000001"
        );
        assert_eq!(id("t_", "a.b c"), "t_a_b_c");
        assert_eq!(quoted("say \"hi\""), "say #quot;hi#quot;");
    }
}
