import CLibSSH
import Glibc
import VandineCore

/// The host key check after key exchange, against an OpenSSH known_hosts file (sshd(8)
/// "SSH_KNOWN_HOSTS FILE FORMAT"; a non-22 port is written `[host]:port`).
///
/// - known key that matches: accepted;
/// - unknown host: refused, unless `trust_on_first_use` (then appended to the file);
/// - changed key, or only a key of another type known: refused, even with `trust_on_first_use`;
/// - `insecure_ignore_host_key`: anything accepted, nothing recorded.
/// The refusal names the device, the key type and its fingerprint in OpenSSH's `SHA256:<base64>` form.
enum SSHHostKeyCheck {
    /// The device's `known_hosts_file`, or `~/.ssh/known_hosts` of the user the exporter runs as.
    static func knownHostsFile(_ settings: SSHSettings) -> String {
        if let file = settings.knownHostsFile { return file }
        var home = getenv("HOME").map { String(cString: $0) } ?? ""
        if let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir { home = String(cString: directory) }
        return home + "/.ssh/known_hosts"
    }

    /// Nil when the host may be used; else the one-line refusal.
    static func verify(session: ssh_session, endpoint: SSHEndpoint) -> SSHError? {
        let settings = endpoint.settings
        if settings.insecureIgnoreHostKey { return nil }
        let file = knownHostsFile(settings)
        let presented = presentedKey(session)
        let name = "device \"\(endpoint.device)\": host key of \(endpoint.host):\(settings.port) (\(presented))"
        switch ssh_session_is_known_server(session) {
        case SSH_KNOWN_HOSTS_OK:
            return nil
        case SSH_KNOWN_HOSTS_UNKNOWN, SSH_KNOWN_HOSTS_NOT_FOUND:
            guard settings.trustOnFirstUse else {
                return SSHError(.hostKey, "\(name) is not in \(file); refusing (add it, e.g. with ssh-keyscan, or set ssh.trust_on_first_use)")
            }
            guard ssh_session_update_known_hosts(session) == SSH_OK else {
                return SSHError(.hostKey, "\(name) is new and trust_on_first_use is set, but it cannot be recorded in \(file): \(libsshError(session))")
            }
            return nil
        case SSH_KNOWN_HOSTS_CHANGED:
            return SSHError(.hostKey, "\(name) does not match the key recorded in \(file); refusing (the host key changed: possible man-in-the-middle)")
        case SSH_KNOWN_HOSTS_OTHER:
            return SSHError(.hostKey, "\(name) is of another type than the key recorded in \(file); refusing (possible man-in-the-middle)")
        default:
            return SSHError(.hostKey, "\(name) cannot be checked against \(file): \(libsshError(session))")
        }
    }

    /// `ssh-ed25519 SHA256:…` for the key the server presented.
    static func presentedKey(_ session: ssh_session) -> String {
        var key: ssh_key?
        guard ssh_get_server_publickey(session, &key) == SSH_OK, let key else { return "no key presented" }
        defer { ssh_key_free(key) }
        let type = ssh_key_type_to_char(ssh_key_type(key)).map { String(cString: $0) } ?? "unknown type"
        return "\(type) \(fingerprint(key) ?? "fingerprint unavailable")"
    }

    /// OpenSSH's `SHA256:<unpadded base64>` fingerprint of `key` (what `ssh-keygen -lf` prints).
    static func fingerprint(_ key: ssh_key) -> String? {
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == SSH_OK, hash != nil else { return nil }
        defer { ssh_clean_pubkey_hash(&hash) }
        guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length) else { return nil }
        defer { ssh_string_free_char(text) }
        return String(cString: text)
    }
}
