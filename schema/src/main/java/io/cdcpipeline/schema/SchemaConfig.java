package io.cdcpipeline.schema;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.cdcpipeline.common.config.Secret;
import io.cdcpipeline.common.config.Setting;
import io.cdcpipeline.common.config.Settings;
import io.cdcpipeline.common.db.ConnectionSettings;

/**
 * Configuration of the schema tool: how to connect (as a role allowed to create roles and set
 * role {@code admin_user}, e.g. a superuser or a cloud admin role), the passwords to give the
 * service roles, and how long to wait for another migrator.
 */
public record SchemaConfig(ConnectionSettings connection, Map<Role, Secret> rolePasswords, Duration lockTimeout, Optional<Boolean> example) {

    public static final Setting<Boolean> SCHEMA_EXAMPLE = Setting.bool("SCHEMA_EXAMPLE",
            "install the blog example with the pipeline (schema app and its analytics, roles app_user and analytics_user);"
            + " false installs only the pipeline's own objects, for auditing your own tables with `schema enroll`. Unset: true"
            + " for a new database; a database migrated before keeps the choice of its first migration, which cannot change");

    public static final Setting<Long> MIGRATION_LOCK_TIMEOUT = Setting.longInteger("MIGRATION_LOCK_TIMEOUT",
            "seconds to wait for another running migration before giving up").withDefault("300").between(0L, 86_400L);

    /** Every variable this tool reads, for the generated reference. */
    public static List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(ConnectionSettings.SETTINGS);
        for (Role role : Role.values()) {
            all.add(role.passwordSetting());
        }
        all.add(MIGRATION_LOCK_TIMEOUT);
        all.add(SCHEMA_EXAMPLE);
        return all;
    }

    public static SchemaConfig from(Map<String, String> env) {
        Settings settings = new Settings(env);
        ConnectionSettings connection = ConnectionSettings.read(settings, "cdc-schema");
        Map<Role, Secret> passwords = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            settings.optional(role.passwordSetting()).ifPresent(p -> passwords.put(role, new Secret(p)));
        }
        Long lockSeconds = settings.required(MIGRATION_LOCK_TIMEOUT);
        Optional<Boolean> example = settings.optional(SCHEMA_EXAMPLE);
        settings.validate("schema");
        return new SchemaConfig(connection, Map.copyOf(passwords), Duration.ofSeconds(lockSeconds), example);
    }
}
