import FeatureStoreCore
import Foundation

/// An exclusive advisory lock on a file (`flock`), released when the holder exits, even by
/// SIGKILL. The file records who holds it, for the message others get.
final class FileLock {
    private let descriptor: Int32
    let path: String

    /// Takes the lock or throws `locked` naming the holder.
    init(path: String, purpose: String) throws {
        self.path = path
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FeatureStoreError.io("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            close(descriptor)
            throw FeatureStoreError(
                .locked,
                "another \(purpose) is running (\(holder?.isEmpty == false ? holder! : "holder unknown")); it holds \(path). Wait for it to finish; a run that dies releases the lock by itself."
            )
        }
        let info = "pid \(getpid()), started \(Timestamp.now().rfc3339)\n"
        _ = ftruncate(descriptor, 0)
        _ = info.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
