import CLDNS
#if canImport(Glibc)
import Glibc
#endif

/// Building a query and reading a reply with ldns: the only file that touches ldns.
enum DNSMessage {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A query in wire format: one question, id `id`, RD per `recursionDesired`. `name` is made
    /// fully qualified as blackbox (miekg's `dns.Fqdn`) does.
    static func query(name: String, type: UInt16, class queryClass: UInt16, id: UInt16,
                      recursionDesired: Bool) throws(Failure) -> [UInt8] {
        let fqdn = name.hasSuffix(".") ? name : name + "."
        guard let owner = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_DNAME, fqdn) else {
            throw Failure(description: "cannot build a query for \(fqdn.debugDescription)")
        }
        // ldns_pkt_query_new takes ownership of `owner`.
        guard let packet = ldns_pkt_query_new(owner, ldns_rr_type(rawValue: UInt32(type)),
                                              ldns_rr_class(rawValue: UInt32(queryClass)),
                                              recursionDesired ? UInt16(LDNS_RD) : 0) else {
            throw Failure(description: "cannot build a query for \(fqdn.debugDescription)")
        }
        defer { ldns_pkt_free(packet) }
        ldns_pkt_set_id(packet, id)
        ldns_pkt_set_rd(packet, recursionDesired ? 1 : 0)
        var wire: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = ldns_pkt2wire(&wire, packet, &size)
        guard status == LDNS_STATUS_OK, let wire else {
            throw Failure(description: "cannot encode the query: \(errorText(status))")
        }
        defer { free(wire) }
        return Array(UnsafeBufferPointer(start: wire, count: size))
    }

    /// The parts of a reply the prober reports and validates.
    struct Reply: Sendable {
        var id: UInt16
        /// The response code, with the EDNS extended bits when the reply has an OPT record.
        var rcode: Int
        var truncated: Bool
        var answer: [Record]
        var authority: [Record]
        var additional: [Record]
    }

    /// One RR: its zone-file text (what the regexes match), type, TTL and, for an SOA, its serial.
    struct Record: Sendable, Equatable {
        var text: String
        var type: UInt16
        var ttl: UInt32
        var soaSerial: UInt32?
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> Reply {
        var packet: UnsafeMutablePointer<ldns_pkt>?
        let status = bytes.withUnsafeBufferPointer { buffer in
            ldns_wire2pkt(&packet, buffer.baseAddress, buffer.count)
        }
        guard status == LDNS_STATUS_OK, let pkt = packet else {
            throw Failure(description: "cannot parse the reply (\(bytes.count) bytes): \(errorText(status))")
        }
        defer { ldns_pkt_free(pkt) }
        var rcode = Int(ldns_pkt_get_rcode(pkt).rawValue)
        if ldns_pkt_edns(pkt) != 0 { rcode |= Int(ldns_pkt_edns_extended_rcode(pkt)) << 4 }
        return Reply(id: ldns_pkt_id(pkt), rcode: rcode, truncated: ldns_pkt_tc(pkt) != 0,
                     answer: records(ldns_pkt_answer(pkt)), authority: records(ldns_pkt_authority(pkt)),
                     additional: records(ldns_pkt_additional(pkt)))
    }

    private static func records(_ list: UnsafeMutablePointer<ldns_rr_list>?) -> [Record] {
        guard let list else { return [] }
        var result: [Record] = []
        for index in 0..<ldns_rr_list_rr_count(list) {
            guard let rr = ldns_rr_list_rr(list, index) else { continue }
            var text = ""
            if let cText = ldns_rr2str(rr) {
                text = String(cString: cText)
                free(cText)
            }
            while text.hasSuffix("\n") { text.removeLast() }
            let type = UInt16(truncatingIfNeeded: ldns_rr_get_type(rr).rawValue)
            var serial: UInt32?
            if type == 6, ldns_rr_rd_count(rr) >= 3, let field = ldns_rr_rdf(rr, 2) {
                serial = ldns_rdf2native_int32(field)
            }
            result.append(Record(text: text, type: type, ttl: ldns_rr_ttl(rr), soaSerial: serial))
        }
        return result
    }

    private static func errorText(_ status: ldns_status) -> String {
        guard let text = ldns_get_errorstr_by_id(status) else { return "ldns error \(status.rawValue)" }
        return String(cString: text)
    }
}
