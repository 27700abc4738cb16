package dev.kstreams.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;

/**
 * One Kafka Streams application for `cargo xtask bench`. It speaks to the
 * harness through lines on stdout that start with {@code BENCH}:
 * <ul>
 *   <li>{@code BENCH state=RUNNING uptime_ms=N} when the instance first reaches RUNNING;</li>
 *   <li>{@code BENCH restored records=N ms=M} after changelog restoration (stateful topologies);</li>
 *   <li>{@code BENCH state=NOT_RUNNING} after a clean shutdown (SIGTERM).</li>
 * </ul>
 */
public final class BenchApp {
    private BenchApp() {}

    public static void main(String[] argv) throws InterruptedException {
        BenchArgs args;
        try {
            args = BenchArgs.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("BenchApp: " + e.getMessage() + "\n" + BenchArgs.USAGE);
            System.exit(2);
            return;
        }
        Topology topology = switch (args.topology) {
            case "stateless" -> Topologies.stateless(args.input, args.output);
            case "counter" -> Topologies.counter(args.input, args.output);
            case "windowed" -> Topologies.windowed(args.input, args.output, false);
            case "windowed-suppress" -> Topologies.windowed(args.input, args.output, true);
            case "stream-table-join" -> Topologies.streamTableJoin(args.input, args.table, args.output);
            case "stream-stream-join" -> Topologies.streamStreamJoin(args.input, args.output);
            default -> throw new IllegalStateException("BenchArgs accepted topology " + args.topology);
        };

        KafkaStreams streams = new KafkaStreams(topology, config(args));
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) {
                report("state=RUNNING uptime_ms=" + ManagementFactory.getRuntimeMXBean().getUptime());
            }
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            System.err.println("BenchApp: stream thread failed: " + e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setGlobalStateRestoreListener(new RestoreTimer());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Leave the group: a restart with the same application id (the restore
            // measurement) must not wait for this member's session to time out.
            streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            report("state=NOT_RUNNING");
        }, "bench-shutdown"));

        streams.start();
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
            System.err.println("BenchApp: the instance is in state ERROR");
            System.exit(1);
        }
    }

    static Properties config(BenchArgs a) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, a.applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, a.bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, a.guarantee);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, a.commitIntervalMs);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, a.threads);
        p.put(StreamsConfig.STATE_DIR_CONFIG, a.stateDir);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        return p;
    }

    static synchronized void report(String line) {
        System.out.println("BENCH " + line);
        System.out.flush();
    }

    /** Sums restored records and times first start to last end over all changelog partitions. */
    static final class RestoreTimer implements StateRestoreListener {
        private long firstStartNanos = -1;
        private long restored;
        private int open;

        @Override
        public synchronized void onRestoreStart(TopicPartition tp, String store, long start, long end) {
            if (firstStartNanos < 0) {
                firstStartNanos = System.nanoTime();
            }
            open++;
        }

        @Override
        public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long count) {}

        @Override
        public synchronized void onRestoreEnd(TopicPartition tp, String store, long total) {
            restored += total;
            open--;
            if (open == 0) {
                long ms = (System.nanoTime() - firstStartNanos) / 1_000_000;
                report("restored records=" + restored + " ms=" + ms);
            }
        }
    }
}
