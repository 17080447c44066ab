extension StreamRecConfiguration {
    /// The `http.*` keys as the HTTP service's settings.
    public var http: HTTPServiceConfiguration {
        HTTPServiceConfiguration(address: httpAddress, port: httpPort, readyMaxLag: readyMaxLag,
                                 maxBodyBytes: httpMaxBodyBytes, maxK: httpMaxK, listCacheSize: httpListCacheSize,
                                 maxOutstandingEvents: pipeline.maxOutstandingLists)
    }
}
