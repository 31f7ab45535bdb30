import VandineCore

/// Writes continuous mode's series straight into exposition text, byte for byte what
/// ``ExpositionEncoder`` writes for ``SmokepingMetrics/families(_:receiveErrors:)`` (a test holds
/// them equal), without building a ``Sample`` and a label dictionary per line: 1,024 hosts are
/// ~27,000 lines (2.7 MB) per scrape, and the generic path cost ~8 MB of transient memory and
/// most of a scrape's CPU.
///
/// Families in name order (`…_duplicates_total` before `…_duration_seconds`), series in host order, labels in name order (`host`, `ip`, `le`,
/// `source`), each host's counters read under its lock once per family.
enum SmokepingExposition {
    static func write(_ series: [SmokepingSeries], receiveErrors: UInt64, into out: inout String) {
        out.reserveCapacity(out.utf8.count + 512 + series.count * (series.first.map { 120 * ($0.bucketLabels.count + 7) } ?? 0))
        header(SmokepingMetrics.receiveErrors, SmokepingMetrics.receiveErrorsHelp, "counter", into: &out)
        out += SmokepingMetrics.receiveErrors
        out += " "
        out += String(receiveErrors)
        out += "\n"
        guard !series.isEmpty else { return }

        header(SmokepingMetrics.requests, SmokepingMetrics.requestsHelp, "counter", into: &out)
        for host in series {
            line(SmokepingMetrics.requests, host, host.read { String($0.requests) }, into: &out)
        }

        header(SmokepingMetrics.duplicates, SmokepingMetrics.duplicatesHelp, "counter", into: &out)
        for host in series {
            line(SmokepingMetrics.duplicates, host, host.read { String($0.duplicates) }, into: &out)
        }

        header(SmokepingMetrics.duration, SmokepingMetrics.durationHelp, "histogram", into: &out)
        let bucket = SmokepingMetrics.duration + "_bucket{"
        for host in series {
            host.read { counters in
                var running: UInt64 = 0
                for (index, le) in host.bucketLabels.enumerated() {
                    running += counters.histogram.counts[index]
                    out += bucket
                    out += host.labelPrefix
                    out += ",le=\""
                    out += le
                    out += "\","
                    out += host.labelSuffix
                    out += "} "
                    out += String(running)
                    out += "\n"
                }
                out += bucket
                out += host.labelPrefix
                out += ",le=\"+Inf\","
                out += host.labelSuffix
                out += "} "
                out += String(counters.histogram.count)
                out += "\n"
                line(SmokepingMetrics.duration + "_sum", host, ExpositionEncoder.formatValue(counters.histogram.sum), into: &out)
                line(SmokepingMetrics.duration + "_count", host, String(counters.histogram.count), into: &out)
            }
        }

        header(SmokepingMetrics.ttl, SmokepingMetrics.ttlHelp, "gauge", into: &out)
        for host in series {
            line(SmokepingMetrics.ttl, host, host.read { String($0.ttl) }, into: &out)
        }
        header(SmokepingMetrics.sendErrors, SmokepingMetrics.sendErrorsHelp, "counter", into: &out)
        for host in series {
            line(SmokepingMetrics.sendErrors, host, host.read { String($0.sendErrors) }, into: &out)
        }
    }

    private static func header(_ name: String, _ help: String, _ type: String, into out: inout String) {
        out += "# HELP "
        out += name
        out += " "
        out += help
        out += "\n# TYPE "
        out += name
        out += " "
        out += type
        out += "\n"
    }

    private static func line(_ name: String, _ host: SmokepingSeries, _ value: String, into out: inout String) {
        out += name
        out += "{"
        out += host.labelPrefix
        out += ","
        out += host.labelSuffix
        out += "} "
        out += value
        out += "\n"
    }
}
