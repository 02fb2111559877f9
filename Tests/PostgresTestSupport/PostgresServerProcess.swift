import FeatureStoreCore
import Foundation
import PostgresClient
@_exported import ProcessSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A throwaway PostgreSQL cluster the tests started: `initdb` into a temp dir, then `postgres` on a
/// free loopback port with its unix socket in the same dir. The superuser `fs` logs in over TCP
/// with a password (scram-sha-256), so the password path is exercised by every test.
///
/// initdb and postgres refuse to run as root; when the tests run as root (here and in CI) both run
/// as `nobody` through `setpriv`, which execs in place (the process the test holds is postgres
/// itself), with the temp dir given to that user.
public final class PostgresServerProcess: @unchecked Sendable {
    /// The port postgres listens on; chosen again when another socket takes it before the first
    /// start (a restart keeps it).
    public private(set) var port: Int
    public let directory: URL
    public let user = "fs"
    public let password: String
    public let database = "postgres"
    private var process: ChildProcess?

    public var dataDirectory: URL { directory.appendingPathComponent("data") }
    public var logFile: URL { directory.appendingPathComponent("log/postgres.log") }
    /// postgres's standard error: what it says before its logging collector starts, such as a
    /// port it cannot bind.
    public var startupLogFile: URL { directory.appendingPathComponent("log/startup.log") }

    /// Settings for a store in `schema` of this server's `postgres` database, with the password in
    /// ``passwordEnv`` (see ``environment``).
    public func settings(schema: String = PostgresSettings.defaultSchema) -> PostgresSettings {
        PostgresSettings(
            host: "127.0.0.1", port: port, user: user, database: database, schema: schema,
            passwordEnv: Self.passwordEnv)
    }

    public static let passwordEnv = "FS_TEST_PG_PASSWORD"

    /// An environment holding the password under ``passwordEnv``.
    public var environment: [String: String] { [Self.passwordEnv: password] }

    /// How long initdb and a start may take: generous, the whole suite shares two cores.
    public static let startTimeout: TimeInterval = 120

    /// How many connections the server accepts (`max_connections`): few for a test's own
    /// cluster, more for one shared by the tests running at once.
    public let maxConnections: Int

    public init(maxConnections: Int = 40) async throws {
        self.maxConnections = maxConnections
        // Under /tmp (not $TMPDIR, which may sit in root's home): every ancestor must be
        // reachable by the unprivileged user.
        _ = Self.sweptAbandonedClusters
        directory = Self.base.appendingPathComponent("fs-postgres-\(UUID().uuidString)")
        password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        port = try Self.freePort()
        do {
            try FileManager.default.createDirectory(
                at: directory.appendingPathComponent("log"), withIntermediateDirectories: true)
            try password.write(to: directory.appendingPathComponent("pwfile"), atomically: true, encoding: .utf8)
            try "\(getpid())".write(to: directory.appendingPathComponent("owner"), atomically: true, encoding: .utf8)
            if let account = Self.unprivilegedAccount() {
                for path in [
                    directory.path, directory.appendingPathComponent("log").path,
                    directory.appendingPathComponent("pwfile").path,
                ] {
                    guard chown(path, account.uid, account.gid) == 0 else {
                        throw HarnessError("chown \(path) to nobody failed: errno \(errno)")
                    }
                }
            }
            try await initdb()
            try await start(choosingAnotherPortWhenTaken: true)
        } catch {
            kill()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private func initdb() async throws {
        let initdb = try Self.binary("initdb")
        let child = try Self.spawn(
            initdb,
            [
                "-D", dataDirectory.path, "-U", user, "--pwfile", directory.appendingPathComponent("pwfile").path,
                "--auth-host", "scram-sha-256", "--auth-local", "trust", "-E", "UTF8", "--locale", "C",
                "--no-sync", "--no-instructions",
            ], output: .null)
        let status = await child.waitForExit()
        let errors = String(decoding: child.standardError?.readDataToEndOfFile() ?? Data(), as: UTF8.self)
        guard status == 0 else { throw HarnessError("initdb failed with status \(status):\n\(errors)") }
    }

    /// Starts (or restarts) postgres and waits until it answers `SELECT 1` over TCP with the password.
    ///
    /// The port can be taken: between ``freePort()`` and the first start, or once the old postgres
    /// of a restart is gone, the kernel may hand it to another test's outgoing connection as its
    /// local port (ports come from the ephemeral range), and such a connection can live for the
    /// rest of the run. postgres then exits with "Address already in use" (on its standard error,
    /// before its log starts); the first start takes another port, a restart (which must keep its
    /// port) starts again until the port is free or the start timeout passes.
    public func start(choosingAnotherPortWhenTaken: Bool = false) async throws {
        var process = try spawnPostgres()
        let password = password
        var lastError = "none"
        var bindConflicts = 0
        let answered = try await eventually(timeout: .seconds(Self.startTimeout), pause: .milliseconds(100)) {
            if !process.isRunning {
                guard logSinceSpawn.contains("Address already in use") else { return true }
                bindConflicts += 1
                lastError = "port \(port) in use (\(bindConflicts) times)"
                if choosingAnotherPortWhenTaken {
                    port = try Self.freePort()
                } else {
                    try await Task.sleep(for: .milliseconds(500))
                }
                process = try spawnPostgres()
                return false
            }
            let settings = settings()
            do {
                try await offPool {
                    let session = PostgresSession(settings: settings, password: password)
                    defer { session.close() }
                    try session.query("SELECT 1")
                }
                return true
            } catch {
                lastError = "\(error)"
                return false
            }
        }
        if answered && process.isRunning { return }
        let alive = process.isRunning
        kill()
        let log = [startupLogFile, logFile].map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined()
        throw HarnessError(
            "postgres on port \(port) \(alive ? "did not answer within \(Int(Self.startTimeout)) s" : "exited before it answered") (last error: \(lastError)); its log:\n\(log)"
        )
    }

    /// Where the startup log and the log stood when postgres was last spawned.
    private var logOffsets: [UInt64] = [0, 0]

    /// What postgres has said (standard error, then its log) since it was last spawned.
    private var logSinceSpawn: String {
        zip([startupLogFile, logFile], logOffsets).map { file, offset in
            guard let handle = try? FileHandle(forReadingFrom: file) else { return "" }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            return String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        }.joined()
    }

    private func spawnPostgres() throws -> ChildProcess {
        let postgres = try Self.binary("postgres")
        logOffsets = [startupLogFile, logFile].map {
            (try? FileManager.default.attributesOfItem(atPath: $0.path)[.size] as? UInt64) ?? 0
        }
        let process = try Self.spawn(
            postgres,
            [
                "-D", dataDirectory.path, "-p", "\(port)", "-k", directory.path, "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "shared_buffers=16MB", "-c", "max_connections=\(maxConnections)", "-c", "logging_collector=on",
                "-c", "log_directory=\(directory.appendingPathComponent("log").path)",
                "-c", "log_filename=postgres.log",
            ], output: .null, error: .file(startupLogFile.path))
        self.process = process
        return process
    }

    /// Stops postgres with a fast shutdown (SIGINT: clients are disconnected, open transactions
    /// rolled back), killing it if it has not exited after 30 s.
    public func shutDown() {
        guard let process, process.isRunning else { return }
        process.signal(SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        kill()
    }

    /// Kills postgres at once (SIGKILL), as a crash would.
    public func kill() {
        guard let process, process.isRunning else { return }
        process.signal(SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops postgres and deletes the cluster.
    public func stop() {
        shutDown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Where the clusters go: under /tmp when running as root (not $TMPDIR, which may sit in root's
    /// home), since every ancestor must be reachable by the unprivileged user.
    static var base: URL { getuid() == 0 ? URL(fileURLWithPath: "/tmp") : FileManager.default.temporaryDirectory }

    /// Clusters left by a test process that died before stopping them (a crash, a kill): their
    /// postgres is stopped and their files deleted, once per test process. A cluster whose owner
    /// still runs (another `swift test` at the same time) is left alone.
    static let sweptAbandonedClusters: Void = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        for name in names where name.hasPrefix("fs-postgres-") {
            let directory = base.appendingPathComponent(name)
            guard let text = try? String(contentsOf: directory.appendingPathComponent("owner"), encoding: .utf8),
                let owner = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), Glibc.kill(owner, 0) != 0,
                errno == ESRCH
            else { continue }
            let pidFile = directory.appendingPathComponent("data/postmaster.pid")
            if let line = (try? String(contentsOf: pidFile, encoding: .utf8))?.split(separator: "\n").first,
                let postmaster = Int32(line),
                // Still that cluster's postgres, not a process that got its id since.
                let command = FileManager.default.contents(atPath: "/proc/\(postmaster)/cmdline"),
                String(decoding: command, as: UTF8.self).contains(directory.path)
            {
                _ = Glibc.kill(postmaster, SIGQUIT)
                for _ in 0..<100 where Glibc.kill(postmaster, 0) == 0 { usleep(50_000) }
            }
            try? FileManager.default.removeItem(at: directory)
        }
    }()

    /// `initdb` or `postgres`: on PATH, else the newest /usr/lib/postgresql/N/bin (where Debian's
    /// packages put them, off PATH).
    static func binary(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let candidate = "/usr/lib/postgresql/\(version)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw HarnessError(
            "\(name) is not installed (Debian: apt-get install postgresql; scripts/lib/ensure-packages.sh installs it)")
    }

    /// `nobody` when running as root (initdb and postgres refuse root), else `nil`.
    static func unprivilegedAccount() -> (uid: uid_t, gid: gid_t)? {
        guard geteuid() == 0, let entry = getpwnam("nobody") else { return nil }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    static func spawn(
        _ executable: String, _ arguments: [String], output: ChildProcess.Stream = .pipe,
        error: ChildProcess.Stream = .pipe
    ) throws -> ChildProcess {
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment["PGTZ"] = "UTC"
        if let account = unprivilegedAccount() {
            environment["HOME"] = "/tmp"
            return try ChildProcess(
                executable: "/usr/bin/setpriv",
                arguments: ["--reuid=\(account.uid)", "--regid=\(account.gid)", "--clear-groups", "--", executable]
                    + arguments,
                environment: environment, directory: "/tmp", output: output, error: error)
        }
        return try ChildProcess(
            executable: executable, arguments: arguments, environment: environment, output: output, error: error)
    }

    /// A loopback port nothing listens on (the kernel's pick for an ephemeral bind).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Runs `body` with a fresh cluster, stopping and deleting it afterwards whether `body` succeeded
/// or threw.
public func withPostgresServer<T>(_ body: (PostgresServerProcess) async throws -> T) async throws -> T {
    let server = try await PostgresServerProcess()
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}
