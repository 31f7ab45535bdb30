import Testing
@testable import Probes

/// What CLI devices write to a PTY, reduced to the text a terminal shows. The inputs are byte
/// sequences such devices send: Cisco IOS erases its pager prompt with backspaces, others with a
/// CR and spaces or with `ESC[K`; Juniper and MikroTik colour their output.
@Suite struct TerminalTranscriptTests {
    static func lines(_ chunks: [String], limit: Int = 1 << 20) -> (lines: [String], current: String) {
        var transcript = TerminalTranscript(limit: limit)
        for chunk in chunks { transcript.feed(Array(chunk.utf8)) }
        return (transcript.lines, transcript.currentLine)
    }

    @Test func crlfLineEndsBecomeLines() {
        let result = Self.lines(["one\r\ntwo\r\n", "router# "])
        #expect(result.lines == ["one", "two"])
        #expect(result.current == "router# ")
    }

    @Test func aPagerPromptErasedWithBackspacesLeavesNothing() {
        let more = " --More-- "
        let erase = String(repeating: "\u{8}", count: more.count) + String(repeating: " ", count: more.count)
            + String(repeating: "\u{8}", count: more.count)
        #expect(Self.lines(["a\r\n", more, erase + "b\r\n"]).lines == ["a", "b"])
    }

    @Test func aPagerPromptErasedWithCarriageReturnAndEraseLine() {
        #expect(Self.lines(["a\r\n--More--", "\r        \r", "b\r\n"]).lines == ["a", "b"])
        #expect(Self.lines(["a\r\n<--- More --->", "\r\u{1B}[K", "b\r\n"]).lines == ["a", "b"])
    }

    @Test func ansiColoursAndTitlesAreDropped() {
        let text = "\u{1B}]0;router: ~\u{7}\u{1B}[1;32mup\u{1B}[0m \u{1B}(Bok\r\n"
        #expect(Self.lines([text]).lines == ["up ok"])
    }

    @Test func escapeSequencesSplitAcrossReadsAreStillRemoved() {
        #expect(Self.lines(["\u{1B}", "[", "1", "m", "bold", "\u{1B}[", "0m\r", "\n"]).lines == ["bold"])
    }

    @Test func backspaceOverstrikesKeepTheLastCharacter() {
        #expect(Self.lines(["4\u{8}42 C\r\n", "_\u{8}u_\u{8}p\r\n"]).lines == ["42 C", "up"])
    }

    @Test func cursorMovesOverwriteInPlace() {
        // Three columns left, then new text over the old: a progress figure redrawn in place.
        #expect(Self.lines(["status: 10%\u{1B}[3Ddone\r\n"]).lines == ["status: done"])
        #expect(Self.lines(["abc\u{1B}[5Gx\r\n"]).lines == ["abc x"])
    }

    @Test func outputPastTheLimitIsDroppedAndCounted() {
        var transcript = TerminalTranscript(limit: 11)
        transcript.feed(Array("12345\r\n6789\r\nabcdef\r\nrouter# ".utf8))
        #expect(transcript.lines == ["12345", "6789"])
        #expect(transcript.droppedBytes == 7)
        #expect(transcript.currentLine == "router# ")
    }
}
