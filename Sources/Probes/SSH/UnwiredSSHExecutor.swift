/// Stands in for the SSH session pool in a prober registry built without one (tests of other
/// probers): every call fails with a reason, so a module that needs SSH reports
/// `probe_success 0` and says why instead of hanging or crashing. The exporter's wiring always
/// passes the real ``SSHSessionPool``.
public struct UnwiredSSHExecutor: SSHExecutor {
    public init() {}

    static let reason = "no SSH session pool is wired into this prober registry: ssh modules cannot log in"

    public func exec(_ command: String, on endpoint: SSHEndpoint, deadline: ContinuousClock.Instant,
                     outputLimit: Int) async throws(SSHError) -> SSHExecResult {
        throw SSHError(.connect, "\(endpoint.device): \(Self.reason)")
    }

    public func openShell(on endpoint: SSHEndpoint, columns: Int, rows: Int,
                          deadline: ContinuousClock.Instant) async throws(SSHError) -> any SSHShellChannel {
        throw SSHError(.connect, "\(endpoint.device): \(Self.reason)")
    }
}
