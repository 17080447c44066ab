import Engine
import Logging
import Pipeline

/// The whole configuration of the daemon: Kafka, engine, model, state, HTTP and logging.
///
/// Built from defaults, then `config/streamrec.yaml`, then `STREAMREC_*` environment variables,
/// then command-line flags, each overriding the one before (see `StreamRecConfiguration+ConfigReader`).
public struct StreamRecConfiguration: Sendable {
    /// Kafka topics, group and pass-through librdkafka properties.
    public var pipeline = PipelineConfiguration()
    /// Engine and model settings.
    public var engine = EngineConfiguration()
    /// Directory for checkpoints and other state (`pipeline.stateDirectory` is set from it).
    public var stateDirectory: String {
        get { pipeline.stateDirectory ?? "/var/lib/streamrec" }
        set { pipeline.stateDirectory = newValue }
    }
    /// Address the HTTP server binds to.
    public var httpAddress = "127.0.0.1"
    /// Port of the HTTP server (0 disables it).
    public var httpPort = 8080
    /// Largest lag (messages) at which `/readyz` still reports ready.
    public var readyMaxLag: Int64 = 10_000
    /// Largest accepted `POST /v1/events` body, in bytes.
    public var httpMaxBodyBytes = 1 << 20
    /// Largest `k` the query endpoints accept.
    public var httpMaxK = 100
    /// Published lists kept in memory for `GET /v1/users/{id}/recommendations`.
    public var httpListCacheSize = 100_000
    /// Whether `POST /v1/events` is served (it produces to the input topic).
    public var httpAcceptEvents = true
    /// File holding the bearer token every `/v1` endpoint requires (`http.auth_token_file`; nil:
    /// none). Required when `httpAddress` is not a loopback address (see `validate()`).
    public var httpAuthTokenFile: String?
    /// The token read from `httpAuthTokenFile`, white space trimmed (nil without a file).
    public var httpAuthToken: String?
    /// Whether metrics go to the Prometheus registry served at `/metrics`.
    public var metricsEnabled = true
    /// Log level.
    public var logLevel = Logger.Level.info

    /// Creates the defaults.
    public init() {
        pipeline.stateDirectory = "/var/lib/streamrec"
        // The daemon trains its session model unless `session.enabled: false`.
        engine.session.learning.enabled = true
        // ... and its MF learner goes over the seen items again while the stream is quiet.
        engine.idleEpochs = 20
        pipeline.itemsTopic = "streamrec.items"
    }
}
