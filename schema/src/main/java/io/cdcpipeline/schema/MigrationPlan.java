package io.cdcpipeline.schema;

import java.util.List;

/**
 * What {@code schema migrate} would do, printed by {@code --dry-run}: pre-flight problems, the
 * cluster- and database-wide steps (roles, memberships, database privileges, extension), what it
 * refuses to do or leaves to the user, and the changesets it would apply.
 */
record MigrationPlan(boolean example, List<String> problems, RoleProvisioner.Plan provisioning, List<String> changeSets) {

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("install: ").append(example ? "the pipeline with the blog example (SCHEMA_EXAMPLE=true)"
                : "the pipeline's own objects only (SCHEMA_EXAMPLE=false)").append('\n');
        section(out, "pre-flight problems (migrate stops here)", problems);
        section(out, "refused (migrate stops before changing anything)", provisioning.refusals());
        section(out, "cluster- and database-wide statements, in order",
                provisioning.steps().stream().map(s -> s.scope() + ": " + s.shown()).toList());
        section(out, "left to you", provisioning.notes());
        section(out, "changesets to apply, in order (run as admin_user)", changeSets);
        return out.toString();
    }

    private static void section(StringBuilder out, String title, List<String> lines) {
        out.append(title).append(':');
        if (lines.isEmpty()) {
            out.append(" none\n");
            return;
        }
        out.append('\n');
        lines.forEach(line -> out.append("  ").append(line).append('\n'));
    }
}
