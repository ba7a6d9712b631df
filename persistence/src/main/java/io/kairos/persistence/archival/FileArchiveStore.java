package io.kairos.persistence.archival;

import io.kairos.common.config.ArchivalConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The filestore provider: keys are paths under the URI's directory. An object is written to a temporary file, forced
 * to disk and renamed into place, so a reader (or a retry after kill -9) never sees half an object.
 */
public final class FileArchiveStore implements ArchiveStore {
    private static final String TEMP_SUFFIX = ".tmp";
    private final ArchivalConfig.Filestore modes;

    public FileArchiveStore(ArchivalConfig.Filestore modes) {
        this.modes = modes;
    }

    private static Path resolve(ArchivalUri uri, String key) {
        return Path.of(uri.location()).resolve(key);
    }

    @Override
    public void validate(ArchivalUri uri) {
        Path dir = Path.of(uri.location());
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new io.kairos.common.errors.InvalidArgumentException("a path to a directory was expected");
        }
    }

    @Override
    public void put(ArchivalUri uri, String key, Body body) throws IOException {
        Path target = resolve(uri, key);
        Path dir = target.getParent();
        createDirectories(dir);
        Path temp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            try (var channel = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
                 OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel),
                         64 * 1024)) {
                body.writeTo(out);
                out.flush();
                channel.force(true);
            }
            setMode(temp, modes.fileMode());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public boolean exists(ArchivalUri uri, String key) {
        return Files.isRegularFile(resolve(uri, key));
    }

    @Override
    public Optional<InputStream> get(ArchivalUri uri, String key) throws IOException {
        try {
            return Optional.of(Files.newInputStream(resolve(uri, key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<String> list(ArchivalUri uri, String prefix) throws IOException {
        Path dir = resolve(uri, prefix);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".") && !n.endsWith(TEMP_SUFFIX))
                    .forEach(n -> out.add(prefix + n));
        }
        return out;
    }

    private void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            Files.createDirectory(dir);
            setMode(dir, modes.dirMode() | 0700); // the server must keep writing into what it made
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another archive made it meanwhile
        }
    }

    private static void setMode(Path p, int mode) throws IOException {
        try {
            Set<PosixFilePermission> perms = java.util.EnumSet.noneOf(PosixFilePermission.class);
            PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_READ};
            for (int bit = 0; bit < order.length; bit++) {
                if ((mode & (1 << bit)) != 0) {
                    perms.add(order[bit]);
                }
            }
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException notPosix) {
            // non-POSIX file systems keep their defaults
        }
    }
}
