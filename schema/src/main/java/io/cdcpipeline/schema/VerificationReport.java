package io.cdcpipeline.schema;

import java.util.List;

/** Which checks ran and what each found wrong; empty problems = verified. */
public record VerificationReport(List<String> checksRun, List<String> problems) {

    public boolean ok() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return ok() ? "verified: " + checksRun.size() + " checks passed"
                : "verification failed (" + problems.size() + " problems):\n  - " + String.join("\n  - ", problems);
    }
}
