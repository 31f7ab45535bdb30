/// The mnemonics of DNS query types, classes and response codes, spelled as miekg/dns spells them
/// (blackbox_exporter looks `query_type`, `query_class` and `valid_rcodes` up in its tables), so a
/// blackbox.yml `dns` module loads unchanged. Kept here rather than asked of ldns because options are
/// parsed in VandineCore, which links no C library.
public enum DNSNames {
    /// RR types by mnemonic (RFC 1035 and successors; the ones miekg/dns knows).
    public static let types: [String: UInt16] = [
        "A": 1, "NS": 2, "MD": 3, "MF": 4, "CNAME": 5, "SOA": 6, "MB": 7, "MG": 8, "MR": 9, "NULL": 10,
        "PTR": 12, "HINFO": 13, "MINFO": 14, "MX": 15, "TXT": 16, "RP": 17, "AFSDB": 18, "X25": 19,
        "ISDN": 20, "RT": 21, "NSAPPTR": 23, "SIG": 24, "KEY": 25, "PX": 26, "GPOS": 27, "AAAA": 28,
        "LOC": 29, "NXT": 30, "EID": 31, "NIMLOC": 32, "SRV": 33, "ATMA": 34, "NAPTR": 35, "KX": 36,
        "CERT": 37, "DNAME": 39, "OPT": 41, "APL": 42, "DS": 43, "SSHFP": 44, "IPSECKEY": 45,
        "RRSIG": 46, "NSEC": 47, "DNSKEY": 48, "DHCID": 49, "NSEC3": 50, "NSEC3PARAM": 51, "TLSA": 52,
        "SMIMEA": 53, "HIP": 55, "NINFO": 56, "RKEY": 57, "TALINK": 58, "CDS": 59, "CDNSKEY": 60,
        "OPENPGPKEY": 61, "CSYNC": 62, "ZONEMD": 63, "SVCB": 64, "HTTPS": 65, "SPF": 99, "UINFO": 100,
        "UID": 101, "GID": 102, "UNSPEC": 103, "NID": 104, "L32": 105, "L64": 106, "LP": 107,
        "EUI48": 108, "EUI64": 109, "NXNAME": 128, "URI": 256, "CAA": 257, "AVC": 258, "AMTRELAY": 260,
        "RESINFO": 261, "TKEY": 249, "TSIG": 250, "IXFR": 251, "AXFR": 252, "MAILB": 253, "MAILA": 254,
        "ANY": 255, "TA": 32768, "DLV": 32769,
    ]

    /// Classes by mnemonic.
    public static let classes: [String: UInt16] = [
        "IN": 1, "CS": 2, "CH": 3, "HS": 4, "NONE": 254, "ANY": 255,
    ]

    /// Response codes by mnemonic (BADSIG and BADVERS share 16, as in miekg/dns).
    public static let rcodes: [String: Int] = [
        "NOERROR": 0, "FORMERR": 1, "SERVFAIL": 2, "NXDOMAIN": 3, "NOTIMP": 4, "REFUSED": 5,
        "YXDOMAIN": 6, "YXRRSET": 7, "NXRRSET": 8, "NOTAUTH": 9, "NOTZONE": 10, "BADSIG": 16,
        "BADVERS": 16, "BADKEY": 17, "BADTIME": 18, "BADMODE": 19, "BADNAME": 20, "BADALG": 21,
        "BADTRUNC": 22, "BADCOOKIE": 23,
    ]

    /// The mnemonic of response code `code` (`RCODE42` for one without a name).
    public static func rcodeName(_ code: Int) -> String {
        if code == 16 { return "BADSIG" }
        return rcodes.first { $0.value == code }?.key ?? "RCODE\(code)"
    }

    /// A type by mnemonic, or in RFC 3597's generic form `TYPE65280`; case-insensitive.
    public static func type(named name: String) -> UInt16? {
        lookup(name, in: types, genericPrefix: "TYPE")
    }

    /// A class by mnemonic, or in RFC 3597's generic form `CLASS65280`; case-insensitive.
    public static func `class`(named name: String) -> UInt16? {
        lookup(name, in: classes, genericPrefix: "CLASS")
    }

    private static func lookup(_ name: String, in table: [String: UInt16], genericPrefix: String) -> UInt16? {
        let upper = name.uppercased()
        if let value = table[upper] { return value }
        guard upper.hasPrefix(genericPrefix) else { return nil }
        let digits = upper.dropFirst(genericPrefix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return UInt16(digits)
    }
}
