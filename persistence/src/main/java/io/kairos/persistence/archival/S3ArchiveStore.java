package io.kairos.persistence.archival;

import io.kairos.common.config.ArchivalConfig;
import io.kairos.common.errors.InvalidArgumentException;
import io.kairos.common.errors.UnavailableException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The s3store provider, for AWS S3 and S3-compatible stores (MinIO, Ceph, ...): keys live under the URI's prefix in
 * its bucket. Credentials come from the SDK's default chain: environment, system properties, web identity token
 * (EKS IRSA), profile, container and instance metadata. A history is spooled to a local temporary file page by page,
 * then uploaded in one PUT: S3 replaces an object atomically, so a retry overwrites it whole.
 */
public final class S3ArchiveStore implements ArchiveStore, AutoCloseable {
    private final S3Client s3;

    public S3ArchiveStore(ArchivalConfig.S3store config) {
        var b = S3Client.builder()
                .region(Region.of(config.region()))
                .httpClient(UrlConnectionHttpClient.create())
                .forcePathStyle(config.forcePathStyle())
                // Checksums only where S3 requires them: many S3-compatible stores refuse the newer trailing ones.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (config.endpoint() != null) {
            b.endpointOverride(URI.create(config.endpoint()));
        }
        this.s3 = b.build();
    }

    private static String fullKey(ArchivalUri uri, String key) {
        return uri.location().isEmpty() ? key : uri.location() + "/" + key;
    }

    @Override
    public void validate(ArchivalUri uri) {
        try {
            s3.headBucket(r -> r.bucket(uri.bucket()));
        } catch (NoSuchBucketException e) {
            throw new InvalidArgumentException("requested bucket does not exist");
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new InvalidArgumentException("requested bucket does not exist");
            }
            throw new UnavailableException("checking bucket " + uri.bucket() + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new UnavailableException("checking bucket " + uri.bucket() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void put(ArchivalUri uri, String key, Body body) throws IOException {
        Path spool = Files.createTempFile("kairos-archive-", ".part");
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(spool), 64 * 1024)) {
                body.writeTo(out);
            }
            s3.putObject(r -> r.bucket(uri.bucket()).key(fullKey(uri, key)), RequestBody.fromFile(spool));
        } catch (SdkException e) {
            throw new IOException("PUT s3://" + uri.bucket() + "/" + fullKey(uri, key) + ": " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    @Override
    public boolean exists(ArchivalUri uri, String key) throws IOException {
        try {
            s3.headObject(r -> r.bucket(uri.bucket()).key(fullKey(uri, key)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw new IOException("HEAD s3://" + uri.bucket() + "/" + fullKey(uri, key) + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("HEAD s3://" + uri.bucket() + "/" + fullKey(uri, key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<InputStream> get(ArchivalUri uri, String key) throws IOException {
        try {
            return Optional.of(s3.getObject(r -> r.bucket(uri.bucket()).key(fullKey(uri, key))));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new IOException("GET s3://" + uri.bucket() + "/" + fullKey(uri, key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<String> list(ArchivalUri uri, String prefix) throws IOException {
        String full = fullKey(uri, prefix);
        int strip = full.length() - prefix.length();
        List<String> out = new ArrayList<>();
        try {
            for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(uri.bucket()).prefix(full).delimiter("/")).contents()) {
                out.add(o.key().substring(strip));
            }
        } catch (SdkException e) {
            throw new IOException("LIST s3://" + uri.bucket() + "/" + full + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        s3.close();
    }
}
