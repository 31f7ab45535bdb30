import Testing
import VandineCore

/// Named groups keep their names through the RE2 → POSIX translation, and `allMatches` finds
/// every match left to right as Go's `FindAllStringSubmatch` does.
@Suite struct RegularExpressionAllMatchesTests {
    @Test func namedGroupsAreKnownByTheirPosixGroupNumber() throws {
        let regex = try #require(RegularExpression("(?:x)?(?P<interface>\\w+)(\\()?(?<value>\\d+)\\(\\)[(]"))
        #expect(regex.groups == 4)
        #expect(regex.groupNames == [nil, "interface", nil, "value"])
    }

    @Test func everyMatchWithItsGroups() throws {
        let regex = try #require(RegularExpression("(?P<interface>[a-z]+[0-9]): (?P<value>[0-9]+)"))
        let matches = regex.allMatches(in: "eth0: 10 wlan0: 20\nlo1: 3", limit: 10)
        #expect(matches == [["eth0: 10", "eth0", "10"], ["wlan0: 20", "wlan0", "20"], ["lo1: 3", "lo1", "3"]])
        #expect(regex.allMatches(in: "eth0: 10 wlan0: 20", limit: 1).count == 1)
        #expect(regex.allMatches(in: "nothing here", limit: 10).isEmpty)
    }

    /// After the first match the search starts mid-text: `^` must not match there unless a line
    /// starts there (in `(?m)` mode).
    @Test func caretMatchesOnlyAtTheStartOrAtLineStarts() throws {
        let start = try #require(RegularExpression("^a"))
        #expect(start.allMatches(in: "aaa", limit: 10).count == 1)
        let lines = try #require(RegularExpression("(?m)^a"))
        #expect(lines.allMatches(in: "ab\nab\nba", limit: 10).count == 2)
    }

    @Test func emptyMatchesMoveOnAndOptionalGroupsAreNil() throws {
        let regex = try #require(RegularExpression("(x)?"))
        let matches = regex.allMatches(in: "axb", limit: 10)
        // Go: ["" ""] at 0, ["x" "x"] at 1, ["" ""] at 3 (after b); we also try at 2.
        #expect(matches.contains { $0 == ["x", "x"] })
        #expect(matches.filter { $0 == ["", nil] }.count >= 2)
        #expect(matches.count <= 4)
    }

    @Test func aNULByteDoesNotEndTheSubject() throws {
        let regex = try #require(RegularExpression("v=(?P<value>[0-9]+)"))
        #expect(regex.allMatches(in: "v=1\u{0}v=2", limit: 10).map { $0[1] } == ["1", "2"])
    }

    /// Every search after a match starts mid-text with `REG_STARTEND`: glibc must not rescan
    /// the text before it, or a megabyte of output with matches spread through it would take
    /// quadratic time. 1 MiB, 1000 matches a kilobyte apart, case-insensitive (glibc translates
    /// the subject for `REG_ICASE`).
    @Test func aMegabyteWithAThousandSpreadMatchesIsLinear() throws {
        let filler = String(repeating: "x", count: 1000) + "\n"
        var text = ""
        for index in 0..<1000 { text += filler + "Eth\(index): \(index)\n" }
        #expect(text.utf8.count > 1_000_000)
        let regex = try #require(RegularExpression("(?im)^(?P<interface>eth[0-9]+): (?P<value>[0-9]+)$"))
        let start = ContinuousClock.now
        let matches = regex.allMatches(in: text, limit: 1000)
        let took = ContinuousClock.now - start
        #expect(matches.count == 1000)
        #expect(matches.last?[1] == "Eth999")
        #expect(took < .seconds(1), "took \(took)")
        print("allMatches over \(text.utf8.count) bytes, 1000 matches: \(took)")
    }
}
