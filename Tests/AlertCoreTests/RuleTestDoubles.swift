import AlertCore
#if canImport(Glibc)
import Glibc
#endif

/// An evaluator that returns what a script says for (group, time): for testing the test runner
/// and the replay without a Prometheus (the real evaluator runs in the end-to-end suites).
struct ScriptedEvaluator: RuleEvaluating {
    let script: @Sendable (RuleGroupDefinition, Double) -> [RuleEvaluation]

    func evaluate(_ group: RuleGroupDefinition, at time: Double) async -> [RuleEvaluation] {
        script(group, time)
    }
}

/// Hands out scripted evaluators over fixed groups; records which rule files it was asked for.
struct ScriptedEvaluatorFactory: RuleEvaluatorFactory {
    let groups: [RuleGroupDefinition]
    let script: @Sendable (RuleGroupDefinition, Double) -> [RuleEvaluation]

    func loadGroups(files: [String]) throws -> [RuleGroupDefinition] { groups }

    func makeEvaluator(groups: [RuleGroupDefinition], datasource: any Datasource, externalLabels: [String: String], externalURL: String) -> any RuleEvaluating {
        ScriptedEvaluator(script: script)
    }
}

/// A datasource answering from a table of (expression, time) → samples.
struct TableDatasource: Datasource {
    let answers: [String: [Sample]]

    func query(_ expression: String, at time: Double) async throws(DatasourceError) -> [Sample] {
        guard let samples = answers["\(expression)@\(time)"] else {
            throw .query(errorType: "bad_data", message: "no answer for \(expression) at \(time)")
        }
        return samples
    }
}

/// A series store that loads nothing and serves a ``TableDatasource``.
struct TableSeriesStore: TestSeriesStore {
    let datasource: TableDatasource

    struct Loaded: LoadedTestSeries {
        let datasource: any Datasource
        func close() async {}
    }

    func load(_ series: [InputSeries], interval: Int64) async throws -> any LoadedTestSeries {
        Loaded(datasource: datasource)
    }
}

/// The repository's root, from this file's path.
let repositoryRoot: String = {
    var path = #filePath
    for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
    return path
}()

/// Files in `directory` ending in `.yml`, sorted.
func ymlFiles(in directory: String) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        if name.hasSuffix(".yml") { names.append(directory + "/" + name) }
    }
    return names.sorted()
}
