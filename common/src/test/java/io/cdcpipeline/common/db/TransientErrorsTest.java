package io.cdcpipeline.common.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;

class TransientErrorsTest {

    @Test
    void shouldRetryConnectionLossRestartsSerializationFailuresAndDeadlocks() {
        for (String state : new String[] {"08006", "08001", "57P01", "57P02", "57P03", "40001", "40P01", "53300"}) {
            assertThat(TransientErrors.isTransient(new SQLException("x", state))).as(state).isTrue();
        }
        assertThat(TransientErrors.isTransient(new SQLTransientConnectionException("pool timeout"))).isTrue();
        assertThat(TransientErrors.isTransient(new SQLException("wrapped", null, new ConnectException("refused")))).isTrue();
    }

    @Test
    void shouldNotRetryAuthenticationSyntaxOrConstraintErrors() {
        for (String state : new String[] {"28P01", "28000", "42601", "42501", "23505", "22P02", "57014"}) {
            assertThat(TransientErrors.isTransient(new SQLException("x", state))).as(state).isFalse();
        }
        assertThat(TransientErrors.isTransient(new IllegalArgumentException("bug"))).isFalse();
    }
}
