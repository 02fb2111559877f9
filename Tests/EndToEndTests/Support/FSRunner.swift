import Foundation

/// Runs the real `fs` binary, the one `swift build` put beside this test bundle.
struct FSRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The built `fs` executable (override with `FS_BINARY`).
    static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["FS_BINARY"] { return path }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((exe as NSString).deletingLastPathComponent as NSString).appendingPathComponent("fs")
    }()

    /// Runs `fs` with `arguments` to completion, blocking the calling thread: for synchronous callers.
    /// An async caller gets the overload in `FSRunner+Async.swift`, which blocks no thread of the
    /// cooperative pool.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws
        -> Result
    {
        let process = try start(arguments, environment: environment, in: directory)
        let out = process.standardOutputPipe.fileHandleForReading.readDataToEndOfFile()
        let err = process.standardErrorPipe.fileHandleForReading.readDataToEndOfFile()
        process.process.waitUntilExit()
        return Result(
            status: process.process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    struct Running: Sendable {
        var process: Process
        var standardOutputPipe: Pipe
        var standardErrorPipe: Pipe
        /// The process's end, for `waitForExit()`.
        var exit: ProcessExit
    }

    /// Starts `fs` without waiting for it.
    static func start(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws
        -> Running
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let exit = ProcessExit()
        process.terminationHandler = { _ in exit.end() }
        try process.run()
        return Running(process: process, standardOutputPipe: out, standardErrorPipe: err, exit: exit)
    }

    /// A fresh empty directory under the system's temporary folder.
    static func temporaryDirectory(_ label: String = "fs-e2e") -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "\(label)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
