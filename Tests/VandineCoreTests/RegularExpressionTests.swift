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
}
