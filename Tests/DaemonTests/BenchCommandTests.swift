import Foundation
import Testing

/// `streamrec bench --json` on a tiny workload: the keys outside checks rely on are present and
/// hold positive figures, and rates within 0...1 (their values are measured in release builds,
/// not asserted here).
@Suite("bench command JSON contract")
struct BenchCommandTests {
    @Test("small run prints one JSON object with the contract keys")
    func contractKeys() throws {
        try #require(DaemonProcess.binaryExists, "streamrec binary not built beside the tests")
        let (status, out) = try DaemonProcess.runToEnd([
            "bench", "--json", "--events", "3000", "--users", "200", "--items", "100",
            "--movielens", "/nonexistent/u.data", "--python", "/nonexistent/python",
            "--latency-rate", "500", "--latency-seconds", "2.5",
            "--refresh-items", "2000", "--refresh-users", "256", "--session-updates", "50",
            "--session-items", "300", "--session-refresh-users", "64", "--session-train-users", "300", "--session-train-rounds", "1",
            "--session-hidden", "16",
            "--eviction-users", "2000", "--eviction-events", "500", "--item-records", "2000",
            "--sharing-data", "/nonexistent/ratings.dat", "--sharing-events", "1500", "--sharing-rate", "1500",
        ])
        #expect(status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        for key in ["update_events_per_s", "e2e_events_per_s", "latency_p50_ms", "latency_p99_ms",
                    "refresh_users_per_s", "rss_bytes", "session_update_us_p50", "generated_update_events_per_s",
                    "session_refresh_encode_us_per_user", "session_append_us", "e2e_session_events_per_s",
                    "session_inprocess_events_per_s_debounce1000_lane",
                    "latency_session_p99_ms", "items_restore_items_per_s", "items_first_start_items_per_s",
                    "sharing_messages_per_100k_events", "sharing_bytes_per_100k_events",
                    "sharing_on_catch_up_events_per_s", "sharing_off_catch_up_events_per_s",
                    "group_stream_events_per_s_changelog", "group_stream_events_per_s_no_changelog"] {
            let value = try #require(object[key] as? Double, "missing \(key) in \(out)")
            #expect(value > 0, "\(key) = \(value)")
        }
        // Online quality of a group on 1,500 generated events: a rate, present for every group
        // size. Its value depends on how many events found a list already published, which on a
        // loaded machine can be none, so only its range is asserted here.
        for members in 1...3 {
            for metric in ["hr", "ndcg"] {
                let key = "sharing_group\(members)_\(metric)_at_10"
                let value = try #require(object[key] as? Double, "missing \(key) in \(out)")
                #expect((0...1).contains(value), "\(key) = \(value)")
            }
        }
        // Eviction: 500 new users on a full table of 2,000 evict 64 at a time (8 rounds).
        #expect(object["eviction_users"] as? Double == 2_000)
        #expect(object["eviction_evicted"] as? Double == 512)
        let stall = try #require(object["eviction_max_stall_ms"] as? Double)
        let mean = try #require(object["eviction_apply_mean_us"] as? Double)
        #expect(stall > 0 && mean > 0 && stall * 1_000 >= mean)
        let p50 = try #require(object["latency_p50_ms"] as? Double), p99 = try #require(object["latency_p99_ms"] as? Double)
        #expect(p50 <= p99)
        // No River and no MovieLens here: no ratio, and the notes say why.
        #expect(object["river_events_per_s"] == nil && object["update_vs_river"] == nil)
        let notes = try #require(object["notes"] as? [String])
        #expect(notes.contains { $0.contains("ml-100k skipped") })
    }

    /// Runs `streamrec bench` with `arguments`; its status and standard error.
    func refused(_ arguments: [String]) throws -> (status: Int32, error: String) {
        try #require(DaemonProcess.binaryExists, "streamrec binary not built beside the tests")
        let p = Process()
        p.executableURL = DaemonProcess.binary
        p.arguments = ["bench"] + arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    @Test("an unknown part is refused with a message and a non-zero status")
    func unknownPart() throws {
        let (status, text) = try refused(["--only", "update,warp"])
        #expect(status != 0)
        #expect(text.contains("unknown bench part 'warp'"))
    }

    @Test("a round interval of 0 events is refused with the option named")
    func zeroTrainEvery() throws {
        let (status, text) = try refused(["--only", "session-e2e", "--session-train-every", "0"])
        #expect(status != 0)
        #expect(text.contains("--session-train-every must be positive, got 0"))
    }

    @Test("a trainer duty outside (0, 1] is refused with the option named", arguments: ["0", "1.5", "nan"])
    func dutyOutOfRange(value: String) throws {
        let (status, text) = try refused(["--only", "session-e2e", "--session-train-duty", value])
        #expect(status != 0)
        #expect(text.contains("--session-train-duty must be within (0, 1]"), "\(text)")
    }
}
