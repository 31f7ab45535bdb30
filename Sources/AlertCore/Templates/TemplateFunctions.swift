import VandineCore

/// The functions a template may call: Go's `text/template` builtins and Prometheus's
/// (`template/template.go`, 2.42), with their Go behaviour and error messages. `and`/`or` are
/// evaluated lazily by the executor.
enum TemplateFunctions {
    /// Functions Prometheus has that alertmanager-lite refuses at load, with the reason.
    static let unsupported: [String: String] = [
        "query": "alertmanager-lite does not run queries from templates",
        "first": "it works on query results, and alertmanager-lite does not run queries from templates",
        "label": "it works on query results, and alertmanager-lite does not run queries from templates",
        "value": "it works on query results, and alertmanager-lite does not run queries from templates",
        "strvalue": "it works on query results, and alertmanager-lite does not run queries from templates",
        "sortByLabel": "it works on query results, and alertmanager-lite does not run queries from templates",
    ]

    static let names: Set<String> = [
        "and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne", "lt", "le", "gt", "ge",
        "html", "urlquery", "js", "slice", "call",
        "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp",
        "toUpper", "toLower", "title", "match", "reReplaceAll", "stripPort", "stripDomain", "safeHtml",
        "graphLink", "tableLink", "externalURL", "pathPrefix", "parseDuration", "args", "toTime",
    ]

    static func isDefined(_ name: String) -> Bool { names.contains(name) }

    /// Calls `name`; the error is Go's text after "error calling NAME: " or the argument problem.
    static func call(_ name: String, _ arguments: [TemplateValue], data: TemplateData) throws(TemplateCallError) -> TemplateValue {
        func arity(_ count: Int) throws(TemplateCallError) {
            guard arguments.count == count else {
                throw .arguments("wrong number of args for \(name): want \(count) got \(arguments.count)")
            }
        }
        func string(_ index: Int) throws(TemplateCallError) -> String {
            guard case let .string(text) = arguments[index] else {
                throw .argument(index, "wrong type for value; expected string; got \(arguments[index].goType)")
            }
            return text
        }
        func float(_ index: Int) throws(TemplateCallError) -> Double {
            switch arguments[index] {
            case let .float(value): return value
            case let .int(value): return Double(value)
            case let .string(text):
                guard let value = GoParse.float(text) else { throw .call("strconv.ParseFloat: parsing \(GoQuoting.quote(text)): invalid syntax") }
                return value
            default: throw .call("can't convert \(arguments[index].goType) to float")
            }
        }
        switch name {
        case "not":
            try arity(1)
            return .bool(!arguments[0].isTrue)
        case "len":
            try arity(1)
            switch arguments[0] {
            case let .string(text): return .int(text.utf8.count)
            case let .labels(map): return .int(map.count)
            default: throw .call("len of type \(arguments[0].goType)")
            }
        case "index":
            guard !arguments.isEmpty else { throw .arguments("wrong number of args for index: want at least 1 got 0") }
            var item = arguments[0]
            for key in arguments.dropFirst() {
                switch (item, key) {
                case let (.labels(map), .string(name)): item = .string(map[name] ?? "")
                case (.labels, _): throw .call("value has type \(key.goType); should be string")
                case let (.string(text), .int(position)):
                    let bytes = Array(text.utf8)
                    guard position >= 0, position < bytes.count else { throw .call("error calling index: index out of range: \(position)") }
                    item = .int(Int(bytes[position]))
                case (.missing, _): throw .call("index of untyped nil")
                default: throw .call("can't index item of type \(item.goType)")
                }
            }
            return item
        case "print": return .string(GoFormat.sprint(arguments))
        case "println": return .string(GoFormat.sprintln(arguments))
        case "printf":
            guard !arguments.isEmpty else { throw .arguments("wrong number of args for printf: want at least 1 got 0") }
            return .string(GoFormat.sprintf(try string(0), Array(arguments.dropFirst())))
        case "eq", "ne", "lt", "le", "gt", "ge":
            return .bool(try TemplateComparison.compare(name, arguments))
        case "html": return .string(GoEscaping.html(GoFormat.sprint(arguments)))
        case "urlquery": return .string(GoEscaping.queryEscape(GoFormat.sprint(arguments)))
        case "js", "slice", "call", "args", "toTime":
            throw .call("\(name) is not supported by alertmanager-lite")
        case "humanize":
            try arity(1)
            return .string(Humanize.humanize(try float(0)))
        case "humanize1024":
            try arity(1)
            return .string(Humanize.humanize1024(try float(0)))
        case "humanizeDuration":
            try arity(1)
            return .string(Humanize.duration(try float(0)))
        case "humanizePercentage":
            try arity(1)
            return .string(Humanize.percentage(try float(0)))
        case "humanizeTimestamp":
            try arity(1)
            let value = try float(0)
            guard let text = Humanize.timestamp(value) else {
                throw .call("\(GoFloat.format(value, "g", precision: -1)) cannot be represented as a nanoseconds timestamp since it overflows int64")
            }
            return .string(text)
        case "toUpper":
            try arity(1)
            return .string(GoStrings.upper(try string(0)))
        case "toLower":
            try arity(1)
            return .string(GoStrings.lower(try string(0)))
        case "title":
            try arity(1)
            return .string(GoStrings.title(try string(0)))
        case "safeHtml":
            try arity(1)
            return .string(try string(0))
        case "stripPort":
            try arity(1)
            let text = try string(0)
            return .string(GoNet.splitHostPort(text)?.host ?? text)
        case "stripDomain":
            try arity(1)
            return .string(GoNet.stripDomain(try string(0)))
        case "match":
            try arity(2)
            let regex = try GoRegex.compile(try string(0))
            return .bool(try string(1).contains(regex))
        case "reReplaceAll":
            try arity(3)
            return .string(GoRegex.replaceAll(try GoRegex.compile(try string(0)), in: try string(2), with: try string(1)))
        case "graphLink", "tableLink":
            try arity(1)
            return .string("/graph?g0.expr=\(GoEscaping.queryEscape(try string(0)))&g0.tab=\(name == "graphLink" ? 0 : 1)")
        case "externalURL":
            try arity(0)
            return .string(data.externalURL)
        case "pathPrefix":
            try arity(0)
            return .string(GoNet.path(ofURL: data.externalURL))
        case "parseDuration":
            try arity(1)
            let text = try string(0)
            guard let duration = PrometheusDuration(text) else { throw .call("not a valid duration string: \(GoQuoting.quote(text))") }
            return .float(duration.seconds)
        default:
            throw .call("function \(GoQuoting.quote(name)) not defined")
        }
    }
}

/// Why a call failed: a bad argument list (Go reports it without "error calling"), or the
/// function's own error.
enum TemplateCallError: Error {
    case arguments(String)
    /// Argument `index` has the wrong type (Go names that argument, not the call).
    case argument(Int, String)
    case call(String)
}
