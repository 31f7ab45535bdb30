import AlertCore
import Synchronization

/// A scripted datasource for the evaluator's tests: each expression answers what the test set
/// (samples or an error; none set = an empty vector), and every query is recorded.
final class FakeDatasource: Datasource {
    struct Query: Equatable {
        var expression: String
        var time: Double
    }

    private let state = Mutex<(answers: [String: Result<[Sample], DatasourceError>], failAll: DatasourceError?, queries: [Query])>(([:], nil, []))
    /// How long each query takes (for scheduling tests).
    let delay: Duration

    init(delay: Duration = .zero) { self.delay = delay }

    /// `expression` answers `samples` from now on.
    func set(_ expression: String, _ samples: [Sample]) {
        state.withLock { $0.answers[expression] = .success(samples) }
    }

    /// `expression` fails with `error` from now on.
    func fail(_ expression: String, _ error: DatasourceError) {
        state.withLock { $0.answers[expression] = .failure(error) }
    }

    /// Every query fails with `error` (nil: answers as scripted again).
    func failAll(_ error: DatasourceError?) {
        state.withLock { $0.failAll = error }
    }

    var queries: [Query] { state.withLock { $0.queries } }

    /// Records the query when it starts; a query whose task is cancelled while it waits fails
    /// like a cancelled curl transfer does.
    func query(_ expression: String, at time: Double) async throws(DatasourceError) -> [Sample] {
        state.withLock { $0.queries.append(Query(expression: expression, time: time)) }
        if delay > .zero {
            try? await Task.sleep(for: delay)
            if Task.isCancelled { throw .unreachable("cancelled") }
        }
        let answer: Result<[Sample], DatasourceError> = state.withLock {
            if let error = $0.failAll { return .failure(error) }
            return $0.answers[expression] ?? .success([])
        }
        return try answer.get()
    }
}

/// Records every commit the rule manager makes.
final class RecordingSink: AlertStateSink {
    private let commits = Mutex<[[RuleStateKey: [AlertInstance]]]>([])

    var all: [[RuleStateKey: [AlertInstance]]] { commits.withLock { $0 } }

    func commit(changes: [RuleStateKey: [AlertInstance]]) async {
        commits.withLock { $0.append(changes) }
    }
}

/// `Sample(labels:value:)` in one short call.
func sample(_ labels: [String: String], _ value: Double = 1) -> Sample {
    Sample(labels: labels, value: value)
}
