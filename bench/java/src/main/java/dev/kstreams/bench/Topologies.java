package dev.kstreams.bench;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;

/** The benchmark topologies, written as a Kafka Streams user would. */
final class Topologies {
    private Topologies() {}

    /** stream(input).filter(success).mapValues(amount in cents).to(output) */
    static Topology stateless(String input, String output) {
        Serde<Payment> payments = JsonSerde.of(Payment.class);
        StreamsBuilder b = new StreamsBuilder();
        b.stream(input, Consumed.with(Serdes.String(), payments))
                .filter((account, p) -> p.succeeded())
                .mapValues(PaymentCents::of)
                .to(output, Produced.with(Serdes.String(), JsonSerde.of(PaymentCents.class)));
        return b.build();
    }

    /** stream(input).filter(success).groupByKey().count().toStream().to(output) */
    static Topology counter(String input, String output) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(input, Consumed.with(Serdes.String(), JsonSerde.of(Payment.class)))
                .filter((account, p) -> p.succeeded())
                .groupByKey()
                .count()
                .toStream()
                .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return b.build();
    }

    /** Window size of the windowed topologies (as bench_kstreams_windowed). */
    static final Duration WINDOW = Duration.ofSeconds(60);
    /** How long a window accepts late records after its end. */
    static final Duration GRACE = Duration.ofSeconds(10);

    /**
     * stream(input).filter(success).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(60 s, 10 s))
     * .count()[.suppress(untilWindowCloses(unbounded()))].toStream().to(output), output keys in
     * the TimeWindowedSerde layout, values 8-byte counts.
     */
    static Topology windowed(String input, String output, boolean suppress) {
        StreamsBuilder b = new StreamsBuilder();
        KTable<Windowed<String>, Long> counts = b
                .stream(input, Consumed.with(Serdes.String(), JsonSerde.of(Payment.class)))
                .filter((account, p) -> p.succeeded())
                .groupByKey()
                .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW, GRACE))
                .count();
        if (suppress) {
            counts = counts.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()));
        }
        counts.toStream().to(output, Produced.with(
                WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW.toMillis()), Serdes.Long()));
        return b.build();
    }

    /** stream(input).filter(success).join(table(accounts), PaymentEnriched::of).to(output) */
    static Topology streamTableJoin(String input, String table, String output) {
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, Account> accounts =
                b.table(table, Consumed.with(Serdes.String(), JsonSerde.of(Account.class)));
        b.stream(input, Consumed.with(Serdes.String(), JsonSerde.of(Payment.class)))
                .filter((account, p) -> p.succeeded())
                .join(accounts, PaymentEnriched::of)
                .to(output, Produced.with(Serdes.String(), JsonSerde.of(PaymentEnriched.class)));
        return b.build();
    }

    /**
     * Time difference of the stream-stream join, either way: JOIN_WINDOW_MS of
     * examples/src/bench/pairs.rs (keep them equal: bench_load counts the expected
     * results with the Rust constant).
     */
    static final Duration JOIN_WINDOW = Duration.ofMillis(10_000);

    /**
     * s = stream(input).filter(success); s.join(s.mapValues(PaymentCents::of), PaymentPair::of,
     * JoinWindows.ofTimeDifferenceWithNoGrace(10 s)).to(output): two distinct nodes of one
     * source, keyed by account (no repartition).
     */
    static Topology streamStreamJoin(String input, String output) {
        Serde<Payment> payments = JsonSerde.of(Payment.class);
        StreamsBuilder b = new StreamsBuilder();
        KStream<String, Payment> succeeded = b.stream(input, Consumed.with(Serdes.String(), payments))
                .filter((account, p) -> p.succeeded());
        KStream<String, PaymentCents> right = succeeded.mapValues(PaymentCents::of);
        succeeded
                .join(right, PaymentPair::of, JoinWindows.ofTimeDifferenceWithNoGrace(JOIN_WINDOW),
                        StreamJoined.with(Serdes.String(), payments, JsonSerde.of(PaymentCents.class)))
                .to(output, Produced.with(Serdes.String(), JsonSerde.of(PaymentPair.class)));
        return b.build();
    }
}
