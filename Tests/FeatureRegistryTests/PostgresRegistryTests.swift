import FeatureRegistry
import FeatureStoreCore
import Foundation
import PostgresTestSupport
import RegistryPostgres
import Synchronization
import Testing

/// What only the shared (PostgreSQL) registry has to get right: applies from several processes at
/// once, and first use by several at once.
@Suite struct PostgresRegistryTests {
    /// Runs `body` on a thread of its own; `join` waits for it and returns what it returned.
    final class Worker<T: Sendable>: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var result: Result<T, any Error>?

        init(_ body: @escaping @Sendable () throws -> T) {
            Thread { [self] in
                result = Result { try body() }
                done.signal()
            }.start()
        }

        func join() throws -> T {
            done.wait()
            return try result!.get()
        }
    }

    /// Two applies from two processes at once: the second waits for the first's lock, then reads
    /// what the first committed and applies on top of it (a new version, history intact).
    @Test func concurrentAppliesSerialize() async throws {
        try await withPostgresServer { server in
            let settings = server.settings(schema: "fs")
            let first = try PostgresRegistry(settings: settings, environment: server.environment)
            let second = try PostgresRegistry(settings: settings, environment: server.environment)
            let definitions = try RegistryTests.definitions()
            var edited = definitions
            edited.entities[0].description = "changed by the second apply"
            let changed = edited
            let inside = DispatchSemaphore(value: 0)
            let secondStarted = Atomic<Bool>(false)
            let firstApply = Worker {
                try first.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1)) { _, _ in
                    inside.signal()
                    // Hold the transaction open until the second apply has certainly begun
                    // (and a while longer, so it reaches the lock).
                    while !secondStarted.load(ordering: .acquiring) { usleep(1000) }
                    usleep(300_000)
                }
            }
            inside.wait()
            let secondApply = Worker {
                secondStarted.store(true, ordering: .releasing)
                return try second.apply(changed, project: "p", allowBreaking: false, now: Timestamp(seconds: 2))
            }
            let a = try firstApply.join()
            let b = try secondApply.join()
            #expect(a.before.version == 0)
            #expect(a.after.version == 1)
            // The second planned against the first's committed result, not the empty registry.
            #expect(b.before.version == 1)
            #expect(b.before.definitions == definitions)
            #expect(b.plan.changes.map(\.id) == [ObjectID(.entity, "driver")])
            #expect(b.after.version == 2)
            let snapshot = try first.snapshot()
            #expect(snapshot.version == 2)
            #expect(snapshot.definitions == changed)
            #expect(snapshot.record(.entity, "driver")?.version == 2)
            first.close()
            second.close()
        }
    }

    /// An apply that cannot get the lock within its timeout fails with `locked` and a message
    /// saying why, and writes nothing.
    @Test func anApplyWaitingTooLongIsLocked() async throws {
        try await withPostgresServer { server in
            let settings = server.settings(schema: "fs")
            let holder = try PostgresRegistry(settings: settings, environment: server.environment)
            let waiter = try PostgresRegistry(
                settings: settings, password: server.password, lockTimeout: .milliseconds(200))
            let definitions = try RegistryTests.definitions()
            let inside = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let holding = Worker {
                try holder.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 1)) { _, _ in
                    inside.signal()
                    release.wait()
                }
            }
            inside.wait()
            let error = #expect(throws: FeatureStoreError.self) {
                try waiter.apply(definitions, project: "p", allowBreaking: false, now: Timestamp(seconds: 2))
            }
            release.signal()
            #expect(try holding.join().after.version == 1)
            #expect(error?.code == .locked)
            #expect(error?.message.contains("locked by another fs process (an apply)") == true)
            #expect(error?.message.contains(settings.displayDSN) == true)
            #expect(try waiter.version() == 1)
            holder.close()
            waiter.close()
        }
    }

    /// Several processes opening a registry whose schema does not exist yet: all succeed, and the
    /// tables are created once.
    @Test func firstUseBySeveralAtOnceCreatesTheSchemaOnce() async throws {
        try await withPostgresServer { server in
            let settings = server.settings(schema: "shared_registry")
            let environment = server.environment
            let openers = (0..<4).map { _ in
                Worker { try PostgresRegistry(settings: settings, environment: environment).version() }
            }
            for opener in openers {
                let version = try opener.join()
                #expect(version == 0)
            }
        }
    }

    /// A registry whose server went away fails with a clear message, and works again once the
    /// server is back (the connection is opened anew; nothing was retried behind the caller's back).
    @Test func aStoppedServerIsAClearErrorAndARestartIsPickedUp() async throws {
        try await withPostgresServer { server in
            let registry = try PostgresRegistry(
                settings: server.settings(schema: "fs"), environment: server.environment)
            _ = try registry.apply(
                try RegistryTests.definitions(), project: "p", allowBreaking: false, now: Timestamp(seconds: 1))
            server.shutDown()
            let error = #expect(throws: FeatureStoreError.self) { try registry.version() }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("PostgreSQL at \(server.settings().displayDSN)") == true)
            #expect(error?.message.contains(server.password) == false)
            try await server.start()
            #expect(try registry.version() == 1)
            registry.close()
        }
    }

    /// A missing password variable names the variable, never a value.
    @Test func aMissingPasswordVariableIsNamed() async throws {
        try await withPostgresServer { server in
            let error = #expect(throws: FeatureStoreError.self) {
                try PostgresRegistry(settings: server.settings(schema: "fs"), environment: [:])
            }
            #expect(error?.message.contains(PostgresServerProcess.passwordEnv) == true)
            #expect(error?.message.contains("is not set") == true)
        }
    }
}

extension PostgresRegistryTests {
    /// A schema name fs would have to quote is refused before anything is sent to the server.
    @Test(arguments: ["Fs", "a-b", "1st", "", "x\"; DROP SCHEMA public; --"])
    func aBadSchemaNameIsRefused(schema: String) {
        let settings = PostgresSettings(host: "127.0.0.1", port: 1, user: "u", database: "d", schema: schema)
        let error = #expect(throws: FeatureStoreError.self) { try PostgresRegistry(settings: settings, password: nil) }
        #expect(error?.code == .invalidArgument)
    }
}
