import CurlClient

/// blackbox's five phases, summed over redirect hops (its `probe_http_duration_seconds` is "summed
/// over all redirects"). `resolve` is the shared resolver's time: curl is pinned to the address it
/// found, so curl's own lookup time is ~0; the others come from ``CurlTimings/phases``.
struct HTTPPhases {
    var resolve = 0.0
    var connect = 0.0
    var tls = 0.0
    var processing = 0.0
    var transfer = 0.0

    mutating func add(_ timings: CurlTimings) {
        let hop = timings.phases
        connect += hop.connect
        tls += hop.tls
        processing += hop.processing
        transfer += hop.transfer
    }

    var values: [(String, Double)] {
        [("resolve", resolve), ("connect", connect), ("tls", tls), ("processing", processing), ("transfer", transfer)]
    }
}
