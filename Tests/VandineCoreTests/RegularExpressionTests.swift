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
}
