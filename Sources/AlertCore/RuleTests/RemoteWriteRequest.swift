/// A Prometheus remote-write request body (`POST /api/v1/write`, remote-write 1.0): a
/// `prometheus.WriteRequest` protobuf (prompb/remote.proto, prompb/types.proto) compressed with
/// Snappy's block format (format_description.txt), here written as literals only — valid Snappy
/// that any decoder reads, just not smaller. Used to put stale markers into the temporary
/// Prometheus, which OpenMetrics cannot carry.
enum RemoteWriteRequest {
    /// Prometheus's staleness marker: a NaN with this exact bit pattern (`value.StaleNaN`).
    static let staleMarker = Double(bitPattern: 0x7FF0_0000_0000_0002)

    /// One series (labels with `__name__`) and its samples: (milliseconds, value).
    struct Series: Equatable {
        var labels: [String: String]
        var samples: [(time: Int64, value: Double)]

        static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.labels == rhs.labels && lhs.samples.count == rhs.samples.count
                && zip(lhs.samples, rhs.samples).allSatisfy { $0.time == $1.time && $0.value.bitPattern == $1.value.bitPattern }
        }
    }

    /// The Snappy-compressed body.
    static func body(_ series: [Series]) -> [UInt8] {
        snappyBlock(protobuf(series))
    }

    /// `WriteRequest { repeated TimeSeries timeseries = 1; }`,
    /// `TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }`,
    /// `Label { string name = 1; string value = 2; }`, `Sample { double value = 1; int64 timestamp = 2; }`.
    /// Labels sorted by name, as Prometheus requires.
    static func protobuf(_ series: [Series]) -> [UInt8] {
        var request: [UInt8] = []
        for one in series {
            var timeSeries: [UInt8] = []
            for (name, value) in one.labels.sorted(by: { $0.key < $1.key }) {
                var label: [UInt8] = []
                lengthDelimited(1, Array(name.utf8), into: &label)
                lengthDelimited(2, Array(value.utf8), into: &label)
                lengthDelimited(1, label, into: &timeSeries)
            }
            for sample in one.samples {
                var encoded: [UInt8] = [0x09]  // field 1, wire type 1 (64-bit)
                withUnsafeBytes(of: sample.value.bitPattern.littleEndian) { encoded += $0 }
                encoded.append(0x10)  // field 2, wire type 0 (varint)
                varint(UInt64(bitPattern: sample.time), into: &encoded)
                lengthDelimited(2, encoded, into: &timeSeries)
            }
            lengthDelimited(1, timeSeries, into: &request)
        }
        return request
    }

    /// Snappy block: the uncompressed length as a varint, then one literal element.
    static func snappyBlock(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        varint(UInt64(data.count), into: &out)
        guard !data.isEmpty else { return out }
        let length = data.count - 1
        switch length {
        case ..<60: out.append(UInt8(length << 2))
        case ..<0x100: out += [60 << 2, UInt8(length)]
        case ..<0x1_0000: out += [61 << 2, UInt8(length & 0xFF), UInt8(length >> 8)]
        case ..<0x100_0000: out += [62 << 2, UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length >> 16)]
        default: out += [63 << 2, UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8((length >> 24) & 0xFF)]
        }
        return out + data
    }

    private static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    private static func lengthDelimited(_ field: UInt64, _ payload: [UInt8], into out: inout [UInt8]) {
        varint(field << 3 | 2, into: &out)
        varint(UInt64(payload.count), into: &out)
        out += payload
    }
}
