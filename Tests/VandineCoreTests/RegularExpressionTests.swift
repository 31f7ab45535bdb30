import Testing
@testable import VandineCore

@Suite struct RegularExpressionTests {
    @Test func matchesExtendedSyntax() throws {
        let ssh = try #require(RegularExpression("^SSH-2\\.0-[A-Za-z_]+"))
        #expect(ssh.matches("SSH-2.0-OpenSSH_9.2"))
        #expect(!ssh.matches("SSH-1.99-x"))
        #expect(!ssh.matches("220 mail ESMTP"))
        #expect(try #require(RegularExpression("ESMTP")).matches("220 mail ESMTP ready"))
    }

    @Test(arguments: ["^SSH-(2", "a{2,1}", "[z-a]"])
    func rejectsInvalidPatterns(_ pattern: String) {
        #expect(RegularExpression(pattern) == nil)
    }

    @Test func refusesPatternsThatWouldBlowUpInGlibc() {
        // Found by fuzzing: stacked `+` made regcomp allocate 2.5 GB.
        #expect(RegularExpression.problem(with: "0" + String(repeating: "+", count: 60)) != nil)
        #expect(RegularExpression.problem(with: "((a{1,100}){1,100})") != nil)
        #expect(RegularExpression.problem(with: String(repeating: "a", count: 2000)) == "longer than 1024 bytes")
        #expect(RegularExpression.problem(with: "^SSH-2\\.0-.+ .+ .+") == nil)
        #expect(RegularExpression.problem(with: "a\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+") == nil, "escaped + is a literal")
    }

    @Test func isSafeToUseFromManyTasks() async throws {
        let pattern = try #require(RegularExpression("^SSH-"))
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 { group.addTask { pattern.matches(index.isMultiple(of: 2) ? "SSH-2.0" : "HTTP/1.1") } }
            var matches = 0
            for await matched in group where matched { matches += 1 }
            return matches
        }
        #expect(results == 100)
    }

    /// Go RE2 spellings from blackbox.yml files, and whether each matches as Go would.
    @Test(arguments: [
        (#"auth=[\d]"#, "Welcome auth=5", true), (#"auth=[\d]"#, "auth=x", false),
        (#"\x57elcome"#, "Welcome", true), (#"\x{57}elcome"#, "Welcome", true),
        (#"\d{3}-\d{4}"#, "call 555-1234", true), (#"^\D+$"#, "abc", true), (#"^\D+$"#, "a1", false),
        (#"(?i)^ssh-2\.0"#, "SSH-2.0-OpenSSH", true), (#"(?:foo|bar)baz"#, "barbaz", true),
        (#"(?P<version>[0-9]+)\.x"#, "v12.x", true), (#"\Qa.b*c\E"#, "xa.b*cx", true), (#"\Qa.b*c\E"#, "aXbbc", false),
        (#"^\w+\s\w+$"#, "hello world", true), (#"^[\w.-]+$"#, "pi1.lan-x", true), (#"^[\w.-]+$"#, "a b", false),
        (#"<title>.*?</title>"#, "<title>x</title>", true), (#"[\]a]+"#, "]a]", true), (#"\Aabc\z"#, "abc", true),
        (#"(\*|example\.com)"#, "example.com", true), (#"[^\s]+"#, "x", true),
        (#"(?m)^OK$"#, "first\nOK\nlast", true), (#"^OK$"#, "first\nOK\nlast", false),
        (#"tab\there"#, "tab\there", true),
    ])
    func translatesGoRE2(_ pattern: String, _ text: String, _ matches: Bool) throws {
        let compiled = try RegularExpression.compile(pattern).get()
        #expect(compiled.matches(text) == matches, "\(pattern) on \(text.debugDescription)")
    }

    @Test(arguments: [
        (#"\pL+"#, "Unicode classes (\\p) are not supported"),
        (#"foo(?i)bar"#, "inline flags such as (?i) are supported only at the start of the pattern"),
        (#"(a)\1"#, "backreferences (\\1) are not supported"),
        (#"\e"#, "unsupported escape \\e"),
        (#"[a"#, "missing ]"),
    ])
    func refusesWhatRE2SyntaxCannotBecome(_ pattern: String, _ reason: String) {
        guard case let .failure(error) = RegularExpression.compile(pattern) else { Issue.record("compiled \(pattern)"); return }
        #expect(error.reason == reason)
    }

    /// glibc retries an unanchored pattern at every position (quadratic: `foo.*bar` took 5 s on
    /// 90 KB); the anchored search form keeps "matches anywhere" linear.
    @Test func matchingIsLinearOnHostileBodies() throws {
        let pattern = try RegularExpression.compile("foo.*bar").get()
        let body = String(repeating: "foo", count: 1_000_000)  // 3 MB, no "bar"
        let start = ContinuousClock.now
        #expect(!pattern.matches(body))
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(pattern.matches(body + "bar"))
    }

    @Test func nulBytesAreOrdinaryCharacters() throws {
        #expect(try RegularExpression.compile("secret").get().matches("\u{0}\u{0}prefix secret"))
        #expect(try RegularExpression.compile("^a.b$").get().matches("a\u{0}b"))
        #expect(try RegularExpression.compile("(b+)").get().firstMatch(in: "a\u{0}bbb") == ["bbb", "bbb"])
        #expect(!(try RegularExpression.compile("^ab$").get().matches("a\u{0}b")))
    }

    @Test func anchorsKeepTheirMeaningInTheSearchForm() throws {
        let start = try RegularExpression.compile("^foo").get()
        #expect(start.matches("foo bar") && !start.matches("a foo"))
        let alternation = try RegularExpression.compile("^a|b$").get()
        #expect(alternation.matches("ax") && alternation.matches("xb") && !alternation.matches("xa"))
        #expect(try RegularExpression.compile("").get().matches("anything"))
    }

    @Test(arguments: [
        ("PONG ${1}", "PONG irc.lan"), ("$1x", ""), ("cost $ 5", "cost $ 5"), ("$$1", "$1"), ("${1}x", "irc.lanx"),
        ("$9", ""), ("${name}", ""), ("end$", "end$"),
    ])
    func expandsAsGo(_ template: String, _ expected: String) {
        #expect(RegularExpression.expand(template, with: ["PING :irc.lan", "irc.lan"]) == expected)
    }
}
