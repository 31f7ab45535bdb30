/// Version facts shared by both daemons (`*_build_info` metrics, `--version`).
public enum BuildInfo {
    public static let version = "0.1.0"
    /// Swift compiler that built the binary.
    public static var swiftVersion: String {
        #if compiler(>=6.3)
        "6.3"
        #else
        "6"
        #endif
    }
}
