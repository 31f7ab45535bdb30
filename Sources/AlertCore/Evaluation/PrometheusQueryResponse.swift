import FoundationEssentials

/// The body of Prometheus's `/api/v1/query` (https://prometheus.io/docs/prometheus/latest/querying/api/
/// "Instant queries", "Expression query result formats"), decoded into samples.
///
/// - `{"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[t,"v"]}]}}`
///   → one ``Sample`` per element.
/// - `"resultType":"scalar","result":[t,"v"]` → one sample without labels (Prometheus's rule
///   manager does the same, `rules/manager.go` `EngineQueryFunc`).
/// - `string` and `matrix` → ``DatasourceError/query(errorType:message:)`` with the rule
///   manager's message "rule result is not a vector or scalar": the expression is wrong, the
///   datasource is fine.
/// - `{"status":"error","errorType":…,"error":…}` → ``DatasourceError/query(errorType:message:)``.
///
/// Values are strings: decimal numbers, `NaN`, `+Inf`, `-Inf` (Go's `strconv.FormatFloat`).
enum PrometheusQueryResponse {
    static func samples(from body: [UInt8]) throws(DatasourceError) -> [Sample] {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(body))
        } catch {
            throw .badResponse("not a Prometheus query response: \(excerpt(body))")
        }
        if envelope.status == "error" {
            throw .query(errorType: envelope.errorType ?? "unknown", message: envelope.error ?? "")
        }
        guard envelope.status == "success", let data = envelope.data else {
            throw .badResponse("status \"\(envelope.status ?? "")\" without data")
        }
        switch data.result {
        case let .vector(elements):
            var samples: [Sample] = []
            samples.reserveCapacity(elements.count)
            for element in elements {
                samples.append(Sample(labels: element.metric, value: try value(element.value.text)))
            }
            return samples
        case let .scalar(point):
            return [Sample(labels: [:], value: try value(point.text))]
        case let .other(type):
            throw .query(errorType: "bad_data", message: "rule result is not a vector or scalar (the expression returns a \(type))")
        }
    }

    /// The error of a non-200 response when its body is Prometheus's error JSON.
    static func error(from body: [UInt8]) -> (errorType: String, message: String)? {
        guard let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body)),
              envelope.status == "error", let message = envelope.error else { return nil }
        return (envelope.errorType ?? "unknown", message)
    }

    /// A sample value as Prometheus writes it.
    static func value(_ text: String) throws(DatasourceError) -> Double {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let number = Double(text), number.isFinite else { throw .badResponse("sample value \"\(text)\" is not a number") }
            return number
        }
    }

    /// The first 200 bytes of a body, on one line.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ") + (body.count > 200 ? "…" : "")
    }

    private struct Envelope: Decodable {
        var status: String?
        var data: ResultData?
        var errorType: String?
        var error: String?
    }

    private struct ErrorEnvelope: Decodable {
        var status: String?
        var errorType: String?
        var error: String?
    }

    private struct ResultData: Decodable {
        var result: Result

        enum Result {
            case vector([Element])
            case scalar(Point)
            case other(String)
        }

        enum CodingKeys: String, CodingKey { case resultType, result }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let type = try container.decode(String.self, forKey: .resultType)
            switch type {
            case "vector": result = .vector(try container.decode([Element].self, forKey: .result))
            case "scalar": result = .scalar(try container.decode(Point.self, forKey: .result))
            default: result = .other(type)
            }
        }
    }

    private struct Element: Decodable {
        var metric: [String: String]
        var value: Point
    }

    /// `[<unix seconds>, "<value>"]`.
    private struct Point: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            _ = try container.decode(Double.self)
            text = try container.decode(String.self)
        }
    }
}
