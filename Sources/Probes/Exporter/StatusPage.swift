import FoundationEssentials
import VandineCore

/// The human status page. Everything user-controlled is HTML-escaped.
public enum StatusPage {
    public static func html(state: ExporterState) -> String {
        let config = state.config.current
        var page = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><title>Vandine Exporter</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.fail{color:#b00}</style>
            </head><body><h1>Vandine Exporter</h1>
            <p>Version \(BuildInfo.version) · config \(escape(state.configSource))
            · last reload \(state.config.lastReloadSuccessful ? "successful" : "<span class=fail>FAILED: \(escape(state.config.lastError ?? ""))</span>")
            · <a href="/metrics">metrics</a> · <a href="/config">config</a> · <a href="/sd">service discovery</a></p>
            <h2>Devices</h2><table><tr><th>Device</th><th>Address</th><th>Modules</th><th>Services</th></tr>
            """
        for device in config.devices {
            let modules = device.modules.map { "<a href=\"/probe?target=\(urlEncode(device.name))&amp;module=\(urlEncode($0))&amp;debug=true\">\(escape($0))</a>" }
            let services = device.services.map { "\(escape($0.name)):\($0.port)" }
            page += "<tr><td>\(escape(device.name))</td><td>\(escape(device.address))</td><td>\(modules.joined(separator: ", "))</td><td>\(services.joined(separator: ", "))</td></tr>"
        }
        page += "</table><h2>Modules</h2><table><tr><th>Module</th><th>Prober</th><th>Timeout</th><th>Interval</th></tr>"
        for name in config.modules.keys.sorted() {
            let module = config.modules[name]!
            page += "<tr><td>\(escape(name))</td><td>\(escape(module.prober))</td><td>\(module.timeout)</td><td>\(module.interval.map { "\($0)" } ?? "")</td></tr>"
        }
        page += "</table>"
        if config.discovery != nil { page += discoveredTable(state.discovery, devices: config.devices) }
        page += probeTable(title: "Recent probes", entries: state.handler.history.recent)
        page += probeTable(title: "Recent failures", entries: state.handler.history.failures)
        return page + "</body></html>\n"
    }

    /// The discovery sweep's hosts: address, MAC, name, the device it is, up or since when gone.
    static func discoveredTable(_ results: DiscoveryResults, devices: [DeviceConfig]) -> String {
        var html = "<h2>Discovered hosts</h2>"
        guard let sweep = results.lastSweep else { return html + "<p>No sweep has finished yet.</p>" }
        html += "<p>Last sweep \(Date(timeIntervalSince1970: sweep.finished).ISO8601Format()), \(sweep.addresses) addresses in "
            + "\(sweep.durationSeconds.formatted(decimals: 1))s\(sweep.success ? "" : " <span class=fail>FAILED</span>")</p>"
        html += "<table><tr><th>Address</th><th>MAC</th><th>Host name</th><th>Device</th><th>State</th></tr>"
        for host in results.hosts {
            let state = host.up ? "up" : "<span class=fail>gone since \(Date(timeIntervalSince1970: host.lastSeen).ISO8601Format())</span>"
            html += "<tr><td>\(host.address)</td><td>\(host.mac?.description ?? "")</td><td>\(escape(host.hostname ?? ""))</td>"
            html += "<td>\(escape(host.knownDevice(in: devices)?.name ?? ""))</td><td>\(state)</td></tr>"
        }
        return html + "</table>"
    }

    static func probeTable(title: String, entries: [ProbeHistory.Entry]) -> String {
        var html = "<h2>\(title)</h2><table><tr><th>Time</th><th>Module</th><th>Target</th><th>Result</th><th>Duration</th><th>Log</th></tr>"
        for entry in entries {
            html += "<tr><td>\(entry.time.ISO8601Format())</td><td>\(escape(entry.module))</td><td>\(escape(entry.target))</td>"
            html += entry.success ? "<td>success</td>" : "<td class=fail>failure</td>"
            html += "<td>\(entry.seconds.formatted(decimals: 3))s</td><td><pre>\(escape(entry.log.joined(separator: "\n")))</pre></td></tr>"
        }
        return html + "</table>"
    }

    static func escape(_ text: String) -> String {
        text.htmlEscaped
    }

    static func urlEncode(_ text: String) -> String {
        text.percentEncoded
    }
}
