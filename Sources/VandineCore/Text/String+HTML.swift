extension String {
    /// The text escaped for HTML element content and quoted attribute values: `& < > " '` as
    /// entities, and the control characters HTML forbids in text (C0 other than tab, LF and CR;
    /// DEL; C1) as U+FFFD, so a label value with a NUL cannot reach a status page raw
    /// (HTML Living Standard, 13.2.5 "control-character-in-input-stream").
    public var htmlEscaped: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            case "\u{00}"..."\u{1F}", "\u{7F}"..."\u{9F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
