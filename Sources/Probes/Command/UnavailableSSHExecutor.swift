import VandineCore

/// Stands in for the SSH session pool until it is built into this exporter: every exec and
/// shell fails with a clear reason naming the device, and nothing is contacted.
public struct UnavailableSSHExecutor: SSHExecutor {
    public init() {}

    public func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
                     outputLimit: Int) async throws(SSHError) -> SSHExecResult {
        throw Self.error(endpoint)
    }

    public func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                          deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel {
        throw Self.error(endpoint)
    }

    static func error(_ endpoint: SSHEndpoint) -> SSHError {
        SSHError(.connect, "device \(endpoint.device): this exporter has no SSH session pool wired in yet, so no command can run")
    }
}
