/// What this binary is: `firehouse --version` and `firehouse_build_info` on `/metrics`.
public enum BuildInfo {
    /// Set at release; the README's changelog names what each version changed.
    public static let version = "0.14.0"
    #if swift(>=6.3)
    public static let swiftVersion = "6.3"
    #else
    public static let swiftVersion = "6"
    #endif
}
