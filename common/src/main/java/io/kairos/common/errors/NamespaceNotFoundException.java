package io.kairos.common.errors;

public final class NamespaceNotFoundException extends ApiException {
    private final String namespace;

    public NamespaceNotFoundException(String namespace) {
        super("Namespace " + namespace + " is not found.");
        this.namespace = namespace;
    }

    public String namespace() {
        return namespace;
    }
}
