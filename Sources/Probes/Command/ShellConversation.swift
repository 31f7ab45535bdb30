import VandineCore

/// Commands typed at a CLI device's prompt over an interactive shell channel (Netmiko's
/// `send_command`): send the line, read until the prompt regex matches the line being written,
/// answer pager prompts on the way, and return the output without the echoed command line and
/// without the prompt.
///
/// The output is what a terminal would show (``TerminalTranscript``): CR LF normalised to LF,
/// ANSI escapes and backspace overstrikes applied and removed, trailing blanks trimmed.
final class ShellConversation {
    /// What one command printed.
    struct Output: Sendable, Equatable {
        /// The lines between the echoed command and the next prompt, joined with `\n` (each line
        /// ending in one).
        var text: String
        /// Bytes dropped past the output limit.
        var droppedBytes: Int
        /// Pager prompts answered.
        var pages: Int
    }

    /// Why a conversation stopped.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The SSH layer failed (the deadline passed, the channel broke).
        case ssh(SSHError)
        /// The device closed the shell before printing the prompt.
        case closed(lastLine: String)
        /// The deadline passed while waiting for the prompt; the line the cursor was on then.
        case timedOut(SSHError, lastLine: String)
        /// `enable` did not reach privileged mode: the prompt after it, or why.
        case notEnabled(String)

        var description: String {
            switch self {
            case let .ssh(error): error.description
            case let .closed(lastLine):
                "the shell closed before the prompt" + (lastLine.isEmpty ? "" : " (last line \(quoted(lastLine)))")
            case let .notEnabled(reason):
                "enable: " + reason
            case let .timedOut(error, lastLine):
                error.description + ", waiting for the prompt" + (lastLine.isEmpty ? "" : " at \(quoted(lastLine))")
            }
        }
    }

    /// What Netmiko sends as RETURN: a CLI in raw mode takes `\n` as Enter, a PTY in cooked mode too.
    static let lineEnd: [UInt8] = Array("\n".utf8)

    private let channel: any SSHShellChannel
    private let prompt: RegularExpression
    private let pagingPrompt: RegularExpression?
    private let pagingAnswer: [UInt8]
    private var transcript: TerminalTranscript

    init(channel: any SSHShellChannel, options: CommandOptions) {
        self.channel = channel
        self.prompt = options.prompt
        self.pagingPrompt = options.pagingPrompt
        self.pagingAnswer = Array(options.pagingAnswer.utf8)
        self.transcript = TerminalTranscript(limit: options.outputLimit)
    }

    /// The line the cursor is on now (the prompt, once ``waitForPrompt(deadline:)`` returned).
    var currentLine: String { transcript.currentLine }

    /// Reads the login banner until the first prompt.
    func waitForPrompt(deadline: ContinuousClock.Instant) async throws(Failure) {
        transcript.startCommand()
        while !prompt.matches(transcript.currentLine) {
            try await readChunk(deadline: deadline)
        }
    }

    /// Enters privileged mode (Netmiko's `enable()`): sends the enable command, answers the
    /// password prompt, and checks that the prompt then matches `enabledPrompt`. Nothing is sent
    /// when the current prompt already does. The password is never logged or returned; what the
    /// device prints meanwhile is discarded.
    func enable(_ settings: CommandOptions.Enable, deadline: ContinuousClock.Instant) async throws(Failure) {
        guard !settings.enabledPrompt.matches(transcript.currentLine) else { return }
        transcript.startCommand()
        try await send(Array(settings.command.utf8) + Self.lineEnd, deadline: deadline)
        var answered = false
        while true {
            try await readChunk(deadline: deadline)
            if !answered, settings.passwordPrompt.matches(transcript.currentLine) {
                guard let password = settings.password else {
                    throw Failure.notEnabled("the device asks for a password (\(quoted(transcript.currentLine))) and enable has none")
                }
                answered = true
                transcript.startCommand()
                try await send(Array(password.reveal().utf8) + Self.lineEnd, deadline: deadline)
                continue
            }
            if !transcript.lines.isEmpty, prompt.matches(transcript.currentLine) { break }
        }
        guard settings.enabledPrompt.matches(transcript.currentLine) else {
            // A device that echoed the password must not get it into the log.
            let secret = settings.password?.reveal() ?? ""
            let said = transcript.lines.last { !$0.trimmingBlanks().isEmpty && (secret.isEmpty || !$0.contains(secret)) }
                .map { ", the device said \(quoted($0))" } ?? ""
            throw Failure.notEnabled("still not privileged: prompt \(quoted(transcript.currentLine))" + said)
        }
    }

    /// Sends `command` and reads its output up to the next prompt.
    func run(_ command: String, deadline: ContinuousClock.Instant) async throws(Failure) -> Output {
        transcript.startCommand()
        let promptLine = transcript.currentLine
        try await send(Array(command.utf8) + Self.lineEnd, deadline: deadline)
        var pages = 0
        while true {
            try await readChunk(deadline: deadline)
            if let pagingPrompt, pagingPrompt.matches(transcript.currentLine) {
                transcript.clearCurrentLine()
                pages += 1
                try await send(pagingAnswer, deadline: deadline)
                continue
            }
            // The prompt counts only on a new line: until the echo's line end arrives, the line
            // being written still holds the previous prompt.
            if !transcript.lines.isEmpty, prompt.matches(transcript.currentLine) { break }
        }
        var lines = transcript.lines[...]
        if let first = lines.first, Self.isEcho(first, of: command, after: promptLine) { lines = lines.dropFirst() }
        let text = lines.map { $0 + "\n" }.joined()
        return Output(text: text, droppedBytes: transcript.droppedBytes, pages: pages)
    }

    /// Whether `line` is the echo of `command` (the prompt followed by the command as typed), or
    /// the bare prompt of a device that does not echo (`promptLine`, the line the command was
    /// typed on; finished lines have lost their trailing blanks).
    static func isEcho(_ line: String, of command: String, after promptLine: String) -> Bool {
        let line = line.trimmingBlanks()
        return line.hasSuffix(command.trimmingBlanks()) || line == promptLine.trimmingBlanks()
    }

    private func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) async throws(Failure) {
        do { try await channel.write(bytes, deadline: deadline) } catch { throw Failure.ssh(error) }
    }

    private func readChunk(deadline: ContinuousClock.Instant) async throws(Failure) {
        let bytes: [UInt8]
        do {
            bytes = try await channel.read(deadline: deadline)
        } catch {
            throw error.kind == .timeout ? Failure.timedOut(error, lastLine: transcript.currentLine) : .ssh(error)
        }
        guard !bytes.isEmpty else { throw Failure.closed(lastLine: transcript.currentLine) }
        transcript.feed(bytes)
    }
}

/// `text` in double quotes, cut to 80 characters, for log lines.
func quoted(_ text: String) -> String {
    let cut = text.count > 80 ? String(text.prefix(80)) + "…" : text
    return "\"" + cut + "\""
}
