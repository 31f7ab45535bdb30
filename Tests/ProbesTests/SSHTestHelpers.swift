import Foundation
import Glibc
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// Endpoints and small helpers for the session-pool tests against ``SSHTestServer``.
extension SSHTestServer {
    /// A known_hosts file in the server's directory holding `lines`.
    func knownHostsFile(_ name: String = "known_hosts", lines: [String]) throws -> String {
        let path = directory + "/" + name
        try (lines.map { $0 + "\n" }.joined()).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Key login as root with the ed25519 client key, host key checked against a file holding this
    /// server's ed25519 key; `change` adjusts the settings.
    func endpoint(device: String = "dev-" + UUID().uuidString.prefix(8).lowercased(),
                  _ change: (inout SSHSettings) -> Void = { _ in }) throws -> SSHEndpoint {
        var settings = SSHSettings(user: "root", port: port, privateKeyFile: clientKeyEd25519,
                                   knownHostsFile: try knownHostsFile(lines: [knownHostsLine(.ed25519)]))
        change(&settings)
        return SSHEndpoint(device: device, host: "127.0.0.1", settings: settings)
    }
}

extension SSHExecResult {
    var output: String { String(decoding: stdout, as: UTF8.self) }
    var errors: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs `command` with a deadline `seconds` away and a 1 MiB output limit.
func run(_ pool: SSHSessionPool, _ command: String, on endpoint: SSHEndpoint, seconds: Double = 10,
         outputLimit: Int = 1 << 20) async throws(SSHError) -> SSHExecResult {
    try await pool.exec(command, on: endpoint, deadline: .now + .milliseconds(Int(seconds * 1000)), outputLimit: outputLimit)
}

/// The ``SSHError`` `body` throws, or nil (another error is recorded as a test failure).
func sshError(_ body: () async throws -> Void) async -> SSHError? {
    do { try await body() } catch let error as SSHError { return error } catch { Issue.record("not an SSHError: \(error)") }
    return nil
}

/// A TCP listener on 127.0.0.1 that never accepts: the kernel completes the handshake and then
/// nothing is ever sent (an SSH server that never sends its banner).
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 16) == 0 else { throw SSHTestServerError("cannot listen on 127.0.0.1") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}
