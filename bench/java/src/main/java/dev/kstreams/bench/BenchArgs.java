package dev.kstreams.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * The command line shared by every benchmark app (Java and kstreams):
 * {@code --topology stateless|counter|windowed|windowed-suppress|stream-table-join|stream-stream-join
 * --bootstrap HOST:PORT --application-id ID --input TOPIC --output TOPIC [--table TOPIC] --guarantee at_least_once|exactly_once_v2
 * --commit-interval-ms MS --threads N --state-dir DIR}.
 */
final class BenchArgs {
    static final java.util.List<String> TOPOLOGIES =
            java.util.List.of(
                    "stateless", "counter", "windowed", "windowed-suppress", "stream-table-join", "stream-stream-join");
    static final String USAGE = "usage: BenchApp --topology " + String.join("|", TOPOLOGIES)
            + " --bootstrap HOST:PORT --application-id ID --input TOPIC --output TOPIC [--table TOPIC] "
            + "[--guarantee at_least_once|exactly_once_v2] [--commit-interval-ms 100] "
            + "[--threads 1] [--state-dir DIR]";

    final String topology;
    final String bootstrap;
    final String applicationId;
    final String input;
    final String output;
    /** The account topic of stream-table-join ("" otherwise). */
    final String table;
    final String guarantee;
    final long commitIntervalMs;
    final int threads;
    final String stateDir;

    private BenchArgs(Map<String, String> m) {
        topology = required(m, "topology");
        bootstrap = required(m, "bootstrap");
        applicationId = required(m, "application-id");
        input = required(m, "input");
        output = required(m, "output");
        table = m.getOrDefault("table", "");
        guarantee = m.getOrDefault("guarantee", "at_least_once");
        commitIntervalMs = number(m, "commit-interval-ms", "100");
        threads = (int) number(m, "threads", "1");
        stateDir = m.getOrDefault("state-dir", System.getProperty("java.io.tmpdir") + "/kstreams-bench-java");
        if (!TOPOLOGIES.contains(topology)) {
            throw new IllegalArgumentException(
                    "--topology must be one of " + String.join(", ", TOPOLOGIES) + ", not `" + topology + "`");
        }
        if (topology.equals("stream-table-join") && table.isEmpty()) {
            throw new IllegalArgumentException("--topology stream-table-join needs --table (the account topic)");
        }
        if (!guarantee.equals("at_least_once") && !guarantee.equals("exactly_once_v2")) {
            throw new IllegalArgumentException("--guarantee must be at_least_once or exactly_once_v2, not `" + guarantee + "`");
        }
    }

    static BenchArgs parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected `--name value`, found `" + args[i] + "`");
            }
            m.put(args[i].substring(2), args[i + 1]);
        }
        return new BenchArgs(m);
    }

    private static String required(Map<String, String> m, String name) {
        String v = m.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return v;
    }

    private static long number(Map<String, String> m, String name, String dflt) {
        String v = m.getOrDefault(name, dflt);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, not `" + v + "`");
        }
    }
}
