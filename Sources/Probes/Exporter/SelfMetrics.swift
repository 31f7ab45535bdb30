import VandineCore

/// The exporter's own `/metrics`: build info, config reload status, probe statistics, cache ages,
/// the discovery sweep's hosts, the SSH session pool and process metrics.
public func selfMetrics(state: ExporterState) async -> MetricSet {
    var set = MetricSet()
    set.gauge("vandine_exporter_build_info", 1,
              help: "A metric with a constant '1' value labeled by version and the Swift version it was built with.",
              labels: ["version": BuildInfo.version, "swiftversion": BuildInfo.swiftVersion])
    set.gauge("vandine_exporter_config_last_reload_successful", state.config.lastReloadSuccessful ? 1 : 0,
              help: "Whether the last configuration reload attempt was successful.")
    set.gauge("vandine_exporter_config_last_reload_success_timestamp_seconds",
              state.config.lastSuccessTime.timeIntervalSince1970,
              help: "Timestamp of the last successful configuration reload.")
    for family in state.handler.statistics.families() { set.add(family) }
    for age in await state.handler.cache.ages() {
        set.gauge("vandine_exporter_probe_cache_age_seconds", age.seconds,
                  help: "Age of the cached result of a module with an interval.",
                  labels: ["module": age.module, "target": age.target])
    }
    for family in state.discovery.families(devices: state.config.current.devices) { set.add(family) }
    for family in state.ssh?.families() ?? [] { set.add(family) }
    for family in ProcessMetrics.families() { set.add(family) }
    return set
}
