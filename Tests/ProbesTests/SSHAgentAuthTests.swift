import Foundation
import Glibc
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// ssh-agent authentication against a real `ssh-agent` holding the test client key (handed to the
/// pool as its agent socket, as `SSH_AUTH_SOCK` would be).
@Suite struct SSHAgentAuthTests {
    @Test func agentKeysAreOfferedOnlyWhenTheDeviceAllowsIt() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let socket = server.directory + "/agent.sock"
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
        agent.arguments = ["-D", "-a", socket]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        try agent.run()
        defer {
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: socket) { try await Task.sleep(for: .milliseconds(10)) }
        let added = try await Command.runOffPool("/usr/bin/env", ["SSH_AUTH_SOCK=\(socket)", "/usr/bin/ssh-add", server.clientKeyRSA])
        #expect(added.status == 0, "ssh-add: \(added.stderr)")
        let pool = SSHSessionPool(agentSocket: socket)
        defer { pool.shutdown() }
        let withAgent = try server.endpoint(device: "agent") {
            $0.privateKeyFile = nil
            $0.useAgent = true
        }
        #expect(try await run(pool, "echo agent", on: withAgent).output == "agent\n")
        #expect(server.log.contains("Accepted publickey for root") && server.log.contains("RSA SHA256:"))

        let withoutAgent = try server.endpoint(device: "no-agent") { $0.privateKeyFile = nil }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: withoutAgent) })
        #expect(error.kind == .authentication && error.message.contains("tried: none configured"), "\(error.message)")
        // Allowed, but the pool has no agent (SSH_AUTH_SOCK unset): nothing offered.
        let noSocket = SSHSessionPool(agentSocket: nil)
        defer { noSocket.shutdown() }
        let unset = try #require(await sshError { _ = try await run(noSocket, "true", on: withAgent) })
        #expect(unset.kind == .authentication && unset.message.contains("tried: none configured"))
    }
}
