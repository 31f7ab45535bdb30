/// Go `text/template`'s `eq ne lt le gt ge`: both sides of the same basic kind (bool, integer,
/// float, string); an integer literal against a float64 is Go's "incompatible types for
/// comparison", as Prometheus users meet it with `gt $value 80`.
enum TemplateComparison {
    static func compare(_ name: String, _ arguments: [TemplateValue]) throws(TemplateCallError) -> Bool {
        if name == "eq" {
            guard arguments.count >= 2 else { throw .call("missing argument for comparison") }
            for other in arguments.dropFirst() {
                if try equal(arguments[0], other) { return true }
            }
            return false
        }
        guard arguments.count == 2 else { throw .arguments("wrong number of args for \(name): want 2 got \(arguments.count)") }
        let (left, right) = (arguments[0], arguments[1])
        // Go: le = lt || eq, gt = !le, ge = !lt (so NaN is "greater" than everything).
        switch name {
        case "ne": return try !equal(left, right)
        case "lt": return try less(left, right)
        case "ge": return try !less(left, right)
        default:
            let lessOrEqual = try less(left, right) ? true : try equal(left, right)
            return name == "le" ? lessOrEqual : !lessOrEqual
        }
    }

    static func equal(_ left: TemplateValue, _ right: TemplateValue) throws(TemplateCallError) -> Bool {
        switch (left, right) {
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.float(a), .float(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case (.labels, .labels), (.data, .data): throw .call("non-comparable type \(left.goType): \(left.goDescription)")
        case (.missing, .missing): return true
        case (.missing, _), (_, .missing): throw .call("invalid type for comparison")
        default: throw .call("incompatible types for comparison")
        }
    }

    static func less(_ left: TemplateValue, _ right: TemplateValue) throws(TemplateCallError) -> Bool {
        switch (left, right) {
        case let (.int(a), .int(b)): return a < b
        case let (.float(a), .float(b)): return a < b
        case let (.string(a), .string(b)): return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
        case (.bool, .bool), (.labels, _), (.data, _), (.missing, _): throw .call("invalid type for comparison")
        case (_, .labels), (_, .data), (_, .missing), (_, .bool): throw .call("invalid type for comparison")
        default: throw .call("incompatible types for comparison")
        }
    }
}
