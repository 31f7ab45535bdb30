import CYAML

/// A YAML node with the position it starts at. Built from libyaml's document API directly: it
/// keeps the marks every error message needs, and it lets us bound what aliases can expand to.
public indirect enum YAMLNode: Sendable {
    case scalar(String, plain: Bool, mark: YAMLMark)
    case sequence([YAMLNode], mark: YAMLMark)
    case mapping([(key: YAMLNode, value: YAMLNode)], mark: YAMLMark)

    public var mark: YAMLMark {
        switch self {
        case let .scalar(_, _, mark), let .sequence(_, mark), let .mapping(_, mark): mark
        }
    }
}

/// 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct YAMLMark: Sendable, Equatable {
    public let line: Int
    public let column: Int
}

/// Parses one YAML document with libyaml.
public enum YAMLDocument {
    /// A YAML syntax problem (or a document too large or too deep to accept), with its position.
    public struct ParseError: Error, Sendable {
        public let mark: YAMLMark?
        public let message: String
    }

    /// Aliases may point at a node many times (`*a` inside `*a`…): the expansion is capped so a
    /// 500-byte "billion laughs" file cannot hang the loader.
    static let maximumNodes = 100_000
    /// Nesting deeper than this is no configuration; the cap keeps the recursion off the stack limit.
    static let maximumDepth = 128

    /// The document's root node; an empty document is an empty mapping.
    public static func parse(_ text: String) throws(ParseError) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw ParseError(mark: nil, message: "cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        var document = yaml_document_t()
        let loaded = bytes.withUnsafeMutableBufferPointer { buffer -> Bool in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return yaml_parser_load(&parser, &document) == 1
        }
        guard loaded else { throw error(from: parser, bytes: bytes) }
        defer { yaml_document_delete(&document) }
        guard let root = yaml_document_get_root_node(&document) else { return .mapping([], mark: YAMLMark(line: 1, column: 1)) }
        var budget = maximumNodes
        return try convert(root, in: &document, depth: 0, budget: &budget)
    }

    private static func convert(_ node: UnsafeMutablePointer<yaml_node_t>, in document: inout yaml_document_t,
                                depth: Int, budget: inout Int) throws(ParseError) -> YAMLNode {
        let mark = YAMLMark(line: Int(node.pointee.start_mark.line) + 1, column: Int(node.pointee.start_mark.column) + 1)
        budget -= 1
        guard budget >= 0 else {
            throw ParseError(mark: mark, message: "document expands to more than \(maximumNodes) nodes (aliases?)")
        }
        guard depth < maximumDepth else { throw ParseError(mark: mark, message: "nested deeper than \(maximumDepth) levels") }
        switch node.pointee.type {
        case YAML_SCALAR_NODE:
            let scalar = node.pointee.data.scalar
            let text = scalar.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self) } ?? ""
            return .scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE, mark: mark)
        case YAML_SEQUENCE_NODE:
            var items: [YAMLNode] = []
            var cursor = node.pointee.data.sequence.items.start
            while let item = cursor, item != node.pointee.data.sequence.items.top {
                guard let child = yaml_document_get_node(&document, item.pointee) else { break }
                items.append(try convert(child, in: &document, depth: depth + 1, budget: &budget))
                cursor = item + 1
            }
            return .sequence(items, mark: mark)
        case YAML_MAPPING_NODE:
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var cursor = node.pointee.data.mapping.pairs.start
            while let pair = cursor, pair != node.pointee.data.mapping.pairs.top {
                guard let key = yaml_document_get_node(&document, pair.pointee.key),
                      let value = yaml_document_get_node(&document, pair.pointee.value) else { break }
                pairs.append((try convert(key, in: &document, depth: depth + 1, budget: &budget),
                              try convert(value, in: &document, depth: depth + 1, budget: &budget)))
                cursor = pair + 1
            }
            return .mapping(pairs, mark: mark)
        default:
            return .scalar("", plain: true, mark: mark)
        }
    }

    private static func error(from parser: yaml_parser_t, bytes: [UInt8]) -> ParseError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_READER_ERROR {
            // Reader errors carry a byte offset, not a mark.
            return ParseError(mark: mark(atByteOffset: Int(parser.problem_offset), in: bytes), message: problem)
        }
        let mark = parser.problem_mark
        return ParseError(mark: YAMLMark(line: Int(mark.line) + 1, column: Int(mark.column) + 1), message: problem)
    }

    /// Line and column (in Unicode scalars) of a byte offset.
    static func mark(atByteOffset offset: Int, in bytes: [UInt8]) -> YAMLMark {
        var line = 1, column = 1
        for byte in bytes.prefix(max(0, min(offset, bytes.count))) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return YAMLMark(line: line, column: column)
    }
}
