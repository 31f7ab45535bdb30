/// A rule label or annotation template in Go's text/template syntax, as Prometheus expands it.
///
/// PLACEHOLDER: only `{{ $labels.NAME }}` and `{{ $value }}` so far; the full Go-template subset
/// (pipelines, humanize*, printf, Go number formatting) replaces this file.
public struct AlertTemplate: Sendable, Equatable {
    public let source: String
    public let name: String

    /// Parses `source`; throws a ``TemplateError`` naming `name` on a syntax error.
    public init(parsing source: String, name: String) throws(TemplateError) {
        self.source = source
        self.name = name
    }

    /// Expands the template with `data`.
    public func expand(_ data: TemplateData) throws(TemplateError) -> String {
        var out = source
        for (key, value) in data.labels { out = out.split(separator: "{{ $labels.\(key) }}", omittingEmptySubsequences: false).joined(separator: value) }
        return out.split(separator: "{{ $value }}", omittingEmptySubsequences: false).joined(separator: "\(data.value)")
    }
}

/// A template that does not parse or fails to expand, with Go's message.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
