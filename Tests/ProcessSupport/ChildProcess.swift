// Starts the child processes of the tests (`fs`, `redis-server`) with posix_spawn, written here
// because Foundation's `Process.run()` on this toolchain (Swift 6.3.1) crashes the test process now
// and then: it lists /proc/self/fd copying each dirent's full 256-byte name and reads past the end
// of glibc's readdir buffer (fixed upstream in swift-corelibs-foundation PR #5472, not in our
// toolchain). We saw it as a SIGSEGV in `Process.run()` (memmove) in the full `swift test` run.
// This is the small part of `Process` the tests use: pipes for standard output and error, an
// environment, a working directory, signals, and the exit status.

import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

public final class ChildProcess: Sendable {
    /// Where a standard stream of the child goes.
    public enum Stream: Sendable {
        /// A pipe the test reads (``standardOutput`` / ``standardError``).
        case pipe
        /// `/dev/null`.
        case null
        /// A file, created when missing and appended to.
        case file(String)
    }

    public let processIdentifier: Int32
    /// The reading end of the child's standard output, when it is a pipe.
    public let standardOutput: FileHandle?
    /// The reading end of the child's standard error, when it is a pipe.
    public let standardError: FileHandle?

    private struct Exit {
        var status: Int32
        var signaled: Bool
    }

    private let exit = Mutex<Exit?>(nil)
    private let exited = NSCondition()

    /// Starts `executable` with `arguments` (not including the program name), `environment` (the
    /// whole environment) and, when given, `directory` as its working directory.
    public init(
        executable: String, arguments: [String], environment: [String: String],
        directory: String? = nil, output: Stream = .pipe, error: Stream = .pipe
    ) throws {
        var actions = posix_spawn_file_actions_t()
        try Self.check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init")
        defer { posix_spawn_file_actions_destroy(&actions) }

        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { for fd in childEnds { close(fd) } }
        func plumb(_ stream: Stream, to target: Int32) throws -> FileHandle? {
            switch stream {
            case .null:
                try Self.check(
                    posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0),
                    "posix_spawn_file_actions_addopen")
                return nil
            case .file(let path):
                try Self.check(
                    posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644),
                    "posix_spawn_file_actions_addopen")
                return nil
            case .pipe:
                var fds: [Int32] = [-1, -1]
                // Close-on-exec on both ends: no other child started meanwhile inherits them (it
                // would hold the write end open and the reader would never see the end).
                guard pipe(&fds) == 0 else { throw Self.failure("pipe", errno) }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                parentEnds.append(fds[0])
                childEnds.append(fds[1])
                try Self.check(posix_spawn_file_actions_adddup2(&actions, fds[1], target), "adddup2")
                return FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
            }
        }
        do {
            try Self.check(
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0),
                "posix_spawn_file_actions_addopen")
            standardOutput = try plumb(output, to: 1)
            standardError = try plumb(error, to: 2)
        } catch {
            for fd in parentEnds { close(fd) }
            throw error
        }
        // Nothing but 0, 1 and 2 reaches the child, whatever the test process has open.
        try Self.check(GNUSpawnActions.closeFrom(&actions, 3), "posix_spawn_file_actions_addclosefrom_np")
        if let directory {
            try Self.check(GNUSpawnActions.changeDirectory(&actions, directory), "posix_spawn_file_actions_addchdir_np")
        }

        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let spawned = Self.withCStrings(argv) { argvPointers in
            Self.withCStrings(envp) { envPointers in
                posix_spawn(&pid, executable, &actions, nil, argvPointers, envPointers)
            }
        }
        guard spawned == 0 else { throw Self.failure("posix_spawn \(executable)", spawned) }
        processIdentifier = pid

        // One reaper thread per child: the only caller of waitpid for it.
        let thread = Thread { [self] in self.reap() }
        thread.name = "reaper \(pid)"
        thread.start()
    }

    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(processIdentifier, &status, 0) } while result == -1 && errno == EINTR
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (they are macros).
        let signal = status & 0x7f
        let value = signal == 0 ? (status >> 8) & 0xff : signal
        exited.lock()
        exit.withLock { $0 = Exit(status: value, signaled: signal != 0) }
        exited.broadcast()
        exited.unlock()
    }

    public var isRunning: Bool { exit.withLock { $0 == nil } }

    /// Blocks the calling thread until the child has exited.
    public func waitUntilExit() {
        exited.lock()
        while exit.withLock({ $0 == nil }) { exited.wait() }
        exited.unlock()
    }

    /// Waits for the child to exit without holding a thread of the cooperative pool, and returns
    /// ``terminationStatus``.
    public func waitForExit() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread { [self] in
                waitUntilExit()
                continuation.resume(returning: terminationStatus)
            }.start()
        }
    }

    /// The exit code, or the number of the signal that ended the child (as Foundation's `Process`);
    /// only meaningful once it has exited.
    public var terminationStatus: Int32 { exit.withLock { $0?.status ?? 0 } }

    public var terminationReason: Process.TerminationReason {
        exit.withLock { $0?.signaled == true ? .uncaughtSignal : .exit }
    }

    /// Sends SIGTERM.
    public func terminate() { signal(SIGTERM) }

    /// Sends `number` to the child, if it still runs.
    public func signal(_ number: Int32) {
        if isRunning { _ = Glibc.kill(processIdentifier, number) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    private static func check(_ result: Int32, _ what: String) throws {
        if result != 0 { throw failure(what, result) }
    }

    private static func failure(_ what: String, _ code: Int32) -> ChildProcessError {
        ChildProcessError(description: "\(what) failed: \(String(cString: strerror(code)))")
    }
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `…_addchdir_np` (2.29): declared
/// only under `_GNU_SOURCE`, which Swift's Glibc module does not define, so looked up by name.
enum GNUSpawnActions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    nonisolated(unsafe) static let closeFrom: CloseFrom = function("posix_spawn_file_actions_addclosefrom_np")
    nonisolated(unsafe) static let changeDirectory: ChangeDirectory = function("posix_spawn_file_actions_addchdir_np")

    private static func function<F>(_ name: String) -> F {
        guard let symbol = dlsym(nil, name) else {
            fatalError("\(name) is missing from this C library (glibc 2.34 or later is needed to run the tests)")
        }
        return unsafeBitCast(symbol, to: F.self)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
}
