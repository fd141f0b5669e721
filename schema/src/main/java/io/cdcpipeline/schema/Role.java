package io.cdcpipeline.schema;

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
    ADMIN_USER("LOGIN"),
    /** The application: reads and writes application tables, subject to row-level security. */
    APP_USER("LOGIN"),
    /** Analysts: read application (no password hashes) and analytics tables. */
    READ_ONLY_USER("LOGIN"),
    /** audit-sink: appends to the audit log, keeps its positions. */
    AUDIT_USER("LOGIN"),
    /** analytics-aggregator: upserts stats, refreshes the materialized view. */
    ANALYTICS_USER("LOGIN"),
    /** The metrics exporter: member of pg_monitor. */
    MONITOR_USER("LOGIN"),
    /** cdc-capture: logical replication, authenticated by client certificate; reads published tables. */
    CDC_USER("LOGIN REPLICATION");

    private final String attributes;

    Role(String attributes) {
        this.attributes = attributes;
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
