import Synchronization
import Testing
import VandineCore
@testable import Probes

/// A shell channel that hands out fixed chunks (what a device sent, split as a network may split
/// it) and records what was written, for the conversation's edge cases that a real CLI does not
/// produce on demand.
final class ScriptedShellChannel: SSHShellChannel {
    private let chunks: Mutex<[[UInt8]]>
    let written = Mutex<[String]>([])

    init(_ chunks: [String]) { self.chunks = Mutex(chunks.map { Array($0.utf8) }) }

    func write(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(SSHError) {
        written.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) }
    }

    func read(deadline: ContinuousClock.Instant) async throws(SSHError) -> [UInt8] {
        guard let next = chunks.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
            throw SSHError(.timeout, "no output before the deadline")
        }
        return next
    }

    func close() async {}
}

@Suite struct ShellConversationTests {
    static let options = CommandOptions(mode: .shell, prompt: CommandOptions.compileLineWise("^router# $")!,
                                        commands: [.init(name: "a", command: "show clock")])

    /// Until the echo's line end arrives, the line being written still holds the previous
    /// prompt: a chunk that draws nothing (a BEL) must not end the command there.
    @Test func thePreviousPromptDoesNotEndTheCommand() async throws {
        let channel = ScriptedShellChannel(["router# ", "\u{7}", "show clock\r\n", "12:00:00 UTC\r\n", "router# "])
        let shell = ShellConversation(channel: channel, options: Self.options)
        try await shell.waitForPrompt(deadline: .now + .seconds(1))
        let output = try await shell.run("show clock", deadline: .now + .seconds(1))
        #expect(output.text == "12:00:00 UTC\n")
        #expect(channel.written.withLock { $0 } == ["show clock\n"])
    }

    /// A device that does not echo: the first line is the bare prompt, which is not output.
    @Test func aDeviceWithoutEchoLosesOnlyThePromptLine() async throws {
        let channel = ScriptedShellChannel(["router# ", "\r\n12:00:00 UTC\r\n", "router# "])
        let shell = ShellConversation(channel: channel, options: Self.options)
        try await shell.waitForPrompt(deadline: .now + .seconds(1))
        #expect(try await shell.run("show clock", deadline: .now + .seconds(1)).text == "12:00:00 UTC\n")
    }

    /// A prompt split over two reads is found when its second half arrives.
    @Test func aPromptSplitAcrossReadsIsFound() async throws {
        let channel = ScriptedShellChannel(["Welcome\r\nrou", "ter# ", "show clock\r\nnoon\r\nrouter", "# "])
        let shell = ShellConversation(channel: channel, options: Self.options)
        try await shell.waitForPrompt(deadline: .now + .seconds(1))
        #expect(shell.currentLine == "router# ")
        #expect(try await shell.run("show clock", deadline: .now + .seconds(1)).text == "noon\n")
    }

    /// A device that echoes the enable password (misconfigured) must not get it into the reason.
    @Test func anEchoedEnablePasswordStaysOutOfTheReason() async throws {
        let channel = ScriptedShellChannel(["router>", "enable\r\nPassword: ", "hunter2\r\n", "router>"])
        let options = CommandOptions(mode: .shell, prompt: CommandOptions.compileLineWise("^router[>#]$")!,
                                     commands: [.init(name: "a", command: "show clock")])
        let shell = ShellConversation(channel: channel, options: options)
        try await shell.waitForPrompt(deadline: .now + .seconds(1))
        do {
            try await shell.enable(CommandOptions.Enable(password: Secret("hunter2")), deadline: .now + .seconds(1))
            Issue.record("enable succeeded at a router> prompt")
        } catch {
            #expect(error.description == "enable: still not privileged: prompt \"router>\"")
        }
        #expect(channel.written.withLock { $0 } == ["enable\n", "hunter2\n"])
    }
}
