import Foundation

/// A self-signed server certificate for 127.0.0.1 with a chosen expiry (whole seconds since the
/// epoch), made with python's `cryptography` (the openssl CLI of Debian 12 cannot set an exact
/// notAfter), so a test knows the expiry a prober must report without asking the TLS library that
/// the prober itself uses.
public struct SelfSignedCertificate {
    public let certificate: String
    public let key: String
    /// The certificate's notAfter, in seconds since the epoch.
    public let notAfter: Int

    public init(notAfter: Int, in directory: TemporaryDirectory) async throws {
        certificate = directory.path + "/self-signed.crt"
        key = directory.path + "/self-signed.key"
        self.notAfter = notAfter
        let script = """
        import datetime, ipaddress, sys
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(datetime.datetime.fromtimestamp(int(sys.argv[1]), datetime.timezone.utc))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
        open(sys.argv[2], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
        open(sys.argv[3], "wb").write(key.private_bytes(serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        """
        let file = try directory.write("make_self_signed.py", script)
        let result = try await Command.runOffPool("/usr/bin/python3", [file, String(notAfter), certificate, key])
        guard result.status == 0 else {
            throw ExporterProcess.StartFailure(description: "making the self-signed certificate failed: \(result.stderr)")
        }
    }
}
