package io.gatewatch.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test-only PKI (EC P-256, valid 2000-2100; generated with openssl for these tests, never used
 * anywhere else): a CA, a server certificate for {@code localhost} and {@code 127.0.0.1}, and one
 * for {@code other.example} (for hostname-verification failures), both signed by the CA.
 */
public final class TestPki {
  static final String CA_PEM =
      """
      -----BEGIN CERTIFICATE-----
      MIIBazCCARGgAwIBAgIBATAKBggqhkjOPQQDAjAcMRowGAYDVQQDDBFnYXRld2F0
      Y2ggdGVzdCBDQTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowHDEa
      MBgGA1UEAwwRZ2F0ZXdhdGNoIHRlc3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMB
      BwNCAAQE26RtZUgW26jmVm13+fuvDiH3pdAVO/XLzmH5WMc5pXDIJxX4whUlk7sM
      33bqhK3h4y9O8B46MmBCfWM1yA7Eo0IwQDAPBgNVHRMBAf8EBTADAQH/MA4GA1Ud
      DwEB/wQEAwIBBjAdBgNVHQ4EFgQUcNw1Ue0QOEd4uFPc5eV6T1ugGDEwCgYIKoZI
      zj0EAwIDSAAwRQIgMqEQRh7u3BoKuOHnKIqhtqLyLtnIUMlCGLGsQfbnbqcCIQDL
      mJzi1tTfC3s6+Akfbwa+rzLRJtlbAlznNz67t0xf3w==
      -----END CERTIFICATE-----
      """;

  static final String SERVER_PEM =
      """
      -----BEGIN CERTIFICATE-----
      MIIBnzCCAUWgAwIBAgIBAjAKBggqhkjOPQQDAjAcMRowGAYDVQQDDBFnYXRld2F0
      Y2ggdGVzdCBDQTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowFDES
      MBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEXJs/
      9aYfn4zBl7LztdEpEYGaOiK8Do/wB9xKSJRt/jlHwRbAc4wTBUi+2NXa8zun8E1x
      8gFXZIgYqCEMQ4IfUqN+MHwwGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAkG
      A1UdEwQCMAAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFDM+nDpaDDTj
      lCbRBUpzpqfES0q3MB8GA1UdIwQYMBaAFHDcNVHtEDhHeLhT3OXlek9boBgxMAoG
      CCqGSM49BAMCA0gAMEUCIHSNdHrKSTJg+nWt/NC/SRxpERdrzMWpE7yPIvdP46ex
      AiEA3WqNeHbgk8KN75NHsi/TJnVfk6p8+hpMR13yY81vQ54=
      -----END CERTIFICATE-----
      """;

  static final String SERVER_KEY =
      """
      -----BEGIN PRIVATE KEY-----
      MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKJ/Xsth1BPGUjykc
      qJgCnaPY7JwGVJjBdpDZlGHWkFOhRANCAARcmz/1ph+fjMGXsvO10SkRgZo6IrwO
      j/AH3EpIlG3+OUfBFsBzjBMFSL7Y1drzO6fwTXHyAVdkiBioIQxDgh9S
      -----END PRIVATE KEY-----
      """;

  static final String OTHER_PEM =
      """
      -----BEGIN CERTIFICATE-----
      MIIBojCCAUegAwIBAgIBAzAKBggqhkjOPQQDAjAcMRowGAYDVQQDDBFnYXRld2F0
      Y2ggdGVzdCBDQTAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAwMFowGDEW
      MBQGA1UEAwwNb3RoZXIuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA
      BMt+G63thLDCeRB9f3FS8xgKhTIGWZADCY4iihq+bItjwBs9I6MO2ZltPqQ3ZrDA
      qdv0v529MIaLC8qqEVhTFUejfDB6MBgGA1UdEQQRMA+CDW90aGVyLmV4YW1wbGUw
      CQYDVR0TBAIwADATBgNVHSUEDDAKBggrBgEFBQcDATAdBgNVHQ4EFgQU9wYIjzuV
      6NqkZSTSs1Ct+JuBpS8wHwYDVR0jBBgwFoAUcNw1Ue0QOEd4uFPc5eV6T1ugGDEw
      CgYIKoZIzj0EAwIDSQAwRgIhAM3qUj5l6v+MsKekqICEs5xaBYwYP8iGUkDaUL/C
      NESKAiEAgtCa1zUmFucmfqg7VwQsQ90zc8Vyy53lroYjO7UX+dU=
      -----END CERTIFICATE-----
      """;

  static final String OTHER_KEY =
      """
      -----BEGIN PRIVATE KEY-----
      MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1pXIgm6PD84M4tS+
      jwLNhCtLz8wtejPuYVWVBXBPpyuhRANCAATLfhut7YSwwnkQfX9xUvMYCoUyBlmQ
      AwmOIooavmyLY8AbPSOjDtmZbT6kN2awwKnb9L+dvTCGiwvKqhFYUxVH
      -----END PRIVATE KEY-----
      """;

  /** The files, written into a directory. */
  public record PemFiles(Path ca, Path serverCert, Path serverKey, Path otherCert, Path otherKey) {}

  private TestPki() {}

  public static PemFiles write(Path dir) {
    try {
      return new PemFiles(
          write(dir, "ca.pem", CA_PEM),
          write(dir, "server.pem", SERVER_PEM),
          write(dir, "server.key", SERVER_KEY),
          write(dir, "other.pem", OTHER_PEM),
          write(dir, "other.key", OTHER_KEY));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(Path dir, String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.US_ASCII);
  }
}
