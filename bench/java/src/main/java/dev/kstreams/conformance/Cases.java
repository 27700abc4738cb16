package dev.kstreams.conformance;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The Java (oracle) side of every conformance case: one method per case,
 * registered in {@link #ALL} under the name the kstreams side uses
 * ({@code examples/src/conformance/cases.rs}).
 *
 * <p>To add a case: write a {@code static void myCase(StreamsBuilder b, String[] inputs,
 * String output)} with the topology (inputs: one topic per input spec of the Rust case, in
 * order; String keys, {@code Serdes.Long()} values, possibly null), register it in
 * {@link #ALL} with the Rust case's name, then add the Rust side (see cases.rs). Topics have {@code PARTITIONS} (4) partitions; the app runs
 * with exactly_once_v2, {@code statestore.cache.max.bytes=0} and a 100 ms commit interval
 * ({@link ConformanceApp}).
 */
final class Cases {
    private Cases() {}

    /** A topology from the input topic to the output topic. */
    @FunctionalInterface
    interface Case {
        void build(StreamsBuilder b, String[] inputs, String output);
    }

    /** Every case by name (the {@code --case} argument). */
    static final Map<String, Case> ALL = new LinkedHashMap<>();

    static {
        ALL.put("count", Cases::count);
        ALL.put("reduce", Cases::reduce);
        ALL.put("aggregate", Cases::aggregate);
        ALL.put("table", Cases::table);
        ALL.put("count-filter", Cases::countFilter);
        ALL.put("table-materialized", Cases::tableMaterialized);
        ALL.put("merge", Cases::merge);
        ALL.put("tumbling-suppress", Cases::tumblingSuppress);
        ALL.put("hopping", Cases::hopping);
        ALL.put("tumbling-reduce", Cases::tumblingReduce);
        ALL.put("session-count", Cases::sessionCount);
        ALL.put("session-suppress", Cases::sessionSuppress);
        ALL.put("session-reduce", Cases::sessionReduce);
        ALL.put("sliding-count", Cases::slidingCount);
        // Joins: add them here (same name as in cases.rs).
        ALL.put("stream-stream-join", Cases::streamStreamJoin);
        ALL.put("stream-stream-left-join", Cases::streamStreamLeftJoin);
        ALL.put("stream-stream-outer-join", Cases::streamStreamOuterJoin);
        ALL.put("cogroup", Cases::cogroup);
        ALL.put("stream-table-join", Cases::streamTableJoin);
        ALL.put("stream-table-left-join", Cases::streamTableLeftJoin);
        ALL.put("stream-globaltable-join", Cases::streamGlobalTableJoin);
        ALL.put("stream-globaltable-left-join", Cases::streamGlobalTableLeftJoin);
        ALL.put("table-table-join", Cases::tableTableJoin);
        ALL.put("table-table-left-join", Cases::tableTableLeftJoin);
        ALL.put("table-table-outer-join", Cases::tableTableOuterJoin);
        ALL.put("tumbling-emit-final", Cases::tumblingEmitFinal);
        ALL.put("sliding-emit-final", Cases::slidingEmitFinal);
        ALL.put("session-emit-final", Cases::sessionEmitFinal);
        ALL.put("fk-join", Cases::fkJoin);
        ALL.put("fk-left-join", Cases::fkLeftJoin);
    }

    private static final Consumed<String, Long> IN = Consumed.with(Serdes.String(), Serdes.Long());
    private static final Grouped<String, Long> GROUPED = Grouped.with(Serdes.String(), Serdes.Long());

    static void count(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .count()
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    static void reduce(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .reduce(Long::sum)
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    static void aggregate(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .aggregate(
                        () -> "",
                        (key, value, agg) -> agg + value + ";",
                        Materialized.<String, String, KeyValueStore<Bytes, byte[]>>with(
                                Serdes.String(), Serdes.String()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
    }

    /** A table from the topic (nulls are deletes); toStream() forwards deletes as null values. */
    static void table(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .filter((key, value) -> value % 3 != 0)
                .mapValues(value -> value * 10)
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    /** A filter over an aggregation (old values on): an update that stops matching becomes a null. */
    static void countFilter(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .count()
                .filter((key, value) -> value % 2 == 0)
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    /** As table, with a queryable (materialized) source: the filter gets old values. */
    static void tableMaterialized(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN, Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("table-store"))
                .filter((key, value) -> value % 3 != 0)
                .mapValues(value -> value * 10)
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    /** Two inputs: each task picks the buffered record with the lowest timestamp across them. */
    static void merge(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .merge(b.stream(inputs[1], IN))
                .mapValues(value -> value * 2)
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    private static final Serde<Windowed<String>> WINDOWED_10S =
            WindowedSerdes.timeWindowedSerdeFrom(String.class, 10_000L);

    /** Final results: windows of 10 s with 2 s grace, suppressed until they close. */
    static void tumblingSuppress(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .count()
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                .toStream()
                .to(output, Produced.with(WINDOWED_10S, Serdes.Long()));
    }

    /** Hopping windows of 10 s every 5 s, 3 s grace: every update. */
    static void hopping(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(3))
                        .advanceBy(Duration.ofSeconds(5)))
                .count()
                .toStream()
                .to(output, Produced.with(WINDOWED_10S, Serdes.Long()));
    }

    /** Tumbling windows of 10 s without grace, summed. */
    static void tumblingReduce(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(10)))
                .reduce(Long::sum)
                .toStream()
                .to(output, Produced.with(WINDOWED_10S, Serdes.Long()));
    }

    private static final SessionWindows SESSIONS =
            SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(2));

    /** Tombstones of merged-away sessions are forwarded as null values. */
    static void sessionCount(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SESSIONS)
                .count()
                .toStream()
                .to(output, Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long()));
    }

    static void sessionSuppress(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SESSIONS)
                .count()
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
                .toStream()
                .to(output, Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long()));
    }

    static void slidingCount(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(2)))
                .count()
                .toStream()
                .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 5_000L), Serdes.Long()));
    }

    static void sessionReduce(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SESSIONS)
                .reduce(Long::sum)
                .toStream()
                .to(output, Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long()));
    }

    /** Stream-stream joins: 5 s either way, 2 s grace (cases.rs's {@code JOIN_WINDOWS}). */
    private static final JoinWindows JOIN_WINDOWS =
            JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(2));

    private static final StreamJoined<String, Long, Long> STREAM_JOINED =
            StreamJoined.with(Serdes.String(), Serdes.Long(), Serdes.Long());

    static void streamStreamJoin(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .join(b.stream(inputs[1], IN), (l, r) -> l + "|" + r, JOIN_WINDOWS, STREAM_JOINED)
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
    }

    static void streamStreamLeftJoin(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .leftJoin(b.stream(inputs[1], IN), (l, r) -> l + "|" + r, JOIN_WINDOWS, STREAM_JOINED)
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
    }

    /** Asymmetric: left records join right records from 5 s before to 2 s after. */
    static void streamStreamOuterJoin(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .outerJoin(b.stream(inputs[1], IN), (l, r) -> l + "|" + r,
                        JOIN_WINDOWS.after(Duration.ofSeconds(2)), STREAM_JOINED)
                .to(output, Produced.with(Serdes.String(), Serdes.String()));
    }

    /** KIP-150: two grouped streams, one aggregate per key in one store. */
    static void cogroup(StreamsBuilder b, String[] inputs, String output) {
        org.apache.kafka.streams.kstream.KGroupedStream<String, Long> first = b.stream(inputs[0], IN).groupByKey(GROUPED);
        org.apache.kafka.streams.kstream.KGroupedStream<String, Long> second = b.stream(inputs[1], IN).groupByKey(GROUPED);
        first.<Long>cogroup((k, v, agg) -> agg + v)
                .cogroup(second, (k, v, agg) -> agg - 2 * v)
                .aggregate(() -> 0L, Materialized.with(Serdes.String(), Serdes.Long()))
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    }

    private static final Produced<String, String> TEXT_OUT = Produced.with(Serdes.String(), Serdes.String());

    /** Orders (inputs[0]) joined with the table of inputs[1]; records without a row are dropped. */
    static void streamTableJoin(StreamsBuilder b, String[] inputs, String output) {
        final KTable<String, Long> table = b.table(inputs[1], IN);
        b.stream(inputs[0], IN)
                .join(table, (v, t) -> v + "x" + t)
                .to(output, TEXT_OUT);
    }

    /** As streamTableJoin; a record without a row joins null. */
    static void streamTableLeftJoin(StreamsBuilder b, String[] inputs, String output) {
        final KTable<String, Long> table = b.table(inputs[1], IN);
        b.stream(inputs[0], IN)
                .leftJoin(table, (v, t) -> v + "x" + t)
                .to(output, TEXT_OUT);
    }

    /** A global table joined by a key computed from the stream's value. */
    static void streamGlobalTableJoin(StreamsBuilder b, String[] inputs, String output) {
        final GlobalKTable<String, Long> table = b.globalTable(inputs[1], IN);
        b.stream(inputs[0], IN)
                .join(table, (k, v) -> "key-" + Math.floorMod(v, 8L), (v, g) -> v + "x" + g)
                .to(output, TEXT_OUT);
    }

    /** As streamGlobalTableJoin, by the stream's key; a record without a row joins null. */
    static void streamGlobalTableLeftJoin(StreamsBuilder b, String[] inputs, String output) {
        final GlobalKTable<String, Long> table = b.globalTable(inputs[1], IN);
        b.stream(inputs[0], IN)
                .leftJoin(table, (k, v) -> k, (v, g) -> v + "x" + g)
                .to(output, TEXT_OUT);
    }

    /** Two tables joined; toStream() forwards deletes as null values. */
    static void tableTableJoin(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .join(b.table(inputs[1], IN), (l, r) -> l + "+" + r)
                .toStream()
                .to(output, TEXT_OUT);
    }

    static void tableTableLeftJoin(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .leftJoin(b.table(inputs[1], IN), (l, r) -> l + "+" + r)
                .toStream()
                .to(output, TEXT_OUT);
    }

    static void tableTableOuterJoin(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .outerJoin(b.table(inputs[1], IN), (l, r) -> l + "+" + r)
                .toStream()
                .to(output, TEXT_OUT);
    }

    /** The first three {@code key-N} of partition 0 of 4 (the foreign keys of the FK-join cases). */
    private static final java.util.List<String> FOREIGN_KEYS = foreignKeys();

    private static java.util.List<String> foreignKeys() {
        final java.util.List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; keys.size() < 3; i++) {
            final String key = "key-" + i;
            final byte[] bytes = key.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(bytes)) % 4 == 0) {
                keys.add(key);
            }
        }
        return keys;
    }

    static void fkJoin(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .join(b.table(inputs[1], IN),
                        (Long v) -> FOREIGN_KEYS.get((int) Math.floorMod(v, 3L)),
                        (l, r) -> l + "+" + r)
                .toStream()
                .to(output, TEXT_OUT);
    }

    static void fkLeftJoin(StreamsBuilder b, String[] inputs, String output) {
        b.table(inputs[0], IN)
                .leftJoin(b.table(inputs[1], IN),
                        (Long v) -> FOREIGN_KEYS.get((int) Math.floorMod(v, 3L)),
                        (l, r) -> l + "+" + r)
                .toStream()
                .to(output, TEXT_OUT);
    }

    /** Tumbling 10 s windows, 2 s grace, emitted once when they close (KIP-825). */
    static void tumblingEmitFinal(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                .count()
                .toStream()
                .to(output, Produced.with(WINDOWED_10S, Serdes.Long()));
    }

    /** Sliding windows of 5 s, 2 s grace, emitted once when they close (KIP-825). */
    static void slidingEmitFinal(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(5), Duration.ofSeconds(2)))
                .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                .count()
                .toStream()
                .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 5_000L), Serdes.Long()));
    }

    /** Sessions (gap 5 s, grace 2 s), emitted once when they close (KIP-825). */
    static void sessionEmitFinal(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(SESSIONS)
                .emitStrategy(org.apache.kafka.streams.kstream.EmitStrategy.onWindowClose())
                .count()
                .toStream()
                .to(output, Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), Serdes.Long()));
    }
}
