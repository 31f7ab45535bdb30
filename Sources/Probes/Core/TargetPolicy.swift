import VandineCore

/// Decides whether `/probe` may touch a target: configured devices (by name or address) always,
/// anything else only when the config's `allowed_targets` lists it or it is an IP literal inside
/// `discovery.networks` (where the sweep finds hosts for `/sd`). The string checked is the
/// string resolved: the target is parsed once, strictly (``HostPort``, ``TargetURL``), and every
/// later step uses that parse.
public enum TargetPolicy {
    /// Why a target was refused.
    public enum Refusal: Error, Equatable, Sendable {
        /// The target string is malformed (HTTP 400).
        case malformed(String)
        /// Well-formed but neither configured nor allowed (HTTP 403).
        case forbidden(String)
    }

    /// Parses `target` in the prober's form and checks it against the config. A device name is
    /// replaced by the device's address.
    ///
    /// A target whose `:` or `/` arrived percent-encoded once more than needed
    /// (`127.0.0.1%253A22`, which some scrapers send) is decoded one more time, as current
    /// blackbox_exporter does — but only when the text as given is not itself valid and the decoded
    /// text is, so no valid target changes meaning.
    public static func resolve(_ target: String, form: TargetForm, in config: ExporterConfig) -> Result<ProbeTarget, Refusal> {
        var parsed = parse(target, form: form).map { found -> ProbeTarget in
            var found = found
            found.requested = target
            return found
        }
        if case .failure = parsed, target.contains("%"), let decoded = percentDecoded(target), decoded != target,
           case var .success(retry) = parse(decoded, form: form) {
            retry.requested = decoded
            parsed = .success(retry)
        }
        switch parsed {
        case let .failure(error):
            return .failure(.malformed("target \"\(HostPort.printable(target))\" is invalid: \(error)"))
        case let .success(probeTarget):
            return authorize(probeTarget, in: config)
        }
    }

    static func parse(_ text: String, form: TargetForm) -> Result<ProbeTarget, TargetSyntaxError> {
        switch form {
        case .hostPort:
            return HostPort.parse(text).map { ProbeTarget(endpoint: $0) }
        case let .host(noPort):
            if text.contains("://") { return .failure(TargetSyntaxError("this module's targets are hosts, not URLs")) }
            return HostPort.parse(text).flatMap { endpoint in
                guard endpoint.port == nil else {
                    return .failure(TargetSyntaxError("\(noPort): give the host alone (\(HostPort(host: endpoint.host, zone: endpoint.zone, port: nil)))"))
                }
                return .success(ProbeTarget(endpoint: endpoint))
            }
        case .url:
            return TargetURL.parse(text).map { ProbeTarget(endpoint: HostPort(host: $0.authority.host, zone: $0.authority.zone, port: $0.port), url: $0) }
        }
    }

    static func authorize(_ target: ProbeTarget, in config: ExporterConfig) -> Result<ProbeTarget, Refusal> {
        var target = target
        if target.endpoint.zone == nil, let device = config.device(matching: target.endpoint.host) {
            target.device = device
            target.endpoint.host = device.address
            return .success(target)
        }
        if config.allowedTargets.allows(host: target.endpoint.host) { return .success(target) }
        // A host the discovery sweep may find: any IP literal inside discovery.networks.
        if let discovery = config.discovery {
            guard discovery.covers(host: target.endpoint.host) else {
                return .failure(.forbidden("target \"\(target.endpoint.host)\" is not a configured device and not in allowed_targets or discovery.networks"))
            }
            return .success(target)
        }
        return .failure(.forbidden("target \"\(target.endpoint.host)\" is not a configured device and not in allowed_targets"))
    }

    /// `%XX` decoded once; nil when a `%` is not followed by two hex digits.
    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard iterator.count >= 2, let high = hexValue(iterator.removeFirst()), let low = hexValue(iterator.removeFirst()) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
