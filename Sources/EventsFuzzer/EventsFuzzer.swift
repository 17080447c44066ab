// Fuzz target for the event decoder, the daemon's front door.
//
// libFuzzer build (coverage-guided, runs until stopped or `-max_total_time`):
//   swift build --product EventsFuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DLIBFUZZER --scratch-path .build-fuzz
//   mkdir -p corpus && .build-fuzz/debug/EventsFuzzer -max_total_time=60 corpus/
// Plain build: a self-contained random-mutation driver over a seed corpus, for a bounded time
// (`EventsFuzzer SECONDS [SEED]`), which the test suite runs.
import Events
import Foundation

/// Decodes one input; any crash or trap is the finding. Returns whether it decoded.
@inline(never)
func fuzzOne(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let decoder = EventDecoder()
    do {
        let event = try decoder.decode(bytes, fallbackTimestampMs: 0)
        // A decoded event must survive an encode → decode round trip unchanged.
        let again = try decoder.decode(EventEncoder.json(event), fallbackTimestampMs: 0)
        precondition(again == event, "round trip changed the event")
        return true
    } catch {
        precondition(!error.reason.isEmpty, "an error without a reason")
        return false
    }
}

#if LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry point under this name; hand control to libFuzzer.
@_cdecl("EventsFuzzer_main")
public func eventsFuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, LLVMFuzzerTestOneInput)
}
#else
/// Mutation driver: byte flips, insertions, deletions, splices and JSON tokens over seeds.
@main
struct EventsFuzzDriver {
    static let seeds: [String] = [
        #"{"user":"u1","item":"i1","type":"click","ts":1700000000000}"#,
        #"{"user":"u\u00e9","item":"i\ud83d\ude00","type":"rating","value":4.5}"#,
        #"{"user":"u","item":"i","extra":{"a":[1,2,{"b":null}],"c":"x"},"value":1e3}"#,
        #"{"user":"u","item":"i","type":"purchase","value":-0.0,"ts":0}"#,
    ]
    static let tokens: [String] = ["{", "}", "[", "]", "\"", ",", ":", "\\u", "\\ud800", "NaN", "-", "1e999", "null",
                                   "true", "\u{0}", "\u{FF}", "\"user\"", "\"item\"", "\"value\"", "\"ts\""]

    static func main() {
        let arguments = CommandLine.arguments
        let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 5 : 5
        var state: UInt64 = arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        let deadline = Date().addingTimeInterval(seconds)
        var runs = 0, decoded = 0
        var corpus = seeds.map { Array($0.utf8) }
        while Date() < deadline {
            for _ in 0..<1_000 {
                var input = corpus[next() % corpus.count]
                for _ in 0..<(1 + next() % 4) {
                    switch next() % 5 {
                    case 0 where !input.isEmpty: input[next() % input.count] = UInt8(truncatingIfNeeded: next())
                    case 1: input.insert(contentsOf: Array(tokens[next() % tokens.count].utf8), at: next() % (input.count + 1))
                    case 2 where !input.isEmpty: input.remove(at: next() % input.count)
                    case 3 where !input.isEmpty: input = Array(input.prefix(next() % input.count))
                    default:
                        let other = corpus[next() % corpus.count]
                        input += other.suffix(next() % (other.count + 1))
                    }
                }
                let ok = input.withUnsafeBytes { fuzzOne($0) }
                runs += 1
                if ok {
                    decoded += 1
                    if corpus.count < 256 { corpus.append(input) }
                }
            }
        }
        print("fuzzed \(runs) inputs in \(seconds) s: \(decoded) decoded, \(runs - decoded) rejected with a reason, no crash")
    }
}
#endif
