package io.cdcpipeline.schema.maintenance;

import java.util.List;

/**
 * One run of {@code schema maintain}. {@code ranElsewhere}: another host held the maintenance
 * lock, so this run did nothing.
 */
public record MaintenanceReport(boolean ranElsewhere, List<String> partitionActions, List<ActionResult> results) {

    public boolean ok() {
        return results.stream().noneMatch(r -> r.outcome() == ActionResult.Outcome.FAILED);
    }

    @Override
    public String toString() {
        if (ranElsewhere) {
            return "another maintain run holds the maintenance lock; nothing done";
        }
        StringBuilder text = new StringBuilder();
        partitionActions.forEach(a -> text.append("partitions: ").append(a).append('\n'));
        results.forEach(r -> text.append(r).append('\n'));
        if (partitionActions.isEmpty() && results.isEmpty()) {
            text.append("nothing to do: statistics fresh, dead rows, bloat and partitions within limits\n");
        }
        return text.toString().stripTrailing();
    }
}
