import NIOCore
import VandineCore

/// Reads lines (without `\r\n`) from a connection, keeping what follows a line for the next read.
struct LineReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer = ByteBuffer()

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    /// The next line, or nil at end of stream (a final line without newline is returned first).
    /// A line longer than `maxBytes` is an error, as blackbox's line scanner (64 KiB) makes it.
    mutating func nextLine(maxBytes: Int) async throws -> String? {
        while true {
            if let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                let length = newline - buffer.readerIndex
                guard length <= maxBytes else { throw LineTooLong(limit: maxBytes) }
                var line = buffer.readString(length: length) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                return line
            }
            guard buffer.readableBytes <= maxBytes else { throw LineTooLong(limit: maxBytes) }
            guard var chunk = try await iterator.next() else {
                return buffer.readableBytes > 0 ? buffer.readString(length: buffer.readableBytes) : nil
            }
            buffer.discardReadBytes()
            buffer.writeBuffer(&chunk)
        }
    }

    /// A line exceeded the limit.
    struct LineTooLong: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "the server sent a line longer than \(limit) bytes" }
    }

    /// Reads lines until one matches `pattern` (its groups returned) or the stream ends (nil).
    /// Stops (nil) at `deadline` too: lines already buffered when the connection is closed at the
    /// deadline are not worth matching.
    mutating func firstMatch(of pattern: RegularExpression, maxLineBytes: Int, log: ProbeLog,
                             deadline: ContinuousClock.Instant) async throws -> [String?]? {
        while ContinuousClock.now < deadline, let line = try await nextLine(maxBytes: maxLineBytes) {
            if let match = pattern.firstMatch(in: line) {
                log.log("read \(line.debugDescription): matches")
                return match
            }
            log.log("read \(line.debugDescription): no match, reading on")
            // A server streaming lines that never match must not starve the other probes.
            await Task.yield()
            try Task.checkCancellation()
        }
        return nil
    }
}
