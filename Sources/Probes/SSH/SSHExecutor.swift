import VandineCore

/// Where and how to log in to a device over SSH: its name (the pool's key, and the `device`
/// label of the `vandine_ssh_*` metrics), its address and its `ssh:` settings.
public struct SSHEndpoint: Sendable, Equatable {
    public var device: String
    /// Host name or IP address (the device's `address`).
    public var host: String
    public var settings: SSHSettings

    public init(device: String, host: String, settings: SSHSettings) {
        self.device = device
        self.host = host
        self.settings = settings
    }
}

/// What one remote command gave back.
public struct SSHExecResult: Sendable, Equatable {
    /// Standard output, at most the `outputLimit` asked for.
    public var stdout: [UInt8]
    /// Standard error, at most the `outputLimit` asked for.
    public var stderr: [UInt8]
    /// The command's exit status; nil when the server sent none (killed by a signal, or an old
    /// device's SSH server that never reports one).
    public var exitStatus: Int32?
    /// True when output beyond `outputLimit` was discarded.
    public var truncated: Bool

    public init(stdout: [UInt8], stderr: [UInt8] = [], exitStatus: Int32?, truncated: Bool = false) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.truncated = truncated
    }
}

/// An interactive shell channel with a PTY (for CLI devices that have no exec): bytes in, bytes out.
public protocol SSHShellChannel: Sendable {
    /// Sends `bytes` to the remote shell; throws ``SSHError`` when the channel is gone or `deadline` passes.
    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(SSHError)
    /// The next bytes the remote side sent (waits for at least one); empty at end of file.
    /// Throws ``SSHError`` at `deadline`.
    func read(deadline: ContinuousClock.Instant) async throws(SSHError) -> [UInt8]
    /// Closes the channel (the session stays in the pool).
    func close() async
}

/// Runs commands on devices over pooled SSH sessions (the real one is the session pool; tests may
/// use fakes). Every call is bounded by `deadline`; a call cut off at the deadline drops the
/// session it used.
public protocol SSHExecutor: Sendable {
    /// Runs `command` (one exec channel) on `endpoint`, keeping at most `outputLimit` bytes of
    /// each output stream.
    func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
              outputLimit: Int) async throws(SSHError) -> SSHExecResult
    /// Opens an interactive shell with a PTY of `columns`×`rows` on `endpoint`.
    func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                   deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel
}

/// Why an SSH step failed; the description is one line naming the device, without secrets.
public struct SSHError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// TCP connect, banner or key exchange failed.
        case connect
        /// The host key is unknown or does not match `known_hosts`.
        case hostKey
        /// No offered authentication method was accepted.
        case authentication
        /// Opening the channel or running the command failed.
        case channel
        /// The deadline passed.
        case timeout
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
