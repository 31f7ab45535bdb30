extension Duration {
    /// The duration in seconds as a Double, the unit Prometheus metrics use.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
