import Testing
@testable import VandineCore

/// encode → parse must give back the same families, for hand-built cases and for a few hundred
/// pseudo-random ones (fixed seed, so a failure reproduces).
@Suite("Exposition round trip")
struct ExpositionRoundTripTests {
    /// Families compared by name: the parser returns first-seen order, the encoder sorts.
    private func sortedByName(_ families: [MetricFamily]) -> [MetricFamily] {
        families.sorted { $0.name < $1.name }
    }

    private func roundTrip(_ families: [MetricFamily], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = ExpositionEncoder.encode(families)
        let parsed = try ExpositionParser.parse(text)
        #expect(sortedByName(parsed) == sortedByName(families), "\n\(text)", sourceLocation: sourceLocation)
        // Encoding what was parsed gives the same bytes: the output is canonical.
        #expect(ExpositionEncoder.encode(parsed) == text, sourceLocation: sourceLocation)
    }

    static let handBuilt: [MetricFamily] = [
        .gauge("probe_success", help: "Whether the probe succeeded.", value: 1),
        .counter("node_context_switches_total", help: "Total number of context switches.", value: 1.2345678e9),
        .untyped("cloudflared_tunnel_total_requests", value: 42),
        MetricFamily(name: "no_help_untyped", type: .untyped, samples: [Sample(name: "no_help_untyped", value: -7, timestamp: -1)]),
        MetricFamily(name: "empty_help", help: "", type: .gauge, samples: [Sample(name: "empty_help", value: 0)]),
        MetricFamily(name: "escapes", help: "Back\\slash, new\nline, \"quotes\" and \\n literal.", type: .gauge, samples: [
            Sample(name: "escapes", labels: ["path": #"C:\Program Files\"x""#, "multi": "a\nb\n", "raw": "\t\r{}=,#", "uni": "ünï 🙂 \u{301}"], value: 1),
            Sample(name: "escapes", labels: ["path": "", "multi": "\\", "raw": "\"", "uni": "\\n"], value: 2),
        ]),
        MetricFamily(name: "specials", type: .gauge, samples: [
            Sample(name: "specials", labels: ["v": "nan"], value: .nan),
            Sample(name: "specials", labels: ["v": "inf"], value: .infinity),
            Sample(name: "specials", labels: ["v": "-inf"], value: -.infinity),
            Sample(name: "specials", labels: ["v": "max"], value: .greatestFiniteMagnitude),
            Sample(name: "specials", labels: ["v": "min"], value: .leastNonzeroMagnitude),
            Sample(name: "specials", labels: ["v": "tenth"], value: 0.1, timestamp: Int64.max),
            Sample(name: "specials", labels: ["v": "big"], value: 1e15, timestamp: Int64.min),
        ]),
        .histogram("probe_icmp_rtt_seconds", help: "RTT.", buckets: [(0.001, 1), (0.01, 5), (0.1, 9)], sum: 0.25, count: 10, labels: ["target": "127.0.0.1"]),
        .histogram("probe_icmp_rtt_seconds_other", buckets: [], sum: .nan, count: 0),
        MetricFamily(name: "rpc_duration_seconds", help: "RPC latency.", type: .summary, samples: [
            Sample(name: "rpc_duration_seconds", labels: ["quantile": "0.01", "service": "a"], value: 3102),
            Sample(name: "rpc_duration_seconds", labels: ["quantile": "0.5", "service": "a"], value: 4773),
            Sample(name: "rpc_duration_seconds", labels: ["quantile": "0.99", "service": "a"], value: .nan),
            Sample(name: "rpc_duration_seconds_sum", labels: ["service": "a"], value: 1.7560473e7),
            Sample(name: "rpc_duration_seconds_count", labels: ["service": "a"], value: 2693),
        ]),
        // Names that look like another family's suffixed series: the exact name must win.
        MetricFamily(name: "rpc_duration_seconds_count", type: .counter, samples: [Sample(name: "rpc_duration_seconds_count", labels: ["x": "y"], value: 1)]),
        MetricFamily(name: "probe_icmp_rtt_seconds_bucket", type: .gauge, samples: [Sample(name: "probe_icmp_rtt_seconds_bucket", value: 3)]),
        MetricFamily(name: "declared_but_empty", help: "No samples.", type: .summary),
        MetricFamily(name: "colons:in:name_", type: .gauge, samples: [Sample(name: "colons:in:name_", labels: ["_under": "1", "A9": "2"], value: 1)]),
    ]

    @Test("hand-built families survive encode → parse")
    func handBuiltFamilies() throws {
        try roundTrip(Self.handBuilt)
        for family in Self.handBuilt {
            try roundTrip([family])
        }
    }

    @Test("a MetricSet survives encode → parse")
    func metricSet() throws {
        let set = MetricSet(Self.handBuilt)
        let parsed = try ExpositionParser.parse(ExpositionEncoder.encode(set))
        #expect(sortedByName(parsed) == set.families)
    }

    @Test("a foreign exposition survives parse → encode → parse")
    func foreignText() throws {
        let text = """
            # HELP weird A help with a backslash \\\\ and \\q kept.
            # TYPE weird untyped
            weird{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",}\t+Inf\t-1700000000000
            weird { path = "y" } NaN
            # TYPE h histogram
            h_bucket{le="1.0"} 1
            h_bucket{le="+Inf"} 2
            h_sum 1e-3
            h_count 2
            loose 5.
            """
        let first = try ExpositionParser.parse(text)
        let second = try ExpositionParser.parse(ExpositionEncoder.encode(first))
        #expect(sortedByName(first) == sortedByName(second))
        // le values are kept as written, not normalised.
        #expect(second.first { $0.name == "h" }?.samples.contains { $0.labels["le"] == "1.0" } == true)
    }

    @Test("a few hundred pseudo-random families survive encode → parse", arguments: 0..<40)
    func randomFamilies(seed: UInt64) throws {
        var generator = FamilyGenerator(seed: 0x5EED_0000 &+ seed)
        let families = generator.families(count: 8)
        try roundTrip(families)
    }
}

// MARK: - Deterministic generator

/// Builds random but well-formed families: valid names, hostile label values and help texts,
/// special values, timestamps, histograms and summaries with several label sets, and families
/// whose names collide with another family's suffixed series.
struct FamilyGenerator {
    var rng: SplitMix64
    var usedNames: Set<String> = []

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    static let nameStart = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:")
    static let nameRest = nameStart + Array("0123456789")
    static let labelStart = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
    static let labelRest = labelStart + Array("0123456789")
    /// Everything a label value or HELP text may hold, weighted towards the characters that need escaping.
    static let textAlphabet: [String] = [
        "a", "b", "z", "Z", "0", "9", " ", "\t", "\\", "\\", "\"", "\"", "\n", "\n", "\r", "{", "}", "=", ",", "#",
        "ü", "é", "\u{301}", "🙂", "中", "\u{0}", "\\n", "\\\"", "le", "+Inf",
    ]

    mutating func identifier(_ start: [Character], _ rest: [Character], maxLength: Int) -> String {
        var s = String(pick(start))
        for _ in 0..<int(0...maxLength) { s.append(pick(rest)) }
        return s
    }

    mutating func freshName() -> String {
        while true {
            let name = identifier(Self.nameStart, Self.nameRest, maxLength: 12)
            if usedNames.insert(name).inserted { return name }
        }
    }

    mutating func text(maxPieces: Int) -> String {
        var s = ""
        for _ in 0..<int(0...maxPieces) { s += pick(Self.textAlphabet) }
        return s
    }

    mutating func help() -> String? {
        switch int(0...9) {
        case 0...2: return nil
        case 3: return ""
        default:
            // The format cannot carry a leading blank or a trailing carriage return in HELP.
            var h = "h" + text(maxPieces: 12)
            while h.hasSuffix("\r") { h.removeLast() }
            return h
        }
    }

    mutating func labels(excluding reserved: Set<String>) -> [String: String] {
        var labels: [String: String] = [:]
        for _ in 0..<int(0...3) {
            let name = identifier(Self.labelStart, Self.labelRest, maxLength: 6)
            if reserved.contains(name) { continue }
            labels[name] = text(maxPieces: 6)
        }
        return labels
    }

    mutating func value() -> Double {
        switch int(0...11) {
        case 0: return .nan
        case 1: return .infinity
        case 2: return -.infinity
        case 3: return Double(int(-1000...1000))
        case 4: return Double(int(0...1_000_000)) / 1000
        case 5: return -0.0
        case 6: return .leastNonzeroMagnitude * Double(int(1...1000))
        case 7: return .greatestFiniteMagnitude / Double(int(1...1000))
        case 8: return 1e15 + Double(int(-3...3))
        default:
            // Any bit pattern: subnormals, NaN payloads, huge exponents.
            return Double(bitPattern: rng.next())
        }
    }

    mutating func timestamp() -> Int64? {
        switch int(0...9) {
        case 0: return Int64.min
        case 1: return Int64.max
        case 2: return Int64(bitPattern: rng.next())
        case 3: return Int64(int(-1000...1000))
        default: return nil
        }
    }

    mutating func family() -> MetricFamily {
        let name = freshName()
        let help = help()
        switch int(0...4) {
        case 0: // histogram
            var samples: [Sample] = []
            for _ in 0..<int(0...3) {
                let labels = labels(excluding: ["le"])
                var bounds: [Double] = (0..<int(0...5)).map { _ in Double(int(-100...10_000)) / Double(pick([1, 10, 1000])) }
                bounds.sort()
                var cumulative = 0.0
                for bound in bounds + [.infinity] {
                    cumulative += Double(int(0...5))
                    var l = labels
                    l["le"] = chance(80) ? ExpositionEncoder.formatValue(bound) : pick(["1.0", "1e-3", "0.50", "+Inf", "NaN", "bogus"])
                    samples.append(Sample(name: name + "_bucket", labels: l, value: cumulative, timestamp: timestamp()))
                }
                samples.append(Sample(name: name + "_sum", labels: labels, value: value()))
                samples.append(Sample(name: name + "_count", labels: labels, value: cumulative))
            }
            return MetricFamily(name: name, help: help, type: .histogram, samples: samples.shuffled(using: &rng))
        case 1: // summary
            var samples: [Sample] = []
            for _ in 0..<int(0...3) {
                let labels = labels(excluding: ["quantile"])
                for q in ["0", "0.25", "0.5", "0.9", "0.99", "1"] where chance(60) {
                    var l = labels
                    l["quantile"] = q
                    samples.append(Sample(name: name, labels: l, value: value()))
                }
                samples.append(Sample(name: name + "_sum", labels: labels, value: value()))
                samples.append(Sample(name: name + "_count", labels: labels, value: Double(int(0...100))))
            }
            return MetricFamily(name: name, help: help, type: .summary, samples: samples.shuffled(using: &rng))
        default:
            let type = pick([MetricType.counter, .gauge, .untyped])
            let samples = (0..<int(0...6)).map { _ in
                Sample(name: name, labels: labels(excluding: []), value: value(), timestamp: timestamp())
            }
            return MetricFamily(name: name, help: help, type: type, samples: samples)
        }
    }

    mutating func families(count: Int) -> [MetricFamily] {
        var result: [MetricFamily] = []
        for _ in 0..<count {
            let family = family()
            result.append(family)
            // Sometimes add a family whose name is one of this family's suffixed series names.
            if (family.type == .histogram || family.type == .summary) && chance(40) {
                let name = family.name + pick(family.type == .histogram ? ["_bucket", "_sum", "_count"] : ["_sum", "_count", "_bucket"])
                if usedNames.insert(name).inserted {
                    let samples = (0..<int(1...3)).map { _ in Sample(name: name, labels: labels(excluding: []), value: value()) }
                    result.append(MetricFamily(name: name, help: help(), type: pick([.counter, .gauge, .untyped]), samples: samples))
                }
            }
        }
        return result.shuffled(using: &rng)
    }
}
