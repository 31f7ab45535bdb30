import CCurl

/// One configured libcurl easy handle and what its callbacks collected: the unit `CurlEngine` runs.
///
/// This is the seam between the engine and its protocol front ends. A front end creates a
/// transfer, sets options on it (`set(_:_:)`), hands it to `CurlEngine.perform(_:deadline:)` and
/// reads the result from it afterwards. HTTP (`CurlEngine.execute(_:)`) is one front end; SMTP for
/// alertmanager-lite will be another (CURLOPT_MAIL_FROM / CURLOPT_MAIL_RCPT as an slist, the
/// message uploaded through a CURLOPT_READFUNCTION over an `upload` buffer, CURLOPT_UPLOAD = 1),
/// using the same handle, error buffer and engine.
///
/// Not thread-safe: owned by the caller until `perform`, by the engine thread during it, and by
/// the caller again once `perform` returns.
public final class CurlTransfer: @unchecked Sendable {
    /// The easy handle (a `CURL *`).
    let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private let errorBuffer: UnsafeMutablePointer<CChar>

    // Collected by the callbacks on the engine thread.
    /// The body received, at most `maxBodyBytes`.
    var body: [UInt8] = []
    /// The cap on `body`; nil for none.
    var maxBodyBytes: Int?
    /// Set when the write callback stopped the transfer at `maxBodyBytes`.
    var bodyCapped = false
    /// Headers of the latest response (reset at every status line).
    var headers = HTTPHeaders()
    /// The latest status line's code (0 before one arrives).
    var statusCode = 0
    /// Whether to read the TLS session at each status line.
    var captureTLS = false
    /// The TLS session of the latest response.
    var tls: TLSInfo?
    /// Whether the engine sets CURLOPT_TIMEOUT_MS from the deadline (tests turn it off to exercise
    /// the engine's own deadline backstop).
    var setsCurlTimeout = true

    /// Creates an easy handle with the options every transfer shares (error buffer, no signals,
    /// callbacks into this object).
    /// - Throws: `CurlError` (`.transfer`) when libcurl cannot be loaded (`libcurl.so.4` is opened on
    ///   first use) or cannot allocate a handle.
    public init() throws(CurlError) {
        CurlGlobal.initialize()
        guard let handle = vandine_curl_easy_init() else {
            let reason = vandine_curl_load_error().map { String(cString: $0) } ?? "curl_easy_init failed"
            throw CurlError(kind: .transfer, description: reason)
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = vandine_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        _ = vandine_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = vandine_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        _ = vandine_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
        _ = vandine_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        _ = vandine_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, me)
    }

    deinit {
        vandine_curl_easy_cleanup(handle)
        for list in lists { vandine_curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    /// Sets a long option (`CURLOPT_*` of type long).
    /// - Throws: `CurlError` (`.invalidRequest`) when curl rejects the value.
    public func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(vandine_curl_setopt_long(handle, option, value), option)
    }

    /// Sets a string option; curl copies the string.
    /// - Throws: `CurlError` (`.invalidRequest`) when curl rejects the value.
    public func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        try check(vandine_curl_setopt_string(handle, option, value), option)
    }

    /// Sets an slist option (headers, CONNECT_TO, MAIL_RCPT, ...); the list lives as long as the transfer.
    /// - Throws: `CurlError` (`.invalidRequest`) when curl rejects the value.
    public func set(_ option: CURLoption, _ strings: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for string in strings {
            guard let appended = vandine_curl_slist_append(list, string) else {
                vandine_curl_slist_free_all(list)
                throw CurlError(kind: .transfer, description: "out of memory building a curl list")
            }
            list = appended
        }
        if let list { lists.append(list) }
        try check(vandine_curl_setopt_slist(handle, option, list), option)
    }

    /// Sets the request body (`CURLOPT_POSTFIELDSIZE_LARGE` + `CURLOPT_COPYPOSTFIELDS`, which copies).
    /// - Throws: `CurlError` (`.invalidRequest`) when curl rejects it.
    public func setBody(_ bytes: [UInt8]) throws(CurlError) {
        try check(vandine_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)),
                  CURLOPT_POSTFIELDSIZE_LARGE)
        let code = bytes.withUnsafeBufferPointer { buffer -> CURLcode in
            var empty: CChar = 0
            guard let base = buffer.baseAddress else {
                return vandine_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, &empty)
            }
            return vandine_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
        }
        try check(code, CURLOPT_COPYPOSTFIELDS)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(CurlError) {
        guard code != CURLE_OK else { return }
        let text = String(cString: vandine_curl_easy_strerror(code))
        throw CurlError(kind: .invalidRequest, curlCode: Int(code.rawValue),
                        description: "curl option \(option.rawValue) rejected: \(text)")
    }

    // MARK: results (read after perform)

    /// The CURLOPT_ERRORBUFFER text of the last failure, trimmed ("" when none).
    public var errorText: String {
        var text = String(cString: errorBuffer)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }

    /// A long info value (`CURLINFO_*` of type long); 0 when unavailable.
    public func info(long info: CURLINFO) -> Int {
        var value = 0
        return vandine_curl_getinfo_long(handle, info, &value) == CURLE_OK ? value : 0
    }

    /// A string info value; "" when unavailable.
    public func info(string info: CURLINFO) -> String {
        var value: UnsafePointer<CChar>?
        guard vandine_curl_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return "" }
        return String(cString: value)
    }

    /// A `*_TIME_T` info value in seconds; 0 when unavailable.
    public func info(seconds info: CURLINFO) -> Double {
        var value: curl_off_t = 0
        return vandine_curl_getinfo_off_t(handle, info, &value) == CURLE_OK ? Double(value) / 1_000_000 : 0
    }

    /// The phase times so far.
    public var timings: CurlTimings {
        CurlTimings(nameLookup: info(seconds: CURLINFO_NAMELOOKUP_TIME_T),
                    connect: info(seconds: CURLINFO_CONNECT_TIME_T),
                    appConnect: info(seconds: CURLINFO_APPCONNECT_TIME_T),
                    preTransfer: info(seconds: CURLINFO_PRETRANSFER_TIME_T),
                    startTransfer: info(seconds: CURLINFO_STARTTRANSFER_TIME_T),
                    total: info(seconds: CURLINFO_TOTAL_TIME_T),
                    redirect: info(seconds: CURLINFO_REDIRECT_TIME_T))
    }

    // MARK: callbacks (engine thread)

    fileprivate func receive(body bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if let cap = maxBodyBytes, body.count + bytes.count > cap {
            body.append(contentsOf: bytes.prefix(max(0, cap - body.count)))
            bodyCapped = true
            return 0  // less than given: curl stops with CURLE_WRITE_ERROR
        }
        body.append(contentsOf: bytes)
        return bytes.count
    }

    fileprivate func receive(headerLine bytes: UnsafeBufferPointer<UInt8>) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r" || last == "\n" || last == "\r\n" { line.removeLast() }
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            let parts = line.split(separator: " ", maxSplits: 2)
            statusCode = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            if captureTLS { tls = readTLS() }
            return
        }
        guard !line.isEmpty else { return }
        if let first = line.first, first == " " || first == "\t", !headers.fields.isEmpty {
            // obsolete line folding: continues the previous value
            headers.fields[headers.fields.count - 1].value += " " + line.trimmingSpaces()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        headers.add(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingSpaces())
    }

    private func readTLS() -> TLSInfo? {
        var raw = vandine_tls_info()
        guard vandine_tls_capture(handle, &raw) == 1 else { return nil }
        defer { vandine_tls_info_free(&raw) }
        let version = tupleCString(&raw.version)
        return TLSInfo(version: goTLSVersionName(version),
                       cipher: tupleCString(&raw.cipher),
                       peerCertificates: certificates(raw.peer, raw.peer_count),
                       verifiedChain: certificates(raw.verified, raw.verified_count))
    }
}

/// The CURL_GLOBAL_DEFAULT initialization, once per process (thread-safe lazy global).
enum CurlGlobal {
    private static let done: Bool = {
        vandine_curl_global_init(vandine_curl_global_default) == CURLE_OK
    }()

    static func initialize() { _ = done }
}

private let curlWriteCallback: vandine_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: size * count)
    return transfer.receive(body: bytes)
}

private let curlHeaderCallback: vandine_curl_data_callback = { buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: size * count)
    transfer.receive(headerLine: bytes)
    return size * count
}

private func tupleCString<T>(_ tuple: inout T) -> String {
    withUnsafeBytes(of: &tuple) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
    }
}

extension CertificateInfo {
    /// Describes a DER-encoded X.509 certificate with OpenSSL (for TLS stacks other than curl's,
    /// such as the tcp prober's); nil when the bytes are not a certificate.
    public init?(der: [UInt8]) {
        var cert = vandine_cert()
        guard der.withUnsafeBufferPointer({ vandine_cert_from_der($0.baseAddress, $0.count, &cert) }) == 1 else { return nil }
        defer { vandine_cert_free(&cert) }
        guard let described = certificates(&cert, 1).first else { return nil }
        self = described
    }
}

private func certificates(_ pointer: UnsafeMutablePointer<vandine_cert>?, _ count: Int32) -> [CertificateInfo] {
    guard let pointer, count > 0 else { return [] }
    return UnsafeBufferPointer(start: pointer, count: Int(count)).map { cert in
        var cert = cert
        func string(_ p: UnsafeMutablePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }
        func list(_ p: UnsafeMutablePointer<CChar>?) -> [String] {
            string(p).split(separator: ",").map(String.init)
        }
        return CertificateInfo(subject: string(cert.subject), issuer: string(cert.issuer),
                               dnsNames: list(cert.dns_names), ipAddresses: list(cert.ip_addresses),
                               emailAddresses: list(cert.emails), serialNumber: string(cert.serial_hex),
                               notBefore: cert.not_before, notAfter: cert.not_after,
                               sha256Fingerprint: tupleCString(&cert.sha256_hex))
    }
}

/// OpenSSL's version names as Go prints them: "TLSv1.3" -> "TLS 1.3", "TLSv1" -> "TLS 1.0".
func goTLSVersionName(_ openSSL: String) -> String {
    switch openSSL {
    case "TLSv1": "TLS 1.0"
    case "TLSv1.1": "TLS 1.1"
    case "TLSv1.2": "TLS 1.2"
    case "TLSv1.3": "TLS 1.3"
    case "SSLv3": "SSL 3.0"
    default: openSSL
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
