/// When a rule group is evaluated: on slots `offset + k·interval` (Unix time), where `offset` comes
/// from a hash of the group's file and name so that groups with the same interval spread over it
/// instead of all querying at the same instant.
///
/// This is Prometheus's `Group.EvalTimestamp` and `Group.hash()` (`rules/group.go`): the hash is
/// `labels.Labels{file, name}.Hash()` (XXH64 of `file\xff<file>\xffname\xff<name>\xff`) modulo the
/// interval in nanoseconds, so a group has the same phase here as in a Prometheus loading the same
/// file path. Slots that pass while an evaluation is still running are skipped, not caught up
/// (Prometheus's `prometheus_rule_group_iterations_missed_total`).
public struct GroupSchedule: Sendable, Equatable {
    /// The interval in seconds (> 0).
    public let interval: Double
    /// The slot phase within the interval, in nanoseconds (0 ≤ offset < interval).
    public let offsetNanoseconds: Int64

    /// The schedule of the group `name` from the rule file `file` at `interval` seconds.
    public init(file: String, name: String, interval: Double) {
        self.interval = interval
        let intervalNanoseconds = Self.nanoseconds(interval)
        guard intervalNanoseconds > 0 else {
            offsetNanoseconds = 0
            return
        }
        offsetNanoseconds = Int64(Self.groupHash(file: file, name: name) % UInt64(intervalNanoseconds))
    }

    /// Prometheus's `Group.hash()`: the hash of the label set `{file="…", name="…"}`.
    public static func groupHash(file: String, name: String) -> UInt64 {
        var bytes: [UInt8] = []
        for (label, value) in [("file", file), ("name", name)] {  // sorted by label name
            bytes += Array(label.utf8)
            bytes.append(0xFF)
            bytes += Array(value.utf8)
            bytes.append(0xFF)
        }
        return XXHash64.hash(bytes)
    }

    /// The slot at or immediately before `time` (Unix seconds): Prometheus's `EvalTimestamp`.
    public func slot(atOrBefore time: Double) -> Double {
        let interval = Self.nanoseconds(self.interval)
        guard interval > 0 else { return time }
        let adjusted = Self.nanoseconds(time) - offsetNanoseconds
        var base = adjusted - adjusted % interval
        if adjusted % interval < 0 { base -= interval }  // Go truncates too, but times here are > 0
        return Double(base + offsetNanoseconds) / 1e9
    }

    /// The first slot strictly after `time`.
    public func slot(after time: Double) -> Double {
        let previous = slot(atOrBefore: time)
        return Self.nanoseconds(previous) > Self.nanoseconds(time) ? previous : previous + interval
    }

    /// After an evaluation at slot `last` that ended at `now`: the next slot to evaluate and how
    /// many slots were skipped in between (Prometheus's `missed` in `Group.run`).
    public func next(after last: Double, now: Double) -> (slot: Double, missed: Int) {
        let missed = max(0, Int(((now - last) / interval).rounded(.down)) - 1)
        return (last + Double(missed + 1) * interval, missed)
    }

    private static func nanoseconds(_ seconds: Double) -> Int64 {
        Int64((seconds * 1e9).rounded())
    }
}
