import RealModule

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64).
///
/// The same seed gives the same bits on every machine. Randomness is always passed in
/// explicitly; nothing in the library draws from a global source.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Creates a generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A derived generator for an independent stream (e.g. one per worker or per epoch).
    public mutating func split() -> RandomGenerator { RandomGenerator(seed: next()) }
}

extension Tensor {
    /// Elements drawn uniformly from `[low, high)`.
    public static func uniform(
        _ shape: [Int], low: Scalar = 0, high: Scalar = 1, generator: inout RandomGenerator
    ) -> Tensor {
        let lo = Double(low), span = Double(high) - Double(low)
        return Tensor(shape: shape) { buffer in
            for i in buffer.indices { buffer[i] = Scalar(lo + span * generator.nextUnit()) }
        }
    }

    /// Elements drawn from a normal distribution (Box–Muller on the generator's stream).
    public static func normal(
        _ shape: [Int], mean: Scalar = 0, std: Scalar = 1, generator: inout RandomGenerator
    ) -> Tensor {
        let m = Double(mean), s = Double(std)
        return Tensor(shape: shape) { buffer in
            var i = 0
            while i < buffer.count {
                let u1 = 1.0 - generator.nextUnit()  // (0, 1]
                let u2 = generator.nextUnit()
                let r = (-2.0 * Double.log(u1)).squareRoot()
                let theta = 2.0 * Double.pi * u2
                buffer[i] = Scalar(m + s * r * Double.cos(theta))
                if i + 1 < buffer.count { buffer[i + 1] = Scalar(m + s * r * Double.sin(theta)) }
                i += 2
            }
        }
    }

    /// PyTorch's default initialiser for convolution and linear weights:
    /// `kaiming_uniform_(a = √5)`, i.e. uniform in `±1/√fanIn`, with
    /// `fanIn = shape[1] · ∏ shape[2...]`.
    public static func kaimingUniform(_ shape: [Int], generator: inout RandomGenerator) -> Tensor {
        precondition(shape.count >= 2, "kaimingUniform: needs rank ≥ 2, got \(describe(shape))")
        let fanIn = shape.dropFirst().reduce(1, *)
        let bound = Scalar(1.0 / Double(fanIn).squareRoot())
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }

    /// PyTorch's default bias initialiser for a layer with `fanIn` inputs: uniform in `±1/√fanIn`.
    public static func biasUniform(_ shape: [Int], fanIn: Int, generator: inout RandomGenerator)
        -> Tensor
    {
        let bound = Scalar(1.0 / Double(max(fanIn, 1)).squareRoot())
        return uniform(shape, low: -bound, high: bound, generator: &generator)
    }
}
