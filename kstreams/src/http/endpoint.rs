//! The stores a [`QueryServer`](super::QueryServer) serves, each with the
//! text form of its keys (`FromStr`) and the JSON form of its keys and
//! values (`serde::Serialize`): [`StoreEndpoint`] and its key/value and
//! window implementations.

use std::marker::PhantomData;
use std::str::FromStr;

use kstreams_serde::Serde;
use serde_json::{json, Value};

use super::HttpError;
use crate::runtime::query::{QueryableStoreTypes, StoreQueryParameters};
use crate::KafkaStreams;

/// One registered store: answers the HTTP queries it supports, locally.
pub(crate) trait StoreEndpoint: Send + Sync {
    /// Where `key` (text) lives: `None` when this instance owns it.
    fn owner(&self, streams: &KafkaStreams, key: &str) -> Result<Option<String>, HttpError>;
    /// `GET /stores/{store}/keys/{key}`.
    fn get(&self, streams: &KafkaStreams, key: &str) -> Result<Value, HttpError>;
    /// `GET /stores/{store}/range?from=..&to=..` (local partitions).
    fn range(&self, streams: &KafkaStreams, from: &str, to: &str) -> Result<Value, HttpError>;
    /// `GET /stores/{store}/windows/{key}?from=..&to=..`.
    fn windows(
        &self,
        streams: &KafkaStreams,
        key: &str,
        from: i64,
        to: i64,
    ) -> Result<Value, HttpError>;
}

fn parse_key<T: FromStr>(text: &str) -> Result<T, HttpError> {
    text.parse()
        .map_err(|_| HttpError::BadRequest(format!("`{text}` is not a valid key for this store")))
}

/// The owner of `key` of store `name`, unless it is this instance.
fn owner_of<KS: Serde>(
    streams: &KafkaStreams,
    name: &str,
    key: &KS::Target,
) -> Result<Option<String>, HttpError> {
    let metadata = streams.query_metadata_for_key::<KS>(name, key)?;
    let local = streams.config().get_application_server();
    Ok((Some(metadata.active_host()) != local).then(|| metadata.active_host().to_string()))
}

/// A key/value store served over HTTP.
pub(crate) struct KeyValueEndpoint<KS, VS> {
    pub(crate) name: String,
    pub(crate) _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS, VS> StoreEndpoint for KeyValueEndpoint<KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: FromStr + serde::Serialize,
    VS::Target: serde::Serialize,
{
    fn owner(&self, streams: &KafkaStreams, key: &str) -> Result<Option<String>, HttpError> {
        owner_of::<KS>(streams, &self.name, &parse_key(key)?)
    }

    fn get(&self, streams: &KafkaStreams, key: &str) -> Result<Value, HttpError> {
        let key: KS::Target = parse_key(key)?;
        let store = streams.store(StoreQueryParameters::from_name_and_type(
            &self.name,
            QueryableStoreTypes::key_value::<KS, VS>(),
        ))?;
        match store.get(&key)? {
            Some(value) => Ok(json!({ "key": key, "value": value })),
            None => Err(HttpError::NotFound(format!(
                "store `{}` has no key `{}`",
                self.name,
                serde_json::to_string(&key).unwrap_or_default()
            ))),
        }
    }

    fn range(&self, streams: &KafkaStreams, from: &str, to: &str) -> Result<Value, HttpError> {
        let (from, to): (KS::Target, KS::Target) = (parse_key(from)?, parse_key(to)?);
        let store = streams.store(StoreQueryParameters::from_name_and_type(
            &self.name,
            QueryableStoreTypes::key_value::<KS, VS>(),
        ))?;
        let entries = store
            .range(&from, &to)?
            .map(|e| e.map(|(key, value)| json!({ "key": key, "value": value })))
            .collect::<crate::Result<Vec<_>>>()?;
        Ok(Value::Array(entries))
    }

    fn windows(&self, _: &KafkaStreams, _: &str, _: i64, _: i64) -> Result<Value, HttpError> {
        Err(HttpError::BadRequest(format!(
            "store `{}` is a key/value store; ask /stores/{}/keys/{{key}}",
            self.name, self.name
        )))
    }
}

/// A window store served over HTTP.
pub(crate) struct WindowEndpoint<KS, VS> {
    pub(crate) name: String,
    pub(crate) _serdes: PhantomData<fn() -> (KS, VS)>,
}

impl<KS, VS> StoreEndpoint for WindowEndpoint<KS, VS>
where
    KS: Serde,
    VS: Serde,
    KS::Target: FromStr + serde::Serialize,
    VS::Target: serde::Serialize,
{
    fn owner(&self, streams: &KafkaStreams, key: &str) -> Result<Option<String>, HttpError> {
        owner_of::<KS>(streams, &self.name, &parse_key(key)?)
    }

    fn get(&self, _: &KafkaStreams, _: &str) -> Result<Value, HttpError> {
        Err(HttpError::BadRequest(format!(
            "store `{}` is a window store; ask /stores/{}/windows/{{key}}?from=..&to=..",
            self.name, self.name
        )))
    }

    fn range(&self, streams: &KafkaStreams, _: &str, _: &str) -> Result<Value, HttpError> {
        self.get(streams, "")
    }

    fn windows(
        &self,
        streams: &KafkaStreams,
        key: &str,
        from: i64,
        to: i64,
    ) -> Result<Value, HttpError> {
        let key: KS::Target = parse_key(key)?;
        let store = streams.store(StoreQueryParameters::from_name_and_type(
            &self.name,
            QueryableStoreTypes::window_store::<KS, VS>(),
        ))?;
        let windows: Vec<Value> = store
            .fetch(&key, from, to)?
            .into_iter()
            .map(|(start, value)| json!({ "start": start, "value": value }))
            .collect();
        Ok(json!({ "key": key, "windows": windows }))
    }
}
