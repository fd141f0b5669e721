package io.cdcpipeline.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import redis.clients.jedis.Jedis;

/**
 * A real Redis Cluster of three masters ({@code redis-server --cluster-enabled yes}, no replicas)
 * on free loopback ports, its 16,384 hash slots split in three ranges, for tests of clients that
 * must route by slot. Needs redis-server 7 (Debian's).
 */
public final class RedisCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCluster.class);
    private static final int SLOTS = 16384;
    private static final Duration FORMATION_TIMEOUT = Duration.ofSeconds(30);

    private final Path workDir;
    private final List<RedisServer> nodes;

    private RedisCluster(Path workDir, List<RedisServer> nodes) {
        this.workDir = workDir;
        this.nodes = nodes;
    }

    public static RedisCluster start(Path workDir) {
        long started = System.nanoTime();
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(RedisServer.startClusterNode(workDir.resolve("node-" + i)));
            }
            for (int i = 0; i < nodes.size(); i++) {
                try (Jedis node = new Jedis(nodes.get(i).host(), nodes.get(i).port())) {
                    int first = i * SLOTS / nodes.size();
                    int last = (i + 1) * SLOTS / nodes.size() - 1;
                    node.clusterAddSlotsRange(first, last);
                    if (i > 0) {
                        // The bus port too: it is not port + 10000 here (cluster-port).
                        RedisServer seed = nodes.get(0);
                        node.sendCommand(redis.clients.jedis.Protocol.Command.CLUSTER, "MEET", seed.host(),
                                Integer.toString(seed.port()), Integer.toString(seed.clusterBusPort()));
                    }
                }
            }
            awaitFormed(nodes);
        } catch (RuntimeException e) {
            nodes.forEach(RedisServer::close);
            throw e;
        }
        LOG.info("Redis Cluster of {} masters ready on {} in {} ms", nodes.size(),
                nodes.stream().map(n -> Integer.toString(n.port())).collect(Collectors.joining(",")),
                java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return new RedisCluster(workDir, nodes);
    }

    /** Waits until every node sees every slot served ({@code cluster_state:ok}) and knows every other node. */
    private static void awaitFormed(List<RedisServer> nodes) {
        long deadline = System.nanoTime() + FORMATION_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            boolean formed = true;
            for (RedisServer n : nodes) {
                try (Jedis node = new Jedis(n.host(), n.port())) {
                    String info = node.clusterInfo();
                    formed &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size());
                }
            }
            if (formed) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the Redis Cluster did not reach cluster_state:ok within " + FORMATION_TIMEOUT);
    }

    /** {@code redis://127.0.0.1:<port>} of the first node: a client discovers the others from it. */
    public String seedUrl() {
        return "redis://127.0.0.1:" + nodes.get(0).port();
    }

    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
        Directories.deleteRecursively(workDir);
    }
}
