package io.cdcpipeline.common.db;

/** pgjdbc's {@code sslmode} values. Everything of ours defaults to {@link #VERIFY_FULL}. */
public enum SslMode {
    DISABLE, ALLOW, PREFER, REQUIRE, VERIFY_CA, VERIFY_FULL;

    public String pgValue() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** True when the server certificate is checked against a CA (and, for verify-full, the host name). */
    public boolean verifiesServer() {
        return this == VERIFY_CA || this == VERIFY_FULL;
    }
}
