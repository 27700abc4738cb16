//! Who owns which partitions in the application's consumer group, and
//! where each member answers interactive queries: the group as the broker
//! describes it (DescribeGroups, through librdkafka's group list).
//!
//! librdkafka offers no custom assignor and no member userdata, so each
//! main consumer carries its instance's `application.server` in its
//! `client.id` (`<client id>@<host:port>`, [`with_endpoint`]); a group
//! description lists every member's client id and its assignment (the
//! classic consumer protocol's `ConsumerProtocolAssignment` bytes, parsed
//! by [`parse_assignment`]). Only a *Stable* group's description is used:
//! during a rebalance the assignments are in flux.
//!
//! Must never: be called from a stream thread (it waits on the network).

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};

use crate::config::{HostInfo, StreamsConfig};
use crate::kafka::client_config::admin_config;
use crate::{Error, Result};

/// Separates the client id from the endpoint in a main consumer's client id.
const ENDPOINT_SEPARATOR: char = '@';

/// A main consumer's client id carrying `endpoint`.
pub(crate) fn with_endpoint(client_id: &str, endpoint: &HostInfo) -> String {
    format!("{client_id}{ENDPOINT_SEPARATOR}{endpoint}")
}

/// The endpoint a member's client id carries, if any.
pub(crate) fn endpoint_of(client_id: &str) -> Option<HostInfo> {
    let (_, endpoint) = client_id.rsplit_once(ENDPOINT_SEPARATOR)?;
    endpoint.parse().ok()
}

/// One member of the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupMember {
    /// The member id the broker gave this member (`{client.id}-{uuid}`);
    /// librdkafka's assignors order members by it.
    pub(crate) member_id: String,
    /// The member's `group.instance.id` (static membership). Always `None`:
    /// librdkafka's group list (`rd_kafka_group_member_info`, behind
    /// rdkafka's `GroupMemberInfo`) does not carry it, and kstreams never
    /// sets `group.instance.id`. Only the admin API's DescribeConsumerGroups
    /// (`rd_kafka_MemberDescription_group_instance_id`) has it, and rdkafka
    /// does not wrap that call.
    pub(crate) group_instance_id: Option<String>,
    pub(crate) client_id: String,
    /// Assigned (topic, partition)s.
    pub(crate) assignment: Vec<(String, i32)>,
}

/// The group as the broker describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupDescription {
    /// `Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty`, `Dead`.
    pub(crate) state: String,
    pub(crate) members: Vec<GroupMember>,
}

/// Describes the application's consumer group.
pub(crate) struct GroupDescriber {
    client: BaseConsumer,
    group: String,
    timeout: Duration,
}

impl GroupDescriber {
    /// A client (not a group member) for describing `config`'s group.
    pub(crate) fn new(config: &StreamsConfig) -> Result<Self> {
        let client_id = format!("{}-iq-metadata", config.application_id());
        let client: BaseConsumer = admin_config(config, &client_id)
            .create()
            .map_err(|e| Error::kafka("creating the interactive-query metadata client", e))?;
        Ok(GroupDescriber {
            client,
            group: config.application_id().to_owned(),
            timeout: Duration::from_secs(10),
        })
    }

    /// The number of partitions of `topic`.
    pub(crate) fn partition_count(&self, topic: &str) -> Result<i32> {
        let metadata = self
            .client
            .fetch_metadata(Some(topic), self.timeout)
            .map_err(|e| Error::kafka(format!("reading the metadata of topic `{topic}`"), e))?;
        let count = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .map_or(0, |t| t.partitions().len());
        match i32::try_from(count) {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::Topic(format!(
                "topic `{topic}` has no partitions (does it exist?)"
            ))),
        }
    }

    /// The group's state and members with their assignments.
    pub(crate) fn describe(&self) -> Result<GroupDescription> {
        let list = self
            .client
            .fetch_group_list(Some(&self.group), self.timeout)
            .map_err(|e| Error::kafka(format!("describing consumer group `{}`", self.group), e))?;
        let Some(group) = list.groups().iter().find(|g| g.name() == self.group) else {
            return Ok(GroupDescription {
                state: "Dead".to_owned(),
                members: Vec::new(),
            });
        };
        let members = group
            .members()
            .iter()
            .map(|m| {
                let assignment = match m.assignment() {
                    Some(bytes) if !bytes.is_empty() => {
                        parse_assignment(bytes).map_err(|e| {
                            Error::IllegalState(format!(
                                "consumer group `{}`: member `{}` has an assignment kstreams cannot read: {e}",
                                self.group,
                                m.client_id()
                            ))
                        })?
                    }
                    _ => Vec::new(),
                };
                Ok(GroupMember {
                    member_id: m.id().to_owned(),
                    group_instance_id: None,
                    client_id: m.client_id().to_owned(),
                    assignment,
                })
            })
            .collect::<Result<_>>()?;
        Ok(GroupDescription {
            state: group.state().to_owned(),
            members,
        })
    }
}

/// Reads a classic consumer protocol assignment (`ConsumerProtocolAssignment`,
/// versions 0–3): `version: i16`, `[topic: string, [partition: i32]]`,
/// `user_data: bytes` (ignored).
pub(crate) fn parse_assignment(bytes: &[u8]) -> std::result::Result<Vec<(String, i32)>, String> {
    let mut r = Reader(bytes);
    let version = r.i16()?;
    if version < 0 {
        return Err(format!("unknown assignment version {version}"));
    }
    let mut out = Vec::new();
    for _ in 0..r.count()? {
        let topic = r.string()?;
        for _ in 0..r.count()? {
            out.push((topic.clone(), r.i32()?));
        }
    }
    Ok(out)
}

/// A big-endian reader over Kafka protocol bytes.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> std::result::Result<&[u8], String> {
        if self.0.len() < n {
            return Err(format!(
                "truncated: needed {n} more bytes, {} left",
                self.0.len()
            ));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn i16(&mut self) -> std::result::Result<i16, String> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }
    fn i32(&mut self) -> std::result::Result<i32, String> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// An array length (`-1`, null, reads as empty).
    fn count(&mut self) -> std::result::Result<usize, String> {
        let n = self.i32()?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
    fn string(&mut self) -> std::result::Result<String, String> {
        let len = usize::try_from(self.i16()?).map_err(|_| "null topic name".to_owned())?;
        String::from_utf8(self.take(len)?.to_vec())
            .map_err(|_| "topic name is not UTF-8".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_assignment_and_rejects_truncated_bytes() {
        let mut b = vec![0, 1]; // version 1
        b.extend(2i32.to_be_bytes());
        for (topic, parts) in [("in", vec![0i32, 2]), ("rep", vec![1])] {
            b.extend((topic.len() as i16).to_be_bytes());
            b.extend(topic.as_bytes());
            b.extend((parts.len() as i32).to_be_bytes());
            for p in parts {
                b.extend(p.to_be_bytes());
            }
        }
        b.extend((-1i32).to_be_bytes()); // null user data
        let parsed = parse_assignment(&b).expect("assignment");
        assert_eq!(
            parsed,
            vec![("in".into(), 0), ("in".into(), 2), ("rep".into(), 1)]
        );
        assert!(parse_assignment(&b[..9]).is_err());
        assert!(parse_assignment(&[]).is_err());
    }

    #[test]
    fn client_ids_carry_the_endpoint() {
        let host = HostInfo::new("app-1", 7070);
        let id = with_endpoint("app-x-StreamThread-1-consumer", &host);
        assert_eq!(endpoint_of(&id), Some(host));
        assert_eq!(endpoint_of("app-x-StreamThread-1-consumer"), None);
    }
}
