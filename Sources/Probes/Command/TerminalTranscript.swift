/// What a terminal would show after the bytes a CLI device wrote to its PTY: lines of plain text.
///
/// CLI devices write for a screen, not for a parser: CR LF line ends, a bare CR to go back to the
/// start of a line, backspaces (`x\b_` overstrikes, a pager prompt erased with `\b\b\b…`), ANSI
/// escape sequences (colours `ESC[1m`, erase-line `ESC[K`, cursor moves `ESC[8D`, window titles
/// `ESC]0;…BEL`). The transcript applies each to one current line, as a terminal would, and keeps
/// the finished lines; ESC sequences it does not need (colours, modes, charsets) are dropped.
/// Trailing blanks of each line are removed (they are often what was left after erasing a pager
/// prompt with spaces). Sequences and CR LF pairs split across reads are handled: the state
/// carries over from one ``feed(_:)`` to the next.
///
/// Bounded: at most `limit` bytes of finished lines are kept (later lines are counted in
/// ``droppedBytes``), and the current line is cut at `limit` too.
struct TerminalTranscript {
    private enum EscapeState {
        case none
        /// After ESC.
        case escape
        /// After ESC and intermediate bytes (`ESC ( B`): the next final byte ends it.
        case intermediate
        /// Inside `ESC [`: parameter bytes so far.
        case csi([UInt8])
        /// Inside `ESC ]` (until BEL or ESC \).
        case osc
        /// Inside OSC, after an ESC (a following `\` ends it).
        case oscEscape
    }

    /// Finished lines, in order, without their line ends.
    private(set) var lines: [String] = []
    /// The line being written, as bytes.
    private var current: [UInt8] = []
    private var cursor = 0
    private var state = EscapeState.none
    /// Bytes of ``lines`` (each counted with one byte for its line end).
    private(set) var keptBytes = 0
    /// Bytes of finished lines that did not fit in the limit.
    private(set) var droppedBytes = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// The line being written (after the last line end): where prompts appear.
    var currentLine: String { String(decoding: current, as: UTF8.self) }

    /// Whether output was dropped because it passed the limit.
    var truncated: Bool { droppedBytes > 0 }

    /// Forgets the finished lines (and the counts), keeping the current line: a command's echo
    /// continues the prompt's line.
    mutating func startCommand() {
        lines.removeAll(keepingCapacity: true)
        keptBytes = 0
        droppedBytes = 0
    }

    /// Empties the current line (a pager prompt that was answered).
    mutating func clearCurrentLine() {
        current.removeAll(keepingCapacity: true)
        cursor = 0
    }

    mutating func feed(_ bytes: [UInt8]) {
        for byte in bytes { feed(byte) }
    }

    private mutating func feed(_ byte: UInt8) {
        switch state {
        case .none:
            break
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi([])
            case UInt8(ascii: "]"): state = .osc
            case 0x20...0x2F: state = .intermediate
            default: state = .none  // a two-byte sequence (ESC 7, ESC =, …)
            }
            return
        case .intermediate:
            if !(0x20...0x2F).contains(byte) { state = .none }
            return
        case var .csi(parameters):
            if (0x40...0x7E).contains(byte) {
                state = .none
                control(final: byte, parameters: parameters)
            } else if parameters.count < 32 {
                parameters.append(byte)
                state = .csi(parameters)
            }
            return
        case .osc:
            if byte == 0x07 { state = .none } else if byte == 0x1B { state = .oscEscape }
            return
        case .oscEscape:
            state = byte == UInt8(ascii: "\\") ? .none : .osc
            return
        }
        switch byte {
        case 0x1B: state = .escape
        case UInt8(ascii: "\n"): finishLine()
        case UInt8(ascii: "\r"): cursor = 0
        case 0x08: cursor = max(0, cursor - 1)
        case UInt8(ascii: "\t"), 0x20...0x7E, 0x80...0xFF: write(byte)
        default: break  // BEL, DEL and other controls draw nothing
        }
    }

    private mutating func write(_ byte: UInt8) {
        if cursor < current.count {
            current[cursor] = byte
        } else {
            guard current.count < limit else { return }
            if cursor > current.count { current += [UInt8](repeating: 0x20, count: cursor - current.count) }
            current.append(byte)
        }
        cursor += 1
    }

    /// A CSI sequence's effect on the current line: erase (`K`) and cursor moves (`C`, `D`, `G`).
    private mutating func control(final: UInt8, parameters: [UInt8]) {
        let number = Int(String(decoding: parameters, as: UTF8.self))
        switch final {
        case UInt8(ascii: "K"):
            switch number ?? 0 {
            case 0: if cursor < current.count { current.removeSubrange(cursor...) }
            case 1: for index in 0..<min(cursor + 1, current.count) { current[index] = 0x20 }
            default: current = [UInt8](repeating: 0x20, count: min(cursor, current.count))
            }
        case UInt8(ascii: "D"): cursor = max(0, cursor - max(1, number ?? 1))
        case UInt8(ascii: "C"): cursor = min(limit, cursor + max(1, number ?? 1))
        case UInt8(ascii: "G"): cursor = min(limit, max(0, (number ?? 1) - 1))
        default: break
        }
    }

    private mutating func finishLine() {
        while let last = current.last, last == 0x20 || last == UInt8(ascii: "\t") { current.removeLast() }
        let size = current.count + 1
        if droppedBytes == 0, keptBytes + size <= limit {
            lines.append(String(decoding: current, as: UTF8.self))
            keptBytes += size
        } else {
            droppedBytes += size
        }
        clearCurrentLine()
    }
}
