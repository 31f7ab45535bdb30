import CLibSSH

/// Facts about the linked libssh.
public enum LibSSH {
    /// libssh's version string, e.g. `0.10.6/openssl/zlib`.
    public static var version: String {
        guard let text = ssh_version(0) else { return "unknown" }
        return String(cString: text)
    }
}
