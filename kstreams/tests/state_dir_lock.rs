//! One state directory, one instance: a second `KafkaStreams` of the same
//! application on the same `state.dir` — in this process or in another —
//! fails at `start()` with `Error::StateDirLocked` naming the directory,
//! and can start once the first has closed or its process was killed.
//! While RUNNING, an instance deletes the directories of tasks it does not
//! own once they are `state.cleanup.delay.ms` old.

mod broker;

use std::path::Path;
use std::time::{Duration, Instant};

use kstreams::dsl::{StreamsBuilder, Topic};
use kstreams::{Error, KafkaStreams, State, StreamsConfig};

use broker::{app_binary, bootstrap, create_topics, unique, wait_for_log, wait_for_state, AppSpec};

/// `input → filter(non-empty) → map_values → output`, as `eos_passthrough`.
fn passthrough(input: &str, output: &str) -> kstreams::topology::Topology {
    let b = StreamsBuilder::new();
    let input: Topic<String, String, 4> = Topic::named(input);
    let output: Topic<String, String, 4> = Topic::named(output);
    b.stream(input)
        .filter(|_k, v: &String| !v.is_empty())
        .map_values(|v: String| v)
        .to(output);
    b.build().expect("topology")
}

fn config(app: &str, state_dir: &Path) -> StreamsConfig {
    StreamsConfig::new(app)
        .bootstrap_servers(bootstrap())
        .state_dir(state_dir)
}

fn instance(app: &str, input: &str, output: &str, state_dir: &Path) -> KafkaStreams {
    KafkaStreams::new(passthrough(input, output), config(app, state_dir))
        .expect("KafkaStreams::new")
}

/// Asserts `start()` was refused because the directory is locked.
fn assert_locked(result: kstreams::Result<()>, app_dir: &Path) {
    let err = result.expect_err("a second instance on the same state.dir must not start");
    let text = err.to_string();
    match &err {
        Error::StateDirLocked { dir } => assert_eq!(dir, app_dir, "{text}"),
        other => panic!("expected StateDirLocked, got {other:?}"),
    }
    assert!(text.contains(&app_dir.display().to_string()), "{text}");
    assert!(text.contains("its own `state.dir`"), "{text}");
}

#[test]
fn a_second_instance_in_this_process_fails_at_start_until_the_first_closes() {
    let (input, output, app) = (unique("sdl-in"), unique("sdl-out"), unique("sdl-app"));
    create_topics(&[&input, &output], 4);
    let root = tempfile::tempdir().expect("state dir");
    let app_dir = root.path().join(&app);

    // A task directory left by an earlier run; this instance's tasks are
    // stateless, so it owns none and the cleaner (delay 0) removes it.
    let stale = app_dir.join("7_0");
    std::fs::create_dir_all(stale.join("rocksdb")).expect("stale task dir");
    let first = KafkaStreams::new(
        passthrough(&input, &output),
        config(&app, root.path()).state_cleanup_delay_ms(0),
    )
    .expect("KafkaStreams::new");
    let second = instance(&app, &input, &output, root.path());
    assert_eq!(
        first.process_id(),
        second.process_id(),
        "one directory, one process id"
    );
    first.start().expect("the first instance starts");
    assert_locked(second.start(), &app_dir);
    assert_eq!(
        second.state(),
        State::Created,
        "a refused start leaves the client CREATED"
    );

    // Another application in the same state.dir is not affected.
    let other = instance(&unique("sdl-other"), &input, &output, root.path());
    other
        .start()
        .expect("another application.id has its own directory");

    wait_for_state(&first, State::Running);
    let deadline = Instant::now() + Duration::from_secs(10);
    while stale.exists() {
        assert!(
            Instant::now() < deadline,
            "the stale task directory was not cleaned up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        app_dir.join("kafka-streams-process-metadata").is_file(),
        "the cleaner removes task directories only"
    );
    assert!(first.close(Duration::from_secs(30)));
    second
        .start()
        .expect("the directory is free once the first instance closed");
    wait_for_state(&second, State::Running);
    assert!(second.close(Duration::from_secs(30)));
    assert!(other.close(Duration::from_secs(30)));
}

#[test]
fn an_instance_in_another_process_holds_the_directory_until_killed() {
    let (input, output, app) = (unique("sdl-x-in"), unique("sdl-x-out"), unique("sdl-x-app"));
    create_topics(&[&input, &output], 4);
    let root = tempfile::tempdir().expect("state dir");
    let app_dir = root.path().join(&app);
    let spec = AppSpec {
        app_id: app.clone(),
        input: input.clone(),
        output: output.clone(),
        guarantee: "exactly_once_v2",
        state_dir: root.path().to_owned(),
        // The killed member leaves the group quickly.
        extra_env: vec![("SESSION_TIMEOUT_MS", "6000".into())],
    };
    let log = std::env::temp_dir().join(format!("{app}.log"));
    eprintln!("child log: {}", log.display());
    let mut child = spec.spawn(&app_binary(), &log);
    wait_for_log(&log, "-> RUNNING", 1, &mut child, Duration::from_secs(60));

    let local = instance(&app, &input, &output, root.path());
    assert_locked(local.start(), &app_dir);

    broker::signal(&child, libc::SIGKILL);
    child.wait().expect("reap the killed instance");
    local
        .start()
        .expect("a killed process leaves no lock behind: the restarted instance starts");
    wait_for_state(&local, State::Running);
    assert!(local.close(Duration::from_secs(30)));
}
