/// Splits a template into text and action tokens, as Go's `text/template/parse/lex.go` does:
/// `{{ … }}` actions, `{{-`/`-}}` trim markers (a dash followed/preceded by a space), `{{/* */}}`
/// comments, and inside actions identifiers, fields, variables, numbers, quoted and raw strings.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case text(String)
        case leftDelimiter, rightDelimiter
        case identifier(String)
        /// `.Name` (one field; chains arrive as successive tokens).
        case field(String)
        case variable(String)
        case dot
        case number(String)
        case string(String)
        case char(Character)
        /// A printable ASCII character that is not part of the syntax (Go's itemChar): the parser
        /// reports it as unexpected.
        case other(Character)
        case pipe, leftParen, rightParen, declare, assign, comma
        case keyword(String)
        case bool(Bool)
        case nilValue
        case space
        case comment
        case eof
    }

    var kind: Kind
    /// Byte offset in the source, for Go's `line:column` error context.
    var offset: Int
}

struct TemplateLexer {
    static let keywords: Set<String> = ["if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"]

    let bytes: [UInt8]
    let name: String

    init(source: String, name: String) {
        bytes = Array(source.utf8)
        self.name = name
    }

    func line(at offset: Int) -> Int {
        1 + bytes[..<min(offset, bytes.count)].reduce(0) { $1 == 10 ? $0 + 1 : $0 }
    }

    func error(_ message: String, at offset: Int) -> TemplateError {
        TemplateError("template: \(name):\(line(at: offset)): \(message)")
    }

    private func hasPrefix(_ text: String, at index: Int) -> Bool {
        let prefix = Array(text.utf8)
        guard index + prefix.count <= bytes.count else { return false }
        return Array(bytes[index..<(index + prefix.count)]) == prefix
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 || byte == 10 }
    private static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        byte == 95 || (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte >= 0x80
    }

    /// All tokens, ending with `.eof`.
    func tokens() throws(TemplateError) -> [TemplateToken] {
        var out: [TemplateToken] = []
        var index = 0
        var textStart = 0
        while true {
            // Text up to the next "{{".
            var next = index
            while next < bytes.count && !hasPrefix("{{", at: next) { next += 1 }
            var textEnd = next
            let atEOF = next >= bytes.count
            var trimLeft = false
            if !atEOF, hasPrefix("{{- ", at: next) || hasPrefix("{{-\t", at: next) || hasPrefix("{{-\n", at: next) || hasPrefix("{{-\r", at: next) {
                trimLeft = true
                while textEnd > textStart && Self.isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
            }
            if textEnd > textStart {
                out.append(TemplateToken(kind: .text(String(decoding: bytes[textStart..<textEnd], as: UTF8.self)), offset: textStart))
            }
            if atEOF { break }
            let actionStart = next
            index = next + 2 + (trimLeft ? 2 : 0)
            // Comment: "{{/*" or "{{- /*" directly.
            if hasPrefix("/*", at: index) {
                guard let close = findCommentEnd(from: index + 2) else { throw error("unclosed comment", at: actionStart) }
                var after = close + 2
                while after < bytes.count && Self.isSpace(bytes[after]) && !hasPrefix("-}}", at: after) && !hasPrefix("}}", at: after) { after += 1 }
                var trimRight = false
                if hasPrefix("-}}", at: after), after > close + 2 {
                    trimRight = true
                    after += 3
                } else if hasPrefix("}}", at: after), after == close + 2 {
                    after += 2
                } else {
                    throw error("comment ends before closing delimiter", at: actionStart)
                }
                out.append(TemplateToken(kind: .comment, offset: actionStart))
                index = after
                if trimRight { while index < bytes.count && Self.isSpace(bytes[index]) { index += 1 } }
                textStart = index
                continue
            }
            out.append(TemplateToken(kind: .leftDelimiter, offset: actionStart))
            index = try lexInsideAction(from: index, into: &out, actionStart: actionStart)
            textStart = index
        }
        out.append(TemplateToken(kind: .eof, offset: bytes.count))
        return out
    }

    private func findCommentEnd(from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 42 && bytes[index + 1] == 47 { return index }
            index += 1
        }
        return nil
    }

    /// Lexes one action's content; returns the index after its closing delimiter (and the
    /// whitespace a `-}}` trims).
    private func lexInsideAction(from start: Int, into out: inout [TemplateToken], actionStart: Int) throws(TemplateError) -> Int {
        var index = start
        var parenDepth = 0
        while true {
            guard index < bytes.count else { throw error("unclosed action", at: actionStart) }
            // Right delimiter, with or without trim marker.
            if Self.isSpace(bytes[index]) {
                var end = index
                while end < bytes.count && Self.isSpace(bytes[end]) { end += 1 }
                if hasPrefix("-}}", at: end) {
                    out.append(TemplateToken(kind: .rightDelimiter, offset: end))
                    var after = end + 3
                    while after < bytes.count && Self.isSpace(bytes[after]) { after += 1 }
                    return after
                }
                out.append(TemplateToken(kind: .space, offset: index))
                index = end
                continue
            }
            if hasPrefix("}}", at: index) {
                if parenDepth > 0 { throw error("unclosed left paren", at: actionStart) }
                out.append(TemplateToken(kind: .rightDelimiter, offset: index))
                return index + 2
            }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "|"):
                out.append(TemplateToken(kind: .pipe, offset: index)); index += 1
            case UInt8(ascii: "("):
                parenDepth += 1
                out.append(TemplateToken(kind: .leftParen, offset: index)); index += 1
            case UInt8(ascii: ")"):
                parenDepth -= 1
                out.append(TemplateToken(kind: .rightParen, offset: index)); index += 1
            case UInt8(ascii: ","):
                out.append(TemplateToken(kind: .comma, offset: index)); index += 1
            case UInt8(ascii: ":"):
                guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "=") else { throw error("expected :=", at: index) }
                out.append(TemplateToken(kind: .declare, offset: index)); index += 2
            case UInt8(ascii: "="):
                out.append(TemplateToken(kind: .assign, offset: index)); index += 1
            case UInt8(ascii: "\""):
                let (text, end) = try lexQuoted(from: index, actionStart: actionStart)
                out.append(TemplateToken(kind: .string(text), offset: index)); index = end
            case UInt8(ascii: "`"):
                var end = index + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "`") { end += 1 }
                guard end < bytes.count else { throw error("unterminated raw quoted string", at: index) }
                out.append(TemplateToken(kind: .string(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)), offset: index))
                index = end + 1
            case UInt8(ascii: "'"):
                var end = index + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "'") {
                    if bytes[end] == UInt8(ascii: "\\") { end += 1 }
                    end += 1
                }
                guard end < bytes.count else { throw error("unterminated character constant", at: index) }
                let literal = String(decoding: bytes[index...end], as: UTF8.self)
                guard let character = GoQuoting.unquoteChar(literal) else { throw error("malformed character constant: \(literal)", at: index) }
                out.append(TemplateToken(kind: .char(character), offset: index)); index = end + 1
            case UInt8(ascii: "$"):
                var end = index + 1
                while end < bytes.count && Self.isAlphaNumeric(bytes[end]) { end += 1 }
                out.append(TemplateToken(kind: .variable(String(decoding: bytes[index..<end], as: UTF8.self)), offset: index))
                index = end
            case UInt8(ascii: "."):
                if index + 1 < bytes.count, bytes[index + 1] >= 48, bytes[index + 1] <= 57 {
                    index = try lexNumber(from: index, into: &out)
                } else if index + 1 < bytes.count, Self.isAlphaNumeric(bytes[index + 1]) {
                    var end = index + 1
                    while end < bytes.count && Self.isAlphaNumeric(bytes[end]) { end += 1 }
                    out.append(TemplateToken(kind: .field(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)), offset: index))
                    index = end
                } else {
                    out.append(TemplateToken(kind: .dot, offset: index)); index += 1
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), 48...57:
                index = try lexNumber(from: index, into: &out)
            default:
                if byte > 0x20 && byte < 0x7F && !Self.isAlphaNumeric(byte) {
                    out.append(TemplateToken(kind: .other(Character(Unicode.Scalar(byte))), offset: index))
                    index += 1
                    continue
                }
                guard Self.isAlphaNumeric(byte) else {
                    let scalar = String(decoding: bytes[index...].prefix(4), as: UTF8.self).unicodeScalars.first ?? "?"
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    throw error("unrecognized character in action: U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex) '\(scalar)'", at: index)
                }
                var end = index
                while end < bytes.count && Self.isAlphaNumeric(bytes[end]) { end += 1 }
                let word = String(decoding: bytes[index..<end], as: UTF8.self)
                let kind: TemplateToken.Kind
                if Self.keywords.contains(word) { kind = .keyword(word) }
                else if word == "true" || word == "false" { kind = .bool(word == "true") }
                else if word == "nil" { kind = .nilValue }
                else { kind = .identifier(word) }
                out.append(TemplateToken(kind: kind, offset: index))
                index = end
            }
        }
    }

    private func lexQuoted(from start: Int, actionStart: Int) throws(TemplateError) -> (String, Int) {
        var end = start + 1
        while end < bytes.count && bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] == UInt8(ascii: "\\") { end += 1 }
            if end < bytes.count && bytes[end] == 10 { throw error("unterminated quoted string", at: start) }
            end += 1
        }
        guard end < bytes.count else { throw error("unterminated quoted string", at: start) }
        let literal = String(decoding: bytes[start...end], as: UTF8.self)
        guard let text = GoQuoting.unquote(literal) else { throw error("invalid syntax: \(literal)", at: start) }
        return (text, end + 1)
    }

    /// Go's lexNumber: sign, digits, fraction, exponent, hex/octal/binary prefixes, underscores.
    private func lexNumber(from start: Int, into out: inout [TemplateToken]) throws(TemplateError) -> Int {
        var end = start
        if bytes[end] == UInt8(ascii: "+") || bytes[end] == UInt8(ascii: "-") { end += 1 }
        while end < bytes.count, Self.isAlphaNumeric(bytes[end]) || bytes[end] == UInt8(ascii: ".")
            || ((bytes[end] == UInt8(ascii: "+") || bytes[end] == UInt8(ascii: "-")) && end > start
                && [UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "p"), UInt8(ascii: "P")].contains(bytes[end - 1])) {
            end += 1
        }
        let text = String(decoding: bytes[start..<end], as: UTF8.self)
        guard TemplateNumber(literal: text) != nil else { throw error("bad number syntax: \"\(text)\"", at: start) }
        out.append(TemplateToken(kind: .number(text), offset: start))
        return end
    }
}
