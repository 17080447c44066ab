import Testing
@testable import Events

/// Decodes `text` with default limits and a fallback timestamp of 777.
private func decode(_ text: String, limits: EventLimits = EventLimits()) throws(EventDecodingError) -> Event {
    try EventDecoder(limits: limits).decode(text, fallbackTimestampMs: 777)
}

/// The reason code `text` is rejected with, or nil when it decodes.
private func reason(_ text: String, limits: EventLimits = EventLimits()) -> String? {
    do {
        _ = try decode(text, limits: limits)
        return nil
    } catch {
        return error.reason
    }
}

@Suite("EventDecoder")
struct EventDecoderTests {
    @Test("valid messages decode to the expected events")
    func validMessages() throws {
        #expect(try decode(#"{"user":"u1","item":"i2","type":"view","ts":1700000000000}"#)
            == Event(user: "u1", item: "i2", type: .view, value: nil, timestampMs: 1_700_000_000_000))
        #expect(try decode(#" { "item" : "b" , "user" : "a" } "#)
            == Event(user: "a", item: "b", type: .click, timestampMs: 777))
        #expect(try decode(#"{"user":"a","item":"b","value":4.5}"#)
            == Event(user: "a", item: "b", type: .rating, value: 4.5, timestampMs: 777))
        #expect(try decode(#"{"user":"a","item":"b","type":"purchase","value":19.99,"ts":0}"#)
            == Event(user: "a", item: "b", type: .purchase, value: 19.99, timestampMs: 0))
        #expect(try decode(#"{"user":"a","item":"b","type":"rating","value":5e0}"#).value == 5)
        #expect(try decode(#"{"user":"a","item":"b","type":"rating","value":-0.0,"ts":null}"#).timestampMs == 777)
        #expect(try decode(#"{"user":"a","item":"b","type":null,"value":null}"#).type == .click)
        #expect(try decode("{\"user\":\"a\",\n\t\"item\":\"b\"\r\n}").item == "b")
    }

    @Test("each invalid message is rejected with its exact reason", arguments: [
        (#"{"user":"a","item":"b""#, "not_json"),
        (#"{"user":"a","item":"b"} x"#, "not_json"),
        (#"{"user":"a","item":"b",}"#, "not_json"),
        (#"{"user":'a',"item":"b"}"#, "not_json"),
        (#"{"user":"a","item":"b","x":01}"#, "not_json"),
        (#"{"user":"a","item":"b","x":1.}"#, "not_json"),
        (#"{"user":"a","item":"b","x":"\q"}"#, "not_json"),
        ("{\"user\":\"a\tb\",\"item\":\"b\"}", "not_json"),
        ("", "not_json"),
        ("   ", "not_json"),
        (#"{"user":"a\ud800","item":"b"}"#, "invalid_utf8"),
        (#"{"user":"a\udc00\ud800","item":"b"}"#, "invalid_utf8"),
        (#"[{"user":"a","item":"b"}]"#, "not_object"),
        (#""hello""#, "not_object"),
        ("42", "not_object"),
        (#"{"item":"b"}"#, "missing_field"),
        (#"{"user":"a"}"#, "missing_field"),
        (#"{"user":null,"item":"b"}"#, "missing_field"),
        (#"{"user":7,"item":"b"}"#, "wrong_type"),
        (#"{"user":"a","item":["b"]}"#, "wrong_type"),
        (#"{"user":"a","item":"b","type":3}"#, "wrong_type"),
        (#"{"user":"a","item":"b","value":"4.5"}"#, "wrong_type"),
        (#"{"user":"a","item":"b","ts":"1700000000000"}"#, "wrong_type"),
        (#"{"user":"","item":"b"}"#, "empty_id"),
        (#"{"user":"a","item":""}"#, "empty_id"),
        (#"{"user":"a","item":"b","type":"like"}"#, "unknown_type"),
        (#"{"user":"a","item":"b","type":"View"}"#, "unknown_type"),
        (#"{"user":"a","item":"b","type":"rating"}"#, "missing_value"),
        (#"{"user":"a","item":"b","value":5.5}"#, "rating_out_of_range"),
        (#"{"user":"a","item":"b","type":"rating","value":-1}"#, "rating_out_of_range"),
        (#"{"user":"a","item":"b","value":NaN}"#, "non_finite"),
        (#"{"user":"a","item":"b","value":Infinity}"#, "non_finite"),
        (#"{"user":"a","item":"b","value":-Infinity}"#, "non_finite"),
        (#"{"user":"a","item":"b","type":"view","value":1e39}"#, "non_finite"),
        (#"{"user":"a","item":"b","extra":[1,NaN]}"#, "non_finite"),
        (#"{"user":"a","item":"b","ts":1.5}"#, "bad_timestamp"),
        (#"{"user":"a","item":"b","ts":-1}"#, "bad_timestamp"),
        (#"{"user":"a","item":"b","ts":1e3}"#, "bad_timestamp"),
        (#"{"user":"a","item":"b","ts":99999999999999999999}"#, "bad_timestamp"),
        (#"{"user":"a","item":"b","ts":253402300800000}"#, "bad_timestamp"),
        (#"{"user":"a","item":"b","user":"c"}"#, "duplicate_field"),
        (#"{"user":"a","item":"b","ts":1,"\u0074s":2}"#, "duplicate_field"),
    ])
    func invalidMessages(text: String, expected: String) {
        #expect(reason(text) == expected, "\(text)")
    }

    @Test("oversized, too-long ids and depth follow the configured limits")
    func limits() {
        let big = #"{"user":"a","item":"b","pad":""# + String(repeating: "x", count: 70_000) + #""}"#
        #expect(reason(big) == "oversized")
        #expect(reason(big, limits: EventLimits(maxMessageBytes: 100_000)) == nil)
        let longID = String(repeating: "é", count: 129) // 258 bytes
        #expect(reason(#"{"user":"\#(longID)","item":"b"}"#) == "id_too_long")
        #expect(reason(#"{"user":"\#(String(repeating: "é", count: 128))","item":"b"}"#) == nil)

        func nested(_ n: Int) -> String {
            #"{"user":"a","item":"b","x":"# + String(repeating: "[", count: n) + String(repeating: "]", count: n) + "}"
        }
        #expect(reason(nested(15)) == nil)       // depth 16 with the top object
        #expect(reason(nested(16)) == "too_deep")
        #expect(reason(nested(100_000), limits: EventLimits(maxMessageBytes: 1 << 20)) == "too_deep")
        #expect(reason(String(repeating: "[", count: 50_000)) == "too_deep")
        #expect(reason(nested(3), limits: EventLimits(maxDepth: 3)) == "too_deep")
        #expect(reason(nested(2), limits: EventLimits(maxDepth: 3)) == nil)
    }

    @Test("unknown fields of every JSON kind are validated and ignored")
    func unknownFields() throws {
        let text = #"{"meta":{"a":[1,-2.5e-3,true,false,null,{"b":"c\"d"}],"e":{}},"user":"u","list":[],"item":"i","n":0}"#
        #expect(try decode(text) == Event(user: "u", item: "i", type: .click, timestampMs: 777))
        #expect(reason(#"{"meta":{"a":[1,2,]},"user":"u","item":"i"}"#) == "not_json")
        #expect(reason(#"{"meta":{"a" 1},"user":"u","item":"i"}"#) == "not_json")
        #expect(reason(#"{"meta":{1:2},"user":"u","item":"i"}"#) == "not_json")
    }

    @Test("unicode escapes, surrogate pairs and raw UTF-8 decode to the same string")
    func unicode() throws {
        let e = try decode(#"{"user":"caf\u00e9 \ud83d\ude00","item":"\u4e2d\/\n\"\\","\u0074ype":"\u0076iew"}"#)
        #expect(e.user == "café 😀")
        #expect(e.item == "中/\n\"\\")
        #expect(e.type == .view)
        let raw = try decode(#"{"user":"café 😀","item":"中"}"#)
        #expect(raw.user == e.user)
    }

    @Test("invalid UTF-8 bytes inside strings are rejected")
    func invalidUTF8() {
        let prefix = Array(#"{"user":"a"#.utf8)
        let suffix = Array(#"","item":"b"}"#.utf8)
        let bad: [[UInt8]] = [[0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
                              [0xF4, 0x90, 0x80, 0x80], [0xC3], [0x80], [0xF0, 0x9F, 0x98]]
        let decoder = EventDecoder()
        for b in bad {
            #expect(throws: EventDecodingError(.invalidUTF8, offset: 10)) {
                try decoder.decode(prefix + b + suffix, fallbackTimestampMs: 0)
            }
        }
        #expect(throws: Never.self) {
            try decoder.decode(prefix + [0xF0, 0x9F, 0x98, 0x80] + suffix, fallbackTimestampMs: 0)
        }
    }

    @Test("error descriptions are sentences naming the field")
    func descriptions() {
        #expect(EventDecodingError(.missingField, field: "user").description == "field 'user' is missing")
        #expect(EventDecodingError(.ratingOutOfRange, field: "value").reason == "rating_out_of_range")
        #expect(EventDecodingError.Code.allCodes.count == 18)
    }
}
