import Foundation
import Testing
@testable import VandineCore

// Hashes made once with libxcrypt (no htpasswd on the build machine) by a small C program:
//   crypt_gensalt_rn(prefix, cost, NULL, 0, setting, sizeof setting);
//   puts(crypt_r(password, setting, &data));
// with prefix "$2y$" / "$2b$" / "$2a$", cost 4 (7 for the timing test), and the password in the comment.
private let users: [String: String] = [
    "alice": "$2y$04$vdyWDUvKm27HKDpKbJFFQ.6fimQa0KDlXb8vkclovvFtdZME0Edxy",  // hunter2
    "bob": "$2b$04$YlhjJ4qX8d57ipgroA3WEey/F7askMBlG6PnWdE/AtTi1JunjTGs.",    // pa:ss word
    "carol": "$2a$04$fJlihDNyb2uisXFk6RJs8eI36kAss107bU6ASIlRLWG86GbgRR1t.",  // x
]
private let timingHash = "$2b$07$U0KHiTLPEP2ZK3WFnG0cL.Km3nASS7T38Eayki3TG1.IGXuDAP04K"  // timing-pass

private func basic(_ credentials: String, scheme: String = "Basic") -> String {
    "\(scheme) \(Data(credentials.utf8).base64EncodedString())"
}

@Suite struct BasicAuthVerifierTests {
    let verifier = BasicAuthVerifier(users: users)

    @Test func rightPasswordsAreAccepted() {
        #expect(verifier.isEnabled)
        #expect(verifier.verify(user: "alice", password: "hunter2"))  // $2y$
        #expect(verifier.verify(user: "bob", password: "pa:ss word"))  // $2b$
        #expect(verifier.verify(user: "carol", password: "x"))  // $2a$
        #expect(verifier.verify(authorizationHeader: basic("alice:hunter2")))
        #expect(verifier.verify(authorizationHeader: basic("bob:pa:ss word")))  // ':' inside the password
    }

    @Test func schemeIsCaseInsensitiveAndSpacesAreTolerated() {
        #expect(verifier.verify(authorizationHeader: basic("alice:hunter2", scheme: "basic")))
        #expect(verifier.verify(authorizationHeader: basic("alice:hunter2", scheme: "BASIC")))
        #expect(verifier.verify(authorizationHeader: "  Basic   \(Data("alice:hunter2".utf8).base64EncodedString())  "))
    }

    @Test func wrongCredentialsAreRejected() {
        #expect(!verifier.verify(user: "alice", password: "hunter3"))
        #expect(!verifier.verify(user: "alice", password: ""))
        #expect(!verifier.verify(user: "alice", password: "hunter2 "))
        #expect(!verifier.verify(user: "Alice", password: "hunter2"))
        #expect(!verifier.verify(user: "mallory", password: "hunter2"))
        #expect(!verifier.verify(user: "", password: ""))
        #expect(!verifier.verify(user: "alice", password: "hunter2\0more"))
        #expect(!verifier.verify(authorizationHeader: basic("alice:wrong")))
        #expect(!verifier.verify(authorizationHeader: basic("mallory:hunter2")))
        // bob's password split at its first ':' is not bob's password.
        #expect(!verifier.verify(authorizationHeader: basic("bob:pa")))
    }

    @Test func malformedHeadersAreRejected() {
        let token = Data("alice:hunter2".utf8).base64EncodedString()
        for header: String? in [
            nil, "", " ", "Basic", "Basic ", "Basic\(token)", "Basic !!!notbase64", "Basic \(token) extra",
            "Basic " + String(token.dropLast()), basic("alicehunter2"), basic(""),
            "Bearer \(token)", "Digest \(token)", "Basics \(token)", token,
        ] {
            #expect(!verifier.verify(authorizationHeader: header), "\(String(describing: header))")
        }
    }

    @Test func headerParsingKeepsRawBytes() throws {
        let parsed = try #require(BasicAuthVerifier.credentials(fromAuthorizationHeader: basic("u:p:q")))
        #expect(parsed.user == Array("u".utf8))
        #expect(parsed.password == Array("p:q".utf8))
        let empty = try #require(BasicAuthVerifier.credentials(fromAuthorizationHeader: basic(":")))
        #expect(empty.user.isEmpty && empty.password.isEmpty)
    }

    @Test func onlySuccessesAreCached() {
        let fresh = BasicAuthVerifier(users: users)
        #expect(fresh.cachedCount == 0)
        #expect(!fresh.verify(user: "alice", password: "nope"))
        #expect(!fresh.verify(user: "mallory", password: "hunter2"))
        #expect(fresh.cachedCount == 0)
        #expect(fresh.verify(user: "alice", password: "hunter2"))
        #expect(fresh.cachedCount == 1)
        #expect(fresh.verify(user: "alice", password: "hunter2"))  // served from the cache
        #expect(fresh.cachedCount == 1)
        #expect(!fresh.verify(user: "alice", password: "hunter22"))
        #expect(!fresh.verify(user: "bob", password: "hunter2"))
        #expect(fresh.cachedCount == 1)
    }

    @Test func cacheIsBounded() {
        var cache = BasicAuthVerifier.SuccessCache()
        for index in 0..<(BasicAuthVerifier.SuccessCache.capacity + 10) {
            cache.insert(.init(high: UInt64(index), low: 7))
        }
        #expect(cache.count == BasicAuthVerifier.SuccessCache.capacity)
        #expect(!cache.contains(.init(high: 0, low: 7)))  // oldest replaced first
        #expect(cache.contains(.init(high: UInt64(BasicAuthVerifier.SuccessCache.capacity + 9), low: 7)))
    }

    @Test func cacheTagsSeparateFieldsAndUseASecretKey() {
        let tag1 = verifier.cacheTag(user: Array("ab".utf8), password: Array("c".utf8), hash: [1])
        let tag2 = verifier.cacheTag(user: Array("a".utf8), password: Array("bc".utf8), hash: [1])
        let tag3 = verifier.cacheTag(user: Array("ab".utf8), password: Array("c".utf8), hash: [2])
        #expect(tag1 != tag2)
        #expect(tag1 != tag3)
        #expect(tag1 == verifier.cacheTag(user: Array("ab".utf8), password: Array("c".utf8), hash: [1]))
        let other = BasicAuthVerifier(users: users)
        #expect(tag1 != other.cacheTag(user: Array("ab".utf8), password: Array("c".utf8), hash: [1]))
    }

    @Test func sipHashMatchesReferenceVectors() {
        // From the SipHash paper's reference implementation (vectors.h): key 00…0f, message 00…(n-1).
        let key: (UInt64, UInt64) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)
        #expect(SipHash24.hash([], key: key) == 0x726f_db47_dd0e_0e31)
        #expect(SipHash24.hash(Array(0..<8), key: key) == 0x93f5_f579_9a93_2462)
        #expect(SipHash24.hash(Array(0..<15), key: key) == 0xa129_ca61_49be_45e5)
    }

    @Test func constantTimeEquality() {
        #expect(BasicAuthVerifier.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!BasicAuthVerifier.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!BasicAuthVerifier.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!BasicAuthVerifier.constantTimeEquals([], [0]))
        #expect(BasicAuthVerifier.constantTimeEquals([], []))
    }

    @Test func unusableHashesAndNoUsersRejectEverything() {
        let broken = BasicAuthVerifier(users: ["eve": "not-a-hash", "zed": ""])
        #expect(!broken.verify(user: "eve", password: "not-a-hash"))
        #expect(!broken.verify(user: "zed", password: ""))
        let none = BasicAuthVerifier(users: [:])
        #expect(!none.isEnabled)
        #expect(!none.verify(authorizationHeader: basic("alice:hunter2")))
    }

    @Test func buildsFromAWebConfig() throws {
        let config = try WebConfig.parse(yaml: "basic_auth_users:\n  alice: \(users["alice"]!)\n", file: "web.yml")
        let fromConfig = BasicAuthVerifier(config: config)
        #expect(fromConfig.verify(authorizationHeader: basic("alice:hunter2")))
        #expect(!fromConfig.verify(authorizationHeader: basic("bob:pa:ss word")))
    }

    /// An unknown user must cost about as much as a wrong password for a known one (a bcrypt run at
    /// the configured cost), so timing does not reveal which user names exist. Cost 7 (~5-10 ms) keeps
    /// scheduler noise small; the two kinds of attempt alternate so both see the same load from tests
    /// running in parallel, and medians of 15 runs each are compared with a generous factor of 2.
    @Test func unknownUserTakesAsLongAsAWrongPassword() {
        let timed = BasicAuthVerifier(users: ["dave": timingHash])
        let clock = ContinuousClock()
        func time(_ body: () -> Bool) -> Duration {
            let start = clock.now
            let accepted = body()
            let elapsed = clock.now - start
            #expect(!accepted)
            return elapsed
        }
        _ = timed.verify(user: "dave", password: "warm-up")
        var wrongPassword: [Duration] = []
        var unknownUser: [Duration] = []
        for _ in 0..<15 {
            wrongPassword.append(time { timed.verify(user: "dave", password: "wrong") })
            unknownUser.append(time { timed.verify(user: "nobody", password: "wrong") })
        }
        let wrongMedian = wrongPassword.sorted()[7]
        let unknownMedian = unknownUser.sorted()[7]
        #expect(unknownMedian * 2 >= wrongMedian, "unknown user \(unknownMedian), wrong password \(wrongMedian)")
        // And the work really is bcrypt at cost 7, not a shortcut.
        #expect(wrongMedian > .microseconds(500))
    }
}
