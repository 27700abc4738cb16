package dev.kstreams.conformance;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The Java Kafka Streams side of {@code cargo xtask conformance}: runs the topology of one
 * case ({@link Cases}) until SIGTERM.
 *
 * <pre>
 * ConformanceApp --case NAME --bootstrap HOST:PORT --application-id ID
 *                --input TOPIC[,TOPIC..] --output TOPIC --state-dir DIR [--commit-interval-ms 100]
 * </pre>
 *
 * Settings as the kstreams side ({@code conformance_kstreams}): exactly_once_v2, record
 * cache off (every update is emitted), one stream thread. Prints {@code BENCH state=RUNNING
 * uptime_ms=N} when running and {@code BENCH state=NOT_RUNNING} after a clean stop.
 */
public final class ConformanceApp {
    private ConformanceApp() {}

    static final String USAGE = "usage: ConformanceApp --case NAME --bootstrap HOST:PORT "
            + "--application-id ID --input TOPIC[,TOPIC..] --output TOPIC --state-dir DIR [--commit-interval-ms 100]";

    public static void main(String[] argv) throws InterruptedException {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i < argv.length; i += 2) {
            if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                fail("expected `--name value`, found `" + argv[i] + "`");
            }
            args.put(argv[i].substring(2), argv[i + 1]);
        }
        String name = required(args, "case");
        Cases.Case c = Cases.ALL.get(name);
        if (c == null) {
            fail("unknown case `" + name + "` (known: " + String.join(", ", Cases.ALL.keySet()) + ")");
        }
        StreamsBuilder builder = new StreamsBuilder();
        c.build(builder, required(args, "input").split(","), required(args, "output"));
        Topology topology = builder.build();
        System.err.println(topology.describe());

        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, required(args, "application-id"));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(args, "bootstrap"));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(args.getOrDefault("commit-interval-ms", "100")));
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0L);
        // A task with two inputs waits (up to 1 s) for both to have data
        // instead of racing ahead on the first one fetched: stream-stream
        // joins drop partners that fell out of retention meanwhile.
        p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 1000L);
        // Left/outer stream-stream joins emit non-joined records on every
        // record that advances stream time, not once per wall-clock second
        // (the default throttle would make the output depend on speed).
        p.put(StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_RESULTS_FIX, 0L);
        // Emit-final windowed aggregations (KIP-825) check for closed windows
        // on every record, as kstreams does, not once per second of wall time.
        p.put("__emit.interval.ms.kstreams.windowed.aggregation__", 0L);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.STATE_DIR_CONFIG, required(args, "state-dir"));

        KafkaStreams streams = new KafkaStreams(topology, p);
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
            System.err.println("ConformanceApp: stream thread failed: " + e);
            e.printStackTrace();
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
                    .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            report("state=NOT_RUNNING");
        }, "conformance-shutdown"));

        streams.start();
        stopped.await();
        if (streams.state() == KafkaStreams.State.ERROR) {
            System.err.println("ConformanceApp: the instance is in state ERROR");
            System.exit(1);
        }
    }

    private static String required(Map<String, String> args, String name) {
        String v = args.get(name);
        if (v == null || v.isEmpty()) {
            fail("missing --" + name);
        }
        return v;
    }

    private static void fail(String message) {
        System.err.println("ConformanceApp: " + message + "\n" + USAGE);
        System.exit(2);
    }

    static synchronized void report(String line) {
        System.out.println("BENCH " + line);
        System.out.flush();
    }
}
