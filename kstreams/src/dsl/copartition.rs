//! Co-partitioning of joins, checked by [`StreamsBuilder::build`]: the
//! source topics upstream of both sides of a join must have the same
//! partition count, so that records with the same key meet in the same
//! task (Kafka Streams' copartition groups, which Java checks when the
//! application starts, `CopartitionedTopicsEnforcer`). Here every topic's
//! count is declared in its [`Topic`](super::Topic) type, so a mismatch is
//! a `build()` error; `#[topology]` reports it at compile time already
//! (`topology::co_partitioning`).
//!
//! Java also resizes repartition topics of a copartition group to match;
//! here a repartition topic keeps the count it was given or inferred, and
//! a mismatch is reported the same way.
//!
//! [`StreamsBuilder::build`]: super::StreamsBuilder::build

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::topology::{NodeDef, NodeKind};
use crate::{Error, Result};

/// The two sides of one join, as graph nodes.
pub(crate) struct CopartitionGroup {
    /// The join's name, for the error message.
    pub(crate) join: String,
    /// The nodes whose records (or rows) are joined.
    pub(crate) sides: [usize; 2],
}

/// The source topics upstream of `node`, in name order.
fn source_topics(nodes: &[NodeDef], node: usize) -> Vec<String> {
    let mut topics = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![node];
    while let Some(i) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        match &nodes[i].kind {
            NodeKind::Source { topic, .. } => topics.push(topic.name.clone()),
            _ => stack.extend(nodes[i].parents.iter().copied()),
        }
    }
    topics.sort();
    topics
}

/// Fails on the first join whose sides read topics of different
/// partition counts (`partitions`: every topic's count, resolved).
pub(crate) fn check(
    nodes: &[NodeDef],
    partitions: &HashMap<String, u32>,
    groups: &[CopartitionGroup],
) -> Result<()> {
    for group in groups {
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for side in group.sides {
            for topic in source_topics(nodes, side) {
                if let Some(&n) = partitions.get(&topic) {
                    counts.insert(topic, n);
                }
            }
        }
        let distinct: HashSet<u32> = counts.values().copied().collect();
        if distinct.len() > 1 {
            let listed: Vec<String> = counts
                .iter()
                .map(|(topic, n)| format!("`{topic}` has {n}"))
                .collect();
            return Err(Error::Topology(format!(
                "join `{}` reads topics that are not co-partitioned ({}); records with the same key must land in the same task: declare the topics with the same partition count, or add `.repartition(Repartitioned::new().with_partitions(..))` on one side",
                group.join,
                listed.join(", ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::dsl::{KTable, Materialized, Repartitioned, StreamsBuilder, Topic};
    use crate::serde::I64;
    use crate::Error;

    const A2: Topic<String, I64, 2> = Topic::new("a2");
    const B4: Topic<String, I64, 4> = Topic::new("b4");
    const T4: Topic<String, I64, 4> = Topic::new("t4");

    /// The 4-partition table, in memory (these tests run without RocksDB too).
    fn table(b: &StreamsBuilder) -> KTable<String, i64> {
        b.table_with(T4, Materialized::<String, I64>::new().in_memory())
    }

    fn build_error(b: StreamsBuilder) -> Option<String> {
        match b.build() {
            Err(Error::Topology(message)) => Some(message),
            _ => None,
        }
    }

    #[test]
    fn every_topic_upstream_of_either_side_counts() {
        // A merge of 2- and 4-partition topics joined with a 4-partition table.
        let b = StreamsBuilder::new();
        let table = table(&b);
        b.stream(A2)
            .merge(&b.stream(B4))
            .join(&table, |v: &i64, t: &i64| v + t);
        let message = build_error(b).expect("a co-partitioning error");
        assert!(
            message.contains("`a2` has 2, `b4` has 4, `t4` has 4"),
            "{message}"
        );
    }

    #[test]
    fn a_repartition_topic_with_the_right_count_makes_sides_co_partitioned() {
        let b = StreamsBuilder::new();
        let table = table(&b);
        b.stream(A2)
            .repartition(Repartitioned::<String, I64>::new().with_partitions(4))
            .join(&table, |v: &i64, t: &i64| v + t);
        assert_eq!(build_error(b), None);

        // Only joins are checked: a merge alone may mix counts.
        let b = StreamsBuilder::new();
        b.stream(A2).merge(&b.stream(B4));
        assert_eq!(build_error(b), None);
    }
}
