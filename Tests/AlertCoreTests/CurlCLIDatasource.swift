import AlertCore
import Foundation
import TestSupport

/// A test-only ``Datasource`` that asks Prometheus's `/api/v1/query` through the curl CLI, so the
/// backfill can be checked against a real Prometheus before the project's PrometheusDatasource
/// (the `eval` branch) is merged. Not shipped: `alertmanager-lite` uses the real one.
struct CurlCLIDatasource: Datasource {
    let baseURL: String

    func query(_ expression: String, at time: Double) async throws(DatasourceError) -> [Sample] {
        let response: Curl.Response
        do {
            response = try await Curl.fetch(baseURL + "/api/v1/query", method: "POST",
                                            extra: ["--data-urlencode", "query=\(expression)", "--data-urlencode", "time=\(time)"])
        } catch {
            throw .unreachable("\(error)")
        }
        guard response.status != 0 else { throw .unreachable("curl exit \(response.curlExitCode)") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            throw .badResponse(response.body)
        }
        guard json["status"] as? String == "success" else {
            throw .query(errorType: json["errorType"] as? String ?? "", message: json["error"] as? String ?? response.body)
        }
        guard let data = json["data"] as? [String: Any], let type = data["resultType"] as? String else { throw .badResponse(response.body) }
        func value(_ pair: Any?) -> Double? {
            guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String else { return nil }
            switch text {
            case "+Inf": return .infinity
            case "-Inf": return -.infinity
            case "NaN": return .nan
            default: return Double(text)
            }
        }
        switch type {
        case "vector":
            return (data["result"] as? [[String: Any]] ?? []).compactMap { item in
                guard let number = value(item["value"]) else { return nil }
                return Sample(labels: item["metric"] as? [String: String] ?? [:], value: number)
            }
        case "scalar":
            guard let number = value(data["result"]) else { throw .badResponse(response.body) }
            return [Sample(labels: [:], value: number)]
        default:
            throw .badResponse("result type \(type)")
        }
    }
}
