import AlertCore
import ArgumentParser
import VandineCore

/// `alertmanager-lite`: for now it reports its version and whether libcurl can send secure mail.
@main
struct AlertManagerLiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager-lite",
        abstract: "Evaluates Prometheus alerting rules and sends email (work in progress: version only).",
        version: BuildInfo.version
    )

    func run() throws {
        let curl = CurlCapabilities.current()
        print("alertmanager-lite \(BuildInfo.version) (libcurl \(curl.version), smtp+tls: \(curl.canSendSecureMail ? "yes" : "no"))")
    }
}
