/// Options of the `iperf3` prober: one throughput test with the `iperf3` binary (`-c … -J`)
/// against a device's iperf3 server.
///
/// ```yaml
/// iperf3:
///   protocol: tcp              # tcp (default) or udp
///   bitrate: 100M              # target bits per second (-b): K, M, G, T are powers of 1000;
///                              # iperf3's default is 1M for udp, unlimited for tcp
///   reverse: false             # true: the server sends, we receive (-R)
///   parallel: 1                # parallel streams (-P), 1-128
///   duration: 3s               # test length (-t), whole seconds, 1s-1h
///   omit: 0s                   # seconds at the start left out of the results (-O), whole seconds
///   port: 5201                 # server port when the target names none
///   bind: 192.0.2.5            # local address to test from (-B)
///   binary: iperf3             # the iperf3 executable: a path, or a name looked up in PATH
///   preferred_ip_protocol: ip6 # as blackbox: the target is resolved by the exporter
///   ip_protocol_fallback: true
/// ```
///
/// `omit` + `duration` + ``setupAllowance`` must fit in the module timeout.
public struct IPerf3Options: ProberOptionsSection {
    public static let proberName = "iperf3"
    public static let targetForm = TargetForm.hostPort
    /// A throughput test floods the link: it is no check of a device's service.
    public static let canCheckService = false

    /// The transport iperf3 tests with.
    public enum TransportProtocol: String, Sendable, Equatable {
        case tcp, udp
    }

    public var transport: TransportProtocol
    /// Target bits per second (`-b`); nil keeps iperf3's default (1 Mbit/s for UDP, unlimited for TCP).
    public var bitrate: UInt64?
    /// The server sends and we receive (`-R`).
    public var reverse: Bool
    /// Parallel streams (`-P`).
    public var parallel: Int
    /// Test length in whole seconds (`-t`).
    public var duration: PrometheusDuration
    /// Seconds at the start of the test left out of the results (`-O`), whole seconds.
    public var omit: PrometheusDuration
    /// Server port when the target names none.
    public var port: Int
    /// Local address to test from (`-B`).
    public var bind: String?
    /// The iperf3 executable: an absolute path, or a name looked up in PATH.
    public var binary: String
    public var ipProtocol: IPProtocolPreference

    /// iperf3's own default port.
    public static let defaultPort = 5201
    /// Long enough for TCP to leave slow start on a LAN, short enough to fit the default 5 s timeout.
    public static let defaultDuration = PrometheusDuration.seconds(3)
    /// iperf3 refuses more streams than this.
    public static let maximumParallel = 128
    /// The longest test: one hour.
    public static let maximumDuration = PrometheusDuration.seconds(3600)
    /// Time a run needs besides `omit` + `duration`: connecting, the control exchange, and the
    /// results the server sends back at the end (tens of milliseconds on a LAN).
    public static let setupAllowance = PrometheusDuration.seconds(1)

    public init(transport: TransportProtocol = .tcp, bitrate: UInt64? = nil, reverse: Bool = false, parallel: Int = 1,
                duration: PrometheusDuration = defaultDuration, omit: PrometheusDuration = .seconds(0),
                port: Int = defaultPort, bind: String? = nil, binary: String = "iperf3",
                ipProtocol: IPProtocolPreference = .init()) {
        self.transport = transport
        self.bitrate = bitrate
        self.reverse = reverse
        self.parallel = parallel
        self.duration = duration
        self.omit = omit
        self.port = port
        self.bind = bind
        self.binary = binary
        self.ipProtocol = ipProtocol
    }

    public var wrapped: ProberOptions { .iperf3(self) }

    /// `omit` + `duration` + ``setupAllowance``: the longest a run should take.
    public var runTime: PrometheusDuration {
        PrometheusDuration(milliseconds: omit.milliseconds + duration.milliseconds + Self.setupAllowance.milliseconds)
    }

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> IPerf3Options {
        var options = IPerf3Options()
        guard let node else { return options }
        let map = try node.mapping(allowedKeys: IPProtocolPreference.keys.union([
            "protocol", "bitrate", "reverse", "parallel", "duration", "omit", "port", "bind", "binary",
        ]))
        options.ipProtocol = try IPProtocolPreference.parse(map)
        if let value = map["protocol"] {
            let text = try value.string()
            guard let transport = TransportProtocol(rawValue: text) else {
                throw value.error("must be tcp or udp, got \(value.quotedValue)")
            }
            options.transport = transport
        }
        if let value = map["bitrate"] {
            guard let bits = parseBitrate(try value.string()) else {
                throw value.error("must be bits per second like 500K, 100M or 1G (a number, optionally with K, M, G or T), got \(value.quotedValue)")
            }
            options.bitrate = bits
        }
        if let value = map["reverse"] { options.reverse = try value.bool() }
        if let value = map["parallel"] { options.parallel = try value.int(in: 1...maximumParallel) }
        if let value = map["duration"] {
            options.duration = try wholeSeconds(value, in: 1...maximumDuration.milliseconds / 1000)
        }
        if let value = map["omit"] {
            options.omit = try wholeSeconds(value, in: 0...maximumDuration.milliseconds / 1000)
        }
        if let value = map["port"] { options.port = try value.int(in: 1...65535) }
        if let value = map["bind"] { options.bind = try value.ipAddress() }
        if let value = map["binary"] { options.binary = try value.nonEmptyString() }
        return options
    }

    /// A duration of whole seconds within `range` (iperf3 takes `-t` and `-O` in whole seconds).
    static func wholeSeconds(_ node: ConfigNode, in range: ClosedRange<Int64>) throws(ConfigError) -> PrometheusDuration {
        let value = try node.duration()
        guard value.milliseconds % 1000 == 0, range.contains(value.milliseconds / 1000) else {
            throw node.error("must be whole seconds from \(range.lowerBound)s to \(range.upperBound)s, got \(node.quotedValue)")
        }
        return value
    }

    /// `100M` → 100,000,000. iperf3 reads K, M, G and T as powers of 1000 for rates. Nil for
    /// anything else, for 0 and for more than 1e15 (a petabit).
    public static func parseBitrate(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var scale = 1.0
        if let last = digits.last, let unit = ["K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12][String(last).uppercased()] {
            scale = unit
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let number = Double(digits), number.isFinite else { return nil }
        let bits = (number * scale).rounded()
        guard bits >= 1, bits <= 1e15 else { return nil }
        return UInt64(bits)
    }

    /// The test and its setup must fit in the module timeout.
    public func problem(withTimeout timeout: PrometheusDuration) -> String? {
        guard runTime.milliseconds > timeout.milliseconds else { return nil }
        let what = omit.milliseconds > 0 ? "omit \(omit) + duration \(duration)" : "duration \(duration)"
        return "an iperf3 test of \(what) needs \(runTime) with setup, which does not fit in the module timeout of \(timeout): lower duration or raise timeout to at least \(runTime)"
    }

    public func render() -> String {
        var out = "protocol: \(transport.rawValue)\n"
        if let bitrate { out += "bitrate: \(bitrate)\n" }
        out += "reverse: \(reverse)\n"
        out += "parallel: \(parallel)\n"
        out += "duration: \(duration)\n"
        if omit.milliseconds > 0 { out += "omit: \(omit)\n" }
        out += "port: \(port)\n"
        if let bind { out += "bind: \(bind)\n" }
        out += "binary: \(binary)\n"
        out += ipProtocol.render()
        return out
    }
}
