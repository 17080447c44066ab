import Events
import Testing

@Suite("Item record decoder")
struct ItemRecordDecoderTests {
    let decoder = ItemRecordDecoder(limits: ItemRecordLimits(maxAttributes: 3, embeddingWidth: 3))

    @Test("every field, in any order, with unknown fields and nulls ignored")
    func fullRecord() throws {
        let record = try decoder.decode(#"{"ts":17,"embedding":[3,0,-4.5],"x":{"y":[1]},"attributes":["brand:acme","cat","cat"],"available":false,"item":"i1","note":null}"#,
                                        key: "i1")
        #expect(record == ItemRecord(item: "i1", available: false, attributes: ["brand:acme", "cat"], embedding: [3, 0, -4.5], timestampMs: 17))
        let minimal = try decoder.decode(#"{"item":"i2","attributes":null,"embedding":[]}"#)
        #expect(minimal == ItemRecord(item: "i2"))
    }

    @Test("the encoder's output decodes to the same record")
    func roundTrip() throws {
        let record = ItemRecord(item: "q\"uote", available: false, attributes: ["a", "b\\c"], embedding: [0.5, -1, 2], timestampMs: 99)
        #expect(try decoder.decode(ItemRecordEncoder.json(record)) == record)
    }

    @Test("bad records are refused with their reason", arguments: [
        (#"{"item":"i","embedding":[1,2]}"#, "embedding_width"),
        (#"{"item":"i","embedding":[1,2,3,4]}"#, "embedding_width"),
        (#"{"item":"i","embedding":[1,NaN,3]}"#, "non_finite"),
        (#"{"item":"i","embedding":[1,1e60,3]}"#, "non_finite"),
        (#"{"item":"i","embedding":"1,2,3"}"#, "wrong_type"),
        (#"{"item":"i","attributes":["a","b","c","d"]}"#, "too_many_attributes"),
        (#"{"item":"i","attributes":[1]}"#, "wrong_type"),
        (#"{"item":"i","attributes":"a"}"#, "wrong_type"),
        (#"{"item":"i","available":1}"#, "wrong_type"),
        (#"{"item":7}"#, "wrong_type"),
        (#"{"available":true}"#, "missing_field"),
        (#"{"item":"i","ts":1.5}"#, "bad_timestamp"),
        (#"{"item":"i","item":"j"}"#, "duplicate_field"),
        (#"{"item":"i","attributes":["a",]}"#, "not_json"),
        (#"{"item":"i""#, "not_json"),
        ("true", "not_object"),
    ])
    func refused(input: String, reason: String) {
        #expect(throws: EventDecodingError.self) { try decoder.decode(input) }
        do { _ = try decoder.decode(input) } catch { #expect(error.reason == reason, "\(input)") }
    }

    @Test("the key must be the item id; embeddings are refused when no width is configured")
    func keyAndWidth() {
        do { _ = try decoder.decode(#"{"item":"i1"}"#, key: "i2"); Issue.record("accepted a key mismatch") } catch {
            #expect(error.reason == "key_mismatch")
        }
        let noEmbeddings = ItemRecordDecoder()
        do { _ = try noEmbeddings.decode(#"{"item":"i1","embedding":[1]}"#); Issue.record("accepted an embedding") } catch {
            #expect(error.reason == "embedding_width")
        }
    }
}
