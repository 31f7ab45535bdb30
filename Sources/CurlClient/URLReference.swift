import CCurl

/// Resolves a `Location` header against the URL it came from (RFC 3986 §5, with curl's URL API —
/// the parser the transfers use), for callers that follow redirects themselves.
public enum URLReference {
    /// The absolute URL `reference` names when read relative to `base`; nil when curl cannot parse
    /// either (or libcurl cannot be loaded).
    public static func resolve(_ reference: String, against base: String) -> String? {
        guard let handle = vandine_curl_url() else { return nil }
        defer { vandine_curl_url_cleanup(handle) }
        guard vandine_curl_url_set(handle, CURLUPART_URL, base, 0) == CURLUE_OK,
              vandine_curl_url_set(handle, CURLUPART_URL, reference, 0) == CURLUE_OK else { return nil }
        var value: UnsafeMutablePointer<CChar>?
        guard vandine_curl_url_get(handle, CURLUPART_URL, &value, 0) == CURLUE_OK, let value else { return nil }
        defer { vandine_curl_free(value) }
        return String(cString: value)
    }
}
