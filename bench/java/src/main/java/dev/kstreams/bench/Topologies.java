package dev.kstreams.bench;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/** The two benchmark topologies, written as a Kafka Streams user would. */
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
}
