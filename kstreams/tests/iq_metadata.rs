//! Interactive-query metadata on the broker: three instances of one
//! application in this process, each with its own `application.server`;
//! for 1000 keys, `query_metadata_for_key` names the instance whose local
//! store really holds the key, from every instance's point of view. With
//! `num.standby.replicas = 1` it also names one standby host, another
//! instance, whose standby copy (read with stale stores enabled) holds the
//! key too, while a plain query there does not see it.

mod broker;

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use broker::{bootstrap, create_topics, group_lag, produce, unique};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::runtime::query::{HostInfo, QueryableStoreTypes, StoreQueryParameters};
use kstreams::serde::I64;
use kstreams::{Error, KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

const PARTITIONS: i32 = 6;
const KEYS: usize = 1000;

fn counter(input: &str) -> kstreams::Topology {
    let b = StreamsBuilder::new();
    let topic: Topic<String, String, 6> = Topic::named(input);
    b.stream(topic)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    b.build().expect("topology")
}

fn config(app: &str, dir: &std::path::Path, port: u16) -> StreamsConfig {
    StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
        .state_dir(dir)
        .application_server(format!("localhost:{port}"))
        .num_standby_replicas(1)
}

/// Checks every key once from every instance's point of view; `Err` when
/// an instance is (still) rebalancing, to be retried.
fn check_owners(instances: &[(HostInfo, KafkaStreams)], keys: &[String]) -> kstreams::Result<()> {
    let stores = instances
        .iter()
        .map(|(_, s)| {
            s.store(StoreQueryParameters::from_name_and_type(
                "counts",
                QueryableStoreTypes::key_value::<String, I64>(),
            ))
        })
        .collect::<kstreams::Result<Vec<_>>>()?;
    let stale = instances
        .iter()
        .map(|(_, s)| {
            s.store(
                StoreQueryParameters::from_name_and_type(
                    "counts",
                    QueryableStoreTypes::key_value::<String, I64>(),
                )
                .enable_stale_stores(),
            )
        })
        .collect::<kstreams::Result<Vec<_>>>()?;
    for (_, asking) in instances {
        for key in keys {
            let metadata = asking.query_metadata_for_key::<String>("counts", key)?;
            assert!((0..PARTITIONS).contains(&metadata.partition()));
            let standbys = metadata.standby_hosts();
            assert!(
                !standbys.contains(metadata.active_host()),
                "{key}: a standby on its active's instance: {metadata:?}"
            );
            if standbys.len() != 1 {
                // The standby plan is refreshed every 2 s after a rebalance.
                return Err(Error::IllegalState(format!(
                    "{key}: standby hosts not planned yet: {metadata:?}"
                )));
            }
            for ((host, _), store) in instances.iter().zip(&stale) {
                if standbys.contains(host) && store.get(key)? != Some(1) {
                    return Err(Error::IllegalState(format!(
                        "{key}: the standby copy at {host} has not caught up"
                    )));
                }
            }
            for ((host, _), store) in instances.iter().zip(&stores) {
                let local = store.get(key)?;
                if host == metadata.active_host() {
                    assert_eq!(local, Some(1), "{key} is at {host}, which must hold it");
                } else {
                    assert_eq!(local, None, "{key} is not at {host}");
                }
            }
        }
    }
    let all = instances[0].1.metadata_for_all_clients()?;
    let hosts: BTreeSet<&HostInfo> = all.iter().map(|m| m.host_info()).collect();
    let expected: BTreeSet<&HostInfo> = instances.iter().map(|(h, _)| h).collect();
    assert_eq!(hosts, expected, "every instance is listed once");
    let partitions: BTreeSet<(String, i32)> = all
        .iter()
        .flat_map(|m| m.topic_partitions().iter().cloned())
        .collect();
    assert_eq!(partitions.len(), PARTITIONS as usize, "{partitions:?}");
    let for_store = instances[1].1.streams_metadata_for_store("counts")?;
    assert_eq!(for_store.len(), 3);
    assert!(for_store
        .iter()
        .all(|m| m.state_store_names().contains("counts")));
    Ok(())
}

#[test]
fn query_metadata_names_the_instance_that_owns_each_key() {
    let (input, app) = (unique("iqm-in"), unique("iqm-app"));
    create_topics(&[&input], PARTITIONS);
    let keys: Vec<String> = (0..KEYS).map(|i| format!("key-{i}")).collect();
    produce(&input, keys.iter().map(|k| (k.clone(), "x".to_owned())));

    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let instances: Vec<(HostInfo, KafkaStreams)> = dirs
        .iter()
        .zip(7101u16..)
        .map(|(dir, port)| {
            let streams =
                KafkaStreams::new(counter(&input), config(&app, dir.path(), port)).expect("client");
            streams.start().expect("start");
            (HostInfo::new("localhost", port), streams)
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let ready = instances.iter().all(|(_, s)| s.state() == State::Running)
            && group_lag(&app, &input, PARTITIONS) == 0;
        let outcome = if ready {
            check_owners(&instances, &keys)
        } else {
            Err(Error::IllegalState("not ready".into()))
        };
        match outcome {
            Ok(()) => break,
            Err(e) => {
                let retriable = matches!(&e, Error::IllegalState(_))
                    || matches!(&e, Error::InvalidStateStore(i) if i.is_retriable());
                assert!(retriable, "unexpected error: {e}");
                assert!(Instant::now() < deadline, "never consistent: {e}");
                thread::sleep(Duration::from_millis(200));
            }
        }
    }
    for (_, s) in &instances {
        s.close(Duration::from_secs(60));
    }
}

#[test]
fn application_server_is_validated_and_required_for_metadata() {
    for bad in ["localhost", "localhost:0", "localhost:port", ":80", "a b:1"] {
        let err = StreamsConfig::new("app")
            .application_server(bad)
            .validate()
            .expect_err(bad);
        assert!(
            matches!(&err, Error::Config(m) if m.contains("application.server") && m.contains(bad)),
            "{err}"
        );
    }
    assert!(StreamsConfig::new("app")
        .application_server("app-1.internal:7070")
        .validate()
        .is_ok());
    let dir = tempfile::tempdir().expect("dir");
    let streams = KafkaStreams::new(
        counter("unused-topic"),
        StreamsConfig::new("app").state_dir(dir.path()),
    )
    .expect("client");
    let err = streams
        .query_metadata_for_key::<String>("counts", &"k".to_string())
        .expect_err("no application.server");
    assert!(
        matches!(&err, Error::Config(m) if m.contains("application.server")),
        "{err}"
    );
}
