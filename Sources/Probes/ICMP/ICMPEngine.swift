#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import Synchronization
import VandineCore

/// The process's ICMP engine: ONE socket per address family (plus one more for IPv4
/// don't-fragment probes, a socket-wide setting), opened on first use, and ONE receive thread that
/// hands each echo reply to the session waiting for its (identifier, sequence). A thousand
/// concurrent probes cost two sockets and one thread.
///
/// - Raw sockets: every session gets a random identifier not in use (SNAT boxes drop a reused
///   one: blackbox_exporter #591), and sequences count from 0 per session.
/// - Datagram sockets: the kernel writes the socket's identifier (chosen at random when it is
///   bound) into every request, so sessions share it and the engine hands out sequence numbers
///   not in flight on that socket.
///
/// A reply is matched only when it comes from the session's destination and arrives on the socket
/// that sent the request. RTTs are measured from the send to the kernel's receive timestamp
/// (`SO_TIMESTAMPNS`), so a busy receive thread does not inflate them.
///
/// Runs as a swift-service-lifecycle `Service`: the thread starts with the first session and
/// stops at shutdown. Every session must be closed: an open one keeps its requests matchable.
public final class ICMPEngine: ICMPEchoing, Service, Sendable {
    /// How long a request stays matchable in a long-lived session (continuous mode); a reply later
    /// than this is dropped. A probe's session matches until it is closed.
    static let matchWindowNanoseconds: Int64 = 60_000_000_000
    /// Largest echo payload: 65,535 minus the IPv4 and ICMP headers.
    public static let maximumPayloadSize = ICMPOptions.maximumPayloadSize

    private let privilege: @Sendable () -> ICMPPrivilege
    private let state = Mutex(State())
    private let receiveErrorCount = Atomic<Int>(0)

    /// - Parameter privilege: read when a socket for a family is first opened (`icmp.privileged`).
    public init(privilege: @escaping @Sendable () -> ICMPPrivilege = { .auto }) {
        self.privilege = privilege
    }

    /// Reads that failed on the sockets since start (not counting "nothing to read").
    public var receiveErrors: Int { receiveErrorCount.load(ordering: .relaxed) }

    /// The kind of socket serving `family` once opened (raw or datagram), for logs and tests.
    public func socketKind(for family: ICMPFamily) -> String? {
        state.withLock { $0.sockets[SocketTag(family: family, dontFragment: false)]?.socket.kind.rawValue }
    }

    /// ICMP sockets open right now.
    public var openSocketCount: Int { state.withLock { $0.sockets.count } }

    /// Scheduled actions not yet run (a finished probe leaves none behind).
    var pendingTimerCount: Int { state.withLock { $0.timers.count } }

    // MARK: - ICMPEchoing

    public func openSession(to destination: ICMPDestination, options: EchoOptions,
                            onReply: @escaping @Sendable (EchoReply) -> Void) throws(ICMPError) -> any EchoSession {
        guard (0...Self.maximumPayloadSize).contains(options.payloadSize) else {
            throw .sendFailed("payload size \(options.payloadSize) is outside 0…\(Self.maximumPayloadSize) bytes")
        }
        let family = ICMPFamily(of: destination.address)
        let tag = SocketTag(family: family, dontFragment: options.dontFragment && family == .v4)
        let privilege = self.privilege()
        let result: Result<EngineSession, ICMPError> = state.withLock { state in
            guard !state.stopped else { return .failure(.socketFailed("the ICMP engine has stopped")) }
            let entry: SocketEntry
            if let existing = state.sockets[tag] {
                entry = existing
            } else {
                do throws(ICMPError) {
                    let socket = try ICMPSocket.open(family: family, privilege: privilege, dontFragment: tag.dontFragment)
                    entry = SocketEntry(socket: socket)
                    state.sockets[tag] = entry
                    startOrWakeThread(&state)
                } catch {
                    return .failure(error)
                }
            }
            let identifier: UInt16
            if let bound = entry.socket.boundIdentifier {
                identifier = bound
            } else {
                var candidate = UInt16.random(in: 1...UInt16.max, using: &state.random)
                while state.rawIdentifiers[tag, default: []].contains(candidate) { candidate = UInt16.random(in: 1...UInt16.max, using: &state.random) }
                identifier = candidate
                state.rawIdentifiers[tag, default: []].insert(identifier)
            }
            state.nextSessionID += 1
            let session = EngineSession(id: state.nextSessionID, engine: self, tag: tag, identifier: identifier,
                                        sharedIdentifier: entry.socket.boundIdentifier != nil, destination: destination,
                                        options: options, onReply: onReply)
            state.sessions[session.id] = SessionRecord()
            return .success(session)
        }
        return try result.get()
    }

    @discardableResult
    public func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledAction {
        let id: UInt64? = state.withLock { state in
            guard !state.stopped else { return nil }
            let wasEarliest = state.timers.earliest.map { instant < $0 } ?? true
            let id = state.timers.insert(at: instant, action)
            if !state.threadRunning {
                startOrWakeThread(&state)
            } else if wasEarliest {
                // The thread may be asleep until a later instant: wake it to recompute its timeout.
                Self.poke(state.wakePipe.write)
            }
            return id
        }
        guard let id else {
            // A stopped engine runs the action at once, so no one waits for a timer that never fires.
            action()
            return ScheduledAction(id: .max)
        }
        return ScheduledAction(id: id)
    }

    public func cancel(_ scheduled: ScheduledAction) {
        state.withLock { $0.timers.remove(scheduled.id) }
    }

    // MARK: - Service

    /// `Service`: waits for graceful shutdown, then stops the receive thread.
    public func run() async throws {
        try? await gracefulShutdown()
        shutdown()
    }

    /// Stops the receive thread; later sessions are refused. Idempotent.
    public func shutdown() {
        let wake: Int32? = state.withLock { state in
            state.stopped = true
            return state.threadRunning ? state.wakePipe.write : nil
        }
        if let wake { Self.poke(wake) }
    }

    // MARK: - Sending (called by sessions)

    fileprivate func send(_ session: EngineSession) throws(ICMPError) -> UInt16 {
        let reserved: Result<(ICMPSocket, UInt16, [UInt8]), ICMPError> = state.withLock { state in
            guard let socketEntry = state.sockets[session.tag], !state.stopped else {
                return .failure(.sendFailed("the ICMP engine has stopped"))
            }
            guard state.sessions[session.id] != nil else { return .failure(.sendFailed("the echo session is closed")) }
            let sequence: UInt16
            if session.sharedIdentifier {
                // Datagram socket: one identifier for all sessions, so the sequence must be free.
                var candidate = state.nextSequence[session.tag, default: UInt16.random(in: 0...UInt16.max, using: &state.random)]
                var attempts = 0
                while state.entries[EntryKey(tag: session.tag, identifier: session.identifier, sequence: candidate)] != nil {
                    candidate &+= 1
                    attempts += 1
                    if attempts > Int(UInt16.max) { return .failure(.sendFailed("65,536 echo requests are in flight on the \(session.tag.family) socket")) }
                }
                state.nextSequence[session.tag] = candidate &+ 1
                sequence = candidate
            } else {
                sequence = state.sessions[session.id]!.nextSequence
                state.sessions[session.id]!.nextSequence &+= 1
            }
            let key = EntryKey(tag: session.tag, identifier: session.identifier, sequence: sequence)
            let packet = ICMPEchoPacket.request(family: session.tag.family, identifier: session.identifier,
                                                sequence: sequence, payloadSize: session.options.payloadSize)
            let now = Self.realtimeNanoseconds()
            // A long-lived session forgets requests older than the match window.
            while let oldest = state.sessions[session.id]!.keys.first, now - oldest.sentAt > Self.matchWindowNanoseconds {
                state.sessions[session.id]!.keys.removeFirst()
                state.entries[oldest.key] = nil
            }
            state.entries[key] = Entry(session: session, sentAt: now)
            state.sessions[session.id]!.keys.append((key, now))
            return .success((socketEntry.socket, sequence, packet))
        }
        let (socket, sequence, packet) = try reserved.get()
        do {
            try socket.send(packet, to: session.destination, ttl: session.options.ttl, source: session.options.source)
        } catch {
            state.withLock { _ = $0.entries.removeValue(forKey: EntryKey(tag: session.tag, identifier: session.identifier, sequence: sequence)) }
            throw error
        }
        return sequence
    }

    fileprivate func close(_ session: EngineSession) {
        state.withLock { state in
            guard let record = state.sessions.removeValue(forKey: session.id) else { return }
            for (key, _) in record.keys { state.entries[key] = nil }
            if !session.sharedIdentifier { state.rawIdentifiers[session.tag]?.remove(session.identifier) }
        }
    }

    // MARK: - The receive thread

    private func startOrWakeThread(_ state: inout State) {
        if state.threadRunning {
            Self.poke(state.wakePipe.write)
            return
        }
        var fds: [Int32] = [0, 0]
        precondition(pipe2(&fds, O_NONBLOCK | O_CLOEXEC) == 0, "cannot create the ICMP engine's wake pipe: \(systemErrorMessage(errno))")
        state.wakePipe = (fds[0], fds[1])
        state.threadRunning = true
        let retained = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let engine = Unmanaged<ICMPEngine>.fromOpaque(argument!).takeRetainedValue()
            engine.receiveLoop()
            return nil
        }, retained)
        precondition(result == 0, "cannot start the ICMP receive thread: error \(result)")
        pthread_detach(thread)
    }

    private static func poke(_ descriptor: Int32) {
        var byte: UInt8 = 1
        _ = write(descriptor, &byte, 1)
    }

    private func receiveLoop() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536 + 60, alignment: 8)
        let control = UnsafeMutableRawBufferPointer.allocate(byteCount: 512, alignment: 8)
        defer {
            buffer.deallocate()
            control.deallocate()
        }
        while true {
            let now = ContinuousClock.now
            let (sockets, wake, stopped, due, next) = state.withLock { state in
                let due = state.timers.popDue(now: now)
                return (state.sockets.map { ($0.key, $0.value.socket) }, state.wakePipe.read, state.stopped, due, state.timers.earliest)
            }
            for action in due { action() }
            if stopped {
                let pending: [@Sendable () -> Void] = state.withLock { state in
                    Glibc.close(state.wakePipe.read)
                    Glibc.close(state.wakePipe.write)
                    state.threadRunning = false
                    // Whoever waits on a timer is told now rather than never.
                    return state.timers.popDue(now: .now + .seconds(365 * 86_400))
                }
                for action in pending { action() }
                return
            }
            var descriptors = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            descriptors += sockets.map { pollfd(fd: $0.1.descriptor, events: Int16(POLLIN), revents: 0) }
            // Milliseconds until the next timer, rounded up so the thread never wakes just early
            // and spins; -1 (no timer) sleeps until a socket or the wake pipe has something.
            var timeout: Int32 = -1
            if let next {
                let nanoseconds = max(0, (next - ContinuousClock.now).nanoseconds)
                timeout = Int32(min(Int64(Int32.max), (nanoseconds + 999_999) / 1_000_000))
            }
            if !due.isEmpty { timeout = 0 }  // actions may have scheduled more: look again at once
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 { continue }  // EINTR
            if descriptors[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wake, &drain, drain.count) > 0 {}
            }
            for (index, (tag, socket)) in sockets.enumerated() where descriptors[index + 1].revents != 0 {
                // Bounded per wake-up so one flooded socket cannot starve the other.
                for _ in 0..<1024 {
                    do {
                        guard let received = try socket.receive(buffer: buffer, control: control) else { break }
                        deliver(received, on: socket, tag: tag)
                    } catch {
                        receiveErrorCount.add(1, ordering: .relaxed)
                        break
                    }
                }
            }
        }
    }

    private func deliver(_ received: ICMPSocket.Received, on socket: ICMPSocket, tag: SocketTag) {
        guard let reply = received.reply else { return }
        let key = EntryKey(tag: tag, identifier: socket.boundIdentifier ?? reply.identifier, sequence: reply.sequence)
        let receivedAt = received.timestampNanoseconds ?? Self.realtimeNanoseconds()
        let matched: (EngineSession, Int64, Bool)? = state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard received.source.map({ $0.unmappingIPv4 == entry.session.destination.address.unmappingIPv4 }) ?? false else { return nil }
            let duplicate = entry.answered
            state.entries[key]!.answered = true
            return (entry.session, entry.sentAt, duplicate)
        }
        guard let (session, sentAt, duplicate) = matched else { return }
        let rtt = Duration.nanoseconds(max(0, receivedAt - sentAt))
        session.onReply(EchoReply(sequence: reply.sequence, rtt: rtt, hopLimit: received.hopLimit, isDuplicate: duplicate))
    }

    /// CLOCK_REALTIME in nanoseconds: the clock of the kernel's receive timestamps.
    static func realtimeNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: - State

    fileprivate struct SocketTag: Hashable {
        var family: ICMPFamily
        var dontFragment: Bool
    }

    private struct SocketEntry {
        var socket: ICMPSocket
    }

    private struct EntryKey: Hashable {
        var tag: SocketTag
        var identifier: UInt16
        var sequence: UInt16
    }

    private struct Entry {
        var session: EngineSession
        /// CLOCK_REALTIME nanoseconds when the request was sent.
        var sentAt: Int64
        var answered = false
    }

    private struct SessionRecord {
        var nextSequence: UInt16 = 0
        /// The session's requests still matchable, oldest first.
        var keys: [(key: EntryKey, sentAt: Int64)] = []
    }

    private struct State {
        var sockets: [SocketTag: SocketEntry] = [:]
        var entries: [EntryKey: Entry] = [:]
        var sessions: [UInt64: SessionRecord] = [:]
        var rawIdentifiers: [SocketTag: Set<UInt16>] = [:]
        var nextSequence: [SocketTag: UInt16] = [:]
        var nextSessionID: UInt64 = 0
        var threadRunning = false
        var stopped = false
        var wakePipe: (read: Int32, write: Int32) = (-1, -1)
        var timers = TimerHeap()
        /// Seeded once from the system: `UInt16.random()` reads getrandom(2) on every call (one
        /// syscall per session in a 1,024-target sweep).
        var random = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
    }

    /// The engine's session: an identifier on one socket towards one destination.
    fileprivate final class EngineSession: EchoSession {
        let id: UInt64
        let engine: ICMPEngine
        let tag: SocketTag
        let identifier: UInt16
        let sharedIdentifier: Bool
        let destination: ICMPDestination
        let options: EchoOptions
        let onReply: @Sendable (EchoReply) -> Void

        init(id: UInt64, engine: ICMPEngine, tag: SocketTag, identifier: UInt16, sharedIdentifier: Bool,
             destination: ICMPDestination, options: EchoOptions, onReply: @escaping @Sendable (EchoReply) -> Void) {
            self.id = id
            self.engine = engine
            self.tag = tag
            self.identifier = identifier
            self.sharedIdentifier = sharedIdentifier
            self.destination = destination
            self.options = options
            self.onReply = onReply
        }

        func send() throws(ICMPError) -> UInt16 {
            try engine.send(self)
        }

        func close() {
            engine.close(self)
        }
    }
}
