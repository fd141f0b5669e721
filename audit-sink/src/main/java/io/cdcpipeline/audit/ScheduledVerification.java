package io.cdcpipeline.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.metrics.MetricsConfig;
import io.cdcpipeline.common.metrics.MetricsServer;
import io.cdcpipeline.common.service.Periodic;
import io.cdcpipeline.common.service.Service;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code audit-sink verify --every DURATION}: verifies the chains now and then every DURATION
 * (from the end of the previous run, so runs never overlap) and exports the results, so a
 * tampered log raises an alert instead of waiting for someone to run {@code verify}. Broken links
 * are logged by position (chain, offset, row id), never with row contents.
 */
final class ScheduledVerification {

    static final int DEFAULT_METRICS_PORT = 9407;
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledVerification.class);

    /** The verifier's meters: what the last completed run found, and how runs ended. */
    static final class VerificationMetrics {
        private final MeterRegistry registry;
        private final AtomicLong brokenChains = new AtomicLong();
        private final AtomicLong rows = new AtomicLong();
        private final AtomicLong chains = new AtomicLong();
        private final AtomicLong lastRun = new AtomicLong();

        VerificationMetrics(MeterRegistry registry) {
            this.registry = registry;
            Gauge.builder("audit.verify.broken.chains", brokenChains, AtomicLong::get)
                    .description("chains with a broken link in the last completed verification (0 before the first)")
                    .strongReference(true).register(registry);
            Gauge.builder("audit.verify.rows", rows, AtomicLong::get).description("rows the last completed verification read")
                    .strongReference(true).register(registry);
            Gauge.builder("audit.verify.chains", chains, AtomicLong::get).description("chains the last completed verification read")
                    .strongReference(true).register(registry);
            Gauge.builder("audit.verify.last.run.timestamp.seconds", lastRun, AtomicLong::get)
                    .description("end of the last completed verification (Unix time; 0 = none yet)").strongReference(true)
                    .register(registry);
            for (String outcome : new String[] {"ok", "broken", "error"}) {
                runs(outcome);
            }
        }

        void completed(ChainVerifier.Report report) {
            brokenChains.set(report.problems().stream().map(ChainVerifier.Problem::chain).distinct().count());
            rows.set(report.rows());
            chains.set(report.chains());
            lastRun.set(Instant.now().getEpochSecond());
            runs(report.ok() ? "ok" : "broken").increment();
        }

        void failed() {
            runs("error").increment();
        }

        private io.micrometer.core.instrument.Counter runs(String outcome) {
            return registry.counter("audit.verify.runs", "outcome", outcome);
        }
    }

    private ScheduledVerification() {
    }

    static Service create(Map<String, String> env, Optional<Instant> from, Optional<String> table, Duration every) {
        Settings settings = new Settings(env);
        VerificationTarget target = VerificationTarget.read(settings, "audit-verify");
        MetricsConfig metricsConfig = MetricsConfig.read(settings, DEFAULT_METRICS_PORT);
        settings.validate("audit-sink verify --every");
        MetricsServer metrics = MetricsServer.start(metricsConfig, "audit-verify");
        VerificationMetrics results = new VerificationMetrics(metrics.registry());
        metrics.addReadinessCheck("scheduled", () -> true);
        Runnable runOnce = () -> {
            try {
                ChainVerifier.Report report = target.verify(from, table);
                results.completed(report);
                if (report.ok()) {
                    LOG.info("verified {} rows in {} chains against {} checkpoints: intact", report.rows(), report.chains(),
                            report.checkpoints());
                } else {
                    report.problems().forEach(p -> LOG.error("BROKEN {}", p));
                }
            } catch (Exception e) {
                // An outage: this run is lost, the next one tries again.
                LOG.warn("verification run failed: {}", e.getMessage());
                results.failed();
            }
        };
        return Periodic.every(every, "audit-verify", runOnce, metrics);
    }
}
