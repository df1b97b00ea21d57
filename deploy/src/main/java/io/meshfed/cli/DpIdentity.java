package io.meshfed.cli;

import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The name and mesh {@code dp run} runs a proxy for: {@code --name} and {@code --mesh}, each
 * defaulting to the dataplane file's {@code name} and {@code mesh} (without a file, or for a
 * ZoneIngress, the mesh defaults to {@code default}). A flag that contradicts the file is an error
 * that names both.
 *
 * @param stdin what the launcher reads for {@code --dataplane-file -}: the text read here, or the
 *     process's stdin when it was not read
 */
record DpIdentity(String name, String mesh, InputStream stdin) {
  static final String DEFAULT_MESH = "default";

  DpIdentity {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(stdin, "stdin");
  }

  /**
   * Resolves the flags against the file.
   *
   * @param nameFlag {@code --name}, or null
   * @param meshFlag {@code --mesh}, or null
   * @param file {@code --dataplane-file} ({@code -}: stdin), or null
   * @param sidecar true for a Dataplane (which has a mesh), false for a ZoneIngress
   * @throws IllegalArgumentException when the name cannot be found or a flag contradicts the file
   *     (a usage error)
   * @throws CliException when the file cannot be read
   */
  static DpIdentity resolve(
      String nameFlag,
      String meshFlag,
      String file,
      boolean sidecar,
      InputStream stdin,
      ResourceCodec codec) {
    if (file == null) {
      if (nameFlag == null) {
        throw new IllegalArgumentException(
            "--name is required without --dataplane-file (the name of the resource in the zone)");
      }
      return new DpIdentity(nameFlag, meshFlag == null ? DEFAULT_MESH : meshFlag, stdin);
    }
    String source = file.equals("-") ? "stdin" : "dataplane file '" + file + "'";
    String text = read(file, stdin, source);
    InputStream rest =
        file.equals("-") ? new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) : stdin;
    Decoded doc = first(codec.decodeYaml(text));
    String fileName = doc == null ? null : doc.name();
    String fileMesh = doc == null || !sidecar ? null : doc.mesh();
    String name = pick("--name", nameFlag, "name", fileName, source);
    if (name == null) {
      throw new IllegalArgumentException(
          "--name is not given and " + source + " has no name: pass --name or fix the file");
    }
    String mesh = pick("--mesh", meshFlag, "mesh", fileMesh, source);
    return new DpIdentity(name, mesh == null ? DEFAULT_MESH : mesh, rest);
  }

  /** The flag, else the file's value; an error when both are set and differ. */
  private static String pick(
      String flag, String flagValue, String field, String fileValue, String source) {
    if (flagValue != null && fileValue != null && !flagValue.equals(fileValue)) {
      throw new IllegalArgumentException(
          flag
              + " '"
              + flagValue
              + "' contradicts the "
              + field
              + " '"
              + fileValue
              + "' in "
              + source
              + ": drop "
              + flag
              + " (it defaults to the file's "
              + field
              + ") or make them equal");
    }
    return flagValue != null ? flagValue : fileValue;
  }

  private static String read(String file, InputStream stdin, String source) {
    try {
      return file.equals("-")
          ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException(source + " does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read " + source + ": " + e.getMessage());
    }
  }

  /** The first document as far as it could be read, or null (the launcher reports the rest). */
  private static Decoded first(DecodeResult result) {
    return result.syntaxError() != null || result.documents().isEmpty()
        ? null
        : result.documents().get(0);
  }
}
