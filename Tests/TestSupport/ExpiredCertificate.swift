import Foundation

/// A server certificate for 127.0.0.1 signed by `TestCertificates`' CA that expired yesterday (valid
/// from 10 days ago), made with python's `cryptography` (the openssl CLI cannot back-date).
public struct ExpiredCertificate {
    public let certificate: String
    public let key: String

    public init(signedBy ca: TestCertificates, in directory: TemporaryDirectory) throws {
        certificate = directory.path + "/expired.crt"
        key = directory.path + "/expired.key"
        let caKey = (ca.certificate as NSString).deletingLastPathComponent + "/ca.key"
        let script = """
        import datetime, ipaddress, sys
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        ca_cert = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
        ca_key = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), None)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired.test")]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=10))
            .not_valid_after(now - datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
        open(sys.argv[3], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
        open(sys.argv[4], "wb").write(key.private_bytes(serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        """
        let file = try directory.write("make_expired.py", script)
        let result = try Command.run("/usr/bin/python3", [file, ca.certificate, caKey, certificate, key])
        guard result.status == 0 else {
            throw ExporterProcess.StartFailure(description: "making the expired certificate failed: \(result.stderr)")
        }
    }
}
