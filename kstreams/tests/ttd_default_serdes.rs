//! Default serdes derived for user types: `#[derive(JsonSerde)]` and
//! `#[derive(ProtobufSerde)]` let aggregations name no serde, and the
//! bytes in their stores and changelogs are JSON or Protobuf.

use kstreams::serde::{Json, Protobuf, Serde};
use kstreams::{JsonSerde, ProtobufSerde, StreamsBuilder, Topic, TopologyTestDriver};

/// A Protobuf message written by hand (prost-build would generate the same).
#[derive(Clone, PartialEq, prost::Message, ProtobufSerde)]
struct Reading {
    #[prost(string, tag = "1")]
    sensor: String,
    #[prost(int64, tag = "2")]
    celsius_milli: i64,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize, JsonSerde)]
struct Peak {
    celsius_milli: i64,
}

const READINGS: Topic<String, Protobuf<Reading>, 1> = Topic::new("readings");
const PEAKS: Topic<String, Json<Peak>, 1> = Topic::new("peaks");

fn warmest(a: Reading, b: Reading) -> Reading {
    if b.celsius_milli > a.celsius_milli {
        b
    } else {
        a
    }
}

#[test]
fn protobuf_and_json_defaults_serve_aggregations() -> kstreams::Result<()> {
    let b = StreamsBuilder::new();
    let readings = b.stream(READINGS);
    // reduce on a Protobuf value: its store uses Protobuf<Reading>.
    readings
        .group_by_key()
        .reduce(warmest)
        .to_stream()
        .map_values(|r| Peak {
            celsius_milli: r.celsius_milli,
        })
        .to(PEAKS);
    let topology = b.build()?;
    let driver = TopologyTestDriver::new(topology)?;
    let mut input = driver.create_input_topic(READINGS);
    for (sensor, t) in [("s1", 20_500), ("s1", 22_000), ("s1", 21_000)] {
        input.pipe_input(
            sensor,
            Reading {
                sensor: sensor.into(),
                celsius_milli: t,
            },
        )?;
    }
    let peaks = driver.create_output_topic(PEAKS).read_values_to_vec()?;
    assert_eq!(
        peaks.last(),
        Some(&Peak {
            celsius_milli: 22_000
        })
    );
    Ok(())
}

#[test]
fn derived_defaults_are_the_named_serdes() {
    let r = Reading {
        sensor: "s1".into(),
        celsius_milli: 1,
    };
    let by_default = <kstreams::serde::SerdeOf<Reading> as Serde>::to_bytes(&r)
        .ok()
        .flatten();
    assert_eq!(by_default, Some(prost::Message::encode_to_vec(&r)));
    let p = Peak { celsius_milli: 7 };
    let json = <kstreams::serde::SerdeOf<Peak> as Serde>::to_bytes(&p)
        .ok()
        .flatten();
    assert_eq!(json.as_deref(), Some(&br#"{"celsius_milli":7}"#[..]));
}
