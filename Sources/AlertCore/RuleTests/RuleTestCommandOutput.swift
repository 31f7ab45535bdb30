/// What `alertmanager-lite test rules FILE…` prints and returns, in promtool 2.42's words and
/// streams (`RulesUnitTest`): `Unit Testing:  FILE` on stdout, then `  SUCCESS` (stdout) or
/// `  FAILED:` and the error blocks (stderr, each followed by an empty line on stdout), then an
/// empty line; exit status 1 when any file failed, else 0.
public enum RuleTestCommandOutput {
    /// Runs `paths` in order with `runner`, writing through `stdout` and `stderr` (each call is a
    /// complete piece of text, line breaks included). Returns the exit status.
    public static func run(_ paths: [String], runner: RuleTestRunner,
                           stdout: (String) -> Void, stderr: (String) -> Void) async -> Int32 {
        var failed = false
        for path in paths {
            stdout("Unit Testing:  \(path)\n")
            let result = await runner.run(path: path)
            for warning in result.warnings { stderr(warning + "\n") }
            if result.passed {
                stdout("  SUCCESS\n")
            } else {
                failed = true
                stderr("  FAILED:\n")
                for error in result.errors {
                    stderr(error + "\n")
                    stdout("\n")
                }
            }
            stdout("\n")
        }
        return failed ? 1 : 0
    }
}
