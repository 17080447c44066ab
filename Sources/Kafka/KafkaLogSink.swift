/// Receives librdkafka's log lines and client errors: syslog `level` (3 = error, 7 = debug),
/// librdkafka `facility` (such as `FAIL` or `CGRPJOIN`) and the message text.
///
/// Called on librdkafka's internal threads or inside `poll`, so it must be thread-safe and quick.
public typealias KafkaLogSink = @Sendable (_ level: Int32, _ facility: String, _ message: String) -> Void
