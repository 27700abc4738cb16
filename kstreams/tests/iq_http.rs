//! The built-in HTTP endpoint (feature `http`) on the broker: two
//! instances, each serving its `application.server`; every key is
//! answered by its owner (directly, or after a redirect), and malformed
//! or unanswerable requests get 400, 404 and 503 — never a panic.

mod broker;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use broker::http::{free_port, get_following, http_get};
use broker::{bootstrap, create_topics, group_lag, produce, unique};
use kstreams::dsl::{Materialized, StreamsBuilder, Topic};
use kstreams::http::QueryServer;
use kstreams::serde::I64;
use kstreams::{KafkaStreams, ProcessingGuarantee, State, StreamsConfig};

const PARTITIONS: i32 = 4;

fn topology(input: &str) -> kstreams::Topology {
    let b = StreamsBuilder::new();
    let topic: Topic<String, String, 4> = Topic::named(input);
    b.stream(topic)
        .group_by_key()
        .count_with(Materialized::<String, I64>::as_("counts"));
    b.build().expect("topology")
}

#[test]
fn every_key_is_answered_by_its_owner_and_bad_requests_get_clear_statuses() {
    let (input, app) = (unique("iqh-in"), unique("iqh-app"));
    create_topics(&[&input], PARTITIONS);
    let keys: Vec<String> = (0..100).map(|i| format!("user-{i}")).collect();
    produce(&input, keys.iter().map(|k| (k.clone(), "x".to_owned())));

    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().expect("dir")).collect();
    let mut servers = Vec::new();
    let mut addrs = Vec::new();
    let mut instances = Vec::new();
    for dir in &dirs {
        let addr = format!("127.0.0.1:{}", free_port());
        let config = StreamsConfig::new(&app)
            .bootstrap_servers(bootstrap())
            .processing_guarantee(ProcessingGuarantee::ExactlyOnceV2)
            .state_dir(dir.path())
            .application_server(&addr);
        let streams = Arc::new(KafkaStreams::new(topology(&input), config).expect("client"));
        // Served before start: 503 with Retry-After, not a panic.
        let server = QueryServer::new(streams.clone())
            .key_value::<String, I64>("counts")
            .start(&addr)
            .expect("server");
        if instances.is_empty() {
            let (status, head, body) = http_get(&addr, "/stores/counts/keys/user-1");
            assert_eq!(status, 503, "{body}");
            assert!(head.contains("retry-after: 1"), "{head}");
        }
        streams.start().expect("start");
        servers.push(server);
        addrs.push(addr);
        instances.push(streams);
    }

    let deadline = Instant::now() + Duration::from_secs(180);
    'retry: loop {
        assert!(Instant::now() < deadline, "never consistent");
        thread::sleep(Duration::from_millis(200));
        if instances.iter().any(|s| s.state() != State::Running)
            || group_lag(&app, &input, PARTITIONS) != 0
        {
            continue;
        }
        let mut redirected = 0;
        for key in &keys {
            let (status, body, via_redirect) =
                get_following(&addrs[0], &format!("/stores/counts/keys/{key}"));
            if status == 503 {
                continue 'retry;
            }
            assert_eq!(status, 200, "{key}: {body}");
            let json: serde_json::Value = serde_json::from_str(&body).expect("json");
            assert_eq!(json, serde_json::json!({ "key": key, "value": 1 }));
            redirected += usize::from(via_redirect);
        }
        assert!(
            redirected > 0 && redirected < keys.len(),
            "both instances own keys ({redirected} redirected)"
        );
        break;
    }

    // Range: this instance's partitions only, in key order.
    let mut local = 0;
    for addr in &addrs {
        let (status, _, body) = http_get(addr, "/stores/counts/range?from=user-0&to=user-99");
        assert_eq!(status, 200, "{body}");
        let entries: Vec<serde_json::Value> = serde_json::from_str(&body).expect("json array");
        let got: Vec<&str> = entries.iter().filter_map(|e| e["key"].as_str()).collect();
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted);
        local += entries.len();
    }
    assert_eq!(
        local,
        keys.len(),
        "the instances' ranges partition the keys"
    );

    // Errors.
    let (status, _, body) = http_get(&addrs[0], "/stores/nope/keys/x");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("nope") && body.contains("counts"), "{body}");
    let (status, body, _) = get_following(&addrs[0], "/stores/counts/keys/no-such-user");
    assert_eq!(status, 404, "{body}");
    let (status, _, body) = http_get(&addrs[0], "/stores/counts/range?from=a");
    assert_eq!(status, 400, "{body}");
    let (status, _, body) = http_get(&addrs[0], "/stores/counts/windows/user-1?from=yesterday");
    assert_eq!(status, 400, "{body}");
    let (status, _, _) = http_get(&addrs[0], "/stores/counts/keys/%FF%FE");
    assert!(
        status == 400 || status == 404 || status == 307,
        "odd bytes: {status}"
    );

    drop(servers);
    for s in &instances {
        s.close(Duration::from_secs(60));
    }
}
