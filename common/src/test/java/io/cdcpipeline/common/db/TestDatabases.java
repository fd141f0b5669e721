package io.cdcpipeline.common.db;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;

import io.cdcpipeline.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** DatabaseConfig for a kit database, as the superuser (client certificate), with test overrides. */
final class TestDatabases {

    private TestDatabases() {
    }

    static DatabaseConfig config(TestDatabase db, String... overrides) {
        Map<String, String> env = new HashMap<>(db.superuserEnv());
        env.put("DB_MIN_CONNECTIONS", "1");
        env.put("DB_MAX_CONNECTIONS", "5");
        env.put("DB_ADAPTIVE_SIZING", "false");
        for (int i = 0; i < overrides.length; i += 2) {
            env.put(overrides[i], overrides[i + 1]);
        }
        return DatabaseConfig.fromEnv(env, "common-test");
    }

    static Database open(DatabaseConfig config, Priority... priorities) throws java.sql.SQLException {
        EnumSet<Priority> set = EnumSet.noneOf(Priority.class);
        set.addAll(java.util.List.of(priorities));
        return Database.open(config, new SimpleMeterRegistry(), set);
    }
}
