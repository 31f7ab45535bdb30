/// A rule label or annotation template in Go's `text/template` syntax, expanded as Prometheus
/// expands it (`template/template.go`, `rules/alerting.go`): the text is prefixed with
/// `{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}`
/// on line 1 (so error columns on line 1 match Prometheus's), map lookups use `missingkey=zero`,
/// and numbers print with Go's formatting.
///
/// Supported: actions, pipelines, variables, `if`/`else if`/`else`, `range`, `with`, `break`,
/// `continue`, comments, trim markers, Go's builtins (not `call`, `js`, `slice`) and Prometheus's
/// functions except the `query` family, which is refused at parse time.
public struct AlertTemplate: Sendable, Equatable {
    /// Prometheus's variable definitions, prepended to every label and annotation template.
    static let definitions = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// The template text as written in the rule file.
    public let source: String
    /// The Go template name; Prometheus uses `__alert_` + the alert name.
    public let name: String
    let nodes: [TemplateNode]

    /// The template name Prometheus gives an alerting rule's templates (`__alert_NAME`).
    public static func name(forAlert alert: String) -> String { "__alert_" + alert }

    /// Parses `source`; throws a ``TemplateError`` with Go's message on a syntax error, e.g.
    /// `template: __alert_X:1: function "foo" not defined` (what `promtool check rules` prints).
    public init(parsing source: String, name: String) throws(TemplateError) {
        self.source = source
        self.name = name
        var parser = try TemplateParser(lexer: TemplateLexer(source: Self.definitions + source, name: name))
        nodes = try parser.parse()
    }

    /// Expands the template with `data`. An execution error is a ``TemplateError`` whose message
    /// is Prometheus's: `error executing template NAME: template: NAME:1:118: executing "NAME" at
    /// <gt $value 80>: error calling gt: incompatible types for comparison`; the evaluator shows it
    /// as `<error expanding template: MESSAGE>`, as Prometheus does.
    public func expand(_ data: TemplateData) throws(TemplateError) -> String {
        var executor = TemplateExecutor(name: name, source: Self.definitions + source, data: data)
        do {
            try executor.run(nodes)
        } catch {
            throw TemplateError("error executing template \(name): \(error.message)")
        }
        return executor.output
    }

    /// Expands the template, or gives Prometheus's text for an execution error instead
    /// (`<error expanding template: …>`, what `rules/alerting.go` puts in the label or annotation).
    public func expandShowingErrors(_ data: TemplateData) -> String {
        do {
            return try expand(data)
        } catch {
            return "<error expanding template: \(error.message)>"
        }
    }

    public static func == (left: AlertTemplate, right: AlertTemplate) -> Bool {
        left.source == right.source && left.name == right.name
    }
}

/// A template that does not parse or fails to expand, with Go's message.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
