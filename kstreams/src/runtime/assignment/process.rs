//! Which instance a group member belongs to, read from its client id.
//!
//! A stream thread's main consumer has client id
//! `{application.id}-{process id}-StreamThread-{n}-consumer` (the thread
//! name from `KafkaStreams::start`, `-consumer` added by
//! `StreamThread::run_clients`), followed by `@{host:port}` when
//! `application.server` is set (`kafka::group::with_endpoint`). The
//! process id is the instance's UUID (`process_metadata`).
//!
//! A user `client.id` (or `consumer.client.id`) replaces all of that but
//! the endpoint, identically for every thread of an instance: such members
//! are keyed by their whole client id ([`process_key`]). Instances that
//! share a client id then count as one process, which can only cost
//! standbys, never place one on its active's instance.

/// What follows the process id in a main consumer's client id.
const THREAD_MARKER: &str = "-StreamThread-";
/// What ends a main consumer's client id (before any endpoint).
const CONSUMER_SUFFIX: &str = "-consumer";
/// Separates the endpoint (`kafka::group::with_endpoint`).
const ENDPOINT_SEPARATOR: char = '@';

/// The process id of the instance whose main consumer has `client_id`, if
/// the client id has kstreams' form for `application_id`.
pub(crate) fn process_of(client_id: &str, application_id: &str) -> Option<String> {
    let rest = client_id.strip_prefix(application_id)?.strip_prefix('-')?;
    let (process, thread) = rest.split_once(THREAD_MARKER)?;
    // An endpoint is `host:port`: it has no separator of its own.
    let thread = thread
        .split_once(ENDPOINT_SEPARATOR)
        .map_or(thread, |(thread, _)| thread);
    let index = thread.strip_suffix(CONSUMER_SUFFIX)?;
    let numbered = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
    (numbered && uuid::Uuid::parse_str(process).is_ok()).then(|| process.to_owned())
}

/// The key that groups a member with the other threads of its instance:
/// its process id, or its whole client id when the user set `client.id`.
/// An instance finds its own standbys under the key of its own main
/// consumers' client id.
pub(crate) fn process_key(client_id: &str, application_id: &str) -> String {
    process_of(client_id, application_id).unwrap_or_else(|| client_id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::HostInfo;
    use crate::kafka::group::with_endpoint;

    const PROCESS: &str = "6f1c1d2e-93a4-4b43-9d3e-0a1b2c3d4e5f";

    /// A main consumer's client id, built as `KafkaStreams::start` and
    /// `StreamThread::run_clients` build it.
    fn consumer_client_id(application_id: &str, thread: usize) -> String {
        let name = format!("{application_id}-{PROCESS}-StreamThread-{thread}");
        format!("{name}-consumer")
    }

    #[test]
    fn reads_the_process_of_a_main_consumer() {
        for app in ["app", "my-app-StreamThread-1", "a@b"] {
            let id = consumer_client_id(app, 12);
            assert_eq!(process_of(&id, app).as_deref(), Some(PROCESS), "{id}");
            let id = with_endpoint(&id, &HostInfo::new("host-1", 7070));
            assert_eq!(process_of(&id, app).as_deref(), Some(PROCESS), "{id}");
            assert_eq!(process_key(&id, app), PROCESS);
        }
    }

    #[test]
    fn other_client_ids_have_no_process() {
        let id = consumer_client_id("app", 1);
        assert_eq!(process_of(&id, "other"), None);
        assert_eq!(process_of(&id, "ap"), None);
        for id in [
            "app",
            "app-x-StreamThread-1-consumer",
            &format!("app-{PROCESS}-StreamThread--consumer"),
            &format!("app-{PROCESS}-StreamThread-1-producer"),
            &format!("app-{PROCESS}-GlobalStreamThread"),
        ] {
            assert_eq!(process_of(id, "app"), None, "{id}");
        }
        // A user `client.id` keys the member by its client id.
        assert_eq!(process_key("mine@h:1", "app"), "mine@h:1");
    }
}
