/// Summary of a probe's round-trip times, in seconds.
struct RTTStatistics: Equatable {
    var minimum: Double
    var maximum: Double
    var average: Double
    /// Population standard deviation, as ping(8) prints it as `mdev`: the jitter figure.
    var standardDeviation: Double
    /// The middle value; the mean of the two middle values for an even count.
    var median: Double

    /// nil for no samples.
    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let count = Double(sorted.count)
        minimum = sorted.first!
        maximum = sorted.last!
        average = sorted.reduce(0, +) / count
        let mean = average
        standardDeviation = (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count).squareRoot()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
