import VandineCore

/// cloudflared's own series, read with VandineCore's parser and handed on unchanged (names, HELP,
/// types, labels and values) to be written again by our encoder, minus what the module's
/// `allow_metrics` / `deny_metrics` leave out and minus any family whose name belongs to the probe
/// itself (`probe_*`, `vandine_*`): a connector's exposition must not be able to overwrite
/// `probe_success`.
struct CloudflaredPassthrough: Sendable {
    /// Every family of the exposition, before filtering (the tunnel summary reads these).
    var parsed: [MetricFamily]
    /// The families that pass.
    var passed: [MetricFamily]
    /// Names dropped because the probe owns them.
    var reserved: [String]
    /// How many families the allow and deny lists dropped.
    var filtered: Int

    /// Prefixes of the names the probe itself writes.
    static let reservedPrefixes = ["probe_", "vandine_"]

    /// Why a body is not an exposition we pass through (a parse error with its line, a body cut
    /// mid-line, an empty one), or the passthrough.
    static func read(_ body: [UInt8], options: CloudflaredOptions) -> Result<CloudflaredPassthrough, ReadError> {
        guard !body.isEmpty else { return .failure(ReadError("the /metrics body is empty")) }
        // The text format ends every line with \n: a body that does not was cut off (the last
        // sample could be a prefix of its real value).
        guard body.last == UInt8(ascii: "\n") else {
            return .failure(ReadError("the /metrics body ends in the middle of a line (truncated after \(body.count) bytes)"))
        }
        let families: [MetricFamily]
        do {
            families = try ExpositionParser.parse(String(decoding: body, as: UTF8.self))
        } catch {
            return .failure(ReadError("the /metrics body is not a Prometheus text exposition: \(error.description)"))
        }
        var result = CloudflaredPassthrough(parsed: families, passed: [], reserved: [], filtered: 0)
        for family in families {
            if reservedPrefixes.contains(where: family.name.hasPrefix) {
                result.reserved.append(family.name)
            } else if options.passes(family.name) {
                result.passed.append(family)
            } else {
                result.filtered += 1
            }
        }
        return .success(result)
    }

    /// A one-line reason.
    struct ReadError: Error, Sendable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
