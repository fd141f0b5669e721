package io.cdcpipeline.schema.maintenance;

import java.time.Duration;
import java.util.Locale;

/** What one action did: the figure it is about, before and after, or why it did not happen. */
public record ActionResult(MaintenanceAction action, Outcome outcome, String figure, double before, double after, Duration took,
                           String error) {

    public enum Outcome {
        DONE,
        /** Its lock was not granted within MAINTAIN_LOCK_TIMEOUT: the application kept the table; next run. */
        SKIPPED_LOCKED,
        FAILED
    }

    @Override
    public String toString() {
        String head = action.kind().label() + " " + action.target();
        return switch (outcome) {
            case DONE -> String.format(Locale.ROOT, "%s: %s %s -> %s (%d ms; %s)", head, figure, format(before), format(after), took.toMillis(),
                    action.reason());
            case SKIPPED_LOCKED -> head + ": skipped, lock not granted within the lock timeout (" + action.reason() + ")";
            case FAILED -> head + ": failed: " + error + " (" + action.reason() + ")";
        };
    }

    private static String format(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%,d", (long) value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
