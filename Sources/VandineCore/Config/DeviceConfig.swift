/// One device on the network: where it is, how to label it, which modules probe it.
public struct DeviceConfig: Sendable, Equatable {
    /// Unique name, usable as `/probe?target=NAME`.
    public var name: String
    /// Host name or IP address.
    public var address: String
    /// Extra target labels offered through `/sd`.
    public var labels: [String: String]
    /// Names of the modules that probe this device (validated against `modules`).
    public var modules: [String]
    public var ssh: SSHSettings?
    public var services: [ServiceConfig]

    public init(name: String, address: String, labels: [String: String] = [:], modules: [String] = [],
                ssh: SSHSettings? = nil, services: [ServiceConfig] = []) {
        self.name = name
        self.address = address
        self.labels = labels
        self.modules = modules
        self.ssh = ssh
        self.services = services
    }
}

/// A network service on a device, checked on its port: by a `tcp` module (target `device:port`)
/// or by a URL-form module such as `http` (target `http://device:port/path`).
public struct ServiceConfig: Sendable, Equatable {
    public var name: String
    public var port: Int
    /// The module that checks it (default: `tcp_connect`, else the first plain-connect `tcp`
    /// module by name; a `services` module may set its own `default_module`).
    public var module: String?
    /// For URL-form modules: the path requested (default `/`).
    public var path: String?
    /// For URL-form modules: `https` instead of `http`.
    public var https: Bool

    public init(name: String, port: Int, module: String? = nil, path: String? = nil, https: Bool = false) {
        self.name = name
        self.port = port
        self.module = module
        self.path = path
        self.https = https
    }
}

/// How to reach a device over SSH. Secrets come from `*_file` or `${ENV}` references.
public struct SSHSettings: Sendable, Equatable {
    public var user: String
    public var port: Int
    public var password: Secret?
    public var privateKeyFile: String?
    public var passphrase: Secret?
    /// The OpenSSH-format known_hosts file host keys are checked against; nil means
    /// `~/.ssh/known_hosts` of the user the exporter runs as.
    public var knownHostsFile: String?
    /// Accept any host key (`insecure_ignore_host_key`). Off by default: a changed host key fails the probe.
    public var insecureIgnoreHostKey: Bool
    /// Accept and record (append to the known_hosts file) the key of a host that has no entry yet
    /// (`trust_on_first_use`); a host whose recorded key changed is still refused.
    public var trustOnFirstUse: Bool
    /// Offer the keys of the ssh-agent at `SSH_AUTH_SOCK` (`use_agent`); ignored when that variable is unset.
    public var useAgent: Bool
    /// Allowed algorithms in preference order, OpenSSH names (`KexAlgorithms`, `HostKeyAlgorithms`,
    /// `Ciphers`, `MACs` of ssh_config(5)); nil keeps libssh's defaults.
    public var kexAlgorithms: [String]?
    public var hostKeyAlgorithms: [String]?
    public var ciphers: [String]?
    public var macs: [String]?

    public init(user: String, port: Int = 22, password: Secret? = nil, privateKeyFile: String? = nil,
                passphrase: Secret? = nil, knownHostsFile: String? = nil, insecureIgnoreHostKey: Bool = false,
                trustOnFirstUse: Bool = false, useAgent: Bool = false, kexAlgorithms: [String]? = nil,
                hostKeyAlgorithms: [String]? = nil, ciphers: [String]? = nil, macs: [String]? = nil) {
        self.user = user
        self.port = port
        self.password = password
        self.privateKeyFile = privateKeyFile
        self.passphrase = passphrase
        self.knownHostsFile = knownHostsFile
        self.insecureIgnoreHostKey = insecureIgnoreHostKey
        self.trustOnFirstUse = trustOnFirstUse
        self.useAgent = useAgent
        self.kexAlgorithms = kexAlgorithms
        self.hostKeyAlgorithms = hostKeyAlgorithms
        self.ciphers = ciphers
        self.macs = macs
    }
}
