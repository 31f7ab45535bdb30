import VandineCore

/// ``TargetPolicy`` bound to one config's devices and `allowed_targets`, for probers that meet new
/// targets mid-probe (HTTP redirects).
public struct TargetAuthorizer: Sendable {
    let config: ExporterConfig

    public init(config: ExporterConfig) {
        self.config = config
    }

    /// Parses `text` in `form` and checks it as a `/probe` target would be checked.
    public func authorize(_ text: String, form: TargetForm) -> Result<ProbeTarget, TargetPolicy.Refusal> {
        TargetPolicy.resolve(text, form: form, in: config)
    }
}
