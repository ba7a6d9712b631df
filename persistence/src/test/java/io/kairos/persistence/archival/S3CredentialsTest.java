package io.kairos.persistence.archival;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The s3store's default credentials chain can use web identity tokens (EKS IRSA): the sts module is packaged. */
class S3CredentialsTest {
    @TempDir
    Path dir;

    @Test
    void webIdentityTokensAreSupported() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "eyJhbGciOi.test.token");
        // Without the sts module the SDK refuses here ("the 'sts' service module must be on the class path").
        try (var provider = WebIdentityTokenFileCredentialsProvider.builder().webIdentityTokenFile(token)
                .roleArn("arn:aws:iam::123456789012:role/kairos-archival").roleSessionName("kairos")
                .asyncCredentialUpdateEnabled(false).build()) {
            assertNotNull(provider);
        }
    }
}
