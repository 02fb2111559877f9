import FeatureStoreCore
import Foundation
import OfflineStorePostgres
import OfflineStoreSQLite
import PostgresClient
import PostgresTestSupport
import SQLite
import Synchronization
import Testing

extension StoreLocation {
    /// Overwrites every stored profile with bytes that are no profile (a damaged store).
    func damageProfiles() throws {
        switch self {
        case .sqlite(let path):
            try Database(path: path).execute("UPDATE profiles SET profile = X'0102030405'")
        case .postgres(let settings, let password):
            let session = PostgresSession(settings: settings, password: password)
            defer { session.close() }
            try session.query("UPDATE \(settings.schema).profiles SET profile = '\\x0102030405'::bytea")
        }
    }
}

/// Runs `bodies` at once, each on a thread of its own, and rethrows the first error.
func concurrently(_ bodies: [@Sendable () throws -> Void]) throws {
    let group = DispatchGroup()
    let errors = Mutex<[any Error]>([])
    for body in bodies {
        group.enter()
        Thread {
            defer { group.leave() }
            do { try body() } catch { errors.withLock { $0.append(error) } }
        }.start()
    }
    group.wait()
    if let first = errors.withLock({ $0.first }) { throw first }
}
