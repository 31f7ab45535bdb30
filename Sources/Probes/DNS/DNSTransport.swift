#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// Sends one DNS query and reads its reply over UDP or TCP (two-byte length prefix), with
/// non-blocking sockets and `poll` bounded by the probe's deadline. Blocking: call it from a
/// thread pool (``DNSProber`` uses NIO's), never from Swift's cooperative threads.
enum DNSTransport {
    enum Failure: Error, Equatable {
        /// The deadline passed while waiting for `step` ("connect", "reply").
        case timedOut(step: String)
        /// A system call failed: what we were doing and errno.
        case system(String, Int32)
        /// The TCP server closed the connection before a whole reply arrived.
        case closed
        /// A TCP reply carried another id.
        case idMismatch(got: UInt16, want: UInt16)

        var reason: String {
            switch self {
            case let .timedOut(step): "\(step) timed out"
            case let .system(what, code): "\(what): \(ProbeError.systemMessage(code))"
            case .closed: "the server closed the connection before a whole reply arrived"
            case let .idMismatch(got, want): "the reply's id \(got) does not match the query's id \(want)"
            }
        }
    }

    /// What one exchange measured.
    struct Exchange: Sendable {
        var reply: [UInt8]
        /// Socket setup and connect (the TCP handshake; a route lookup for UDP).
        var connect: Duration
        /// From the first byte sent to the whole reply read.
        var request: Duration
    }

    /// Runs the exchange. `onConnected` is called with the connect time as soon as it is known, so
    /// it is recorded even when the reply never comes.
    static func exchange(_ query: [UInt8], id: UInt16, to address: SocketAddress, from source: SocketAddress?,
                         tcp: Bool, deadline: ContinuousClock.Instant,
                         onConnected: (Duration) -> Void) -> Result<Exchange, Failure> {
        let family: Int32 = switch address {
        case .v6: AF_INET6
        default: AF_INET
        }
        let kind = Int32((tcp ? SOCK_STREAM : SOCK_DGRAM).rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let connectStart = ContinuousClock.now
        let fd = socket(family, kind, 0)
        guard fd >= 0 else { return .failure(.system("cannot open a socket", errno)) }
        defer { close(fd) }
        if let source {
            let rc = source.withSockAddr { bind(fd, $0, socklen_t($1)) }
            guard rc == 0 else { return .failure(.system("cannot bind to source address \(source.ipAddress ?? "?")", errno)) }
        }
        let rc = address.withSockAddr { connect(fd, $0, socklen_t($1)) }
        if rc != 0 {
            let code = errno
            guard code == EINPROGRESS else { return .failure(.system("connect failed", code)) }
            switch wait(fd, for: Int16(POLLOUT), until: deadline) {
            case .timedOut: return .failure(.timedOut(step: "connect"))
            case let .failed(code): return .failure(.system("connect failed", code))
            case .ready: break
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 { return .failure(.system("connect failed", error)) }
        }
        let connectTime = ContinuousClock.now - connectStart
        onConnected(connectTime)

        let requestStart = ContinuousClock.now
        let result = tcp ? exchangeTCP(fd, query, id: id, deadline: deadline) : exchangeUDP(fd, query, id: id, deadline: deadline)
        return result.map { Exchange(reply: $0, connect: connectTime, request: ContinuousClock.now - requestStart) }
    }

    // MARK: - UDP

    private static func exchangeUDP(_ fd: Int32, _ query: [UInt8], id: UInt16,
                                    deadline: ContinuousClock.Instant) -> Result<[UInt8], Failure> {
        let sent = query.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == query.count else { return .failure(.system("send failed", sent < 0 ? errno : EMSGSIZE)) }
        var buffer = [UInt8](repeating: 0, count: 65535)
        while true {
            switch wait(fd, for: Int16(POLLIN), until: deadline) {
            case .timedOut: return .failure(.timedOut(step: "reply"))
            case let .failed(code): return .failure(.system("receive failed", code))
            case .ready: break
            }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK || code == EINTR { continue }
                return .failure(.system("receive failed", code))
            }
            // A reply to another (earlier) query is ignored, as miekg/dns does over UDP.
            guard count >= 12, UInt16(buffer[0]) << 8 | UInt16(buffer[1]) == id else { continue }
            return .success(Array(buffer[0..<count]))
        }
    }

    // MARK: - TCP

    private static func exchangeTCP(_ fd: Int32, _ query: [UInt8], id: UInt16,
                                    deadline: ContinuousClock.Instant) -> Result<[UInt8], Failure> {
        let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
        var offset = 0
        while offset < framed.count {
            let written = framed.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
                continue
            }
            let code = errno
            guard written < 0, code == EAGAIN || code == EWOULDBLOCK || code == EINTR else {
                return .failure(.system("send failed", code))
            }
            switch wait(fd, for: Int16(POLLOUT), until: deadline) {
            case .timedOut: return .failure(.timedOut(step: "reply"))
            case let .failed(code): return .failure(.system("send failed", code))
            case .ready: break
            }
        }
        let header: [UInt8]
        switch read(fd, count: 2, deadline: deadline) {
        case let .success(bytes): header = bytes
        case let .failure(failure): return .failure(failure)
        }
        let length = Int(header[0]) << 8 | Int(header[1])
        switch read(fd, count: length, deadline: deadline) {
        case let .success(reply):
            guard reply.count >= 2 else { return .failure(.closed) }
            let got = UInt16(reply[0]) << 8 | UInt16(reply[1])
            guard got == id else { return .failure(.idMismatch(got: got, want: id)) }
            return .success(reply)
        case let .failure(failure):
            return .failure(failure)
        }
    }

    /// Reads exactly `count` bytes from a stream socket.
    private static func read(_ fd: Int32, count: Int, deadline: ContinuousClock.Instant) -> Result<[UInt8], Failure> {
        var bytes = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            if got > 0 {
                offset += got
                continue
            }
            if got == 0 { return .failure(.closed) }
            let code = errno
            guard code == EAGAIN || code == EWOULDBLOCK || code == EINTR else {
                return .failure(.system("receive failed", code))
            }
            switch wait(fd, for: Int16(POLLIN), until: deadline) {
            case .timedOut: return .failure(.timedOut(step: "reply"))
            case let .failed(code): return .failure(.system("receive failed", code))
            case .ready: break
            }
        }
        return .success(bytes)
    }

    // MARK: - poll

    private enum Readiness {
        case ready, timedOut, failed(Int32)
    }

    /// Waits until `fd` is ready for `events` or the deadline passes. A socket error (a UDP
    /// port-unreachable, a refused connect) counts as ready: the next call reports it.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Readiness {
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return .timedOut }
            let milliseconds = Int32(clamping: (remaining.nanoseconds + 999_999) / 1_000_000)
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let rc = poll(&entry, 1, milliseconds)
            if rc > 0 { return .ready }
            if rc == 0 { continue }
            let code = errno
            if code == EINTR { continue }
            return .failed(code)
        }
    }
}
