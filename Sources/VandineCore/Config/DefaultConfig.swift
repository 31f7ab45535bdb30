/// The configuration used when no `--config.file` is given: it monitors the machine it runs on, so
/// a fresh `make run` shows something real with nothing configured. Loopback targets only. The
/// `cloudflared` module scrapes a tunnel connector on this machine (ports 20241 … 20245, as
/// cloudflared picks them): without one it reports `probe_success 0` and says why. The `node`
/// module reads this machine's own statistics (node_exporter's collectors, `source: local`).
public enum DefaultConfig {
    /// The name shown in errors and on `/config` for the embedded config.
    public static let fileName = "<embedded default>"

    /// The exporter's own port when `--web.listen-address` does not say otherwise.
    public static let exporterPort = 10110

    /// The embedded config, with the exporter's self-checks (its port, `/-/healthy`) on the port
    /// it actually listens on.
    public static func yaml(exporterPort: Int = exporterPort) -> String {
        template.replacingAll("EXPORTER_PORT", with: String(exporterPort))
    }

    static let template = """
        # Embedded default: monitor this machine over loopback.
        modules:
          tcp_connect:
            prober: tcp
            timeout: 5s
          http_2xx:
            prober: http
            timeout: 5s
          ssh_banner:
            prober: tcp
            timeout: 5s
            tcp:
              port: 22
              expect_banner: "^SSH-2\\\\.0-"
          icmp:
            prober: icmp
            timeout: 5s
            icmp:
              preferred_ip_protocol: ip4
              packets: 5
              interval: 200ms
          dns_udp:
            prober: dns
            timeout: 5s
            dns:
              query_name: localhost
              query_type: A
          services:
            prober: services
            timeout: 5s
          cloudflared:
            prober: cloudflared
            timeout: 5s
            cloudflared:
              address: auto
          node:
            prober: node
            timeout: 5s
            node:
              source: local
        devices:
          - name: localhost
            address: 127.0.0.1
            labels:
              role: self
            modules: [icmp, services, cloudflared, node]
            services:
              - name: ssh
                port: 22
                module: ssh_banner
              - name: vandine-exporter
                port: EXPORTER_PORT
                module: tcp_connect
              - name: vandine-exporter-health
                port: EXPORTER_PORT
                module: http_2xx
                path: /-/healthy
        allowed_targets:
          - 127.0.0.0/8
          - ::1
          - localhost

        """
}
