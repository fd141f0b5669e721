package io.cdcpipeline.common.change;

/** A record that is not a change event of the topic contract: it goes to the dead-letter topic. */
public final class MalformedChangeException extends RuntimeException {

    public MalformedChangeException(String message) {
        super(message);
    }

    public MalformedChangeException(String message, Throwable cause) {
        super(message, cause);
    }
}
