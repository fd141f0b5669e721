package io.cdcpipeline.common.config;

import java.util.Objects;

/** A secret value (password). {@link #toString()} never reveals it, so it cannot leak into a log line. */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value);
    }

    /** The secret itself: call only where it is handed to a driver. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "********";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
