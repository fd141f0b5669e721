package io.cdcpipeline.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PartitioningIT {

    private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyyMM");
    private static MigratedDatabase m;

    @BeforeAll
    static void migrate() throws SQLException {
        m = MigratedDatabase.create("partitions");
    }

    @Test
    void shouldRouteViewsToTheirMonthAndOutOfRangeRowsToTheDefault() throws SQLException {
        LocalDate thisMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
        m.execute("INSERT INTO app.article_views (article_id, created_at) VALUES"
                + " (1, '" + thisMonth.plusDays(3) + " 12:00+00'),"
                + " (1, '" + thisMonth.plusMonths(2).plusDays(1) + " 00:00+00'),"
                + " (1, '1999-01-01 00:00+00')");

        assertThat(partitionsOf("app.article_views", "article_id = 1"))
                .containsExactlyInAnyOrder("app.article_views_p" + thisMonth.format(MONTH),
                        "app.article_views_p" + thisMonth.plusMonths(2).format(MONTH),
                        "app.article_views_default");
    }

    @Test
    void shouldCreateFutureMonthsMovingRowsWaitingInTheDefaultPartition() throws SQLException {
        LocalDate farMonth = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).plusMonths(6);
        m.execute("INSERT INTO app.article_views (article_id, created_at) VALUES (2, '" + farMonth.plusDays(9) + " 08:00+00'),"
                + " (2, '" + farMonth.plusDays(10) + " 08:00+00')");
        assertThat(partitionsOf("app.article_views", "article_id = 2")).containsOnly("app.article_views_default");

        List<PartitionAction> actions = m.migrator().ensurePartitions(6, null);

        String far = "app.article_views_p" + farMonth.format(MONTH);
        assertThat(actions).anySatisfy(a -> {
            assertThat(a.partition()).isEqualTo(far);
            assertThat(a.action()).isEqualTo("moved_rows");
            assertThat(a.detail()).startsWith("2 rows");
        });
        assertThat(partitionsOf("app.article_views", "article_id = 2")).containsOnly(far);
        assertThat(m.queryLong("SELECT count(*) FROM app.article_views WHERE article_id = 2")).as("no row lost").isEqualTo(2);
        assertThat(m.queryLong("SELECT count(*) FROM pg_inherits WHERE inhparent = 'app.article_views'::regclass"
                + " AND inhrelid = 'app.article_views_default'::regclass")).as("default partition re-attached").isOne();
        assertThat(m.queryLong("SELECT count(*) FROM maintenance.partition_log WHERE action = 'moved_rows'")).isPositive();
        assertThat(m.migrator().verify().ok()).isTrue();
        assertThat(m.migrator().ensurePartitions(6, null)).as("a second run has nothing to do").isEmpty();
    }

    @Test
    void shouldDropPartitionsPastRetentionAndLogIt() throws SQLException {
        m.execute("SET ROLE admin_user; CREATE TABLE app.article_views_p202001 PARTITION OF app.article_views"
                + " FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-02-01 00:00+00'); RESET ROLE");
        m.execute("INSERT INTO app.article_views (article_id, created_at) VALUES (3, '2020-01-15 00:00+00')");

        List<PartitionAction> actions = m.migrator().ensurePartitions(null, 24);

        assertThat(actions).anySatisfy(a -> {
            assertThat(a.action()).isEqualTo("dropped");
            assertThat(a.partition()).isEqualTo("app.article_views_p202001");
        });
        assertThat(m.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'article_views_p202001'")).isZero();
        assertThat(m.queryLong("SELECT count(*) FROM maintenance.partition_log WHERE action = 'dropped'"
                + " AND partition = 'app.article_views_p202001'")).isOne();
        assertThat(partitionsOf("app.article_views", "true")).as("current months are kept")
                .contains("app.article_views_p" + LocalDate.now(ZoneOffset.UTC).format(MONTH));
    }

    @Test
    void shouldNeverDropAuditMonthsWithTheOtherTablesRetention() throws SQLException {
        m.execute("SET ROLE admin_user; CREATE TABLE audit.change_log_p201901 PARTITION OF audit.change_log"
                + " FOR VALUES FROM ('2019-01-01 00:00+00') TO ('2019-02-01 00:00+00');"
                + " CREATE TABLE app.article_views_p201901 PARTITION OF app.article_views"
                + " FOR VALUES FROM ('2019-01-01 00:00+00') TO ('2019-02-01 00:00+00'); RESET ROLE");

        List<PartitionAction> actions = m.migrator().ensurePartitions(null, 60);

        assertThat(m.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'article_views_p201901'")).isZero();
        assertThat(m.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'change_log_p201901'"))
                .as("audit months are dropped only by audit-sink retain, which signs a retention checkpoint first").isOne();
        assertThat(actions).noneSatisfy(a -> assertThat(a.partition()).startsWith("audit."));
    }

    private static List<String> partitionsOf(String table, String where) throws SQLException {
        try (Connection c = m.superuser(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DISTINCT tableoid::regclass::text FROM " + table + " WHERE " + where)) {
            List<String> names = new java.util.ArrayList<>();
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        }
    }
}
