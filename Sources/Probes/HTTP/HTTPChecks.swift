import CurlClient
import VandineCore

/// blackbox_exporter's success rules for an HTTP response, in its order.
enum HTTPChecks {
    static func verify(_ response: HTTPResponse, options: HTTPOptions, context: ProbeContext) -> Bool {
        let log = context.log
        let statusOK = options.acceptAnyResponse
            || (options.validStatusCodes.isEmpty ? (200...299).contains(response.statusCode) : options.validStatusCodes.contains(response.statusCode))
        guard statusOK else {
            log.fail("invalid HTTP response status code \(response.statusCode), wanted \(options.validStatusCodes.isEmpty ? "2xx" : options.validStatusCodes.map(String.init).joined(separator: ", "))")
            return false
        }
        let body = response.bodyText
        for pattern in options.failIfBodyMatches where pattern.matches(body) {
            return regexFailure("body matched regular expression \(pattern.pattern.debugDescription)", context)
        }
        for pattern in options.failIfBodyNotMatches where !pattern.matches(body) {
            return regexFailure("body did not match regular expression \(pattern.pattern.debugDescription)", context)
        }
        for rule in options.failIfHeaderMatches {
            let values = response.headers.values(for: rule.header)
            if values.isEmpty, !rule.allowMissing { return regexFailure("missing required header \(rule.header)", context) }
            if values.contains(where: rule.regexp.matches) {
                return regexFailure("header \(rule.header) matched regular expression \(rule.regexp.pattern.debugDescription)", context)
            }
        }
        for rule in options.failIfHeaderNotMatches {
            let values = response.headers.values(for: rule.header)
            if values.isEmpty, !rule.allowMissing { return regexFailure("missing required header \(rule.header)", context) }
            if !values.isEmpty, !values.contains(where: rule.regexp.matches) {
                return regexFailure("header \(rule.header) did not match regular expression \(rule.regexp.pattern.debugDescription)", context)
            }
        }
        context.metrics.gauge("probe_failed_due_to_regex", 0, help: "Indicates if probe failed due to regex")
        if response.tls != nil, options.failIfSSL {
            log.fail("final request was over SSL and fail_if_ssl is set")
            return false
        }
        if response.tls == nil, options.failIfNotSSL {
            log.fail("final request was not over SSL and fail_if_not_ssl is set")
            return false
        }
        if !options.validHTTPVersions.isEmpty {
            let version = response.httpVersion.map { String(format2: $0.number) } ?? "?"
            guard options.validHTTPVersions.contains("HTTP/\(version)") else {
                log.fail("invalid HTTP version HTTP/\(version), wanted \(options.validHTTPVersions.joined(separator: ", "))")
                return false
            }
        }
        return true
    }

    private static func regexFailure(_ reason: String, _ context: ProbeContext) -> Bool {
        context.metrics.gauge("probe_failed_due_to_regex", 1, help: "Indicates if probe failed due to regex")
        context.log.fail(reason)
        return false
    }
}

extension String {
    /// `1.1`, `2.0`: a version number with one decimal, as blackbox spells `HTTP/2.0`.
    init(format2 value: Double) {
        self = value.formatted(decimals: 1)
    }
}
