import Foundation

/// A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with the openssl CLI.
public struct TestCertificates {
    public let certificate: String
    public let serverCertificate: String
    public let serverKey: String

    public init(in directory: TemporaryDirectory) throws {
        let dir = directory.path
        certificate = dir + "/ca.crt"
        serverCertificate = dir + "/server.crt"
        serverKey = dir + "/server.key"
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let extensions = try directory.write("san.ext", "subjectAltName=IP:127.0.0.1\n")
        let steps: [[String]] = [
            ["req", "-x509"] + ecKey + ["-keyout", dir + "/ca.key", "-out", certificate, "-days", "1", "-subj", "/CN=vandine-test-ca"],
            ["req"] + ecKey + ["-keyout", serverKey, "-out", dir + "/server.csr", "-subj", "/CN=127.0.0.1"],
            ["x509", "-req", "-in", dir + "/server.csr", "-CA", certificate, "-CAkey", dir + "/ca.key", "-CAcreateserial",
             "-out", serverCertificate, "-days", "1", "-extfile", extensions],
        ]
        for step in steps {
            let result = try Command.run("openssl", step)
            guard result.status == 0 else {
                throw ExporterProcess.StartFailure(description: "openssl \(step.joined(separator: " ")) failed: \(result.stderr)")
            }
        }
    }
}
