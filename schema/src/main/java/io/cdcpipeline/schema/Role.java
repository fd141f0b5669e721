package io.cdcpipeline.schema;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.cdcpipeline.common.config.Setting;

/**
 * The database roles of docs/architecture.md, least privilege each. Roles are cluster-wide, so they
 * are created by {@link RoleProvisioner} (idempotently, before the changelog runs) rather than by
 * a changeset: several databases on one server share them, and rolling one database back must not
 * drop a role another still uses. Their object privileges are granted by the changelog.
 */
public enum Role {
    /** Owns the schemas and every object in them; migrations run as this role (SET ROLE). */
    ADMIN_USER("LOGIN", false),
    /** The example application: reads and writes the blog's tables, subject to row-level security. */
    APP_USER("LOGIN", true),
    /** Analysts: read application (no password hashes) and analytics tables. */
    READ_ONLY_USER("LOGIN", false),
    /** audit-sink: appends to the audit log, keeps its positions. */
    AUDIT_USER("LOGIN", false),
    /** analytics-aggregator (the example's view counts): upserts stats, refreshes the materialized view. */
    ANALYTICS_USER("LOGIN", true),
    /** The metrics exporter: member of pg_monitor. */
    MONITOR_USER("LOGIN", false),
    /** cdc-capture: logical replication, authenticated by client certificate; reads published tables. */
    CDC_USER("LOGIN REPLICATION", false);

    private final String attributes;
    private final boolean example;

    Role(String attributes, boolean example) {
        this.attributes = attributes;
        this.example = example;
    }

    /** The roles an installation has: all of them with the blog example, the pipeline's own without. */
    static List<Role> installed(boolean withExample) {
        return Arrays.stream(values()).filter(r -> withExample || !r.example).toList();
    }

    /** The role's name in PostgreSQL, e.g. {@code app_user}. */
    public String roleName() {
        return name().toLowerCase(Locale.ROOT);
    }

    String attributes() {
        return attributes;
    }

    /** The variable holding this role's password, e.g. {@code APP_USER_PASSWORD}. */
    public Setting<String> passwordSetting() {
        return Setting.string(name() + "_PASSWORD", "password set for role " + roleName()
                + " by `schema migrate` (unset: left as it is)").secret();
    }
}
