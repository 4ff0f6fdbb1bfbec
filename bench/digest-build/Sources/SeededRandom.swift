import Foundation

/// xoshiro256** seeded through SplitMix64: fast, deterministic for a seed on every platform.
///
/// The data set must be the same for the same seed, so nothing here touches the system's
/// random source. Each record kind draws from its own stream (`stream`), so changing how one
/// kind is generated leaves the others' values as they were.
struct SeededRandom: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init(seed: UInt64, stream: UInt64 = 0) {
        var splitMix = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// Log-uniform in [lower, upper): as many values between 1 and 10 as between 10 and 100.
    mutating func logUniform(_ lower: Double, _ upper: Double) -> Double {
        exp(log(lower) + (log(upper) - log(lower)) * unit())
    }

    mutating func element<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
}

/// Draws indices in proportion to fixed weights (binary search over the cumulative sums).
struct WeightedChoice: Sendable {
    private let cumulative: [Double]

    init(_ weights: [Double]) {
        var sum = 0.0
        cumulative = weights.map { sum += max($0, 0); return sum }
    }

    var isEmpty: Bool { (cumulative.last ?? 0) <= 0 }

    func draw(_ random: inout SeededRandom) -> Int {
        let target = random.unit() * (cumulative.last ?? 0)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
