#if canImport(Glibc)
import Glibc
#endif
import CLDNS
import FoundationEssentials
import VandineCore

/// The daemon's ``HostResolving``: the address comes from `getaddrinfo` (so /etc/hosts and
/// nsswitch.conf apply, exactly as for `ping NAME`), and its lifetime from a DNS query for the
/// same name through the system's resolver (/etc/resolv.conf) with ldns, because getaddrinfo
/// reports no TTL.
///
/// When the DNS answer holds the address getaddrinfo chose, the answer's smallest TTL (CNAMEs
/// included) is used, kept within ``minimumTTL`` … ``maximumTTL``. Otherwise (a search-domain
/// name, a DNS failure) the name is re-resolved every ``fallbackPeriod``. A name listed in the
/// hosts file is not asked of the DNS at all (it would only leak the name): fallback period.
public struct SystemHostResolver: HostResolving {
    /// Re-resolve period when the DNS gives no TTL for the address: 60 s.
    public static let fallbackPeriod: Duration = .seconds(60)
    /// The shortest re-resolve period: 30 s (smokeping_prober's floor too), so a TTL of 0 or 1
    /// does not turn into a query per ping.
    public static let minimumTTL: Duration = .seconds(30)
    /// The longest: 1 h, so a long TTL never hides a change for a day.
    public static let maximumTTL: Duration = .seconds(3600)

    /// DNS servers as `ip` or `ip:port`; empty means /etc/resolv.conf's.
    public let nameservers: [String]
    /// Time a DNS query may take before the fallback period is used.
    public let queryTimeout: Duration

    /// Names listed here never go to the DNS for their TTL.
    public let hostsFile: String

    public init(nameservers: [String] = [], queryTimeout: Duration = .seconds(2), hostsFile: String = "/etc/hosts") {
        self.nameservers = nameservers
        self.queryTimeout = queryTimeout
        self.hostsFile = hostsFile
    }

    public func resolve(_ name: String, preference: IPProtocolPreference) throws(HostResolutionError) -> HostResolution {
        let all: [IPAddress]
        do {
            all = try TargetResolver.getaddrinfo(host: name, port: 0).compactMap(TargetResolver.ipAddress(of:))
        } catch {
            throw HostResolutionError("\(error)")
        }
        let wantV6 = preference.preferred == .ip6
        guard let chosen = all.first(where: { !$0.isIPv4 == wantV6 })
            ?? (preference.fallback ? all.first(where: { !$0.isIPv4 != wantV6 }) : nil)
        else {
            throw HostResolutionError("\(name) has no \(preference.preferred.rawValue) address\(preference.fallback ? "" : " and ip_protocol_fallback is false")")
        }
        guard !isInHostsFile(name), let ttl = dnsTTL(of: name, holding: chosen) else {
            return HostResolution(address: chosen, validFor: Self.fallbackPeriod)
        }
        return HostResolution(address: chosen, validFor: min(max(ttl, Self.minimumTTL), Self.maximumTTL))
    }

    /// Whether `name` is a name or alias on a line of the hosts file (case-insensitive).
    func isInHostsFile(_ name: String) -> Bool {
        guard let text = try? String(contentsOfFile: hostsFile, encoding: .utf8) else { return false }
        var wanted = name.lowercased()
        if wanted.hasSuffix(".") { wanted.removeLast() }
        for line in text.split(separator: "\n") {
            let fields = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.dropFirst().contains(where: { $0.lowercased() == wanted }) { return true }
        }
        return false
    }

    /// The smallest TTL of the A or AAAA answer for `name`, when that answer holds `address`.
    func dnsTTL(of name: String, holding address: IPAddress) -> Duration? {
        guard let resolver = makeResolver() else { return nil }
        defer { ldns_resolver_deep_free(resolver) }
        let fqdn = name.hasSuffix(".") ? name : name + "."
        guard let owner = ldns_dname_new_frm_str(fqdn) else { return nil }
        defer { ldns_rdf_deep_free(owner) }
        let type = ldns_rr_type(rawValue: address.isIPv4 ? 1 : 28)  // A, AAAA
        guard let packet = ldns_resolver_query(resolver, owner, type, ldns_rr_class(rawValue: 1), UInt16(LDNS_RD)) else {
            return nil
        }
        defer { ldns_pkt_free(packet) }
        guard ldns_pkt_get_rcode(packet).rawValue == 0, let answer = ldns_pkt_answer(packet) else { return nil }
        var smallest = UInt32.max
        var holdsAddress = false
        for index in 0..<ldns_rr_list_rr_count(answer) {
            guard let record = ldns_rr_list_rr(answer, index) else { continue }
            smallest = min(smallest, ldns_rr_ttl(record))
            guard ldns_rr_get_type(record) == type, ldns_rr_rd_count(record) >= 1, let data = ldns_rr_rdf(record, 0) else { continue }
            let bytes = Array(UnsafeBufferPointer(start: ldns_rdf_data(data), count: ldns_rdf_size(data)))
            if bytes == address.bytes { holdsAddress = true }
        }
        return holdsAddress ? .seconds(Int64(smallest)) : nil
    }

    private func makeResolver() -> UnsafeMutablePointer<ldns_resolver>? {
        var resolver: UnsafeMutablePointer<ldns_resolver>?
        if nameservers.isEmpty {
            guard ldns_resolver_new_frm_file(&resolver, nil) == LDNS_STATUS_OK else { return nil }
        } else {
            resolver = ldns_resolver_new()
            for server in nameservers {
                let parts = HostPort.parse(server)
                guard case let .success(hostPort) = parts, let ip = hostPort.address else { continue }
                let rdf = ldns_rdf_new_frm_str(ip.isIPv4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, hostPort.host)
                if let rdf {
                    _ = ldns_resolver_push_nameserver(resolver, rdf)
                    ldns_rdf_deep_free(rdf)
                }
                if let port = hostPort.port { ldns_resolver_set_port(resolver, UInt16(port)) }
            }
        }
        guard let resolver else { return nil }
        let (seconds, attoseconds) = queryTimeout.components
        ldns_resolver_set_timeout(resolver, timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000)))
        ldns_resolver_set_retry(resolver, 1)
        return resolver
    }
}
