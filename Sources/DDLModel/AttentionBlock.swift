import Autodiff
import Layers
import FastKernels
import TensorCore

/// Attention block j of S_e or S_d (Eq. 8–9, Figure 3).
///
/// Input: `z_1 = u_1`; for j ≥ 2, `z_j = δ1·u_j + δ2·a_{j−1}` with `(δ2, δ1) = softmax(θ_j)`,
/// θ_j a learnable 2-vector initialised to (1, 0). Mask `m_j = g(z_j)` with
/// g = BN → PReLU → Conv1×1(bias) → BN → Sigmoid. Output `a_j = h(m_j ⊙ u_j)` with
/// h = Conv3×3(bias) → BN → PReLU → Pool (paper) or BN → PReLU → Conv3×3 → BN → PReLU → Pool
/// (official); the last block has no Pool.
public struct AttentionBlock<Scalar: TensorScalar>: StateContainer {
    /// θ_j of Eq. 8 (absent in the first block).
    public let theta: Variable<Scalar>?
    /// g of Eq. 8 (without the final sigmoid).
    public let mask: Sequential<Scalar>
    /// h of Eq. 9.
    public let h: Sequential<Scalar>

    /// A block from `cin` to `cout` channels; `first` has no θ, `pool` ends h with a max pool.
    public init(
        _ cin: Int, _ cout: Int, first: Bool, pool: Bool, preactivation: Bool,
        generator: inout RandomGenerator
    ) {
        theta = first ? nil : Variable(Tensor(shape: [2], scalars: [1, 0]), requiresGrad: true)
        mask = Sequential([
            ("bn1", BatchNorm<Scalar>(cin)), ("prelu", PReLU<Scalar>()),
            ("conv", Conv2d<Scalar>(cin, cin, kernel: 1, bias: true, generator: &generator)),
            ("bn2", BatchNorm<Scalar>(cin)), ("sigmoid", Sigmoid<Scalar>()),
        ])
        var layers: [(name: String, layer: any Layer<Scalar>)] = []
        if preactivation {
            layers += [("bn0", BatchNorm<Scalar>(cin)), ("prelu0", PReLU<Scalar>())]
        }
        layers += [
            (
                "conv",
                Conv2d<Scalar>(
                    cin, cout, kernel: 3, stride: 1, padding: 1, bias: true, generator: &generator)
            ),
            ("bn", BatchNorm<Scalar>(cout)), ("prelu", PReLU<Scalar>()),
        ]
        if pool { layers.append(("pool", MaxPool2d<Scalar>(kernel: 3, stride: 2, padding: 1))) }
        h = Sequential(layers)
    }

    /// `(z_j, a_j)` for the level feature `u_j` and the previous block's `a_{j−1}`.
    public func callAsFunction(_ u: Variable<Scalar>, previous: Variable<Scalar>?, mode: Mode) -> (
        z: Variable<Scalar>, a: Variable<Scalar>
    ) {
        var z = u
        if let theta {
            guard let previous else { preconditionFailure("attention block j ≥ 2 needs a_{j−1}") }
            let delta = theta.softmax(axis: 0)  // (δ2, δ1)
            let d2 = delta.element(at: 0), d1 = delta.element(at: 1)
            z = d1 * u + d2 * previous
        }
        let m = mask(z, mode: mode)
        return (z, h(m * u, mode: mode))
    }

    /// θ (if any), then the mask g and h, under `theta`, `mask.` and `h.`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        (theta.map { [StateEntry.parameter("theta", $0)] } ?? []) + child("mask", mask)
            + child("h", h)
    }
}

/// S_e or S_d: five attention blocks with channels C = (w, w, 2w, 4w, 8w), C_6 = 8w.
public struct AttentionBranch<Scalar: TensorScalar>: StateContainer {
    /// The five attention blocks, in order.
    public let blocks: [AttentionBlock<Scalar>]

    /// A branch of width `w`; every block but the last pools.
    public init(width w: Int, preactivation: Bool, generator: inout RandomGenerator) {
        let c = [w, w, 2 * w, 4 * w, 8 * w, 8 * w]
        var blocks: [AttentionBlock<Scalar>] = []
        for j in 0..<5 {
            blocks.append(
                AttentionBlock(
                    c[j], c[j + 1], first: j == 0, pool: j < 4, preactivation: preactivation,
                    generator: &generator))
        }
        self.blocks = blocks
    }

    /// `(z_1…z_5, a_1…a_5)` for the trunk levels `u_1…u_5`.
    public func callAsFunction(_ us: [Variable<Scalar>], mode: Mode) -> (
        zs: [Variable<Scalar>], as: [Variable<Scalar>]
    ) {
        precondition(
            us.count == blocks.count,
            "attention branch: \(us.count) levels for \(blocks.count) blocks")
        var zs: [Variable<Scalar>] = [], outs: [Variable<Scalar>] = []
        for (j, block) in blocks.enumerated() {
            let (z, a) = block(us[j], previous: outs.last, mode: mode)
            zs.append(z)
            outs.append(a)
        }
        return (zs, outs)
    }

    /// Each block's entries under `blocks.j.`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        blocks.enumerated().flatMap { child("blocks.\($0.offset)", $0.element) }
    }
}

/// The multi-level concat of Eq. 10: each `a_j` (j < L) max-pooled with Pool(3, 2, 1) until
/// it has `a_L`'s spatial size, then all concatenated along channels ([N, 23w, …]).
public func multilevelConcat<S>(_ levels: [Variable<S>]) -> Variable<S> {
    guard let last = levels.last else { preconditionFailure("multilevelConcat: no levels") }
    let target = Array(last.shape[2...])
    let pooled = levels.dropLast().map { a -> Variable<S> in
        var x = a
        while x.shape[2] > target[0] || x.shape[3] > target[1] {
            x = maxPool2d(x, kernel: 3, stride: 2, padding: 1)
        }
        precondition(
            Array(x.shape[2...]) == target,
            "multilevelConcat: cannot pool \(describe(a.shape)) to \(describe(target))")
        return x
    }
    return concat(pooled + [last], axis: 1)
}
