import Foundation
import Testing
import TestSupport
import VandineCore
@testable import Probes

/// The session pool against a real sshd on loopback: authentication, host keys, output, exit
/// status, PTY shells, metrics.
@Suite struct SSHSessionPoolTests {
    @Test func keyAuthWithEd25519RunsACommand() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let result = try await run(pool, "echo hello; echo oops >&2; exit 3", on: try server.endpoint())
        #expect(result.output == "hello\n")
        #expect(result.errors == "oops\n")
        #expect(result.exitStatus == 3)
        #expect(!result.truncated)
        #expect(server.log.contains("Accepted publickey for root") && server.log.contains("ED25519"))
    }

    @Test func keyAuthWithRSAAndAnRSAHostKey() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint { settings in
            settings.privateKeyFile = server.clientKeyRSA
            settings.hostKeyAlgorithms = ["rsa-sha2-512"]
            settings.knownHostsFile = try? server.knownHostsFile("known_hosts_rsa", lines: [server.knownHostsLine(.rsa)])
        }
        let result = try await run(pool, "echo rsa", on: endpoint)
        #expect(result.output == "rsa\n" && result.exitStatus == 0)
        #expect(server.log.contains("Accepted publickey for root") && server.log.contains("RSA SHA256:"))
    }

    @Test func keyAuthWithECDSAAndWithAnEncryptedKey() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let ecdsa = try server.endpoint { $0.privateKeyFile = server.clientKeyECDSA }
        #expect(try await run(pool, "echo ecdsa", on: ecdsa).output == "ecdsa\n")
        let encrypted = try server.endpoint {
            $0.privateKeyFile = server.clientKeyEncrypted
            $0.passphrase = Secret(SSHTestServer.clientKeyPassphrase)
        }
        #expect(try await run(pool, "echo encrypted", on: encrypted).output == "encrypted\n")
        let wrong = try server.endpoint {
            $0.privateKeyFile = server.clientKeyEncrypted
            $0.passphrase = Secret("not-the-passphrase")
        }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: wrong) })
        #expect(error.kind == .authentication)
        #expect(error.message.contains(wrong.device) && error.message.contains("wrong passphrase"))
        #expect(!error.message.contains("not-the-passphrase"))
    }

    @Test func passwordAuth() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint {
            $0.user = SSHTestServer.passwordUser
            $0.privateKeyFile = nil
            $0.password = Secret(SSHTestServer.password)
        }
        let result = try await run(pool, "id -un", on: endpoint)
        #expect(result.output == SSHTestServer.passwordUser + "\n")
        #expect(server.log.contains("Accepted password for \(SSHTestServer.passwordUser)"))
    }

    @Test func wrongPasswordIsOneLineWithoutTheSecret() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint {
            $0.user = SSHTestServer.passwordUser
            $0.privateKeyFile = nil
            $0.password = Secret("wrong-secret-value")
        }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: endpoint) })
        #expect(error.kind == .authentication)
        #expect(error.message.contains("device \"\(endpoint.device)\"") && error.message.contains("tried: password"))
        #expect(!error.message.contains("wrong-secret-value") && !error.message.contains("\n"))
        #expect(pool.connects(device: endpoint.device, result: "authentication") == 1)
    }

    @Test func changedHostKeyIsRefusedWithItsFingerprint() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        // Another ed25519 key recorded for this host: the client key's public half.
        let other = try String(contentsOfFile: server.clientKeyEd25519 + ".pub", encoding: .utf8).split(separator: " ")
        let endpoint = try server.endpoint {
            $0.knownHostsFile = try? server.knownHostsFile("known_hosts_changed", lines: ["[127.0.0.1]:\(server.port) \(other[0]) \(other[1])"])
            $0.trustOnFirstUse = true // never overrides a changed key
        }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: endpoint) })
        let fingerprint = try await server.fingerprint(.ed25519)
        #expect(error.kind == .hostKey)
        #expect(error.message.contains("device \"\(endpoint.device)\""))
        #expect(error.message.contains("ssh-ed25519 \(fingerprint)"), "\(error.message) should name \(fingerprint)")
        #expect(error.message.contains("does not match"))
        #expect(!server.log.contains("Accepted "), "no login after a refused host key")
    }

    @Test func unknownHostIsRefusedByDefaultAndRecordedWithTrustOnFirstUse() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let knownHosts = try server.knownHostsFile("known_hosts_empty", lines: [])
        let strict = try server.endpoint(device: "strict") { $0.knownHostsFile = knownHosts }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: strict) })
        #expect(error.kind == .hostKey)
        #expect(error.message.contains("device \"strict\"") && error.message.contains("is not in \(knownHosts)"))
        #expect(error.message.contains("ssh-ed25519 \(try await server.fingerprint(.ed25519))"))

        let trusting = try server.endpoint(device: "tofu") {
            $0.knownHostsFile = knownHosts
            $0.trustOnFirstUse = true
        }
        #expect(try await run(pool, "echo first", on: trusting).output == "first\n")
        let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(recorded.contains("[127.0.0.1]:\(server.port) ssh-ed25519 "), "recorded: \(recorded)")
        // Now known: the strict device (on a fresh pool, no backoff) logs in.
        let fresh = SSHSessionPool()
        defer { fresh.shutdown() }
        #expect(try await run(fresh, "echo known", on: strict).output == "known\n")
    }

    @Test func insecureIgnoreHostKeyAcceptsAnyKey() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let missing = server.directory + "/no-such-known-hosts"
        let endpoint = try server.endpoint {
            $0.knownHostsFile = missing
            $0.insecureIgnoreHostKey = true
        }
        #expect(try await run(pool, "echo in", on: endpoint).output == "in\n")
        #expect(!FileManager.default.fileExists(atPath: missing), "nothing recorded")
    }

    @Test func outputIsCappedAndTheExitStatusStillReported() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let result = try await run(pool, "head -c 200000 /dev/zero; echo bad >&2; exit 7", on: try server.endpoint(), outputLimit: 1000)
        #expect(result.stdout.count == 1000 && result.stdout.allSatisfy { $0 == 0 })
        #expect(result.truncated)
        #expect(result.errors == "bad\n")
        #expect(result.exitStatus == 7)
        let killed = try await run(pool, "kill -9 $$", on: try server.endpoint(device: "signal"))
        #expect(killed.exitStatus == nil, "killed by a signal: no exit status")
    }

    @Test func ptyShellRoundTrip() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint()
        let deadline = ContinuousClock.now + .seconds(10)
        let shell = try await pool.openShell(on: endpoint, columns: 120, rows: 40, deadline: deadline)
        try await shell.write(Array("stty size; echo hi-$((40+2))\n".utf8), deadline: deadline)
        var seen = ""
        while !seen.contains("hi-42\r\n") {
            let bytes = try await shell.read(deadline: deadline)
            if bytes.isEmpty { break }
            seen += String(decoding: bytes, as: UTF8.self)
        }
        #expect(seen.contains("40 120"), "the PTY has the size asked for: \(seen)")
        #expect(seen.contains("hi-42\r\n"))
        await shell.close()
        // The session stays for the next caller.
        #expect(try await run(pool, "echo after", on: endpoint).output == "after\n")
        #expect(pool.connects(device: endpoint.device, result: "success") == 1)
    }

    @Test func busyboxLoginShellRunsCommands() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint { $0.user = SSHTestServer.busyboxUser }
        let result = try await run(pool, "readlink /proc/$$/exe; echo $((6*7))", on: endpoint)
        // Debian 12 installs it as /usr/bin/busybox (/bin is a link to usr/bin).
        #expect(result.output.hasSuffix("bin/busybox\n42\n"), "\(result.output) \(result.errors)")
    }

    @Test func forceCommandReplacesTheCommand() async throws {
        let server = try await SSHTestServer(.init(forceCommand: "echo forced:$SSH_ORIGINAL_COMMAND"))
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        #expect(try await run(pool, "asked", on: try server.endpoint()).output == "forced:asked\n")
    }

    @Test func algorithmListsNegotiate() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint {
            $0.kexAlgorithms = ["diffie-hellman-group14-sha256"]
            $0.ciphers = ["aes256-ctr"]
            $0.macs = ["hmac-sha2-256"]
        }
        #expect(try await run(pool, "echo negotiated", on: endpoint).output == "negotiated\n")
        // A list the server does not share fails the key exchange, on one line.
        let legacy = try server.endpoint(device: "legacy") { $0.ciphers = ["3des-cbc"] }
        let error = try #require(await sshError { _ = try await run(pool, "true", on: legacy) })
        #expect(error.kind == .connect && error.message.contains("device \"legacy\"") && !error.message.contains("\n"))
    }

    @Test func poolMetrics() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool()
        defer { pool.shutdown() }
        let endpoint = try server.endpoint(device: "metrics")
        for _ in 0..<3 { _ = try await run(pool, "true", on: endpoint) }
        var set = MetricSet()
        for family in pool.families() { set.add(family) }
        #expect(set.sample(named: "vandine_ssh_sessions", labels: ["device": "metrics", "state": "idle"]) == 1)
        #expect(set.sample(named: "vandine_ssh_sessions", labels: ["device": "metrics", "state": "busy"]) == 0)
        #expect(set.sample(named: "vandine_ssh_connects_total", labels: ["device": "metrics", "result": "success"]) == 1)
        #expect(set.sample(named: "vandine_ssh_command_duration_seconds_count", labels: ["device": "metrics"]) == 3)
        let text = ExpositionEncoder.encode(set)
        #expect(text.contains("# TYPE vandine_ssh_command_duration_seconds histogram"))
    }

    @Test func idleSessionsExpireAndShutdownRefusesWork() async throws {
        let server = try await SSHTestServer()
        defer { server.remove() }
        let pool = SSHSessionPool(limits: SSHPoolLimits(idleTimeout: .milliseconds(100)))
        let endpoint = try server.endpoint(device: "idle")
        _ = try await run(pool, "true", on: endpoint)
        try await Task.sleep(for: .milliseconds(150))
        pool.closeIdleSessions()
        #expect(pool.families().contains { $0.samples.contains { $0.labels["state"] == "idle" && $0.value == 1 } } == false)
        _ = try await run(pool, "true", on: endpoint)
        #expect(pool.connects(device: "idle", result: "success") == 2, "a new login after the idle expiry")
        pool.shutdown()
        let error = try #require(await sshError { _ = try await run(pool, "true", on: endpoint) })
        #expect(error.message.contains("shut down"))
    }
}
