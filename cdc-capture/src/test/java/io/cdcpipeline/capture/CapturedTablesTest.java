package io.cdcpipeline.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

class CapturedTablesTest {

    @Test
    void shouldTurnATableNameIntoAnExpressionMatchingOnlyIt() {
        String expression = CapturedTables.literal("billing.invoice-lines$2024");

        assertThat(expression).isEqualTo("billing\\.invoice\\-lines\\$2024");
        assertThat(Pattern.compile(expression).matcher("billing.invoice-lines$2024").matches()).isTrue();
        assertThat(Pattern.compile(expression).matcher("billingXinvoice-lines$2024").matches()).isFalse();
    }

    @Test
    void shouldMatchNoTableWithTheEmptyPublicationsExpression() {
        assertThat(Pattern.compile(CapturedTables.NO_TABLE).matcher("app.articles").matches()).isFalse();
        assertThat(Pattern.compile(CapturedTables.NO_TABLE).matcher("").matches()).isFalse();
    }
}
