import Autodiff
import Layers
import FastKernels
import TensorCore

/// What one forward pass of the DDM produced.
public struct DDMOutput<Scalar: TensorScalar> {
    /// The trunk levels `u_1…u_5`.
    public let us: [Variable<Scalar>]
    /// S_e's `z_j` and `a_j` (empty for `baseline`).
    public let expressionZs: [Variable<Scalar>]
    /// S_e's `a_j` (empty for `baseline`).
    public let expressionAs: [Variable<Scalar>]
    /// The map the expression head reads: the Eq. 10 concat, `a_5`, or `u_5` (baseline).
    public let aOut: Variable<Scalar>
    /// Expression logits (Eq. 3–4).
    public let logits: Variable<Scalar>
    /// S_d's `z_j`, `a_j` and f_d (ddl variants only).
    public let disturbanceZs: [Variable<Scalar>]
    /// S_d's `a_j` (ddl variants only).
    public let disturbanceAs: [Variable<Scalar>]
    /// f_d, the 128-d disturbance feature (ddl variants only).
    public let fd: Variable<Scalar>?

    /// S_d's maps for Eq. 7: `(z_2, z_3, z_4, z_5, a_5)`.
    public var attentionTransferMaps: [Variable<Scalar>] {
        guard disturbanceZs.count == 5, disturbanceAs.count == 5 else { return [] }
        return Array(disturbanceZs[1...4]) + [disturbanceAs[4]]
    }
}

/// The Disturbance-Disentangled Model (Section 3.3, Figure 2b): the shared trunk S_g, the
/// expression branch S_e with its head, and (ddl variants) the disturbance branch S_d with
/// its head. The trunk runs once per forward pass and feeds both branches.
public struct DDM<Scalar: TensorScalar>: StateContainer {
    /// The configuration the model was built from.
    public let config: DDLConfig
    /// The shared trunk S_g.
    public let trunk: Trunk<Scalar>
    /// The expression branch S_e (nil for `baseline`).
    public let expression: AttentionBranch<Scalar>?
    /// The expression head, producing the logits.
    public let expressionHead: ExpressionHead<Scalar>
    /// The disturbance branch S_d (ddl variants only).
    public let disturbance: AttentionBranch<Scalar>?
    /// The disturbance head producing f_d (ddl variants only).
    public let disturbanceHead: DisturbanceHead<Scalar>?

    /// A DDM initialised as PyTorch initialises each layer, from `seed`.
    public init(_ config: DDLConfig, seed: UInt64) {
        var g = RandomGenerator(seed: seed)
        self.config = config
        trunk = Trunk(width: config.width, generator: &g)
        expression =
            config.variant.usesExpressionBranch
            ? AttentionBranch(
                width: config.width, preactivation: config.hPreactivation, generator: &g) : nil
        expressionHead = ExpressionHead(
            channels: config.expressionHeadChannels, classes: config.classes,
            finalPReLU: config.finalPReLU, generator: &g)
        if config.variant.usesDisturbanceBranch {
            disturbance = AttentionBranch(
                width: config.width, preactivation: config.hPreactivation, generator: &g)
            disturbanceHead = DisturbanceHead(width: config.width, generator: &g)
        } else {
            disturbance = nil
            disturbanceHead = nil
        }
    }

    /// One forward pass: the trunk once, then both branches and their heads.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> DDMOutput<Scalar> {
        let us = trunk(x, mode: mode)
        var zs: [Variable<Scalar>] = [], outs: [Variable<Scalar>] = []
        let aOut: Variable<Scalar>
        if let expression {
            (zs, outs) = expression(us, mode: mode)
            aOut =
                config.variant.multiLevel && config.headOnMultilevel
                ? multilevelConcat(outs) : outs[4]
        } else {
            aOut = us[4]
        }
        let logits = expressionHead(aOut, mode: mode)
        var dzs: [Variable<Scalar>] = [], das: [Variable<Scalar>] = []
        var fd: Variable<Scalar>? = nil
        if let disturbance, let disturbanceHead {
            (dzs, das) = disturbance(us, mode: mode)
            fd = disturbanceHead(das[4], mode: mode)
        }
        return DDMOutput(
            us: us, expressionZs: zs, expressionAs: outs, aOut: aOut, logits: logits,
            disturbanceZs: dzs, disturbanceAs: das, fd: fd)
    }

    /// Entries under `trunk.`, `expression[_head].` and `disturbance[_head].`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        var e = child("trunk", trunk)
        if let expression { e += child("expression", expression) }
        e += child("expression_head", expressionHead)
        if let disturbance { e += child("disturbance", disturbance) }
        if let disturbanceHead { e += child("disturbance_head", disturbanceHead) }
        return e
    }
}

/// What one forward pass of a DFEM produced.
public struct DFEMOutput<Scalar: TensorScalar> {
    /// The trunk levels `u_1…u_5`.
    public let us: [Variable<Scalar>]
    /// f_p: the 128-d disturbance feature.
    public let fp: Variable<Scalar>
    /// One logit tensor per factor, in the DFEM's factor order.
    public let logits: [(factor: Factor, logits: Variable<Scalar>)]

    /// The DFEM's maps for Eq. 7: `(u_2, u_3, u_4, u_5, u_5)`.
    public var attentionTransferMaps: [Variable<Scalar>] { Array(us[1...4]) + [us[4]] }
}

/// The Disturbance Feature Extraction Model (Section 3.2, Figure 2a): the trunk, then
/// AdaptiveAvgPool(2×2) of `u_5` → flatten (32w) → Linear(32w→128) → PReLU = f_p, and one
/// head Linear(128→K_f) [→ PReLU, official] per disturbing factor.
public struct DFEM<Scalar: TensorScalar>: StateContainer {
    /// The disturbing factors, one head each.
    public let factors: [Factor]
    /// The trunk (the layers shared with the DDM's S_g).
    public let trunk: Trunk<Scalar>
    /// Linear(32w→128) → PReLU, producing f_p.
    public let embed: Sequential<Scalar>
    /// One head per factor, in `factors` order.
    public let heads: [Sequential<Scalar>]

    /// A DFEM of `width` for `factors`, initialised from `seed`.
    public init(width: Int, factors: [Factor], finalPReLU: Bool, seed: UInt64) {
        precondition(!factors.isEmpty, "a DFEM needs at least one factor")
        var g = RandomGenerator(seed: seed)
        self.factors = factors
        trunk = Trunk(width: width, generator: &g)
        embed = Sequential([
            ("fc", Linear<Scalar>(32 * width, featureDimension, generator: &g)),
            ("prelu", PReLU<Scalar>()),
        ])
        heads = factors.map { f in
            var l: [(name: String, layer: any Layer<Scalar>)] = [
                ("fc", Linear<Scalar>(featureDimension, f.classes, generator: &g))
            ]
            if finalPReLU { l.append(("prelu", PReLU<Scalar>())) }
            return Sequential(l)
        }
    }

    /// The trunk levels, f_p and each factor's logits.
    public func callAsFunction(_ x: Variable<Scalar>, mode: Mode) -> DFEMOutput<Scalar> {
        let us = trunk(x, mode: mode)
        let fp = embed(adaptiveAvgPool2d(us[4], outHeight: 2, outWidth: 2).flattened(), mode: mode)
        return DFEMOutput(
            us: us, fp: fp, logits: zip(factors, heads).map { ($0, $1(fp, mode: mode)) })
    }

    /// Entries under `trunk.`, `embed.` and `heads.<factor>.`.
    public func stateEntries() -> [StateEntry<Scalar>] {
        child("trunk", trunk) + child("embed", embed)
            + zip(factors, heads).flatMap { child("heads.\($0.name)", $1) }
    }
}
