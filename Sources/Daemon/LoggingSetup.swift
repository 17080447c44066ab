import Logging

/// Creates loggers that write one line per record to standard error, where journald picks them up.
public enum LoggingSetup {
    /// A logger named `label` at `level`, writing to standard error.
    public static func logger(label: String = "streamrec", level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}
