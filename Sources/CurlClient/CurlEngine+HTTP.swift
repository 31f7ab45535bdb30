import CCurl

extension CurlEngine {
    /// Sends `request` and returns the final response (after the redirects it follows).
    ///
    /// - Throws: `CurlError` with a one-line description: connection refused, name not resolved,
    ///   TLS or certificate verification failure, "timed out after 2.0s" (the request's deadline),
    ///   "too many redirects (10)", "response body larger than N bytes" (with
    ///   `BodyLimitBehavior.fail`), cancellation of the calling task (`.cancelled`), engine stopped.
    ///   Its `partialResponse` carries the status, headers, timings and TLS info received so far.
    ///   An HTTP error status (404, 500) is a response, not an error.
    public func execute(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        let submitted = ContinuousClock.now
        let deadline = request.effectiveDeadline(submittedAt: submitted)
        let budget = deadline - submitted
        let transfer = try CurlTransfer()
        try HTTPFrontEnd.configure(transfer, for: request)
        let outcome = await perform(transfer, deadline: deadline)
        let response = HTTPFrontEnd.response(of: transfer)
        switch outcome {
        case .finished(let code) where code == CURLE_OK:
            return response
        case .finished(let code):
            if code == CURLE_WRITE_ERROR, transfer.bodyCapped, let cap = request.maxResponseBytes {
                if request.bodyLimitBehavior == .truncate { return response }
                throw CurlError(kind: .bodyTooLarge, curlCode: Int(code.rawValue),
                                description: "response body larger than \(cap) bytes", partialResponse: response)
            }
            throw CurlError.from(code: code, errorBuffer: transfer.errorText,
                                 osErrno: Int32(transfer.info(long: CURLINFO_OS_ERRNO)), budget: budget,
                                 maxRedirects: request.maxRedirects, partial: response)
        case .deadlineExceeded:
            throw CurlError(kind: .timedOut, description: "timed out after \(formatSeconds(budget))",
                            partialResponse: response)
        case .cancelled:
            throw CurlError(kind: .cancelled, description: "cancelled", partialResponse: response)
        case .engineStopped:
            throw CurlError(kind: .engineStopped, description: "the HTTP engine is stopped", partialResponse: response)
        }
    }
}

/// Maps `HTTPRequest` onto an easy handle, and the handle's results onto `HTTPResponse`.
enum HTTPFrontEnd {
    static func configure(_ transfer: CurlTransfer, for request: HTTPRequest) throws(CurlError) {
        var target = try ParsedURL(request.url)
        var headers = request.headers
        var connectTo: [String] = []
        let pin = request.resolve.first { $0.host.caseInsensitiveEquals(target.host) && $0.port == target.port }
        if let serverName = request.tls.serverName, !serverName.isEmpty, !serverName.caseInsensitiveEquals(target.host) {
            // SNI and verification name: the URL's host becomes serverName, the connection still
            // goes to the original host (or its pinned address); Host keeps the original authority.
            if !headers.contains("Host") { headers.add(name: "Host", value: target.authority) }
            let destination = pin.map { bracketed($0.address) } ?? target.host
            connectTo.append("\(serverName):\(target.port):\(destination):\(target.port)")
            try target.setHost(serverName)
        } else if let pin {
            connectTo.append("\(target.host):\(target.port):\(bracketed(pin.address)):\(target.port)")
        }
        for other in request.resolve where other != pin {
            connectTo.append("\(other.host):\(other.port):\(bracketed(other.address)):\(other.port)")
        }

        try transfer.set(CURLOPT_URL, target.url)
        try transfer.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try transfer.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        if !connectTo.isEmpty { try transfer.set(CURLOPT_CONNECT_TO, connectTo) }

        switch (request.method.uppercased(), request.body) {
        case ("GET", nil): break
        case ("HEAD", nil): try transfer.set(CURLOPT_NOBODY, 1)
        case ("POST", nil):
            try transfer.set(CURLOPT_POST, 1)
            try transfer.setBody([])
        case (_, nil): try transfer.set(CURLOPT_CUSTOMREQUEST, request.method)
        case (let method, let body?):
            try transfer.setBody(body)
            if method != "POST" { try transfer.set(CURLOPT_CUSTOMREQUEST, request.method) }
        }

        // "Name;" sends an empty header; "Expect:" stops curl's 100-continue wait on large bodies.
        var lines = headers.fields.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if !headers.contains("Expect") { lines.append("Expect:") }
        try transfer.set(CURLOPT_HTTPHEADER, lines)
        try transfer.set(CURLOPT_USERAGENT, request.userAgent)

        try transfer.set(CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        try transfer.set(CURLOPT_MAXREDIRS, request.maxRedirects)
        if let encoding = request.acceptEncoding { try transfer.set(CURLOPT_ACCEPT_ENCODING, encoding) }
        try transfer.set(CURLOPT_PROXY, request.proxyURL ?? "")
        if !request.reuseConnection {
            try transfer.set(CURLOPT_FRESH_CONNECT, 1)
            try transfer.set(CURLOPT_FORBID_REUSE, 1)
        }
        if let auth = request.basicAuth {
            try transfer.set(CURLOPT_USERNAME, auth.username)
            try transfer.set(CURLOPT_PASSWORD, auth.password)
            try transfer.set(CURLOPT_HTTPAUTH, vandine_curlauth_basic)
        } else if let token = request.bearerToken {
            try transfer.set(CURLOPT_XOAUTH2_BEARER, token)
            try transfer.set(CURLOPT_HTTPAUTH, vandine_curlauth_bearer)
        }
        if let version = request.httpVersion {
            let value: Int = switch version {
            case .http1_0: CURL_HTTP_VERSION_1_0
            case .http1_1: CURL_HTTP_VERSION_1_1
            case .http2: CURL_HTTP_VERSION_2TLS
            case .http3: CURL_HTTP_VERSION_3
            }
            try transfer.set(CURLOPT_HTTP_VERSION, value)
        }

        let tls = request.tls
        if let caFile = tls.caFile { try transfer.set(CURLOPT_CAINFO, caFile) }
        if let certFile = tls.certFile { try transfer.set(CURLOPT_SSLCERT, certFile) }
        if let keyFile = tls.keyFile { try transfer.set(CURLOPT_SSLKEY, keyFile) }
        if tls.insecureSkipVerify {
            try transfer.set(CURLOPT_SSL_VERIFYPEER, 0)
            try transfer.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if tls.minVersion != nil || tls.maxVersion != nil {
            try transfer.set(CURLOPT_SSLVERSION, sslVersion(min: tls.minVersion, max: tls.maxVersion))
        }

        transfer.maxBodyBytes = request.maxResponseBytes
        transfer.captureTLS = true
    }

    static func response(of transfer: CurlTransfer) -> HTTPResponse {
        let code = transfer.info(long: CURLINFO_RESPONSE_CODE)
        let version: HTTPVersion? = switch transfer.info(long: CURLINFO_HTTP_VERSION) {
        case CURL_HTTP_VERSION_1_0: .http1_0
        case CURL_HTTP_VERSION_1_1: .http1_1
        case CURL_HTTP_VERSION_2_0: .http2
        case CURL_HTTP_VERSION_3: .http3
        default: nil
        }
        return HTTPResponse(statusCode: code != 0 ? code : transfer.statusCode,
                            httpVersion: version,
                            headers: transfer.headers,
                            body: transfer.body,
                            truncated: transfer.bodyCapped,
                            redirectCount: transfer.info(long: CURLINFO_REDIRECT_COUNT),
                            effectiveURL: transfer.info(string: CURLINFO_EFFECTIVE_URL),
                            primaryIP: transfer.info(string: CURLINFO_PRIMARY_IP),
                            primaryPort: transfer.info(long: CURLINFO_PRIMARY_PORT),
                            timings: transfer.timings,
                            tls: transfer.tls)
    }

    private static func sslVersion(min: TLSVersion?, max: TLSVersion?) -> Int {
        func value(_ version: TLSVersion) -> Int {
            switch version {
            case .tls1_0: CURL_SSLVERSION_TLSv1_0
            case .tls1_1: CURL_SSLVERSION_TLSv1_1
            case .tls1_2: CURL_SSLVERSION_TLSv1_2
            case .tls1_3: CURL_SSLVERSION_TLSv1_3
            }
        }
        // The maximum is the same constant shifted left by 16 (CURL_SSLVERSION_MAX_*).
        return (min.map(value) ?? CURL_SSLVERSION_TLSv1_0) | (max.map { value($0) << 16 } ?? 0)
    }

    private static func bracketed(_ address: String) -> String {
        address.contains(":") && !address.hasPrefix("[") ? "[\(address)]" : address
    }
}

/// A URL parsed by curl's URL API (the same parser the transfer uses).
struct ParsedURL {
    private(set) var url: String
    private(set) var host: String
    let port: Int
    private let explicitPort: Bool
    private let scheme: String

    init(_ string: String) throws(CurlError) {
        guard let handle = vandine_curl_url() else {
            throw CurlError(kind: .transfer, description: "out of memory parsing a URL")
        }
        defer { vandine_curl_url_cleanup(handle) }
        let code = vandine_curl_url_set(handle, CURLUPART_URL, string, 0)
        guard code == CURLUE_OK else {
            throw CurlError(kind: .invalidRequest, description: "invalid URL \(string): \(String(cString: vandine_curl_url_strerror(code)))")
        }
        func part(_ which: CURLUPart, _ flags: UInt32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard vandine_curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
            defer { vandine_curl_free(value) }
            return String(cString: value)
        }
        scheme = part(CURLUPART_SCHEME) ?? ""
        guard scheme == "http" || scheme == "https" else {
            throw CurlError(kind: .invalidRequest, description: "unsupported URL scheme \"\(scheme)\" (http or https)")
        }
        host = part(CURLUPART_HOST) ?? ""
        explicitPort = part(CURLUPART_PORT) != nil
        port = Int(part(CURLUPART_PORT, UInt32(CURLU_DEFAULT_PORT)) ?? "") ?? 0
        url = part(CURLUPART_URL) ?? string
    }

    /// host[:port] as a Host header carries it (port only when the URL has one).
    var authority: String { explicitPort ? "\(host):\(port)" : host }

    mutating func setHost(_ newHost: String) throws(CurlError) {
        guard let handle = vandine_curl_url() else {
            throw CurlError(kind: .transfer, description: "out of memory parsing a URL")
        }
        defer { vandine_curl_url_cleanup(handle) }
        var value: UnsafeMutablePointer<CChar>?
        guard vandine_curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK,
              vandine_curl_url_set(handle, CURLUPART_HOST, newHost, 0) == CURLUE_OK,
              vandine_curl_url_get(handle, CURLUPART_URL, &value, 0) == CURLUE_OK, let value else {
            throw CurlError(kind: .invalidRequest, description: "invalid TLS server name \(newHost)")
        }
        defer { vandine_curl_free(value) }
        url = String(cString: value)
        host = newHost
    }
}
