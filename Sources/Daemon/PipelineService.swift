import Engine
import Foundation
import Logging
import ServiceLifecycle
import Pipeline

/// Runs a `StreamPipeline` on its own thread as a lifecycle service: graceful shutdown stops
/// fetching and waits for the pipeline to drain (publish, flush, commit).
public final class PipelineService: Service, @unchecked Sendable {
    /// The pipeline it runs.
    public let pipeline: StreamPipeline
    private let logger: Logger
    private let onShutdown: @Sendable () -> Void

    /// Wraps a pipeline; `onShutdown` runs when graceful shutdown begins (e.g. to tell systemd).
    public init(pipeline: StreamPipeline, logger: Logger, onShutdown: @escaping @Sendable () -> Void = {}) {
        self.pipeline = pipeline
        self.logger = logger
        self.onShutdown = onShutdown
    }

    /// Starts the pipeline thread and returns when it has drained.
    public func run() async throws {
        let pipeline = self.pipeline
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let thread = Thread {
                    do {
                        try pipeline.run()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "streamrec-pipeline"
                thread.start()
            }
        } onCancelOrGracefulShutdown: { [onShutdown, logger] in
            logger.info("shutdown requested: stopping fetch and draining")
            onShutdown()
            pipeline.stop()
        }
    }
}

/// Pings the systemd watchdog and refreshes the status line while the daemon runs.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let pipeline: StreamPipeline

    /// Creates the service.
    public init(notifier: SystemdNotifier, pipeline: StreamPipeline) {
        self.notifier = notifier
        self.pipeline = pipeline
    }

    /// Pings at half the watchdog interval (or every 5 s for the status line) until shutdown.
    public func run() async throws {
        guard notifier.isActive else {
            // Nothing to ping; stay up until shutdown so the group does not end early.
            try? await gracefulShutdown()
            return
        }
        let interval = notifier.watchdogInterval.map { $0 / 2 } ?? .seconds(5)
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let s = pipeline.statsSnapshot()
                notifier.status("applied \(s.applied) events, \(s.users) users, \(s.items) items, lag \(s.lag < 0 ? "?" : String(s.lag))")
                if notifier.watchdogInterval != nil { notifier.watchdog() }
                try await Task.sleep(for: interval)
            }
        }
    }
}
