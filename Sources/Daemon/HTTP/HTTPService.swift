import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTP API as a lifecycle service of its own. On graceful shutdown it stops accepting
/// connections, finishes requests in flight, flushes the events it accepted, and returns; put
/// it after the pipeline in the service group so it stops first and the pipeline drains after.
public final class HTTPService: Service, @unchecked Sendable {
    /// The endpoints served.
    public let api: RecommendationAPI
    private let logger: Logger
    private let onStopped: @Sendable () -> Void
    private let lock = NSLock()
    private var port: Int?
    private var portWaiters: [CheckedContinuation<Int?, Never>] = []
    private var finished = false

    /// Creates the service around `api` and installs the list cache as the pipeline's
    /// `onPublish` hook. `onStopped` runs once the server has stopped accepting and its
    /// requests are done (before `run()` returns).
    public init(api: RecommendationAPI, logger: Logger, onStopped: @escaping @Sendable () -> Void = {}) {
        self.api = api
        self.logger = logger
        self.onStopped = onStopped
        let cache = api.cache
        let previous = api.pipeline.onPublish
        api.pipeline.onPublish = { list in
            cache.record(list)
            previous?(list)
        }
    }

    /// The port the server listens on, once it does (nil if it stopped before binding).
    public func boundPort() async -> Int? {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let port { lock.unlock(); continuation.resume(returning: port); return }
            if finished { lock.unlock(); continuation.resume(returning: nil); return }
            portWaiters.append(continuation)
            lock.unlock()
        }
    }

    private func setPort(_ value: Int?, finished done: Bool) {
        lock.lock()
        if let value { port = value }
        if done { finished = true }
        let waiters = (port != nil || finished) ? portWaiters : []
        if !waiters.isEmpty { portWaiters.removeAll() }
        let answer = port
        lock.unlock()
        for waiter in waiters { waiter.resume(returning: answer) }
    }

    /// Serves until graceful shutdown or cancellation. Throws a `ConfigurationError` before
    /// binding when the settings fail `HTTPServiceConfiguration.validate()` (a non-loopback
    /// address without a token).
    public func run() async throws {
        let configuration = api.configuration
        do { try configuration.validate() } catch {
            setPort(nil, finished: true)
            logger.error("HTTP API not started: \(error)")
            throw error
        }
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(configuration.address, port: configuration.port),
                                 serverName: "streamrec"),
            onServerRunning: { [self, logger] channel in
                let port = channel.localAddress?.port
                logger.info("HTTP API listening on \(configuration.address):\(port.map(String.init) ?? "?")")
                setPort(port, finished: false)
            },
            logger: logger)
        defer { setPort(nil, finished: true) }
        do {
            try await app.run()
        } catch {
            logger.error("HTTP server failed: \(error)")
            throw error
        }
        if let intake = api.intake, !intake.flush(timeoutMs: 5_000) {
            logger.warning("\(intake.outstanding) posted event(s) not acknowledged by the broker at shutdown")
        }
        logger.info("HTTP API stopped accepting requests")
        onStopped()
    }
}
