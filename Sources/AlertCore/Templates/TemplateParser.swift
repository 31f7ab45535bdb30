/// Builds the parse tree from tokens with Go's `text/template/parse` rules and messages
/// (`template: NAME:LINE: function "foo" not defined`). Unknown functions and undefined variables
/// are parse errors, as in Go; Prometheus's `query` family is refused here because alertmanager-lite
/// does not run queries from templates.
struct TemplateParser {
    private let lexer: TemplateLexer
    private var tokens: [TemplateToken]
    private var position = 0
    /// Declared variables, innermost last (`$` is always there).
    private var variables: [String] = ["$"]
    /// How many `range` bodies enclose the current position (`break`/`continue` need one).
    private var rangeDepth = 0

    init(lexer: TemplateLexer) throws(TemplateError) {
        self.lexer = lexer
        tokens = try lexer.tokens()
    }

    // MARK: - Token access

    private func peek() -> TemplateToken { tokens[position] }

    private mutating func next() -> TemplateToken {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var token = next()
        while token.kind == .space { token = next() }
        return token
    }

    /// The next non-space token without consuming it (safe at EOF, where `next` stays put).
    private mutating func peekNonSpace() -> TemplateToken {
        let saved = position
        let token = nextNonSpace()
        position = saved
        return token
    }

    private func error(_ message: String, at token: TemplateToken) -> TemplateError {
        lexer.error(message, at: token.offset)
    }

    private static func describe(_ token: TemplateToken) -> String {
        switch token.kind {
        case .eof: "EOF"
        case .rightDelimiter: "\"}}\""
        case .rightParen: "\")\""
        case .leftParen: "\"(\""
        case .pipe: "\"|\""
        case .comma: "\",\""
        case .declare: "\":=\""
        case .assign: "\"=\""
        case let .keyword(word): "<\(word)>"
        case let .identifier(word): "\"\(word)\""
        case let .number(text): "\"\(text)\""
        case let .string(text): GoQuoting.quote(GoQuoting.quote(text))
        case let .other(character): GoQuoting.quote(String(character))
        case .dot: "\".\""
        case let .variable(name): GoQuoting.quote(name)
        case let .field(name): GoQuoting.quote("." + name)
        case let .bool(value): value ? "\"true\"" : "\"false\""
        case .nilValue: "\"nil\""
        case .leftDelimiter: "\"{{\""
        case .text: "text"
        default: "token"
        }
    }

    // MARK: - Lists and actions

    /// The whole template.
    mutating func parse() throws(TemplateError) -> [TemplateNode] {
        try itemList(topLevel: true).0
    }

    /// Items until `{{end}}` / `{{else}}` (returned as the terminator) or EOF at top level.
    private mutating func itemList(topLevel: Bool) throws(TemplateError) -> ([TemplateNode], String?) {
        var nodes: [TemplateNode] = []
        while true {
            let token = next()
            switch token.kind {
            case .eof:
                if !topLevel { throw error("unexpected EOF", at: token) }
                return (nodes, nil)
            case let .text(text):
                nodes.append(.text(text))
            case .comment:
                continue
            case .leftDelimiter:
                let keyword = peekNonSpace()
                if case let .keyword(word) = keyword.kind, word == "end" || word == "else" {
                    if topLevel { throw error("unexpected {{\(word)}}", at: keyword) }
                    _ = nextNonSpace()
                    if word == "end" {
                        try expectRightDelimiter("end")
                    }
                    return (nodes, word)
                }
                nodes.append(try action())
            default:
                throw error("unexpected \(Self.describe(token))", at: token)
            }
        }
    }

    private mutating func expectRightDelimiter(_ context: String) throws(TemplateError) {
        let token = nextNonSpace()
        guard token.kind == .rightDelimiter else { throw error("unexpected \(Self.describe(token)) in \(context)", at: token) }
    }

    private mutating func action() throws(TemplateError) -> TemplateNode {
        let token = peekNonSpace()
        if case let .keyword(word) = token.kind {
            _ = nextNonSpace()
            switch word {
            case "if", "range", "with": return try control(word)
            case "break", "continue":
                guard rangeDepth > 0 else { throw error("{{\(word)}} outside {{range}}", at: token) }
                try expectRightDelimiter("{{\(word)}}")
                return word == "break" ? .breakNode(offset: token.offset) : .continueNode(offset: token.offset)
            default:
                throw error("{{\(word)}} is not supported in alert templates", at: token)
            }
        }
        return .action(try pipeline(context: "command", end: .rightDelimiter))
    }

    /// `if`, `range`, `with`: pipeline, list, optional else (which may chain `else if`).
    private mutating func control(_ keyword: String) throws(TemplateError) -> TemplateNode {
        let depth = variables.count
        defer { variables.removeSubrange(depth...) }
        let pipe = try pipeline(context: keyword, end: .rightDelimiter)
        if keyword == "range" { rangeDepth += 1 }
        let (list, terminator) = try itemList(topLevel: false)
        if keyword == "range" { rangeDepth -= 1 }
        var elseList: [TemplateNode]? = nil
        if terminator == "else" {
            // `{{else if …}}` / `{{else with …}}`: a nested control that consumes the single {{end}}.
            let following = peekNonSpace()
            if case let .keyword(word) = following.kind, (word == "if" && keyword == "if") || (word == "with" && keyword == "with") {
                _ = nextNonSpace()
                elseList = [try control(word)]
            } else {
                try expectRightDelimiter("else")
                let (list, terminator) = try itemList(topLevel: false)
                if terminator != "end" { throw error("expected end; found {{else}}", at: peek()) }
                elseList = list
            }
        }
        switch keyword {
        case "if": return .ifNode(pipe, list, elseList)
        case "range": return .rangeNode(pipe, list, elseList)
        default: return .withNode(pipe, list, elseList)
        }
    }

    // MARK: - Pipelines

    private mutating func pipeline(context: String, end: TemplateToken.Kind) throws(TemplateError) -> TemplatePipeline {
        let start = peekNonSpace()
        var declared: [String] = []
        var isAssignment = false
        // Declarations: `$x :=`, `$x =`, `$i, $x :=` (range only).
        let saved = position
        if case let .variable(name) = peekNonSpace().kind {
            _ = nextNonSpace()
            let after = peekNonSpace()
            switch after.kind {
            case .declare, .assign:
                _ = nextNonSpace()
                declared = [name]
                isAssignment = after.kind == .assign
            case .comma where context == "range":
                _ = nextNonSpace()
                guard case let .variable(second) = nextNonSpace().kind else { throw error("range can only initialize variables", at: after) }
                let operatorToken = nextNonSpace()
                if operatorToken.kind == .comma { throw error("too many declarations in range", at: operatorToken) }
                guard operatorToken.kind == .declare || operatorToken.kind == .assign else {
                    throw error("unexpected \(Self.describe(operatorToken)) in range", at: operatorToken)
                }
                declared = [name, second]
                isAssignment = operatorToken.kind == .assign
            default:
                position = saved
            }
        }
        if isAssignment {
            for name in declared where !variables.contains(name) { throw error("undefined variable \"\(name)\"", at: start) }
        }
        var commands: [TemplateCommand] = []
        while true {
            let token = peekNonSpace()
            if token.kind == end {
                _ = nextNonSpace()
                break
            }
            switch token.kind {
            case .bool, .char, .dot, .field, .identifier, .number, .nilValue, .string, .variable, .leftParen:
                break
            default:
                throw error("unexpected \(Self.describe(token)) in \(context)", at: token)
            }
            let command = try command()
            commands.append(command)
            let separator = peekNonSpace()
            if separator.kind == .pipe { _ = nextNonSpace(); continue }
        }
        if !isAssignment { variables.append(contentsOf: declared) }
        if commands.isEmpty { throw error("missing value for \(context)", at: start) }
        for (index, command) in commands.enumerated() where index > 0 {
            switch command.arguments[0] {
            case .bool, .dot, .nilValue, .number, .string:
                throw error("non executable command in pipeline stage \(index + 1)", at: start)
            default: continue
            }
        }
        var text = declared.joined(separator: ", ")
        if !declared.isEmpty { text += isAssignment ? " = " : " := " }
        text += commands.map(\.text).joined(separator: " | ")
        return TemplatePipeline(variables: declared, isAssignment: isAssignment, commands: commands, offset: start.offset, text: text)
    }

    private mutating func command() throws(TemplateError) -> TemplateCommand {
        let start = peekNonSpace()
        var arguments: [TemplateArgument] = []
        var spans: [TemplateSpan] = []
        while true {
            let token = peekNonSpace()
            switch token.kind {
            case .pipe, .rightDelimiter, .rightParen:
                if arguments.isEmpty { throw error("missing value for command", at: token) }
                return TemplateCommand(arguments: arguments, spans: spans, offset: start.offset, text: spans.map(\.text).joined(separator: " "))
            case .eof:
                throw error("unclosed action", at: token)
            default:
                let (argument, span) = try operand()
                arguments.append(argument)
                spans.append(span)
                // Operands are separated by spaces; `$x.y(` or `"a""b"` are not.
                let following = peek()
                switch following.kind {
                case .space, .pipe, .rightDelimiter, .rightParen: break
                default: throw error("unexpected \(Self.describe(following)) in operand", at: following)
                }
            }
        }
    }

    private mutating func operand() throws(TemplateError) -> (TemplateArgument, TemplateSpan) {
        let token = nextNonSpace()
        var argument: TemplateArgument
        var text: String
        switch token.kind {
        case let .identifier(name):
            if let problem = TemplateFunctions.unsupported[name] {
                throw error("function \"\(name)\" is not supported: \(problem)", at: token)
            }
            guard TemplateFunctions.isDefined(name) else { throw error("function \"\(name)\" not defined", at: token) }
            argument = .function(name); text = name
        case .dot: argument = .dot; text = "."
        case .nilValue: argument = .nilValue; text = "nil"
        case let .bool(value): argument = .bool(value); text = value ? "true" : "false"
        case let .number(literal):
            argument = .number(TemplateNumber(literal: literal)!, literal: literal); text = literal
        case let .char(character):
            argument = .number(.int(Int(character.unicodeScalars.first!.value)), literal: "'\(character)'"); text = "'\(character)'"
        case let .string(value): argument = .string(value); text = GoQuoting.quote(value)
        case let .variable(name):
            guard variables.contains(name) else { throw error("undefined variable \"\(name)\"", at: token) }
            argument = .variable(name, []); text = name
        case let .field(name):
            argument = .field([name]); text = "." + name
        case .leftParen:
            let inner = try pipeline(context: "parenthesized pipeline", end: .rightParen)
            argument = .pipeline(inner, []); text = "(\(inner.text))"
        default:
            throw error("unexpected \(Self.describe(token)) in operand", at: token)
        }
        // Field chain: `.A.B` directly after the term; Go positions the chain at its first field.
        var offset = token.offset
        var chained = false
        while case let .field(name) = peek().kind {
            let fieldToken = next()
            if !chained { offset = fieldToken.offset }
            chained = true
            text += "." + name
            switch argument {
            case let .field(names): argument = .field(names + [name])
            case let .variable(variable, names): argument = .variable(variable, names + [name])
            case let .pipeline(inner, names): argument = .pipeline(inner, names + [name])
            case .dot: argument = .field([name])
            default: throw error("unexpected . after term \"\(text)\"", at: token)
            }
        }
        return (argument, TemplateSpan(offset: offset, text: text))
    }
}
