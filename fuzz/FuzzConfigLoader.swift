// libFuzzer harness for the exporter config loader (`vandine.yml`) and the web config loader
// (`--web.config.file`).
//
// Build and run: `bash scripts/fuzz.sh` (compiles the VandineCore files the loaders (with libyaml)
// need and this file with -sanitize=fuzzer,address). By hand:
//   SWIFT_BACKTRACE=enable=no fuzz/bin/fuzz-config -dict=fuzz/config.dict fuzz/corpus-config fuzz/seeds/config
//
// Properties checked on every input (invalid UTF-8 is repaired by String(decoding:)):
// 1. Neither loader traps or hangs, whatever the bytes; a bad document is a thrown ConfigError.
// 2. Every ConfigError's description is ONE line (no LF, no CR) and starts with the file name.
// 3. Whatever ConfigLoader accepts, ConfigRenderer renders as YAML that ConfigLoader accepts again,
//    and the second load equals the first — except for secrets, which the renderer prints as
//    `<secret>` by design (so the expected value of a set secret is `<secret>` after the trip).
// 4. Rendering is a fixed point after one round: render(parse(render(x))) == render(x).

import VandineCore

private let file = "fuzz.yml"
private let loader = ConfigLoader(environment: ["PI_PASSWORD": "x"])

/// Property 2, for either loader.
private func checkError(_ error: ConfigError, loader name: String, input: String) {
    let text = error.description
    let breaksLine = text.utf8.contains(UInt8(ascii: "\n")) || text.utf8.contains(UInt8(ascii: "\r"))
    guard !breaksLine, text.hasPrefix(file) else {
        fatalError("\(name) error is not one line starting with \(file): \(String(reflecting: text))\n--- input ---\n\(input)")
    }
}

/// The config as it must look after a render + load: every set secret reads `<secret>` (ssh
/// passwords, http basic_auth and bearer tokens, credential headers, a proxy URL's password).
private func redacted(_ config: ExporterConfig) -> ExporterConfig {
    var config = config
    for index in config.devices.indices {
        guard var ssh = config.devices[index].ssh else { continue }
        if ssh.password != nil { ssh.password = Secret(ConfigRenderer.redacted) }
        if ssh.passphrase != nil { ssh.passphrase = Secret(ConfigRenderer.redacted) }
        config.devices[index].ssh = ssh
    }
    for (name, module) in config.modules {
        guard case var .http(http) = module.options else { continue }
        if let auth = http.basicAuth { http.basicAuth = (auth.username, auth.password.map { _ in Secret(ConfigRenderer.redacted) }) }
        if http.bearerToken != nil { http.bearerToken = Secret(ConfigRenderer.redacted) }
        http.headers = http.headers.map { header in
            HTTPOptions.credentialHeaders.contains(header.name.lowercased()) ? (header.name, ConfigRenderer.redacted) : header
        }
        http.proxyURL = http.proxyURL.map(HTTPOptions.redactingPassword)
        config.modules[name]?.options = .http(http)
    }
    return config
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)

    do {
        _ = try WebConfig.parse(yaml: text, file: file)
    } catch {
        checkError(error, loader: "WebConfig", input: text)
    }

    let first: ExporterConfig
    do {
        first = try loader.parse(yaml: text, file: file)
    } catch {
        checkError(error, loader: "ConfigLoader", input: text)
        return 0
    }

    let rendered = ConfigRenderer.render(first)
    let second: ExporterConfig
    do {
        second = try loader.parse(yaml: rendered, file: file)
    } catch {
        fatalError("ConfigLoader rejects ConfigRenderer's output: \(error)\n--- input ---\n\(text)\n--- rendered ---\n\(rendered)")
    }
    guard second == redacted(first) else {
        fatalError("render + load changed the config\n--- input ---\n\(text)\n--- rendered ---\n\(rendered)\n--- first ---\n\(first)\n--- second ---\n\(second)")
    }
    let rerendered = ConfigRenderer.render(second)
    guard rerendered == rendered else {
        fatalError("rendering is not stable\n--- rendered ---\n\(rendered)\n--- re-rendered ---\n\(rerendered)")
    }
    return 0
}
