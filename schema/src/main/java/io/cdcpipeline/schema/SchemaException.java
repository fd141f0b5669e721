package io.cdcpipeline.schema;

/** A migration, rollback or verification that could not be done; the message says why. */
public final class SchemaException extends RuntimeException {

    public SchemaException(String message) {
        super(message);
    }

    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
