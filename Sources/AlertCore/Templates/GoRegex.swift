/// Go's `regexp` for `match` and `reReplaceAll` (RE2 syntax, unanchored; Swift's Regex reads
/// the RE2 constructs rule authors use), with Go's `$1` / `${name}` replacement expansion.
enum GoRegex {
    static func compile(_ pattern: String) throws(TemplateCallError) -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw .call("error parsing regexp: \(GoQuoting.quote(pattern)): \(error)")
        }
    }

    /// `Regexp.ReplaceAllString`: every match replaced by `template` with `$n`, `${n}`, `$name`
    /// expanded (Go takes the longest name after `$`; an unknown group expands to nothing; `$$`
    /// is a dollar sign).
    static func replaceAll(_ regex: Regex<AnyRegexOutput>, in text: String, with template: String) -> String {
        var out = ""
        var position = text.startIndex
        for match in text.matches(of: regex) {
            out += text[position..<match.range.lowerBound]
            out += expand(template, match: match)
            position = match.range.upperBound
        }
        out += text[position...]
        return out
    }

    private static func expand(_ template: String, match: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        let characters = Array(template)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else { out.append(character); index += 1; continue }
            if characters[index + 1] == "$" { out += "$"; index += 2; continue }
            var name = ""
            var end = index + 1
            if characters[end] == "{" {
                guard let close = characters[end...].firstIndex(of: "}") else { out.append(character); index += 1; continue }
                name = String(characters[(end + 1)..<close])
                end = close + 1
            } else {
                while end < characters.count, characters[end].isASCII, characters[end].isLetter || characters[end].isNumber || characters[end] == "_" {
                    name.append(characters[end]); end += 1
                }
            }
            guard !name.isEmpty else { out.append(character); index += 1; continue }
            if let number = Int(name) {
                if number < match.output.count, let substring = match.output[number].substring { out += substring }
            } else if let group = match.output[name], let substring = group.substring {
                out += substring
            }
            index = end
        }
        return out
    }
}
