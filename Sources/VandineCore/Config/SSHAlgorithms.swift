/// The SSH algorithm names a device's `ssh:` section may list (`kex_algorithms`,
/// `host_key_algorithms`, `ciphers`, `macs`): OpenSSH's names (ssh_config(5)) that the linked libssh
/// (Debian 12: 0.10.6, OpenSSL flavour) negotiates. VandineCore does not link libssh, so the sets
/// are written out here; a Probes test (`SSHAlgorithmsTests`) hands every name to libssh's
/// `ssh_options_set` and fails when libssh refuses one, so the sets cannot drift from the library.
public enum SSHAlgorithms {
    public static let kex: [String] = [
        "curve25519-sha256", "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group18-sha512", "diffie-hellman-group16-sha512",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group14-sha256",
        // Legacy, for old routers only.
        "diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1",
    ]

    public static let hostKeys: [String] = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa",
    ]

    public static let ciphers: [String] = [
        "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
        "aes256-ctr", "aes192-ctr", "aes128-ctr",
        // Legacy, for old routers only.
        "aes256-cbc", "aes192-cbc", "aes128-cbc", "3des-cbc",
    ]

    public static let macs: [String] = [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com",
        "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1",
    ]

    /// Parses an algorithm list: a YAML list of names, or one comma-separated string as in
    /// ssh_config (`aes128-ctr,aes256-ctr`). Nil when the key is absent.
    /// - Throws: ``ConfigError`` naming the key path and the first name not in `supported`, or an empty list.
    static func list(_ node: ConfigNode?, from supported: [String]) throws(ConfigError) -> [String]? {
        guard let node else { return nil }
        var names: [(name: String, node: ConfigNode)] = []
        if case .scalar = node.node {
            let text = try node.nonEmptyString()
            for part in text.split(separator: ",", omittingEmptySubsequences: false) {
                names.append((String(part.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()), node))
            }
        } else {
            for child in try node.list() { names.append((try child.nonEmptyString(), child)) }
        }
        guard !names.isEmpty else { throw node.error("must list at least one algorithm") }
        for (name, at) in names where !supported.contains(name) {
            throw at.error("unsupported algorithm \"\(name)\" (supported: \(supported.joined(separator: ", ")))")
        }
        return names.map(\.name)
    }
}
