import VandineCore

/// Alertmanager's `GET /api/v2/status` (`alertmanagerStatus` in api/v2/openapi.yaml), which
/// `amtool cluster show` / `amtool config show` and Grafana's Alertmanager data source ask for.
/// There is no cluster: its status is `disabled` with no peers, as a single Alertmanager reports.
public enum AlertmanagerStatusAPI {
    /// The JSON body; `startTime` is when the daemon started (Unix seconds), `config` the
    /// configuration text to show (secrets already redacted by the caller).
    public static func status(startTime: Double, config: String) -> String {
        APIJSON.encode(Status(cluster: Cluster(), config: Config(original: config),
                              uptime: TimeFormat.rfc3339Millis(startTime), versionInfo: VersionInfo()))
    }

    struct Status: Encodable {
        var cluster: Cluster
        var config: Config
        var uptime: String
        var versionInfo: VersionInfo
    }

    struct Cluster: Encodable {
        var status = "disabled"
        var peers: [String] = []
    }

    struct Config: Encodable {
        var original: String
    }

    /// Alertmanager's fields; ours have no Go toolchain or build user to name.
    struct VersionInfo: Encodable {
        var version = BuildInfo.version
        var branch = ""
        var revision = ""
        var buildUser = ""
        var buildDate = ""
        var goVersion = "none (Swift \(BuildInfo.swiftVersion))"
    }
}
