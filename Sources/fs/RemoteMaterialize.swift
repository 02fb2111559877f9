import FeatureStoreKit
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Hands a materialization to the `fs serve` holding the online store (RocksDB allows one
/// process), and waits for its report.
///
/// - Parameters:
///   - server: the server's base URL, from ``ServerEndpoint``.
///   - path: `/materialize` or `/materialize-incremental`.
///   - start: the start (only for `/materialize`).
///   - end: the end.
///   - views: only these views (`nil` for every online view).
/// - Throws: ``FeatureStoreError`` with the server's error, or `io` when the server cannot be reached.
func remoteMaterialize(server: String, path: String, start: Timestamp?, end: Timestamp, views: [String]?) throws
    -> MaterializationReport
{
    guard let url = URL(string: server + path) else {
        throw FeatureStoreError.io("the server endpoint '\(server)' is not a URL")
    }
    var body: [String: Any] = ["end_ts": end.rfc3339]
    if let start { body["start_ts"] = start.rfc3339 }
    if let views { body["feature_views"] = views }
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    // The server records the run as the CLI's (handed over), not as a request of its own.
    request.setValue("cli", forHTTPHeaderField: "X-FS-Trigger")
    // A server with auth on needs a token with the admin role.
    if let token = ProcessInfo.processInfo.environment["FS_TOKEN"], !token.isEmpty {
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    }
    request.httpBody = try JSONSerialization.data(withJSONObject: body)
    // A long materialization is fine: wait up to a day.
    request.timeoutInterval = 86_400

    let (data, status) = try send(request)
    if status == 200 {
        do {
            return try JSONDecoder().decode(MaterializationReport.self, from: representableTimes(data))
        } catch {
            throw FeatureStoreError.io("the server at \(server) answered with a report fs cannot read: \(error)")
        }
    }
    let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    let detail = object?["error"] as? [String: Any]
    let message = detail?["message"] as? String ?? String(decoding: data.prefix(500), as: UTF8.self)
    let code: FeatureStoreError.Code =
        switch status {
        case 400, 401, 403: .invalidArgument
        case 404: .notFound
        case 409: .conflict
        case 423: .locked
        default: .storage
        }
    let hint = status == 401 || status == 403 ? " (set FS_TOKEN to a token with the admin role)" : ""
    throw FeatureStoreError(
        code, "the server at \(server) refused the materialization (HTTP \(status)): \(message)\(hint)")
}

/// The report with each view's unparseable `from`/`to` (a first run of a view with ttl 0 starts
/// at the beginning of time, which RFC 3339 cannot write) replaced by its microseconds.
private func representableTimes(_ data: Data) throws -> Data {
    guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        var views = object["views"] as? [[String: Any]]
    else { return data }
    for index in views.indices {
        for key in ["from", "to"] {
            guard let text = views[index][key] as? String, Timestamp.parse(text) == nil else { continue }
            views[index][key] = key == "from" ? Timestamp.min.microseconds : Timestamp.max.microseconds
        }
    }
    object["views"] = views
    return try JSONSerialization.data(withJSONObject: object)
}

/// Sends `request` and waits for the answer (the CLI has nothing else to do meanwhile).
private func send(_ request: URLRequest) throws -> (Data, Int) {
    final class Outcome: @unchecked Sendable {
        var data: Data?
        var status = 0
        var error: (any Error)?
    }
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    let task = URLSession.shared.dataTask(with: request) { data, response, error in
        outcome.data = data
        outcome.status = (response as? HTTPURLResponse)?.statusCode ?? 0
        outcome.error = error
        done.signal()
    }
    task.resume()
    done.wait()
    if let error = outcome.error {
        throw FeatureStoreError.io(
            "cannot reach the server at \(request.url?.absoluteString ?? "?"): \(error.localizedDescription)")
    }
    return (outcome.data ?? Data(), outcome.status)
}

/// Runs `local`; when the online store is held by a running `fs serve` of the same repo, sends
/// the work to that server with `remote` instead.
func forwardingToServer(
    repo: RepoOptions, local: () throws -> MaterializationReport, remote: (String) throws -> MaterializationReport
) throws -> MaterializationReport {
    do {
        return try local()
    } catch let error as FeatureStoreError where error.code == .locked {
        guard let config = try? repo.open().config, let server = ServerEndpoint.read(for: config) else { throw error }
        printError("note: the online store is busy and fs serve at \(server) holds it; the materialization runs there")
        do {
            return try remote(server)
        } catch let remoteError as FeatureStoreError where remoteError.code == .io {
            // No server answers there (a file left by a killed server): the lock is someone else's.
            printError("note: \(remoteError.message)")
            throw error
        }
    }
}
