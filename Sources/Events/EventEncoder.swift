/// Writes events as schema v1 JSON: `{"user":..,"item":..,"type":..,"value":..,"ts":..}`.
/// `value` is omitted when nil (or not finite); `ts` is always written.
public enum EventEncoder {
    /// The UTF-8 bytes of the JSON object for `event`.
    public static func json(_ event: Event) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48 + event.user.utf8.count + event.item.utf8.count)
        append(event, to: &out)
        return out
    }

    /// The JSON object for `event` as a string.
    public static func jsonString(_ event: Event) -> String {
        String(decoding: json(event), as: UTF8.self)
    }

    /// Appends the JSON object for `event` to `out` (no trailing newline).
    public static func append(_ event: Event, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"user":"#.utf8)
        appendString(event.user, to: &out)
        out.append(contentsOf: #","item":"#.utf8)
        appendString(event.item, to: &out)
        out.append(contentsOf: #","type":""#.utf8)
        out.append(contentsOf: event.type.name.utf8)
        out.append(0x22)
        if let v = event.value, v.isFinite {
            out.append(contentsOf: #","value":"#.utf8)
            out.append(contentsOf: v.description.utf8)
        }
        out.append(contentsOf: #","ts":"#.utf8)
        out.append(contentsOf: String(event.timestampMs).utf8)
        out.append(0x7D)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a quoted JSON string, escaping quotes, backslashes and control characters.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}
