import CCrypt
import FoundationEssentials
import Synchronization

/// Checks HTTP basic-auth credentials against `basic_auth_users` (user → bcrypt hash), using
/// libcrypt's `crypt_r` through the `vandine_crypt` shim.
///
/// - The computed hash is compared in constant time.
/// - An unknown user costs one bcrypt computation against a fixed dummy setting with the cost most
///   configured users have, so response time does not tell which user names exist.
/// - Successful checks are remembered (see `SuccessCache`) so a scrape every 15 s does not pay bcrypt
///   each time. Failures are never cached: every wrong guess pays the full bcrypt cost.
/// - Passwords are never logged, stored or part of any description.
public final class BasicAuthVerifier: Sendable {
    /// User name bytes → hash bytes. Bytes, not `String`, so names compare exactly as sent (String
    /// equality would treat Unicode-equivalent spellings as the same user).
    private let users: [[UInt8]: [UInt8]]
    /// `$2b$NN$<22 salt characters>` used for unknown users.
    private let dummySetting: [UInt8]
    private let cache: Mutex<SuccessCache>

    /// Builds a verifier for `users` (user name → bcrypt hash, as in `WebConfig.basicAuthUsers`).
    public init(users: [String: String]) {
        var table: [[UInt8]: [UInt8]] = [:]
        var costs: [Int: Int] = [:]
        for (user, hash) in users {
            table[Array(user.utf8)] = Array(hash.utf8)
            if let cost = WebConfig.bcryptCost(hash) { costs[cost, default: 0] += 1 }
        }
        self.users = table
        // The most common cost (ties: the higher one). With mixed costs some users stay
        // distinguishable by timing whatever is chosen; this hides the largest group. 10 (the
        // htpasswd/exporter-toolkit default) when there is nothing to go by.
        let cost = costs.max { ($0.value, $0.key) < ($1.value, $1.key) }?.key ?? 10
        let costText = cost < 10 ? "0\(cost)" : "\(cost)"
        // Salt from `crypt_gensalt_rn("$2b$", 10, NULL, 0, …)`; any valid salt will do.
        dummySetting = Array("$2b$\(costText)$SVKhvnZJPS84US2HLlAqie".utf8)
        cache = Mutex(SuccessCache())
    }

    /// Builds a verifier for a loaded web config's users.
    public convenience init(config: WebConfig) {
        self.init(users: config.basicAuthUsers)
    }

    /// False when no users are configured (the server should then not ask for credentials at all).
    public var isEnabled: Bool { !users.isEmpty }

    /// Checks an `Authorization` header value: `Basic base64(user:password)`, scheme
    /// case-insensitive, password may contain `:`. A missing or malformed header is rejected.
    public func verify(authorizationHeader: String?) -> Bool {
        guard let credentials = Self.credentials(fromAuthorizationHeader: authorizationHeader) else { return false }
        return verify(user: credentials.user, password: credentials.password)
    }

    /// Checks a user name and password.
    public func verify(user: String, password: String) -> Bool {
        verify(user: Array(user.utf8), password: Array(password.utf8))
    }

    /// Splits a basic-auth header into user and password bytes (no character set is assumed, as in
    /// Go's `Request.BasicAuth`); nil when it is not well-formed basic auth.
    static func credentials(fromAuthorizationHeader header: String?) -> (user: [UInt8], password: [UInt8])? {
        guard let header else { return nil }
        let value = header.trimmingBlanks()
        guard let space = value.firstIndex(where: { $0 == " " || $0 == "\t" }),
              value[..<space].lowercased() == "basic"
        else { return nil }
        let token = value[space...].trimmingBlanks()
        guard !token.isEmpty, !token.contains(where: { $0 == " " || $0 == "\t" }),
              let decoded = Data(base64Encoded: token)
        else { return nil }
        let bytes = Array(decoded)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return (Array(bytes[..<colon]), Array(bytes[(colon + 1)...]))
    }

    func verify(user: [UInt8], password: [UInt8]) -> Bool {
        // crypt_r takes C strings: a NUL would cut the password short, so "right\0anything" would
        // pass. No real credential contains NUL.
        guard !user.contains(0), !password.contains(0) else { return false }
        let hash = users[user]
        let setting = hash ?? dummySetting
        let tag = cacheTag(user: user, password: password, hash: setting)
        if cache.withLock({ $0.contains(tag) }), hash != nil { return true }

        let computed = Self.bcrypt(password: password, setting: setting)
        // Always compare, also for unknown users (the dummy setting never equals a 60-byte hash).
        let matches = computed.map { Self.constantTimeEquals($0, setting) } ?? false
        guard hash != nil, matches else { return false }
        cache.withLock { $0.insert(tag) }
        return true
    }

    // MARK: - bcrypt

    /// `crypt_r(password, setting)`, or nil when libcrypt rejects the setting.
    static func bcrypt(password: [UInt8], setting: [UInt8]) -> [UInt8]? {
        var key = password.map { CChar(bitPattern: $0) } + [0]
        defer {
            // Best effort: Swift may have made other copies, but do not leave this one around.
            key.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
        }
        let settingC = setting.map { CChar(bitPattern: $0) } + [0]
        var out = [CChar](repeating: 0, count: 128)
        guard vandine_crypt(key, settingC, &out, out.count) == 0 else { return nil }
        return Array(out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) })
    }

    /// Compares without an early exit, so the time taken does not tell how many leading bytes match.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    // MARK: - Success cache

    /// The 256-bit random key of the cache tags, drawn once per verifier from the system CSPRNG
    /// (`getrandom` on Linux); it never leaves the process.
    private let tagKey: (UInt64, UInt64, UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next(), generator.next(), generator.next())
    }()

    /// A 128-bit keyed digest of (user, password, hash): SipHash-2-4 under two independent keys.
    /// Each field is length-prefixed so different splits of the same bytes give different input.
    func cacheTag(user: [UInt8], password: [UInt8], hash: [UInt8]) -> CacheTag {
        var message: [UInt8] = []
        message.reserveCapacity(24 + user.count + password.count + hash.count)
        for field in [user, password, hash] {
            withUnsafeBytes(of: UInt64(field.count).littleEndian) { message.append(contentsOf: $0) }
            message.append(contentsOf: field)
        }
        defer { message.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        return CacheTag(high: SipHash24.hash(message, key: (tagKey.0, tagKey.1)),
                        low: SipHash24.hash(message, key: (tagKey.2, tagKey.3)))
    }

    struct CacheTag: Equatable {
        var high: UInt64
        var low: UInt64
    }

    /// The last `capacity` (user, password, hash) tags that bcrypt accepted, oldest replaced first.
    ///
    /// Why a hit may skip bcrypt:
    /// - bcrypt is deterministic, so a triple it accepted once it accepts again; the hash is part of
    ///   the tag, so a changed hash never hits an old entry.
    /// - A different password hits only if its tag collides with a cached one. The tag is a keyed PRF
    ///   (SipHash) under a random secret key the client never sees: an online guess collides with one
    ///   of at most 256 entries with probability about 256 / 2^128. Responses and the constant-time
    ///   scan reveal only accept/reject, not the key, so collisions cannot be searched for offline
    ///   (which is why an unkeyed hash such as FNV was not used: its collisions can be constructed).
    ///   Guessing the password itself is far likelier.
    /// - Only successes are stored, so the cache never speeds up a wrong guess, and the plain
    ///   password is never stored.
    /// - What it does give up: someone who can read this process's memory gets the key and the tags
    ///   and could test guesses at SipHash rather than bcrypt speed. Such a reader also sees the
    ///   plain password in the request buffers of the next scrape, so nothing is lost in practice.
    struct SuccessCache {
        static let capacity = 256
        private var tags: [CacheTag] = []
        private var next = 0

        /// Scans every entry without an early exit (timing does not tell which entry, if any, matched).
        func contains(_ tag: CacheTag) -> Bool {
            var found: UInt64 = 0
            for entry in tags {
                let difference = (entry.high ^ tag.high) | (entry.low ^ tag.low)
                found |= difference == 0 ? 1 : 0
            }
            return found != 0
        }

        mutating func insert(_ tag: CacheTag) {
            if contains(tag) { return }
            if tags.count < Self.capacity {
                tags.append(tag)
            } else {
                tags[next] = tag
                next = (next + 1) % Self.capacity
            }
        }

        var count: Int { tags.count }
    }

    /// Number of cached successes (for tests).
    var cachedCount: Int { cache.withLock { $0.count } }
}

/// SipHash-2-4 (Aumasson & Bernstein), 64-bit output, 128-bit key.
enum SipHash24 {
    static func hash(_ message: [UInt8], key: (UInt64, UInt64)) -> UInt64 {
        var v0: UInt64 = 0x736f_6d65_7073_6575 ^ key.0
        var v1: UInt64 = 0x646f_7261_6e64_6f6d ^ key.1
        var v2: UInt64 = 0x6c79_6765_6e65_7261 ^ key.0
        var v3: UInt64 = 0x7465_6462_7974_6573 ^ key.1

        func round() {
            v0 &+= v1; v1 = rotate(v1, 13); v1 ^= v0; v0 = rotate(v0, 32)
            v2 &+= v3; v3 = rotate(v3, 16); v3 ^= v2
            v0 &+= v3; v3 = rotate(v3, 21); v3 ^= v0
            v2 &+= v1; v1 = rotate(v1, 17); v1 ^= v2; v2 = rotate(v2, 32)
        }

        let whole = message.count - message.count % 8
        var index = 0
        while index < whole {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(message[index + byte]) << (8 * UInt64(byte)) }
            v3 ^= word
            round(); round()
            v0 ^= word
            index += 8
        }
        var last = UInt64(truncatingIfNeeded: message.count) << 56
        for byte in 0..<(message.count - whole) { last |= UInt64(message[whole + byte]) << (8 * UInt64(byte)) }
        v3 ^= last
        round(); round()
        v0 ^= last
        v2 ^= 0xff
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }

    private static func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
