import Foundation

extension StreamRecConfiguration {
    /// The `http.*` keys as the HTTP service's settings.
    public var http: HTTPServiceConfiguration {
        HTTPServiceConfiguration(address: httpAddress, port: httpPort, readyMaxLag: readyMaxLag,
                                 maxBodyBytes: httpMaxBodyBytes, maxK: httpMaxK, listCacheSize: httpListCacheSize,
                                 maxOutstandingEvents: pipeline.maxOutstandingLists, authToken: httpAuthToken)
    }

    /// Checks what single keys cannot: with the HTTP API on (`http.port` not 0), a non-loopback
    /// `http.address` needs `http.auth_token_file`. `streamrec serve` calls it before starting.
    public func validate() throws(ConfigurationError) {
        if httpPort != 0 { try http.validate() }
    }

    /// The bearer token in the file at `path`: its contents with surrounding white space removed;
    /// an unreadable file, an empty token or one with white space inside is an error.
    static func readAuthToken(path: String) throws(ConfigurationError) -> String {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError("cannot read the token file \(path): \(error.localizedDescription)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ConfigurationError("the token file \(path) is empty") }
        guard !token.contains(where: \.isWhitespace) else {
            throw ConfigurationError("the token in \(path) contains white space (a bearer token is one word)")
        }
        return token
    }
}
