import VandineCore

/// One iperf3 client run as a command line: the module's options applied to a resolved server
/// address. Two probes whose commands are equal can share one run.
public struct IPerf3Command: Sendable, Equatable {
    /// The executable (a path or a name looked up in PATH).
    public var binary: String
    /// The server's address as iperf3 gets it (an IP: the exporter resolves the target itself).
    public var host: String
    public var port: Int
    public var options: IPerf3Options

    public init(binary: String, host: String, port: Int, options: IPerf3Options) {
        self.binary = binary
        self.host = host
        self.port = port
        self.options = options
    }

    /// `host:port` (`[v6]:port`): the server a queue lane serializes runs to.
    public var server: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Equal for commands that may share one run: the same binary, server and test settings.
    public var coalescingKey: String {
        "\(binary) \(server)\n" + options.render()
    }

    /// The arguments after the executable. `connectTimeout` bounds iperf3's own connect (a server
    /// that drops SYNs would otherwise hold the run for the kernel's two minutes).
    public func arguments(connectTimeout: Duration) -> [String] {
        var arguments = ["-c", host, "-p", String(port), "-J",
                         "-t", String(options.duration.milliseconds / 1000),
                         // No per-second reports: the JSON stays small whatever the duration.
                         "-i", "0",
                         "--connect-timeout", String(max(1, connectTimeout.wholeMilliseconds))]
        if options.parallel > 1 { arguments += ["-P", String(options.parallel)] }
        if options.omit.milliseconds > 0 { arguments += ["-O", String(options.omit.milliseconds / 1000)] }
        if options.transport == .udp { arguments.append("-u") }
        if let bitrate = options.bitrate { arguments += ["-b", String(bitrate)] }
        if options.reverse { arguments.append("-R") }
        if let bind = options.bind { arguments += ["-B", bind] }
        return arguments
    }
}
