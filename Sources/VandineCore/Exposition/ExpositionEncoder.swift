// Writes metric families in the Prometheus text exposition format 0.0.4.
//
// This runs on every scrape, so it appends into one pre-sized String, formats numbers without
// Foundation and never uses regular expressions. The output is deterministic (families by name,
// series by label set), which makes golden-file tests and `diff`s of two scrapes meaningful.

/// Encoder for the Prometheus text exposition format 0.0.4.
///
/// Layout rules:
/// - Families are written in name order, each with at most one `# HELP` line (only when ``MetricFamily/help``
///   is non-nil; an empty help gives a bare `# HELP name`) and exactly one `# TYPE` line, also for
///   untyped families, so that a parser always knows where a family starts. Families that share a
///   name are merged into one block (first type and first non-nil help win).
/// - Inside a family, series are ordered by label set (label names sorted inside the braces).
///   For a histogram, each label set is written as its `_bucket` lines by numeric `le` (`+Inf`
///   last), then `_sum`, then `_count`; for a summary as its quantile lines by numeric `quantile`,
///   then `_sum`, then `_count`. Samples whose names do not fit that scheme follow their group.
/// - Label values escape `\`, `"` and newline; HELP escapes `\` and newline.
/// - Values are written by ``formatValue(_:)``.
///
/// The encoder trusts its input: metric and label names are written as given (the parser and the
/// probes only produce valid ones). A HELP text that starts with a blank or ends with a carriage
/// return cannot be represented in this format and loses those characters when read back.
public enum ExpositionEncoder {
    /// The `Content-Type` of the output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Encodes the families of a ``MetricSet``.
    public static func encode(_ set: MetricSet) -> String {
        encode(set.families)
    }

    /// Encodes families; the result ends with a newline unless `families` is empty.
    public static func encode(_ families: [MetricFamily]) -> String {
        var out = ""
        out.reserveCapacity(estimatedSize(families))

        // Stable order by name (index as tie-break), so duplicate names end up next to each other.
        let order = families.indices.sorted {
            let a = families[$0].name, b = families[$1].name
            return a == b ? $0 < $1 : a < b
        }
        var i = 0
        while i < order.count {
            let first = families[order[i]]
            var j = i + 1
            if j < order.count && families[order[j]].name == first.name {
                var merged = first
                while j < order.count && families[order[j]].name == first.name {
                    let other = families[order[j]]
                    if merged.help == nil { merged.help = other.help }
                    merged.samples.append(contentsOf: other.samples)
                    j += 1
                }
                writeFamily(merged, into: &out)
            } else {
                writeFamily(first, into: &out)
            }
            i = j
        }
        return out
    }

    /// Formats a sample value (or an `le` / `quantile` bound) the way this encoder writes it.
    ///
    /// `+Inf`, `-Inf` and `NaN` are spelled as Prometheus does. An integral value with magnitude
    /// below 1e15 is written as an integer without a decimal point (`1`, `0`, `-3`; `-0` becomes
    /// `0`); anything else uses Swift's shortest representation that reads back to the same
    /// Double (`0.5`, `1e-05`, `1.5e+20`), all of which Go's `strconv.ParseFloat` accepts.
    ///
    /// The same rule is used for `le` and `quantile` label values produced by this package, so
    /// buckets read `le="1"` where Go clients write `le="1.0"`; both parse to the same bound.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == .infinity { return "+Inf" }
        if value == -.infinity { return "-Inf" }
        if value.magnitude < 1e15 && value.rounded(.towardZero) == value {
            return String(Int64(value))
        }
        return value.description
    }

    // MARK: - Internals

    private static func estimatedSize(_ families: [MetricFamily]) -> Int {
        var size = 0
        for family in families {
            size += 24 + 2 * family.name.utf8.count + (family.help?.utf8.count ?? 0)
            for sample in family.samples {
                size += sample.name.utf8.count + 24 + (sample.timestamp == nil ? 0 : 15)
                for (key, value) in sample.labels {
                    size += key.utf8.count + value.utf8.count + 4
                }
            }
        }
        return size
    }

    /// Where a sample goes inside its family's layout.
    private struct Entry {
        var index: Int
        /// Labels sorted by name.
        var labels: [(key: String, value: String)]
        /// Position of the `le` / `quantile` label in `labels`, or -1: it is left out of the group.
        var special: Int
        /// 0 buckets / quantiles, 1 `_sum`, 2 `_count`, 3 anything else.
        var role: UInt8
        /// 0 bound missing, 1 numeric, 2 NaN, 3 not a number.
        var boundRank: UInt8
        var bound: Double
    }

    private static func writeFamily(_ family: MetricFamily, into out: inout String) {
        if let help = family.help {
            out += "# HELP "
            out += family.name
            if !help.isEmpty {
                out += " "
                appendEscaped(help, quotes: false, into: &out)
            }
            out += "\n"
        }
        out += "# TYPE "
        out += family.name
        out += " "
        out += family.type.rawValue
        out += "\n"

        let samples = family.samples
        if samples.count == 1 {
            writeSample(samples[0], labels: LabelOrder.sorted(samples[0].labels), into: &out)
            return
        }
        var entries = makeEntries(family)
        entries.sort(by: precedes)
        for entry in entries {
            writeSample(samples[entry.index], labels: entry.labels, into: &out)
        }
    }

    private static func makeEntries(_ family: MetricFamily) -> [Entry] {
        let name = family.name
        let (boundedName, specialLabel): (String?, String?) = switch family.type {
        case .histogram: (name + "_bucket", "le")
        case .summary: (name, "quantile")
        default: (nil, nil)
        }
        let layered = boundedName != nil
        let sumName = name + "_sum", countName = name + "_count"

        var entries: [Entry] = []
        entries.reserveCapacity(family.samples.count)
        for (index, sample) in family.samples.enumerated() {
            let labels = LabelOrder.sorted(sample.labels)
            var entry = Entry(index: index, labels: labels, special: -1, role: 0, boundRank: 0, bound: 0)
            if layered {
                if sample.name == boundedName {
                    entry.role = 0
                    if let special = specialLabel, let position = labels.firstIndex(where: { $0.key == special }) {
                        entry.special = position
                        if let bound = ExpositionParser.parseFloat(labels[position].value) {
                            if bound.isNaN {
                                entry.boundRank = 2
                            } else {
                                entry.boundRank = 1
                                entry.bound = bound
                            }
                        } else {
                            entry.boundRank = 3
                        }
                    }
                } else if sample.name == sumName {
                    entry.role = 1
                } else if sample.name == countName {
                    entry.role = 2
                } else {
                    entry.role = 3
                }
            }
            entries.append(entry)
        }
        return entries
    }

    /// Group (labels without the bound), role, bound, then name, full labels and input position,
    /// so the order is total and deterministic whatever the input looks like.
    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        // Compare the label lists with the bound label skipped.
        var i = 0, j = 0
        while true {
            if i == a.special { i += 1 }
            if j == b.special { j += 1 }
            let aDone = i >= a.labels.count, bDone = j >= b.labels.count
            if aDone || bDone {
                if aDone != bDone { return aDone }
                break
            }
            let x = a.labels[i], y = b.labels[j]
            if x.key != y.key { return x.key < y.key }
            if x.value != y.value { return x.value < y.value }
            i += 1
            j += 1
        }
        if a.role != b.role { return a.role < b.role }
        if a.boundRank != b.boundRank { return a.boundRank < b.boundRank }
        if a.boundRank == 1 && a.bound != b.bound { return a.bound < b.bound }
        if a.special >= 0 && b.special >= 0 {
            let x = a.labels[a.special].value, y = b.labels[b.special].value
            if x != y { return x < y }
        }
        return a.index < b.index
    }

    private static func writeSample(_ sample: Sample, labels: [(key: String, value: String)], into out: inout String) {
        out += sample.name
        if !labels.isEmpty {
            out += "{"
            var first = true
            for (key, value) in labels {
                if !first { out += "," }
                first = false
                out += key
                out += "=\""
                appendEscaped(value, quotes: true, into: &out)
                out += "\""
            }
            out += "}"
        }
        out += " "
        out += formatValue(sample.value)
        if let timestamp = sample.timestamp {
            out += " "
            out += String(timestamp)
        }
        out += "\n"
    }

    /// A label value escaped as the encoder writes it inside `"…"`, for writers that pre-render
    /// the labels of series they write on every scrape.
    public static func escapedLabelValue(_ value: String) -> String {
        var out = ""
        appendEscaped(value, quotes: true, into: &out)
        return out
    }

    /// Appends `text` with `\` → `\\`, newline → `\n` and, when `quotes`, `"` → `\"`.
    ///
    /// The common case (nothing to escape) is one scan and one append. Slices are taken on the
    /// UTF-8 view: a `String` subscript would round indices to Character boundaries and duplicate
    /// a quote that a combining mark follows.
    private static func appendEscaped(_ text: String, quotes: Bool, into out: inout String) {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            let byte = utf8[i]
            let replacement: String
            switch byte {
            case UInt8(ascii: "\\"): replacement = "\\\\"
            case UInt8(ascii: "\n"): replacement = "\\n"
            case UInt8(ascii: "\"") where quotes: replacement = "\\\""
            default:
                i = utf8.index(after: i)
                continue
            }
            if start != i { out += Substring(utf8[start..<i]) }
            out += replacement
            i = utf8.index(after: i)
            start = i
        }
        if start == utf8.startIndex {
            out += text
        } else if start != utf8.endIndex {
            out += Substring(utf8[start..<utf8.endIndex])
        }
    }
}
