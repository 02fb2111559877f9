import Foundation
import ProcessSupport

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

    /// The reading end of a child's output, named as Foundation's `Pipe` names it.
    struct OutputPipe: Sendable {
        var fileHandleForReading: FileHandle
    }

    struct Running: Sendable {
        var process: ChildProcess
        var standardOutputPipe: OutputPipe
        var standardErrorPipe: OutputPipe
    }

    /// Starts `fs` without waiting for it.
    static func start(_ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws
        -> Running
    {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let process = try ChildProcess(executable: binary, arguments: arguments, environment: env, directory: directory)
        return Running(
            process: process, standardOutputPipe: OutputPipe(fileHandleForReading: process.standardOutput!),
            standardErrorPipe: OutputPipe(fileHandleForReading: process.standardError!))
    }

    /// A fresh empty directory under the system's temporary folder.
    static func temporaryDirectory(_ label: String = "fs-e2e") -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "\(label)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
