import FoundationEssentials

/// What an options parser may need besides its node: where relative file paths point and how
/// secrets (`${ENV}` or `*_file`) are read.
public struct ModuleParseContext {
    let secrets: SecretReader
    /// The module's own node, for errors about a section that is missing altogether.
    var module: ConfigNode? = nil
    /// Every module of the file by name, with its `prober:` as written (parsed or not yet), for
    /// options that name another module.
    var moduleProbers: [String: String] = [:]

    /// A context for sections parsed outside the exporter's config (alertmanager-lite's
    /// `datasource`): `${VAR}` from `environment`, relative paths against `baseDirectory`.
    public init(environment: [String: String], baseDirectory: String) {
        secrets = SecretReader(environment: environment, baseDirectory: baseDirectory)
    }

    init(secrets: SecretReader, module: ConfigNode? = nil, moduleProbers: [String: String] = [:]) {
        self.secrets = secrets
        self.module = module
        self.moduleProbers = moduleProbers
    }

    /// The prober named by module `name`'s `prober:`, or nil when the file defines no such module.
    public func proberName(ofModule name: String) -> String? { moduleProbers[name] }

    /// The names of the file's modules, sorted, for error messages.
    public var moduleNames: [String] { moduleProbers.keys.sorted() }

    /// An error positioned at the module (for a required section that is absent).
    public func moduleError(_ message: String) -> ConfigError {
        module?.error(message) ?? ConfigError(file: "", line: nil, column: nil, path: "", message: message)
    }

    /// `path` made absolute against the config file's folder.
    public func resolvePath(_ path: String) -> String { secrets.resolve(path) }

    /// The secret under `key` or `key_file` in `mapping` (nil when neither is set).
    public func secret(_ key: String, in mapping: ConfigMapping) throws(ConfigError) -> Secret? {
        try secrets.secret(key, in: mapping)
    }

    /// A readable file named by `node` (relative to the config file), made absolute.
    public func readableFile(_ node: ConfigNode) throws(ConfigError) -> String {
        let given = try node.nonEmptyString()
        let path = resolvePath(given)
        guard FileManager.default.isReadableFile(atPath: path) else { throw node.error("cannot read file \(node.quotedValue)") }
        return path
    }
}
