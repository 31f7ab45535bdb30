/// Runs a parse tree against `TemplateData` with Go `text/template` semantics: variables with
/// block scope, pipelines that pass the previous value as the last argument, `if`/`with`/`range`
/// with `else`, Go truth, `missingkey=zero` map lookups (a missing label is ""), and Go's
/// execution error text: `template: NAME:LINE:COL: executing "NAME" at <CMD>: MSG`.
struct TemplateExecutor {
    let name: String
    /// The full template text (definitions prefix included), read only to position errors.
    let source: String
    let data: TemplateData
    private var variables: [(name: String, value: TemplateValue)]
    private(set) var output = ""

    init(name: String, source: String, data: TemplateData) {
        self.name = name
        self.source = source
        self.data = data
        variables = [("$", .data(data))]
    }

    private enum Flow { case normal, breakLoop, continueLoop }

    mutating func run(_ nodes: [TemplateNode]) throws(TemplateError) {
        _ = try walk(nodes, dot: .data(data))
    }

    // MARK: - Errors

    private func error(_ message: String, at offset: Int, context: String) -> TemplateError {
        let bytes = Array(source.utf8)
        let prefix = bytes[..<min(offset, bytes.count)]
        let line = 1 + prefix.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
        let column = prefix.lastIndex(of: 10).map { offset - $0 - 1 } ?? offset
        return TemplateError("template: \(name):\(line):\(column): executing \(GoQuoting.quote(name)) at <\(context)>: \(message)")
    }

    // MARK: - Nodes

    private mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(TemplateError) -> Flow {
        for node in nodes {
            switch node {
            case let .text(text):
                output += text
            case let .action(pipeline):
                let value = try evaluate(pipeline, dot: dot)
                if pipeline.variables.isEmpty { output += Self.printed(value) }
            case let .ifNode(pipeline, list, elseList), let .withNode(pipeline, list, elseList):
                let depth = variables.count
                defer { variables.removeSubrange(depth...) }
                let value = try evaluate(pipeline, dot: dot)
                let isWith: Bool
                if case .withNode = node { isWith = true } else { isWith = false }
                let flow: Flow
                if value.isTrue {
                    flow = try walk(list, dot: isWith ? value : dot)
                } else if let elseList {
                    flow = try walk(elseList, dot: dot)
                } else {
                    flow = .normal
                }
                if flow != .normal { return flow }
            case let .rangeNode(pipeline, list, elseList):
                let flow = try range(pipeline, list, elseList, dot: dot)
                if flow != .normal { return flow }
            case .breakNode:
                return .breakLoop
            case .continueNode:
                return .continueLoop
            }
        }
        return .normal
    }

    private mutating func range(_ pipeline: TemplatePipeline, _ list: [TemplateNode], _ elseList: [TemplateNode]?,
                                dot: TemplateValue) throws(TemplateError) -> Flow {
        let depth = variables.count
        defer { variables.removeSubrange(depth...) }
        // The pipeline's own declaration is bound per element below, not to the whole value.
        var plain = pipeline
        plain.variables = []
        let value = try evaluate(plain, dot: dot)
        let elements: [(key: TemplateValue, value: TemplateValue)]
        switch value {
        case let .labels(map): elements = map.keys.sorted().map { (.string($0), .string(map[$0]!)) }
        case .missing: elements = []
        default:
            throw error("range can't iterate over \(value.goDescription)", at: pipeline.offset, context: pipeline.text)
        }
        if elements.isEmpty {
            // `break`/`continue` only parse inside a range body, so the else list ends normally.
            if let elseList { _ = try walk(elseList, dot: dot) }
            return .normal
        }
        for element in elements {
            let inner = variables.count
            if pipeline.variables.count == 1 {
                bind(pipeline.variables[0], element.value, assign: pipeline.isAssignment)
            } else if pipeline.variables.count == 2 {
                bind(pipeline.variables[0], element.key, assign: pipeline.isAssignment)
                bind(pipeline.variables[1], element.value, assign: pipeline.isAssignment)
            }
            let flow = try walk(list, dot: element.value)
            variables.removeSubrange(inner...)
            if flow == .breakLoop { break }
        }
        return .normal
    }

    private mutating func bind(_ name: String, _ value: TemplateValue, assign: Bool) {
        if assign, let index = variables.lastIndex(where: { $0.name == name }) {
            variables[index].value = value
        } else {
            variables.append((name, value))
        }
    }

    /// `fmt.Fprint` of an action's value; a nil value prints `<no value>` as in Go.
    static func printed(_ value: TemplateValue) -> String {
        if case .missing = value { return "<no value>" }
        return value.goDescription
    }

    // MARK: - Pipelines and commands

    private mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue? = nil
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, final: value)
        }
        let result = value ?? .missing
        for variable in pipeline.variables {
            bind(variable, result, assign: pipeline.isAssignment)
        }
        return result
    }

    private mutating func evaluate(_ command: TemplateCommand, dot: TemplateValue, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        let first = command.arguments[0]
        if case let .function(function) = first {
            return try call(function, command, dot: dot, final: final)
        }
        if case .nilValue = first { throw error("nil is not a command", at: command.offset, context: command.text) }
        if command.arguments.count > 1 || final != nil {
            let span = command.spans[0]
            let fields: [String]
            switch first {
            case let .field(names), let .variable(_, names), let .pipeline(_, names): fields = names
            default: fields = []
            }
            if let field = fields.last {
                throw error("\(field) is not a method but has arguments", at: span.offset, context: span.text)
            }
            throw error("can't give argument to non-function \(command.spans[0].text)", at: command.offset, context: command.text)
        }
        return try evaluate(first, dot: dot, span: command.spans[0])
    }

    private mutating func evaluate(_ argument: TemplateArgument, dot: TemplateValue, span: TemplateSpan) throws(TemplateError) -> TemplateValue {
        switch argument {
        case .dot: return dot
        case .nilValue: return .missing
        case let .bool(value): return .bool(value)
        case let .number(number, _):
            switch number {
            case let .int(value): return .int(value)
            case let .float(value): return .float(value)
            }
        case let .string(text): return .string(text)
        case .function:
            // A function as an argument is a call without arguments (`printf "%s" externalURL`).
            if case let .function(function) = argument {
                let synthetic = TemplateCommand(arguments: [argument], spans: [span], offset: span.offset, text: function)
                return try call(function, synthetic, dot: dot, final: nil)
            }
            return .missing
        case let .field(names):
            return try fields(names, of: dot, span: span)
        case let .variable(name, names):
            guard let value = variables.last(where: { $0.name == name })?.value else {
                throw error("undefined variable: \(name)", at: span.offset, context: span.text)
            }
            return try fields(names, of: value, span: span)
        case let .pipeline(inner, names):
            let depth = variables.count
            let value = try evaluate(inner, dot: dot)
            variables.removeSubrange(depth...)
            return try fields(names, of: value, span: span)
        }
    }

    private func fields(_ names: [String], of start: TemplateValue, span: TemplateSpan) throws(TemplateError) -> TemplateValue {
        var value = start
        for field in names {
            switch value {
            case let .labels(map):
                value = .string(map[field] ?? "")
            case let .data(data):
                switch field {
                case "Labels": value = .labels(data.labels)
                case "ExternalLabels": value = .labels(data.externalLabels)
                case "ExternalURL": value = .string(data.externalURL)
                case "Value": value = .float(data.value)
                default:
                    throw error("can't evaluate field \(field) in type \(value.goType)", at: span.offset, context: span.text)
                }
            case .missing:
                throw error("nil pointer evaluating interface {}.\(field)", at: span.offset, context: span.text)
            default:
                throw error("can't evaluate field \(field) in type \(value.goType)", at: span.offset, context: span.text)
            }
        }
        return value
    }

    private mutating func call(_ function: String, _ command: TemplateCommand, dot: TemplateValue, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        let arguments = Array(zip(command.arguments, command.spans).dropFirst())
        // `and`/`or` stop at the first operand that decides (Go 1.18+) and return that operand.
        if function == "and" || function == "or" {
            guard !arguments.isEmpty || final != nil else {
                throw error("wrong number of args for \(function): want at least 1 got 0", at: command.offset, context: command.text)
            }
            var last: TemplateValue = .missing
            for (argument, span) in arguments {
                last = try evaluate(argument, dot: dot, span: span)
                if last.isTrue != (function == "and") { return last }
            }
            if let final { last = final }
            return last
        }
        var values: [TemplateValue] = []
        var spans: [TemplateSpan] = []
        for (argument, span) in arguments {
            values.append(try evaluate(argument, dot: dot, span: span))
            spans.append(span)
        }
        if let final { values.append(final); spans.append(TemplateSpan(offset: command.offset, text: command.text)) }
        do {
            return try TemplateFunctions.call(function, values, data: data)
        } catch {
            switch error {
            case let .arguments(message): throw self.error(message, at: command.offset, context: command.text)
            case let .argument(index, message):
                // A literal of the wrong kind is reported as Go's parser-level "found" message.
                if index < arguments.count, case let .number(_, literal) = arguments[index].0 {
                    throw self.error("expected string; found \(literal)", at: spans[index].offset, context: spans[index].text)
                }
                throw self.error(message, at: spans[index].offset, context: spans[index].text)
            case let .call(message): throw self.error("error calling \(function): \(message)", at: command.offset, context: command.text)
            }
        }
    }
}
