import NIOCore
import NIOPosix

/// The event loops Redis connections run on unless a caller gives its own: threads of their own,
/// so a busy or blocked loop of the HTTP server (which uses NIO's shared singleton) never delays
/// online-store replies, and the other way round.
public enum RedisEventLoops {
    public static let shared: MultiThreadedEventLoopGroup = MultiThreadedEventLoopGroup(
        numberOfThreads: max(1, System.coreCount))
}
