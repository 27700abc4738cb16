//! Java's default partitioner: murmur2 golden values from Kafka's own tests
//! (`UtilsTest.testMurmur2`), and sinks choosing partitions with it.

use kstreams::processor::partitioner::{murmur2, partition_for_key, to_positive};
use kstreams::{StreamsBuilder, Topic, TopologyTestDriver};

#[test]
fn murmur2_matches_java() {
    let cases: [(&[u8], i32); 6] = [
        (b"21", -973_932_308),
        (b"foobar", -790_332_482),
        (b"a-little-bit-long-string", -985_981_536),
        (b"a-little-bit-longer-string", -1_486_304_829),
        (
            b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
            -58_897_971,
        ),
        (b"abc", 479_470_107),
    ];
    for (bytes, java) in cases {
        assert_eq!(
            murmur2(bytes),
            java,
            "murmur2({:?})",
            String::from_utf8_lossy(bytes)
        );
    }
}

#[test]
fn partition_is_positive_hash_modulo_count() {
    // (-790332482 & 0x7fffffff) = 1357151166; % 4 = 2, % 7 = 1357151166 % 7.
    assert_eq!(to_positive(murmur2(b"foobar")), 1_357_151_166);
    assert_eq!(partition_for_key(b"foobar", 4), 2);
    assert_eq!(partition_for_key(b"foobar", 7), 1_357_151_166 % 7);
    assert_eq!(partition_for_key(b"21", 1), 0);
}

#[test]
fn sinks_partition_by_serialized_key() -> kstreams::Result<()> {
    const IN: Topic<String, String, 1> = Topic::new("in");
    const OUT: Topic<String, String, 4> = Topic::new("out");
    let b = StreamsBuilder::new();
    b.stream(IN).to(OUT);
    let d = TopologyTestDriver::new(b.build()?)?;
    d.create_input_topic(IN)
        .pipe_key_values([("foobar", "x"), ("21", "y")])?;
    let out = d.create_output_topic(OUT).read_records_with_partition()?;
    let partitions: Vec<Option<i32>> = out.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        partitions,
        vec![Some(2), Some(to_positive(-973_932_308) % 4)]
    );
    Ok(())
}

#[test]
fn null_keys_are_left_to_the_producer() -> kstreams::Result<()> {
    const IN: Topic<Option<String>, String, 1> = Topic::new("in");
    const OUT: Topic<Option<String>, String, 4> = Topic::new("out");
    let b = StreamsBuilder::new();
    b.stream(IN).to(OUT);
    let d = TopologyTestDriver::new(b.build()?)?;
    d.create_input_topic(IN).pipe_input(None::<String>, "v")?;
    let out = d.create_output_topic(OUT).read_records_with_partition()?;
    assert_eq!(out[0].0, None);
    assert_eq!(out[0].1.key, None);
    Ok(())
}
