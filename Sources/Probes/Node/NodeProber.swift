#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import VandineCore

/// The `node` prober: node_exporter's collectors over one of two transports. `local` reads this
/// machine's files (``LocalNodeReader``, off Swift's cooperative pool); `ssh` runs ONE
/// ``NodeBatch`` script per scrape on the device through the ``SSHExecutor`` (the session pool).
/// Each collector reports `node_scrape_collector_success` and `..._duration_seconds`; one failing
/// never fails the probe, which fails only when nothing could be gathered.
public struct NodeProber: Prober {
    let ssh: any SSHExecutor
    let state: NodeCollectorState
    let reader: LocalNodeReader
    /// This machine's host name, for "is the target this machine" (``NodeOptions/isThisMachine(_:hostName:)``).
    let hostName: String?

    /// Blocking reads (a statfs of a stuck NFS mount can hang) run here, never on the cooperative pool.
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    public init(ssh: any SSHExecutor, state: NodeCollectorState = NodeCollectorState(), reader: LocalNodeReader = LocalNodeReader(),
                hostName: String? = NodeProber.currentHostName()) {
        self.ssh = ssh
        self.state = state
        self.reader = reader
        self.hostName = hostName
    }

    /// gethostname(2), or nil.
    public static func currentHostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func probe(_ context: ProbeContext) async -> Bool {
        guard case let .node(options) = context.module.options else {
            context.log.fail("the node prober was given a \(context.module.prober) module")
            return false
        }
        let collectors = NodeCollectors.named(options.collectors)
        let needs = NodeCollectors.needs(of: collectors)
        let key = context.target.device?.name ?? context.target.host
        guard let files = await gather(needs, options: options, context: context) else { return false }
        if files.truncated {
            context.log.log("the output passed output_limit (\(options.outputLimit) bytes): the last file gathered is cut short")
        }
        let input = NodeCollectorInput(files: files, options: options, target: key, state: state)
        for collector in collectors {
            let start = ContinuousClock.now
            var metrics = MetricSet()
            var success = true
            do {
                try collector.collect(input, into: &metrics)
            } catch {
                success = false
                context.log.log("collector \(collector.name) failed: \(error)")
            }
            NodeScrapeMetrics.record(collector: collector.name, success: success, seconds: (ContinuousClock.now - start).seconds,
                                     into: &metrics)
            for family in metrics.families { context.metrics.add(family) }
        }
        return true
    }

    /// The files, or nil (after logging why) when the transport could not deliver them.
    func gather(_ needs: NodeNeeds, options: NodeOptions, context: ProbeContext) async -> NodeFiles? {
        switch options.source {
        case .local:
            let device = context.target.device
            let isLocal = NodeOptions.isThisMachine(context.target.host, hostName: hostName)
                || device.map { NodeOptions.isThisMachine($0.name, hostName: hostName) } ?? false
            guard isLocal else {
                context.log.fail("source local reads this machine's own files, but target \(context.target.logDescription) is not this machine (a loopback address, localhost or \(hostName ?? "its host name")): use a device with source ssh")
                return nil
            }
            context.log.log("reading this machine's files for \(options.collectors.count) collectors")
            let reader = reader
            do {
                return try await Self.pool.runIfActive { reader.read(needs, options: options, limit: options.outputLimit) }
            } catch {
                context.log.fail("could not read this machine's files: \(error)")
                return nil
            }
        case .ssh:
            guard let device = context.target.device, let settings = device.ssh else {
                context.log.fail("source ssh logs in to a configured device with ssh: settings, and target \(context.target.logDescription) is none")
                return nil
            }
            let endpoint = SSHEndpoint(device: device.name, host: device.address, settings: settings)
            let script = NodeBatch.script(for: needs, options: options)
            context.log.log("running the node batch (\(script.utf8.count) bytes of sh) on \(device.name) over ssh as \(settings.user)")
            let result: SSHExecResult
            do {
                result = try await ssh.exec(script, on: endpoint, deadline: context.deadline, outputLimit: options.outputLimit)
            } catch {
                context.log.fail("ssh to \(device.name) failed: \(error)")
                return nil
            }
            guard !result.stdout.isEmpty else {
                let stderr = String(decoding: result.stderr.prefix(300), as: UTF8.self).trimmed
                context.log.fail("the node batch on \(device.name) printed nothing (exit status \(result.exitStatus.map(String.init) ?? "none")\(stderr.isEmpty ? "" : ": \(stderr)"))")
                return nil
            }
            context.log.log("the node batch printed \(result.stdout.count) bytes")
            return NodeBatch.parse(result.stdout, truncated: result.truncated)
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
