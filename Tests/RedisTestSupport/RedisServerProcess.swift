import Foundation
// The harness helpers (`eventually`, `HarnessError`) live in ProcessSupport, shared with the
// PostgreSQL harness; re-exported so the Redis tests keep importing this module alone.
@_exported import ProcessSupport
import Redis

#if canImport(Glibc)
    import Glibc
#endif

/// One `redis-server` the tests started, on a free loopback port, with its files in a temp dir.
public final class RedisServerProcess: @unchecked Sendable {
    /// The ports; chosen again when another socket takes one before the first start (a restart
    /// keeps them).
    public private(set) var port: Int
    public private(set) var busPort: Int?
    public let directory: URL
    private var process: ChildProcess?

    public var address: RedisAddress { RedisAddress(host: "127.0.0.1", port: port) }

    /// Starts a server; `cluster` makes it a cluster node (with its bus on a second free port).
    public init(cluster: Bool = false) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fs-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        busPort = cluster ? try Self.freePort() : nil
        try writeConfiguration()
        try await start(choosingOtherPortsWhenTaken: true)
    }

    /// Writes redis.conf for the current ports.
    private func writeConfiguration() throws {
        var lines = [
            "bind 127.0.0.1", "port \(port)", "dir \(directory.path)", "save \"\"", "appendonly no",
            "daemonize no", "logfile \(directory.path)/redis.log", "protected-mode no",
        ]
        if let busPort {
            lines += [
                "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 1000",
                "cluster-port \(busPort)", "cluster-require-full-coverage no",
            ]
        }
        try (lines.joined(separator: "\n") + "\n").write(
            to: directory.appendingPathComponent("redis.conf"), atomically: true, encoding: .utf8)
    }

    /// How long a started server may take to answer: generous, because the whole test suite shares
    /// two cores and a loaded machine delays everything.
    public static let startTimeout: TimeInterval = 60

    /// Starts (or restarts) the process and waits until it answers `PING`.
    ///
    /// A port can be taken (between ``freePort()`` and the first start, or once the old process of
    /// a restart is gone, the kernel may hand it to another test's outgoing connection as its local
    /// port, and that connection may live for the rest of the run): redis-server then exits with
    /// "Address already in use". The first start takes other ports; a restart, which must keep its
    /// ports, starts again until they are free or the start timeout passes (as
    /// ``PostgresServerProcess`` does).
    public func start(choosingOtherPortsWhenTaken: Bool = false) async throws {
        var process = try spawn()
        var lastError = "none"
        var bindConflicts = 0
        let answered = try await eventually(timeout: .seconds(Self.startTimeout)) {
            if !process.isRunning {
                guard logSinceSpawn.contains("Address already in use") else { return true }
                bindConflicts += 1
                lastError = "port \(port) in use (\(bindConflicts) times)"
                if choosingOtherPortsWhenTaken {
                    port = try Self.freePort()
                    if busPort != nil { busPort = try Self.freePort() }
                    try writeConfiguration()
                } else {
                    try await Task.sleep(for: .milliseconds(500))
                }
                process = try spawn()
                return false
            }
            let client = RedisClient(address: address)
            defer { Task { await client.close() } }
            do {
                return try await client.send(RedisCommand("PING", [], keyed: false)) == .simpleString("PONG")
            } catch {
                lastError = "\(error)"
                return false
            }
        }
        if answered && process.isRunning { return }
        let raw = Self.rawConnect(port: port)
        let alive = process.isRunning
        // Do not leave the process behind: the caller never gets an object to stop.
        kill()
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw HarnessError(
            "redis-server on port \(port) \(alive ? "did not answer PING within \(Int(Self.startTimeout)) s" : "exited before it answered PING") (last error: \(lastError); a plain connect(): \(raw)); its log:\n\(log)"
        )
    }

    private var logFile: URL { directory.appendingPathComponent("redis.log") }

    /// Where the log stood when redis-server was last spawned.
    private var logOffset = 0

    /// What redis-server has logged since it was last spawned.
    private var logSinceSpawn: String {
        let data = (try? Data(contentsOf: logFile)) ?? Data()
        return String(decoding: data.dropFirst(min(logOffset, data.count)), as: UTF8.self)
    }

    private func spawn() throws -> ChildProcess {
        logOffset = (try? Data(contentsOf: logFile).count) ?? 0
        let process = try ChildProcess(
            executable: try Self.redisServer().path, arguments: [directory.appendingPathComponent("redis.conf").path],
            environment: ProcessInfo.processInfo.environment, output: .null, error: .null)
        self.process = process
        return process
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Stops the process and removes its files.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    static func redisServer() throws -> URL {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw HarnessError(
            "redis-server is not installed (Debian: apt-get install redis-server; scripts/test installs it)")
    }

    /// What a blocking `connect()` to the port says (diagnostics only).
    static func rawConnect(port: Int) -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return "socket() failed, errno \(errno)" }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0 ? "connected" : "errno \(errno)"
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

/// Runs `body` with a fresh Redis server, stopping it afterwards whether `body` succeeded or threw.
public func withRedisServer<T>(_ body: (RedisServerProcess) async throws -> T) async throws -> T {
    let server = try await RedisServerProcess()
    do {
        let result = try await body(server)
        server.stop()
        return result
    } catch {
        server.stop()
        throw error
    }
}
