package dev.kstreams.conformance;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
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
        ALL.put("merge", Cases::merge);
        ALL.put("session-count", Cases::sessionCount);
        ALL.put("session-suppress", Cases::sessionSuppress);
        ALL.put("session-reduce", Cases::sessionReduce);
        ALL.put("hopping-count", Cases::hoppingCount);
        ALL.put("sliding-count", Cases::slidingCount);
        // Windowed cases and joins: add them here (same name as in cases.rs).
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

    /** Two inputs: each task picks the buffered record with the lowest timestamp across them. */
    static void merge(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .merge(b.stream(inputs[1], IN))
                .mapValues(value -> value * 2)
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
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

    static void hoppingCount(StreamsBuilder b, String[] inputs, String output) {
        b.stream(inputs[0], IN)
                .groupByKey(GROUPED)
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(2))
                        .advanceBy(Duration.ofSeconds(5)))
                .count()
                .toStream()
                .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 10_000L), Serdes.Long()));
    }
}
