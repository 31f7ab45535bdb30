/// libcurl's cumulative transfer times (`CURLINFO_*_TIME_T`), in seconds from the start of the
/// transfer. A phase that did not happen is 0 (e.g. `appConnect` for plain HTTP, all after
/// `connect` when the connection failed). With redirects, the values are cumulative over every
/// hop and `redirect` is the time spent before the final request started.
///
/// blackbox_exporter's `probe_http_duration_seconds{phase=...}` from these (for one request):
/// - `resolve`    = `nameLookup`
/// - `connect`    = `connect - nameLookup`
/// - `tls`        = `appConnect - connect` (HTTPS only, else 0)
/// - `processing` = `startTransfer - max(connect, appConnect)` (request sent, waiting for the
///   first response byte; `preTransfer` lies in between)
/// - `transfer`   = `total - startTransfer`
/// `phases` computes exactly this. blackbox sums phases over redirect hops; curl reports the
/// cumulative times of all hops, so for redirected requests the mapping is approximate.
public struct CurlTimings: Sendable, Equatable {
    /// Name lookup done (`CURLINFO_NAMELOOKUP_TIME_T`); ~0 for an IP literal or a `ResolvePin`.
    public var nameLookup: Double
    /// TCP connect done (`CURLINFO_CONNECT_TIME_T`).
    public var connect: Double
    /// TLS handshake done (`CURLINFO_APPCONNECT_TIME_T`); 0 without TLS.
    public var appConnect: Double
    /// About to send the request (`CURLINFO_PRETRANSFER_TIME_T`).
    public var preTransfer: Double
    /// First response byte received (`CURLINFO_STARTTRANSFER_TIME_T`).
    public var startTransfer: Double
    /// Whole transfer (`CURLINFO_TOTAL_TIME_T`).
    public var total: Double
    /// All redirect hops before the final request (`CURLINFO_REDIRECT_TIME_T`).
    public var redirect: Double

    /// Times in seconds from the start of the transfer (0 for a phase that did not happen).
    public init(nameLookup: Double = 0, connect: Double = 0, appConnect: Double = 0, preTransfer: Double = 0,
                startTransfer: Double = 0, total: Double = 0, redirect: Double = 0) {
        self.nameLookup = nameLookup
        self.connect = connect
        self.appConnect = appConnect
        self.preTransfer = preTransfer
        self.startTransfer = startTransfer
        self.total = total
        self.redirect = redirect
    }

    /// blackbox's five phases in seconds (see the type's documentation), never negative.
    public var phases: (resolve: Double, connect: Double, tls: Double, processing: Double, transfer: Double) {
        let connected = max(connect, appConnect)
        return (resolve: nameLookup,
                connect: connect > 0 ? max(0, connect - nameLookup) : 0,
                tls: appConnect > 0 ? max(0, appConnect - connect) : 0,
                processing: startTransfer > 0 ? max(0, startTransfer - connected) : 0,
                transfer: startTransfer > 0 ? max(0, total - startTransfer) : 0)
    }
}
