package io.cdcpipeline.schema;

import java.util.List;
import java.util.Optional;

/** Applied changeset ids (in order), pending ones, and the newest tag reached. */
public record StatusReport(List<String> applied, List<String> pending, Optional<String> lastTag) {

    public boolean upToDate() {
        return pending.isEmpty();
    }
}
