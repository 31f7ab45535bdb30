import Testing
@testable import Probes
import VandineCore

/// The rtnetlink neighbour-dump parser on bytes captured from a real kernel (6.18), in a network
/// namespace holding: 10.77.0.5 PERMANENT 02:00:00:00:00:05, 10.77.0.6 STALE 02:00:00:00:00:06,
/// 10.77.0.7 INCOMPLETE, 10.77.0.8 FAILED, fd77::9 REACHABLE 02:00:00:00:00:09, and the
/// kernel's own NOARP multicast entries ff02::16 on two interfaces.
@Suite struct DiscoveryNeighbourDumpTests {
    /// `ip neigh`-style dump with sequence number 7, as two datagrams (the entries, then NLMSG_DONE).
    static let captured = hex("400000001c000200070000002f5c0000020000000300000001000001080001000a4d000708000400000000001400030073170000030000000300000000000000400000001c000200070000002f5c0000020000000300000020000001080001000a4d0008080004000000000014000300731700000300000003000000000000004c0000001c000200070000002f5c0000020000000300000004000001080001000a4d00060a0002000200000000060000080004000000000014000300731700000300000003000000000000004c0000001c000200070000002f5c0000020000000300000080000001080001000a4d00050a000200020000000005000008000400000000001400030004000000040000000400000000000000580000001c000200070000002f5c00000a000000030000000200000114000100fd7700000000000000000000000000090a000200020000000009000008000400000000001400030003000000030000000300000001000000580000001c000200070000002f5c00000a000000020000004000000514000100ff0200000000000000000000000000160a000200333300000016000008000400000000001400030072170000020000000200000000000000580000001c000200070000002f5c00000a000000030000004000000514000100ff0200000000000000000000000000160a0002003333000000160000080004000000000014000300721700000200000002000000000000001400000003000200070000002f5c000000000000")

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func usableEntriesOfBothFamiliesAreRead() throws {
        let part = try NeighbourDump.parse(Self.captured, sequence: 7)
        #expect(part.done)
        #expect(part.entries.map { "\($0.address) \($0.mac) \($0.interfaceIndex) \($0.state)" } == [
            "10.77.0.6 02:00:00:00:00:06 3 4",
            "10.77.0.5 02:00:00:00:00:05 3 128",
            "fd77::9 02:00:00:00:00:09 3 2",
        ])
    }

    @Test func answersToAnotherRequestAreSkipped() throws {
        let part = try NeighbourDump.parse(Self.captured, sequence: 8)
        #expect(part.entries.isEmpty)
        #expect(!part.done)
    }

    @Test func aDatagramWithoutDoneAsksForMore() throws {
        // The first three messages only (0x40 + 0x40 + 0x4c bytes).
        let part = try NeighbourDump.parse(Array(Self.captured.prefix(0x40 + 0x40 + 0x4c)), sequence: 7)
        #expect(part.entries.map(\.address.description) == ["10.77.0.6"])
        #expect(!part.done)
    }

    @Test func truncatedMessagesAreOneLineErrors() {
        #expect(throws: NeighbourDump.DumpError(description: "truncated netlink message (64 bytes at offset 0 of 40)")) {
            try NeighbourDump.parse(Array(Self.captured.prefix(40)), sequence: 7)
        }
        #expect(throws: NeighbourDump.DumpError(description: "truncated netlink message (8 trailing bytes)")) {
            try NeighbourDump.parse(Array(Self.captured.prefix(0x40 + 8)), sequence: 7)
        }
        var badAttribute = Array(Self.captured.prefix(0x40))
        badAttribute[28] = 0xFF  // the first attribute's length runs past the message
        #expect(throws: NeighbourDump.DumpError(description: "truncated neighbour attribute")) {
            try NeighbourDump.parse(badAttribute, sequence: 7)
        }
    }

    @Test func aKernelErrorNamesItsErrno() {
        // NLMSG_ERROR carrying -EPERM (1).
        var message: [UInt8] = []
        NeighbourDump.append(UInt32(36), to: &message)
        NeighbourDump.append(UInt16(2), to: &message)
        NeighbourDump.append(UInt16(0), to: &message)
        NeighbourDump.append(UInt32(7), to: &message)
        NeighbourDump.append(UInt32(0), to: &message)
        NeighbourDump.append(Int32(-1), to: &message)
        message += [UInt8](repeating: 0, count: 16)
        #expect(throws: NeighbourDump.DumpError(description: "the kernel refused the neighbour dump: operation not permitted")) {
            try NeighbourDump.parse(message, sequence: 7)
        }
    }

    @Test func theRequestIsADumpOfBothFamilies() {
        let request = NeighbourDump.request(sequence: 7)
        #expect(request.count == 28)
        #expect(NeighbourDump.read(UInt32.self, request, 0) == 28)
        #expect(NeighbourDump.read(UInt16.self, request, 4) == 30, "RTM_GETNEIGH")
        #expect(NeighbourDump.read(UInt16.self, request, 6) == 0x301, "NLM_F_REQUEST | NLM_F_DUMP")
        #expect(NeighbourDump.read(UInt32.self, request, 8) == 7)
        #expect(request[16] == 0, "AF_UNSPEC")
    }

    @Test func macAddressesPrintAndParse() {
        #expect(MACAddress("02:00:0A:ff:00:05")?.description == "02:00:0a:ff:00:05")
        #expect(MACAddress("00:00:00:00:00:00") == nil, "an unresolved entry's zero address is no address")
        #expect(MACAddress("2:00:00:00:00:05") == nil)
        #expect(MACAddress(bytes: []) == nil)
    }
}
