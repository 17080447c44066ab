import Foundation
import Linalg
import Testing
@testable import Models

@Suite("Snapshot format")
struct FactorizationSnapshotTests {
    private func trainedModel() -> OnlineMF {
        var config = OnlineMFConfiguration.implicitDefaults
        config.factors = 6
        let model = OnlineMF(configuration: config)
        for _ in 0..<7 { model.addUser() }
        for _ in 0..<11 { model.addItem() }
        for k in 0..<300 { model.update(user: Int32(k % 7), item: Int32((k * 5) % 11), value: 1) }
        return model
    }

    private func code(_ b: [UInt8]) -> SnapshotError.Code? {
        do { _ = try SnapshotReader(bytes: b); return nil } catch let e as SnapshotError { return e.code } catch { return nil }
    }

    @Test("OnlineMF snapshot survives encode/decode bit-identically, RNG state included")
    func roundTrip() throws {
        let model = trainedModel()
        let snap = model.snapshot()
        let bytes = snap.encoded()
        let back = try OnlineMFSnapshot(bytes: bytes)
        #expect(back == snap)
        #expect(back.userFactors.map(\.bitPattern) == snap.userFactors.map(\.bitPattern))
        let restored = try OnlineMF(snapshot: back)
        model.update(user: 3, item: 4, value: 1)
        restored.update(user: 3, item: 4, value: 1)
        #expect(model.snapshot() == restored.snapshot())
    }

    @Test("file write and read through a temporary path")
    func fileRoundTrip() throws {
        let snap = trainedModel().snapshot()
        var w = SnapshotWriter()
        snap.write(into: &w)
        w.addSection("session.raw", bytes: [1, 2, 3])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try w.write(toPath: path)
        let r = try SnapshotReader(path: path)
        #expect(try r.section("session.raw") == [1, 2, 3])
        #expect(try OnlineMFSnapshot(reader: r) == snap)
        #expect(r.sectionNames.first == "onlinemf.config")
    }

    @Test("header layout: magic, version 1, payload length, CRC32")
    func headerLayout() throws {
        var w = SnapshotWriter()
        w.addSection("a", bytes: [0xAB])
        let bytes = w.encoded()
        #expect(Array(bytes[0..<8]) == Array("SRSNAP".utf8) + [0, 0])
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])
        // payload = count(4) + nameLen(2) + "a"(1) + len(8) + 1 = 16
        #expect(Array(bytes[12..<20]) == [16, 0, 0, 0, 0, 0, 0, 0])
        #expect(bytes.count == SnapshotWriter.headerSize + 16)
    }

    @Test("CRC32 of the standard check string")
    func crcCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test("truncated files are reported as truncated at every cut")
    func truncated() {
        let bytes = trainedModel().snapshot().encoded()
        for cut in [0, 5, 23, 24, 100, bytes.count - 1] {
            #expect(code(Array(bytes[0..<cut])) == .truncated, "cut at \(cut)")
        }
    }

    @Test("a flipped payload bit fails the checksum; a wrong magic or newer version is refused")
    func corrupt() {
        let bytes = trainedModel().snapshot().encoded()
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        #expect(code(flipped) == .checksumMismatch)
        var magic = bytes
        magic[0] = UInt8(ascii: "X")
        #expect(code(magic) == .badMagic)
        var version = bytes
        version[8] = 9
        #expect(code(version) == .unsupportedVersion)
        #expect(code(bytes + [0]) == .malformed)
    }

    @Test("missing section and short section contents are clear errors")
    func missingAndShort() throws {
        var w = SnapshotWriter()
        w.addSection("onlinemf.config", bytes: Array("{}".utf8))
        let r = try SnapshotReader(bytes: w.encoded())
        #expect(throws: SnapshotError.self) { _ = try r.section("nope") }
        #expect(throws: SnapshotError.self) { _ = try OnlineMFSnapshot(reader: r) }
        var br = ByteReader([1, 2], context: "x")
        #expect(throws: SnapshotError.self) { _ = try br.read(UInt32.self) }
        var bw = ByteWriter()
        bw.append(UInt64(1_000_000))  // claims a huge float array
        var br2 = ByteReader(bw.bytes)
        #expect(throws: SnapshotError.self) { _ = try br2.readFloats() }
    }
}
