import Testing
@testable import Pipeline

/// When a suspended partition state may be taken up again on its next assignment.
@Suite("Partition state: resuming after a revocation")
struct PartitionStateResumeTests {
    /// A state at offset 120 whose round `w:3` is delivered, the group holding 100 with `w:2`.
    func refused() -> PartitionState {
        var s = PartitionState(assigned: false, position: 120)
        s.marker = "w:3"
        s.markerOffset = 120
        s.groupOffset = 100
        s.groupMarker = "w:2"
        s.commitRefusedInRebalance = true
        return s
    }

    @Test("a round whose commit a rebalance refused resumes while the group holds what this member last knew")
    func refusedCommitResumes() {
        let s = refused()
        #expect(!s.matches(committedOffset: 100, metadata: "w:2"))
        #expect(s.resumable(committedOffset: 100, metadata: "w:2"))
    }

    @Test("it does not resume once someone else committed, after another refusal, or past its round")
    func otherwiseRestored() {
        let s = refused()
        #expect(!s.resumable(committedOffset: 130, metadata: "v:1"))
        #expect(!s.resumable(committedOffset: 100, metadata: "v:1"))
        #expect(!s.resumable(committedOffset: nil, metadata: nil))
        var fenced = s
        fenced.commitRefusedInRebalance = false
        #expect(!fenced.resumable(committedOffset: 100, metadata: "w:2"))
        var ahead = s
        ahead.position = 125
        #expect(!ahead.resumable(committedOffset: 100, metadata: "w:2"))
        var unwritten = s
        unwritten.marker = nil
        #expect(!unwritten.resumable(committedOffset: 100, metadata: "w:2"))
    }
}
