import ArgumentParser
import Foundation

/// A part of `streamrec bench` that `--only` can select.
enum BenchPart: String, CaseIterable, Sendable {
    /// In-process apply rates (generated events and MovieLens-100K), and one MF pass over the
    /// seen items as on a quiet stream.
    case update
    /// River's BiasedMF on the same events (runs the update part too, for the ratio).
    case river
    /// Events/s through the mock cluster with a producer at full speed.
    case e2e
    /// Event-to-list latency at a fixed rate.
    case latency
    /// Refresh users/s on a large catalog.
    case refresh
    /// Per-event session update (Bi-GRU re-encode of the window) in µs, the serving path's append
    /// and batched re-encode, and the in-process loop with the session model on and off.
    case session
    /// End-to-end rate and latency through the mock cluster with the session model on.
    case sessionE2E = "session-e2e"
    /// One training round of the in-daemon trainer at many users (round length, sequences/s, replay bytes).
    case sessionTrain = "session-train"
    /// A consumer group: catch-up rate with the changelog on and off, hand-off of partitions.
    case group
    /// Longest single-event stall with the user table full (every new user evicts).
    case eviction
    /// Catch-up of the item topic at start (items/s), on the mock cluster.
    case items
    /// Item state shared in a group: parity of groups of 1–3, hand-off quality, update traffic,
    /// catch-up rate with sharing on and off.
    case sharing

    /// Parses `update,latency`-style lists; throws naming the unknown part.
    static func parseList(_ text: String) throws -> Set<BenchPart> {
        var parts = Set<BenchPart>()
        for name in text.split(separator: ",") {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let part = BenchPart(rawValue: trimmed) else {
                throw ValidationError("unknown bench part '\(trimmed)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            parts.insert(part)
        }
        return parts
    }
}
