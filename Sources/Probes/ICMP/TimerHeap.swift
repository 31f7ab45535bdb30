/// Actions due at instants, earliest first (a binary min-heap): the ICMP engine's thread runs them
/// between reads, so pacing a thousand probes' packets costs no timer, task or thread per probe.
struct TimerHeap {
    struct Timer {
        var due: ContinuousClock.Instant
        /// Insertion order, so actions due at the same instant run in the order they were added.
        var order: UInt64
        var action: @Sendable () -> Void
    }

    private var timers: [Timer] = []
    private var nextOrder: UInt64 = 0

    var isEmpty: Bool { timers.isEmpty }
    var count: Int { timers.count }
    /// The earliest due instant.
    var earliest: ContinuousClock.Instant? { timers.first?.due }

    mutating func insert(at due: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) {
        timers.append(Timer(due: due, order: nextOrder, action: action))
        nextOrder &+= 1
        var child = timers.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(timers[child], timers[parent]) else { break }
            timers.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns every action due at or before `now`, earliest first.
    mutating func popDue(now: ContinuousClock.Instant) -> [@Sendable () -> Void] {
        var due: [@Sendable () -> Void] = []
        while let first = timers.first, first.due <= now {
            due.append(first.action)
            let last = timers.removeLast()
            guard !timers.isEmpty else { break }
            timers[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < timers.count, Self.precedes(timers[left], timers[smallest]) { smallest = left }
                if right < timers.count, Self.precedes(timers[right], timers[smallest]) { smallest = right }
                guard smallest != parent else { break }
                timers.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return due
    }

    private static func precedes(_ a: Timer, _ b: Timer) -> Bool {
        a.due < b.due || (a.due == b.due && a.order < b.order)
    }
}
