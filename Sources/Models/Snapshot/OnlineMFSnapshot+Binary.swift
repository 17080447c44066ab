import Foundation

extension OnlineMFSnapshot {
    /// Section names used by ``write(into:prefix:)``.
    public static let sectionSuffixes = ["config", "state", "userFactors", "itemFactors", "userBias", "itemBias", "userCount", "itemCount"]

    /// Adds this snapshot's sections (`<prefix>.config`, `<prefix>.state`, …) to `writer`.
    public func write(into writer: inout SnapshotWriter, prefix: String = "onlinemf") {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a plain Codable struct of scalars cannot fail.
        let config = (try? encoder.encode(configuration)).map { [UInt8]($0) } ?? []
        writer.addSection("\(prefix).config", bytes: config)
        writer.addSection("\(prefix).state") { w in
            w.append(UInt64(users))
            w.append(UInt64(items))
            w.append(globalMean)
            w.append(eventCount)
            w.append(rngState)
        }
        writer.addSection("\(prefix).userFactors") { $0.append(userFactors) }
        writer.addSection("\(prefix).itemFactors") { $0.append(itemFactors) }
        writer.addSection("\(prefix).userBias") { $0.append(userBias) }
        writer.addSection("\(prefix).itemBias") { $0.append(itemBias) }
        writer.addSection("\(prefix).userCount") { $0.append(userCount) }
        writer.addSection("\(prefix).itemCount") { $0.append(itemCount) }
    }

    /// Reads the sections written by ``write(into:prefix:)`` and checks their shapes.
    public init(reader: SnapshotReader, prefix: String = "onlinemf") throws {
        let configBytes = try reader.section("\(prefix).config")
        let configuration: OnlineMFConfiguration
        do {
            configuration = try JSONDecoder().decode(OnlineMFConfiguration.self, from: Data(configBytes))
        } catch {
            throw SnapshotError(.malformed, "\(prefix).config: \(error)")
        }
        var state = try reader.reader(for: "\(prefix).state")
        let users = try state.read(UInt64.self)
        let items = try state.read(UInt64.self)
        guard users < UInt64(Int32.max), items < UInt64(Int32.max) else {
            throw SnapshotError(.malformed, "\(prefix).state: implausible sizes \(users) x \(items)")
        }
        let globalMean = try state.readFloat()
        let eventCount = try state.read(Int64.self)
        let rngState = try state.read(UInt64.self)
        func floats(_ name: String) throws -> [Float] {
            var r = try reader.reader(for: "\(prefix).\(name)")
            return try r.readFloats()
        }
        func ints(_ name: String) throws -> [Int32] {
            var r = try reader.reader(for: "\(prefix).\(name)")
            return try r.readInt32s()
        }
        self.init(configuration: configuration, users: Int(users), items: Int(items),
                  userFactors: try floats("userFactors"), itemFactors: try floats("itemFactors"),
                  userBias: try floats("userBias"), itemBias: try floats("itemBias"),
                  userCount: try ints("userCount"), itemCount: try ints("itemCount"),
                  globalMean: globalMean, eventCount: eventCount, rngState: rngState)
        do {
            try validate()
        } catch let error as ModelError {
            throw SnapshotError(.malformed, error.message)
        }
    }

    /// The snapshot alone as a complete file.
    public func encoded() -> [UInt8] {
        var w = SnapshotWriter()
        write(into: &w)
        return w.encoded()
    }

    /// Decodes a file made by ``encoded()``.
    public init(bytes: [UInt8]) throws {
        try self.init(reader: SnapshotReader(bytes: bytes))
    }
}
