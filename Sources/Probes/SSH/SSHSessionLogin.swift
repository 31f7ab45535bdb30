import CLibSSH
import Glibc
import VandineCore

/// The login on a session's thread: options, TCP connect + banner + key exchange, host key check,
/// authentication. Every step is non-blocking libssh repeated after poll(2) until it is done or
/// no operation waits any more.
extension SSHSession {
    /// Why a wait ended without the step finishing.
    private enum Abandon: Error { case timedOut, closed }

    func logIn() -> Result<Void, SSHError> {
        guard let session = ssh_new() else { return .failure(SSHError(.connect, "device \"\(device)\": cannot allocate an SSH session")) }
        self.session = session
        if let problem = configure(session) { return .failure(problem) }
        ssh_set_blocking(session, 0)
        do {
            try repeatUntilDone(stage: "TCP connect") { () -> Int32 in
                let rc = ssh_connect(session)
                if rc == SSH_AGAIN, stage == "TCP connect", Self.isConnected(ssh_get_fd(session)) { stage = "banner and key exchange" }
                return rc
            } failed: { _ in
                SSHError(.connect, "device \"\(device)\": cannot connect to \(target) over SSH: \(libsshError(session))")
            }
            if let problem = SSHHostKeyCheck.verify(session: session, endpoint: endpoint) { return .failure(problem) }
            try authenticate(session)
            return .success(())
        } catch let error as SSHError {
            return .failure(error)
        } catch Abandon.closed {
            return .failure(SSHError(.connect, "device \"\(device)\": the SSH pool closed while logging in to \(target)"))
        } catch {
            return .failure(SSHError(.timeout, "device \"\(device)\": SSH \(stage) to \(target) did not finish before the deadline"))
        }
    }

    /// `ssh_options_set` with the device's settings. NODELAY: without it Nagle + delayed ACK cost
    /// ~40 ms per round trip (docs/pitfalls.md); PROCESS_CONFIG off: the exporter's user's
    /// ~/.ssh/config must not change what the config file says.
    private func configure(_ session: ssh_session) -> SSHError? {
        let settings = endpoint.settings
        var failed: [String] = []
        func set(_ option: ssh_options_e, _ name: String, _ value: UnsafeRawPointer) {
            if ssh_options_set(session, option, value) != 0 { failed.append(name) }
        }
        func set(_ option: ssh_options_e, _ name: String, _ text: String) {
            text.withCString { set(option, name, $0) }
        }
        var processConfig = false
        set(SSH_OPTIONS_PROCESS_CONFIG, "process_config", &processConfig)
        set(SSH_OPTIONS_HOST, "address", endpoint.host)
        var port = UInt32(settings.port)
        set(SSH_OPTIONS_PORT, "port", &port)
        set(SSH_OPTIONS_USER, "user", settings.user)
        var one: Int32 = 1
        set(SSH_OPTIONS_NODELAY, "nodelay", &one)
        set(SSH_OPTIONS_KNOWNHOSTS, "known_hosts_file", SSHHostKeyCheck.knownHostsFile(settings))
        if settings.useAgent, let agentSocket { set(SSH_OPTIONS_IDENTITY_AGENT, "use_agent", agentSocket) }
        if let list = settings.kexAlgorithms { set(SSH_OPTIONS_KEY_EXCHANGE, "kex_algorithms", list.joined(separator: ",")) }
        if let list = settings.hostKeyAlgorithms { set(SSH_OPTIONS_HOSTKEYS, "host_key_algorithms", list.joined(separator: ",")) }
        if let list = settings.ciphers {
            set(SSH_OPTIONS_CIPHERS_C_S, "ciphers", list.joined(separator: ","))
            set(SSH_OPTIONS_CIPHERS_S_C, "ciphers", list.joined(separator: ","))
        }
        if let list = settings.macs {
            set(SSH_OPTIONS_HMAC_C_S, "macs", list.joined(separator: ","))
            set(SSH_OPTIONS_HMAC_S_C, "macs", list.joined(separator: ","))
        }
        guard failed.isEmpty else {
            return SSHError(.connect, "device \"\(device)\": libssh refused the ssh settings \(Array(Set(failed)).sorted().joined(separator: ", ")): \(libsshError(session))")
        }
        return nil
    }

    /// Whether the non-blocking TCP connect on `fd` has completed (then the wait is for the banner).
    private static func isConnected(_ fd: Int32) -> Bool {
        guard fd >= 0 else { return false }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
    }

    /// Calls `step` until it returns something other than `again` (SSH_AGAIN; the `ssh_userauth_*`
    /// functions say SSH_AUTH_AGAIN, another value), polling in between.
    /// - Throws: the error `failed` makes of a non-OK code, or ``Abandon`` when every waiting
    ///   operation's deadline has passed (they were failed with a timeout) or the pool closes.
    @discardableResult
    private func repeatUntilDone(stage: String, again: Int32 = SSH_AGAIN, _ step: () -> Int32, accept: [Int32] = [SSH_OK],
                                 failed: (Int32) -> SSHError) throws -> Int32 {
        self.stage = stage
        while true {
            let rc = step()
            if rc != again {
                guard accept.contains(rc) else { throw failed(rc) }
                return rc
            }
            try waitDuringLogin()
        }
    }

    /// One poll during the login. The login goes on while some operation still waits for it.
    private func waitDuringLogin() throws {
        if absorbInbox(startingOn: nil).now { throw Abandon.closed }
        // When the last waiting deadline has passed, the login ends here and the pool records
        // the outcome before the callers are failed (so a caller sees its timeout counted).
        guard let latest = operations.compactMap(\.pendingDeadline).max(), latest > .now else { throw Abandon.timedOut }
        _ = expireOperations(during: stage)
        // Until TCP connect completes, POLLOUT is how the socket reports it.
        let connecting = stage == "TCP connect"
        waitForSocket(until: operations.compactMap(\.pendingDeadline).min(), wantWrite: connecting)
    }

    /// Offers, in order: the private key, the ssh-agent (only when `use_agent` is set and the
    /// pool has an agent socket, `SSH_AUTH_SOCK` by default), the password. Each answer the server gives is awaited without blocking.
    private func authenticate(_ session: ssh_session) throws {
        let settings = endpoint.settings
        var tried: [String] = []
        let none = try repeatUntilDone(stage: "authentication", again: SSH_AUTH_AGAIN.rawValue, { ssh_userauth_none(session, nil) },
                                       accept: [SSH_AUTH_SUCCESS.rawValue, SSH_AUTH_DENIED.rawValue, SSH_AUTH_PARTIAL.rawValue],
                                       failed: { _ in self.authError(session, "the server did not answer: \(libsshError(session))") })
        if none == SSH_AUTH_SUCCESS.rawValue { return }
        let offered = ssh_userauth_list(session, nil)
        let outcomes = [SSH_AUTH_SUCCESS.rawValue, SSH_AUTH_DENIED.rawValue, SSH_AUTH_PARTIAL.rawValue]

        if let keyFile = settings.privateKeyFile {
            var key: ssh_key?
            let passphrase = settings.passphrase?.reveal()
            let imported = ssh_pki_import_privkey_file(keyFile, passphrase, nil, nil, &key)
            guard imported == SSH_OK, let key else {
                throw authError(session, "cannot load the private key \(keyFile)\(passphrase == nil ? " (encrypted? set ssh.passphrase)" : " (wrong passphrase?)")")
            }
            defer { ssh_key_free(key) }
            tried.append("publickey")
            let rc = try repeatUntilDone(stage: "authentication", again: SSH_AUTH_AGAIN.rawValue, { ssh_userauth_publickey(session, nil, key) }, accept: outcomes,
                                         failed: { _ in self.authError(session, libsshError(session)) })
            if rc == SSH_AUTH_SUCCESS.rawValue { return }
        }
        if settings.useAgent, agentSocket != nil {
            tried.append("agent")
            let rc = try repeatUntilDone(stage: "authentication", again: SSH_AUTH_AGAIN.rawValue, { ssh_userauth_agent(session, nil) }, accept: outcomes + [SSH_AUTH_ERROR.rawValue],
                                         failed: { _ in self.authError(session, libsshError(session)) })
            if rc == SSH_AUTH_SUCCESS.rawValue { return }
        }
        if let password = settings.password {
            tried.append("password")
            let rc = try password.reveal().withCString { secret in
                try repeatUntilDone(stage: "authentication", again: SSH_AUTH_AGAIN.rawValue, { ssh_userauth_password(session, nil, secret) }, accept: outcomes,
                                    failed: { _ in self.authError(session, libsshError(session)) })
            }
            if rc == SSH_AUTH_SUCCESS.rawValue { return }
        }
        var accepted: [String] = []
        for (bit, name) in [(SSH_AUTH_METHOD_PUBLICKEY, "publickey"), (SSH_AUTH_METHOD_PASSWORD, "password"),
                            (SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive")] where offered & Int32(bit) != 0 {
            accepted.append(name)
        }
        throw authError(session, "no method was accepted (tried: \(tried.isEmpty ? "none configured" : tried.joined(separator: ", ")); the server accepts: \(accepted.joined(separator: ", ")))")
    }

    private func authError(_ session: ssh_session, _ reason: String) -> SSHError {
        SSHError(.authentication, "device \"\(device)\": SSH authentication as \"\(endpoint.settings.user)\" on \(target) failed: \(reason)")
    }
}
