import CLibSSH

/// Facts about the linked libssh.
public enum LibSSH {
    /// libssh's version string, e.g. `0.10.6/openssl/zlib`.
    public static var version: String {
        guard let text = ssh_version(0) else { return "unknown" }
        return String(cString: text)
    }
}

extension LibSSH {
    /// The kinds of algorithm list a device's `ssh:` section sets.
    enum AlgorithmList: CaseIterable {
        case kex, hostKeys, ciphers, macs

        var option: ssh_options_e {
            switch self {
            case .kex: SSH_OPTIONS_KEY_EXCHANGE
            case .hostKeys: SSH_OPTIONS_HOSTKEYS
            case .ciphers: SSH_OPTIONS_CIPHERS_C_S
            case .macs: SSH_OPTIONS_HMAC_C_S
            }
        }
    }

    /// Whether the linked libssh accepts `name` alone as that list (`ssh_options_set` keeps only
    /// the algorithms it knows and fails when none is left).
    static func supports(_ name: String, as list: AlgorithmList) -> Bool {
        guard let session = ssh_new() else { return false }
        defer { ssh_free(session) }
        return ssh_options_set(session, list.option, name) == 0
    }
}
