import LinalgCore

/// Samples ranks 0..<n with probability proportional to 1/(rank+1)^s via a cumulative table
/// and binary search (O(log n) per draw).
struct ZipfSampler: Sendable {
    private var cumulative: [Double]

    init(count: Int, exponent: Double) {
        cumulative = []
        cumulative.reserveCapacity(count)
        var total = 0.0
        for r in 0..<count {
            total += exponent == 0 ? 1 : 1 / pow(Double(r + 1), exponent)
            cumulative.append(total)
        }
        for i in cumulative.indices { cumulative[i] /= total }
    }

    /// A rank in 0..<count.
    func sample(_ rng: inout SeededGenerator) -> Int {
        let u = rng.nextUnitDouble()
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > u { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
