/// Actions due at instants, earliest first (a binary min-heap with removal by id): the ICMP engine's
/// thread runs them between reads, so pacing a thousand probes' packets costs no timer, task or
/// thread per probe. A timer that is no longer needed (a probe answered before its deadline) is
/// removed at once: kept until due, 11,000 probes a second with a 5 s timeout held 55,000 closures
/// and their probes' state (+9 MiB resident).
struct TimerHeap {
    struct Timer {
        var due: ContinuousClock.Instant
        /// Insertion order, which is also the timer's id: actions due at the same instant run in
        /// the order they were added.
        var id: UInt64
        var action: @Sendable () -> Void
    }

    private var timers: [Timer] = []
    /// Where each timer sits in `timers`, by id.
    private var positions: [UInt64: Int] = [:]
    private var nextID: UInt64 = 0

    var isEmpty: Bool { timers.isEmpty }
    var count: Int { timers.count }
    /// The earliest due instant.
    var earliest: ContinuousClock.Instant? { timers.first?.due }

    /// Adds an action; returns its id for ``remove(_:)``.
    @discardableResult
    mutating func insert(at due: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let id = nextID
        nextID &+= 1
        timers.append(Timer(due: due, id: id, action: action))
        positions[id] = timers.count - 1
        siftUp(timers.count - 1)
        return id
    }

    /// Removes the timer with `id` if it has not run yet.
    mutating func remove(_ id: UInt64) {
        guard let index = positions[id] else { return }
        removeAt(index)
    }

    /// Removes and returns every action due at or before `now`, earliest first.
    mutating func popDue(now: ContinuousClock.Instant) -> [@Sendable () -> Void] {
        var due: [@Sendable () -> Void] = []
        while let first = timers.first, first.due <= now {
            due.append(first.action)
            removeAt(0)
        }
        return due
    }

    private mutating func removeAt(_ index: Int) {
        positions[timers[index].id] = nil
        let last = timers.count - 1
        if index != last {
            timers[index] = timers[last]
            positions[timers[index].id] = index
        }
        timers.removeLast()
        guard index < timers.count else { return }
        siftDown(index)
        siftUp(index)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(timers[child], timers[parent]) else { break }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < timers.count, Self.precedes(timers[left], timers[smallest]) { smallest = left }
            if right < timers.count, Self.precedes(timers[right], timers[smallest]) { smallest = right }
            guard smallest != parent else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        timers.swapAt(a, b)
        positions[timers[a].id] = a
        positions[timers[b].id] = b
    }

    private static func precedes(_ a: Timer, _ b: Timer) -> Bool {
        a.due < b.due || (a.due == b.due && a.id < b.id)
    }
}
