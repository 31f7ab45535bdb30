/// Options of the `dns` prober: blackbox_exporter's `dns` section.
///
/// ```yaml
/// dns:
///   query_name: www.prometheus.io     # required
///   query_type: A                     # default ANY
///   query_class: IN                   # default IN
///   transport_protocol: udp           # udp (default) or tcp
///   recursion_desired: true           # default true
///   valid_rcodes: [NOERROR]           # default [NOERROR]
///   validate_answer_rrs:              # also validate_authority_rrs, validate_additional_rrs
///     fail_if_matches_regexp: [".*127.0.0.1"]
///     fail_if_not_matches_regexp: ["www.prometheus.io.\t300\tIN\tA\t127.0.0.1"]
///     fail_if_all_match_regexp: [".*127.0.0.1"]
///     fail_if_none_matches_regexp: ["127.0.0.1"]
///   preferred_ip_protocol: ip4
///   ip_protocol_fallback: true
///   source_ip_address: 127.0.0.1
/// ```
///
/// `dns_over_tls: true` is refused (not supported); `tls_config` is read and checked (blackbox
/// accepts it without DoT, where it has no effect).
public struct DNSOptions: ProberOptionsSection {
    public static let proberName = "dns"
    public static let targetForm = TargetForm.hostPort

    /// How the query travels.
    public enum TransportProtocol: String, Sendable, Equatable {
        case udp, tcp
    }

    public var ipProtocol: IPProtocolPreference
    /// Local address to send from.
    public var sourceIPAddress: String?
    public var transportProtocol: TransportProtocol
    /// The name asked about, as written (made fully qualified when the query is built).
    public var queryName: String
    /// The query type's mnemonic (upper case) and its number.
    public var queryType: String
    public var queryTypeCode: UInt16
    /// The query class's mnemonic (upper case) and its number.
    public var queryClass: String
    public var queryClassCode: UInt16
    /// The RD flag of the query.
    public var recursionDesired: Bool
    /// The response codes that count as success, by mnemonic (upper case).
    public var validRcodes: [String]
    public var validateAnswer: DNSRRValidator
    public var validateAuthority: DNSRRValidator
    public var validateAdditional: DNSRRValidator
    /// Checked and kept for blackbox compatibility; used by nothing while DoT is unsupported.
    public var tlsConfig: TLSClientConfig

    public init(queryName: String, queryType: String = "ANY", queryClass: String = "IN",
                transportProtocol: TransportProtocol = .udp, recursionDesired: Bool = true,
                validRcodes: [String] = ["NOERROR"], validateAnswer: DNSRRValidator = .init(),
                validateAuthority: DNSRRValidator = .init(), validateAdditional: DNSRRValidator = .init(),
                ipProtocol: IPProtocolPreference = .init(), sourceIPAddress: String? = nil,
                tlsConfig: TLSClientConfig = .init()) {
        self.ipProtocol = ipProtocol
        self.sourceIPAddress = sourceIPAddress
        self.transportProtocol = transportProtocol
        self.queryName = queryName
        self.queryType = queryType.uppercased()
        self.queryTypeCode = DNSNames.type(named: queryType) ?? DNSNames.types["ANY"]!
        self.queryClass = queryClass.uppercased()
        self.queryClassCode = DNSNames.class(named: queryClass) ?? DNSNames.classes["IN"]!
        self.recursionDesired = recursionDesired
        self.validRcodes = validRcodes.map { $0.uppercased() }
        self.validateAnswer = validateAnswer
        self.validateAuthority = validateAuthority
        self.validateAdditional = validateAdditional
        self.tlsConfig = tlsConfig
    }

    /// The numbers of ``validRcodes``.
    public var validRcodeValues: [Int] { validRcodes.compactMap { DNSNames.rcodes[$0] } }

    public var wrapped: ProberOptions { .dns(self) }

    static let keys: Set<String> = IPProtocolPreference.keys.union([
        "source_ip_address", "transport_protocol", "query_name", "query_type", "query_class",
        "recursion_desired", "valid_rcodes", "validate_answer_rrs", "validate_authority_rrs",
        "validate_additional_rrs", "dns_over_tls", "tls_config",
    ])

    public static func parse(_ node: ConfigNode?, context: ModuleParseContext) throws(ConfigError) -> DNSOptions {
        guard let node, !node.isNull else {
            throw context.moduleError("a dns module needs a dns section with query_name")
        }
        let map = try node.mapping(allowedKeys: keys)
        let nameNode = try map.required("query_name")
        let name = try nameNode.nonEmptyString()
        if let problem = domainNameProblem(name) { throw nameNode.error("\(problem), got \(nameNode.quotedValue)") }
        var options = DNSOptions(queryName: name)
        options.ipProtocol = try IPProtocolPreference.parse(map)
        if let source = map["source_ip_address"] { options.sourceIPAddress = try source.ipAddress() }
        if let transport = map["transport_protocol"] {
            guard let value = TransportProtocol(rawValue: try transport.string()) else {
                throw transport.error("must be udp or tcp, got \(transport.quotedValue)")
            }
            options.transportProtocol = value
        }
        if let type = map["query_type"] {
            let text = try type.string()
            guard let code = DNSNames.type(named: text) else {
                throw type.error("must be a DNS record type such as A, AAAA, MX, SOA or ANY, got \(type.quotedValue)")
            }
            options.queryType = text.uppercased()
            options.queryTypeCode = code
        }
        if let queryClass = map["query_class"] {
            let text = try queryClass.string()
            guard let code = DNSNames.class(named: text) else {
                throw queryClass.error("must be a DNS class (IN, CH, HS, CS, NONE or ANY), got \(queryClass.quotedValue)")
            }
            options.queryClass = text.uppercased()
            options.queryClassCode = code
        }
        if let recursion = map["recursion_desired"] { options.recursionDesired = try recursion.bool() }
        if let rcodes = map["valid_rcodes"] {
            var names: [String] = []
            for item in try rcodes.list() {
                let text = try item.string()
                guard DNSNames.rcodes[text.uppercased()] != nil else {
                    throw item.error("must be a DNS response code such as NOERROR, NXDOMAIN, SERVFAIL or REFUSED, got \(item.quotedValue)")
                }
                names.append(text.uppercased())
            }
            // blackbox: an empty list means the default, NOERROR.
            if !names.isEmpty { options.validRcodes = names }
        }
        if let section = map["validate_answer_rrs"] { options.validateAnswer = try DNSRRValidator.parse(section) }
        if let section = map["validate_authority_rrs"] { options.validateAuthority = try DNSRRValidator.parse(section) }
        if let section = map["validate_additional_rrs"] { options.validateAdditional = try DNSRRValidator.parse(section) }
        if let dot = map["dns_over_tls"], try dot.bool() {
            throw dot.error("DNS over TLS is not supported; use transport_protocol udp or tcp")
        }
        if let config = map["tls_config"] { options.tlsConfig = try TLSClientConfig.parse(config, context: context) }
        return options
    }

    /// Why `name` cannot be sent as a query name (empty label, label over 63 bytes, name over 253),
    /// or nil. `.` alone is the root.
    static func domainNameProblem(_ name: String) -> String? {
        if name == "." { return nil }
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        if trimmed.utf8.count > 253 { return "must be a domain name of at most 253 characters" }
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { return "must be a domain name without empty labels" }
            if label.utf8.count > 63 { return "must be a domain name whose labels are at most 63 characters" }
            if label.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
                return "must be a domain name of printable ASCII characters"
            }
        }
        return nil
    }

    public func render() -> String {
        var out = "query_name: \(ConfigRenderer.quote(queryName))\n"
        out += "query_type: \(queryType)\n"
        out += "query_class: \(queryClass)\n"
        out += "transport_protocol: \(transportProtocol.rawValue)\n"
        out += "recursion_desired: \(recursionDesired)\n"
        out += "valid_rcodes: [\(validRcodes.joined(separator: ", "))]\n"
        out += ipProtocol.render()
        if let sourceIPAddress { out += "source_ip_address: \(sourceIPAddress)\n" }
        for (key, validator) in [("validate_answer_rrs", validateAnswer), ("validate_authority_rrs", validateAuthority),
                                 ("validate_additional_rrs", validateAdditional)] where !validator.isEmpty {
            out += ConfigRenderer.section(key, validator.render())
        }
        if tlsConfig != TLSClientConfig() { out += ConfigRenderer.section("tls_config", tlsConfig.render()) }
        return out
    }
}

/// blackbox_exporter's `DNSRRValidator`: regexes matched against the RRs of one section of the
/// reply, each RR written in zone-file text (`www.example.com.\t300\tIN\tA\t192.0.2.1`).
public struct DNSRRValidator: Sendable, Equatable {
    /// Fail if any RR matches any of these.
    public var failIfMatches: [RegularExpression]
    /// Fail if some RR does not match one of these (and when the section is empty).
    public var failIfNotMatches: [RegularExpression]
    /// Fail if every RR matches each of these.
    public var failIfAllMatch: [RegularExpression]
    /// Fail if no RR matches one of these (and when the section is empty).
    public var failIfNoneMatches: [RegularExpression]

    public init(failIfMatches: [RegularExpression] = [], failIfNotMatches: [RegularExpression] = [],
                failIfAllMatch: [RegularExpression] = [], failIfNoneMatches: [RegularExpression] = []) {
        self.failIfMatches = failIfMatches
        self.failIfNotMatches = failIfNotMatches
        self.failIfAllMatch = failIfAllMatch
        self.failIfNoneMatches = failIfNoneMatches
    }

    public var isEmpty: Bool {
        failIfMatches.isEmpty && failIfNotMatches.isEmpty && failIfAllMatch.isEmpty && failIfNoneMatches.isEmpty
    }

    static let keys: Set<String> = [
        "fail_if_matches_regexp", "fail_if_not_matches_regexp", "fail_if_all_match_regexp", "fail_if_none_matches_regexp",
    ]

    public static func parse(_ node: ConfigNode) throws(ConfigError) -> DNSRRValidator {
        let map = try node.mapping(allowedKeys: keys)
        var validator = DNSRRValidator()
        if let list = map["fail_if_matches_regexp"] { validator.failIfMatches = try list.regularExpressions() }
        if let list = map["fail_if_not_matches_regexp"] { validator.failIfNotMatches = try list.regularExpressions() }
        if let list = map["fail_if_all_match_regexp"] { validator.failIfAllMatch = try list.regularExpressions() }
        if let list = map["fail_if_none_matches_regexp"] { validator.failIfNoneMatches = try list.regularExpressions() }
        return validator
    }

    /// YAML lines.
    public func render() -> String {
        var out = ""
        for (key, list) in [("fail_if_matches_regexp", failIfMatches), ("fail_if_not_matches_regexp", failIfNotMatches),
                            ("fail_if_all_match_regexp", failIfAllMatch), ("fail_if_none_matches_regexp", failIfNoneMatches)]
        where !list.isEmpty {
            out += "\(key):\n" + list.map { "  - \(ConfigRenderer.quote($0.pattern))\n" }.joined()
        }
        return out
    }
}
