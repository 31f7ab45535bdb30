import FoundationEssentials
import Synchronization

/// The configuration a daemon is running with, and the outcome of the last reload. A reload that
/// fails keeps the previous configuration: a typo in the file never takes monitoring down.
public final class ReloadableConfig<Config: Sendable>: Sendable {
    /// How the config is (re)read; throws a `ConfigError` (or any error) on a bad file.
    public typealias Loader = @Sendable () throws -> Config

    private struct State {
        var config: Config
        var lastReloadSuccessful = true
        var lastSuccessTime: Date = Date()
        var lastError: String?
    }

    private let loader: Loader
    private let state: Mutex<State>

    /// Loads the initial config; a failure here is fatal to start-up and is thrown to the caller.
    public init(loader: @escaping Loader) throws {
        self.loader = loader
        self.state = Mutex(State(config: try loader()))
    }

    /// The config in force.
    public var current: Config { state.withLock { $0.config } }

    /// Whether the last reload attempt (or the initial load) succeeded.
    public var lastReloadSuccessful: Bool { state.withLock { $0.lastReloadSuccessful } }

    /// When a config was last loaded successfully.
    public var lastSuccessTime: Date { state.withLock { $0.lastSuccessTime } }

    /// The last reload's error message, nil after a success.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Re-reads the config. On failure the old config stays and the error is returned.
    @discardableResult
    public func reload() -> Result<Void, any Error> {
        do {
            let fresh = try loader()
            state.withLock { $0 = State(config: fresh) }
            return .success(())
        } catch {
            state.withLock {
                $0.lastReloadSuccessful = false
                $0.lastError = "\(error)"
            }
            return .failure(error)
        }
    }
}
