/// XXH64 with seed 0, the hash Prometheus's `labels.Labels.Hash()` uses (cespare/xxhash, Go).
///
/// Used where our results must match Prometheus's bit for bit: a group's evaluation offset within
/// its interval (`rules/group.go`, `Group.hash()` → `EvalTimestamp`), and a stable rule-definition
/// fingerprint that is the same in every process (Swift's `Hasher` is seeded per process).
/// Algorithm: https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md (XXH64).
public enum XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    /// The 64-bit hash of `bytes` (seed 0).
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { hash($0) }
    }

    /// The 64-bit hash of the string's UTF-8 bytes (seed 0).
    public static func hash(_ text: String) -> UInt64 {
        hash(Array(text.utf8))
    }

    private static func round(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        var acc = accumulator &+ lane &* prime2
        acc = rotl(acc, 31)
        return acc &* prime1
    }

    private static func merge(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        var acc = accumulator ^ round(0, value)
        acc = acc &* prime1 &+ prime4
        return acc
    }

    @inline(__always) private static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    @inline(__always) private static func read64(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(p[i + k]) << (8 * UInt64(k)) }
        return v
    }

    @inline(__always) private static func read32(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<4 { v |= UInt64(p[i + k]) << (8 * UInt64(k)) }
        return v
    }

    private static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let length = p.count
        var index = 0
        var h: UInt64
        if length >= 32 {
            var v1 = prime1 &+ prime2
            var v2 = prime2
            var v3: UInt64 = 0
            var v4 = 0 &- prime1
            while index + 32 <= length {
                v1 = round(v1, read64(p, index))
                v2 = round(v2, read64(p, index + 8))
                v3 = round(v3, read64(p, index + 16))
                v4 = round(v4, read64(p, index + 24))
                index += 32
            }
            h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            h = merge(h, v1)
            h = merge(h, v2)
            h = merge(h, v3)
            h = merge(h, v4)
        } else {
            h = prime5
        }
        h = h &+ UInt64(length)
        while index + 8 <= length {
            h ^= round(0, read64(p, index))
            h = rotl(h, 27) &* prime1 &+ prime4
            index += 8
        }
        if index + 4 <= length {
            h ^= read32(p, index) &* prime1
            h = rotl(h, 23) &* prime2 &+ prime3
            index += 4
        }
        while index < length {
            h ^= UInt64(p[index]) &* prime5
            h = rotl(h, 11) &* prime1
            index += 1
        }
        h ^= h >> 33
        h = h &* prime2
        h ^= h >> 29
        h = h &* prime3
        h ^= h >> 32
        return h
    }
}
