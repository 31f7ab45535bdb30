/// bcrypt hashes for basic-auth tests (cost 4 so tests stay fast), produced once with libxcrypt's
/// `crypt_gensalt_rn("$2y$", 4, …)` + `crypt_r`.
public enum BasicAuthFixtures {
    /// The hash of `hunter2`.
    public static let hunter2Hash = "$2y$04$vdyWDUvKm27HKDpKbJFFQ.6fimQa0KDlXb8vkclovvFtdZME0Edxy"
}
