//! librdkafka's `range` assignor, reproduced so that every instance can
//! predict which member a partition goes to when members leave the group.
//!
//! What librdkafka 2.12.1 does (`src/rdkafka_range_assignor.c`,
//! `rd_kafka_range_assignor_assign_cb`; `src/rdkafka_assignor.c`,
//! `rd_kafka_group_member_cmp`), for a group whose members all subscribe
//! to the same topics and set no `client.rack`:
//!
//! - **Order.** Each topic's members are sorted by `rd_kafka_group_member_cmp`:
//!   by `group.instance.id` when *both* members are static, else by member
//!   id, with `rd_kafkap_str_cmp` (`memcmp` over the common length, then the
//!   shorter string first): exactly Rust's byte order of `str`.
//! - **Topics are independent.** Topics with the same members and partition
//!   count are bucketed for co-partitioned *rack-aware* assignment, but
//!   `rd_kafka_assign_co_partitioned` assigns nothing to a member without a
//!   rack, and single-topic buckets are skipped unless rack-aware
//!   assignment is needed (`rd_kafka_use_rack_aware_assignment` requires a
//!   member rack). Every partition is then assigned by the final pass,
//!   `rd_kafka_assign_ranges(rktas, rd_kafka_always)`, topic by topic.
//! - **Ranges.** That pass walks the sorted members; with `m` members and
//!   `n` partitions, `per = n / m`, `extra = n % m`, each member takes the
//!   lowest `per + 1` unassigned partitions while members with an extra
//!   partition remain (`remaining_consumers_with_extra_partition`), `per`
//!   after. So member `i` gets `start = per * i + min(i, extra)`,
//!   `len = per + (i < extra)`; the test `matches_librdkafkas_loop`
//!   checks the closed form against that loop.
//!
//! Not reproduced: rack-aware assignment (a user who sets `client.rack`
//! on brokers with racks gets other owners; a standby planned from this
//! module then misses, it is never misplaced), and a group mixing static
//! and dynamic members, where `rd_kafka_group_member_cmp` is not a total
//! order and librdkafka's `qsort` result depends on the input order; we
//! order such groups by member id. kstreams sets neither.
//!
//! Must never: talk to Kafka; everything here is a pure function.

use std::cmp::Ordering;
#[cfg(test)]
use std::collections::BTreeMap;

/// A group member as the range assignor sees it.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RangeMember {
    /// The broker-given member id.
    pub(crate) member_id: String,
    /// `group.instance.id`, for static members.
    pub(crate) group_instance_id: Option<String>,
}

/// Sorts `members` in the order librdkafka's range assignor walks them;
/// `ids` gives a member's (member id, group instance id). Ties (equal
/// instance ids, which a broker does not allow) fall back to member ids so
/// that the result never depends on the input order.
pub(crate) fn sort_like_range<T>(members: &mut [T], ids: impl Fn(&T) -> (&str, Option<&str>)) {
    let all_static = members.iter().all(|m| ids(m).1.is_some());
    members.sort_by(|a, b| {
        let (a_member, a_instance) = ids(a);
        let (b_member, b_instance) = ids(b);
        let by_instance = match (all_static, a_instance, b_instance) {
            (true, Some(a), Some(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => Ordering::Equal,
        };
        by_instance.then_with(|| a_member.as_bytes().cmp(b_member.as_bytes()))
    });
}

/// Whether `members` mixes static and dynamic members (then removing
/// members can change the order of those who stay: sort again).
pub(crate) fn is_mixed<T>(members: &[T], instance: impl Fn(&T) -> Option<&str>) -> bool {
    let statics = members.iter().filter(|m| instance(m).is_some()).count();
    statics != 0 && statics != members.len()
}

/// The range split of one topic of `partitions` partitions among `members`
/// sorted members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopicRange {
    members: usize,
    partitions: usize,
}

impl TopicRange {
    /// The split of a topic of `partitions` partitions (a negative count
    /// reads as none) among `members` members.
    pub(crate) fn new(members: usize, partitions: i32) -> Self {
        TopicRange {
            members,
            partitions: usize::try_from(partitions).unwrap_or(0),
        }
    }

    /// (`per`, `extra`): partitions per member, members with one more.
    fn split(self) -> (usize, usize) {
        match self.members {
            0 => (0, 0),
            m => (self.partitions / m, self.partitions % m),
        }
    }

    /// The partitions of the member at `index` in the sorted order.
    #[cfg(test)]
    pub(crate) fn partitions_of(self, index: usize) -> std::ops::Range<usize> {
        if index >= self.members {
            return 0..0;
        }
        let (per, extra) = self.split();
        let start = per * index + index.min(extra);
        start..start + per + usize::from(index < extra)
    }

    /// The index (in the sorted order) of the member that gets `partition`,
    /// or `None` if the topic has no such partition or there are no members.
    pub(crate) fn owner_of(self, partition: i32) -> Option<usize> {
        let p = usize::try_from(partition).ok()?;
        if p >= self.partitions || self.members == 0 {
            return None;
        }
        let (per, extra) = self.split();
        // The first `extra` members hold `per + 1` partitions each.
        let long = extra * (per + 1);
        // `per == 0` implies `extra == partitions`, so `p < long` then.
        Some(if p < long {
            p / (per + 1)
        } else {
            extra + (p - long) / per
        })
    }
}

/// The assignment librdkafka's range assignor computes when every member
/// subscribes to every topic of `partition_counts`: member id → its
/// (topic, partition)s, topics in name order, partitions ascending. Every
/// member has an entry, possibly empty. The reference the planner's
/// closed form (`TopicRange`) is tested against.
#[cfg(test)]
pub(crate) fn range_assign(
    members: &[RangeMember],
    partition_counts: &BTreeMap<String, i32>,
) -> BTreeMap<String, Vec<(String, i32)>> {
    let mut sorted: Vec<&RangeMember> = members.iter().collect();
    sort_like_range(&mut sorted, |m| {
        (m.member_id.as_str(), m.group_instance_id.as_deref())
    });
    let mut out: BTreeMap<String, Vec<(String, i32)>> = sorted
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect();
    for (topic, &count) in partition_counts {
        let range = TopicRange::new(sorted.len(), count);
        for (index, member) in sorted.iter().enumerate() {
            let Some(assigned) = out.get_mut(&member.member_id) else {
                continue;
            };
            // Partition numbers fit in i32: they are below `count`.
            assigned.extend(
                range
                    .partitions_of(index)
                    .filter_map(|p| i32::try_from(p).ok())
                    .map(|p| (topic.clone(), p)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dynamic(id: &str) -> RangeMember {
        RangeMember {
            member_id: id.to_owned(),
            group_instance_id: None,
        }
    }

    fn counts(topics: &[(&str, i32)]) -> BTreeMap<String, i32> {
        topics.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
    }

    /// The member ids in the order the assignor walks them.
    fn order(members: &[RangeMember]) -> Vec<String> {
        let mut sorted: Vec<&RangeMember> = members.iter().collect();
        sort_like_range(&mut sorted, |m| {
            (m.member_id.as_str(), m.group_instance_id.as_deref())
        });
        sorted.iter().map(|m| m.member_id.clone()).collect()
    }

    #[test]
    fn members_are_ordered_bytewise_shorter_prefix_first() {
        let ids = ["c-2", "c-10", "c", "c-1", "B-9", "c-", "é", "z"];
        let members: Vec<_> = ids.iter().map(|i| dynamic(i)).collect();
        // 'B' (0x42) < 'c' (0x63) < 'z' < 'é' (0xC3 0xA9); "c" < "c-" < "c-1" < "c-10" < "c-2".
        assert_eq!(
            order(&members),
            ["B-9", "c", "c-", "c-1", "c-10", "c-2", "z", "é"]
        );
        let mut reversed = members.clone();
        reversed.reverse();
        assert_eq!(order(&reversed), order(&members));
    }

    #[test]
    fn static_members_are_ordered_by_instance_id_unless_the_group_is_mixed() {
        let stat = |member: &str, instance: &str| RangeMember {
            member_id: member.to_owned(),
            group_instance_id: Some(instance.to_owned()),
        };
        let all_static = [stat("a", "z"), stat("b", "y")];
        assert_eq!(order(&all_static), ["b", "a"]);
        let mixed = [stat("a", "z"), stat("b", "y"), dynamic("c")];
        assert_eq!(order(&mixed), ["a", "b", "c"]);
        assert!(is_mixed(&mixed, |m| m.group_instance_id.as_deref()));
        assert!(!is_mixed(&all_static, |m| m.group_instance_id.as_deref()));
    }

    #[test]
    fn each_topic_is_split_in_ranges_over_the_sorted_members() {
        let members = [dynamic("m-b"), dynamic("m-a"), dynamic("m-c")];
        let got = range_assign(&members, &counts(&[("t", 7), ("u", 2), ("v", 0)]));
        let parts = |id: &str| -> Vec<(&str, i32)> {
            got[id].iter().map(|(t, p)| (t.as_str(), *p)).collect()
        };
        // 7 = 3 * 2 + 1: the first member gets 3; 2 partitions: one each to the first two.
        assert_eq!(parts("m-a"), [("t", 0), ("t", 1), ("t", 2), ("u", 0)]);
        assert_eq!(parts("m-b"), [("t", 3), ("t", 4), ("u", 1)]);
        assert_eq!(parts("m-c"), [("t", 5), ("t", 6)]);
    }

    #[test]
    fn no_members_or_bad_partitions_own_nothing() {
        assert!(range_assign(&[], &counts(&[("t", 3)])).is_empty());
        let range = TopicRange::new(0, 3);
        assert_eq!(range.owner_of(0), None);
        assert_eq!(TopicRange::new(2, 3).owner_of(3), None);
        assert_eq!(TopicRange::new(2, 3).owner_of(-1), None);
        assert_eq!(TopicRange::new(2, -4).partitions_of(0), 0..0);
        assert_eq!(TopicRange::new(2, 3).partitions_of(2), 0..0);
    }

    /// librdkafka's non-rack pass (`rd_kafka_assign_ranges` with
    /// `rd_kafka_always`), transcribed as a loop: owner index per partition.
    fn librdkafka_loop(members: usize, partitions: usize) -> Vec<usize> {
        let mut owner = vec![usize::MAX; partitions];
        let per = partitions / members;
        let mut remaining_extra = partitions % members;
        let mut next = 0;
        for member in 0..members {
            let mut room = per + usize::from(remaining_extra > 0);
            let mut taken = 0;
            while room > 0 && next < partitions {
                owner[next] = member;
                next += 1;
                room -= 1;
                taken += 1;
                if taken > per {
                    remaining_extra -= 1;
                }
            }
        }
        owner
    }

    #[test]
    fn matches_librdkafkas_loop() {
        for members in 1..=13 {
            for partitions in 0..=40 {
                let range = TopicRange::new(members, partitions as i32);
                let expected = librdkafka_loop(members, partitions);
                for (p, &owner) in expected.iter().enumerate() {
                    assert_eq!(
                        range.owner_of(p as i32),
                        Some(owner),
                        "{members}/{partitions}"
                    );
                    assert!(range.partitions_of(owner).contains(&p));
                }
                let total: usize = (0..members).map(|i| range.partitions_of(i).len()).sum();
                assert_eq!(total, partitions);
            }
        }
    }
}
