/// Writes item records as schema v1 JSON:
/// `{"item":..,"available":..,"attributes":[..],"embedding":[..],"ts":..}` (`attributes` and
/// `embedding` only when not empty, `ts` only when set).
public enum ItemRecordEncoder {
    /// The UTF-8 bytes of the JSON object for `record`.
    public static func json(_ record: ItemRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: #"{"item":"#.utf8)
        EventEncoder.appendString(record.item, to: &out)
        out.append(contentsOf: (record.available ? #","available":true"# : #","available":false"#).utf8)
        if !record.attributes.isEmpty {
            out.append(contentsOf: #","attributes":["#.utf8)
            for (i, a) in record.attributes.enumerated() {
                if i > 0 { out.append(0x2C) }
                EventEncoder.appendString(a, to: &out)
            }
            out.append(0x5D)
        }
        if !record.embedding.isEmpty {
            out.append(contentsOf: #","embedding":["#.utf8)
            for (i, v) in record.embedding.enumerated() {
                if i > 0 { out.append(0x2C) }
                out.append(contentsOf: (v.isFinite ? v : 0).description.utf8)
            }
            out.append(0x5D)
        }
        if let ts = record.timestampMs {
            out.append(contentsOf: #","ts":"#.utf8)
            out.append(contentsOf: String(ts).utf8)
        }
        out.append(0x7D)
        return out
    }
}
