import Autodiff
import Layers
import FastKernels
import TensorCore

/// The DFEM multi-task loss (Eq. 1 with Eq. 2): the sum over factors of the mean
/// cross-entropy over the samples labelled for that factor; label −1 is missing and left
/// out, and a factor with no label in the batch adds 0.
public func dfemLoss<S>(_ logits: [(factor: Factor, logits: Variable<S>)], labels: [String: [Int]])
    -> Variable<S>
{
    precondition(!logits.isEmpty, "dfemLoss: no factor heads")
    var total: Variable<S>? = nil
    for (factor, l) in logits {
        guard let y = labels[factor.name] else {
            preconditionFailure("dfemLoss: no labels for '\(factor.name)'")
        }
        let term = crossEntropy(logits: l, labels: y)
        total = total.map { $0 + term } ?? term
    }
    return total ?? Variable(Tensor(0))
}

/// `L_AD` (Eq. 6), minimised by D: `Σ_DFEMs BCE(D(f_p), 1) + BCE(D(f_d), 0)` with logits,
/// means over the batch; f_d is detached (one real term per DFEM, the fake term once).
public func adversarialDiscriminatorLoss<S>(
    _ d: Discriminator<S>, fp: [Variable<S>], fd: Variable<S>, mode: Mode
) -> Variable<S> {
    precondition(!fp.isEmpty, "L_AD needs at least one DFEM feature")
    var total: Variable<S>? = nil
    for f in fp {
        let real = d(f, mode: mode)
        let term = binaryCrossEntropyWithLogits(real, targets: Variable(.ones(real.shape)))
        total = total.map { $0 + term } ?? term
    }
    let fake = d(fd.detached(), mode: mode)
    let fakeTerm = binaryCrossEntropyWithLogits(fake, targets: Variable(.zeros(fake.shape)))
    return (total ?? fakeTerm) + fakeTerm
}

/// `L_adv`, the DDM's side of Eq. 5 in its non-saturating form: `BCE(D(f_d), 1)`.
public func adversarialLoss<S>(_ d: Discriminator<S>, fd: Variable<S>, mode: Mode) -> Variable<S> {
    let logit = d(fd, mode: mode)
    return binaryCrossEntropyWithLogits(logit, targets: Variable(.ones(logit.shape)))
}

/// `L_AT` (Eq. 7) with L = 5 pairs: S_d's `(z_2, z_3, z_4, z_5, a_5)` against each DFEM's
/// `(u_2, u_3, u_4, u_5, u_5)`, summed over pairs and DFEMs.
///
/// Per sample (paper): `q = vec(map)` per sample, `mean_batch Σ_j ‖q_d/‖q_d‖ − q_p/‖q_p‖‖₂`.
/// Batch (official): the whole batch tensor is one vector, no batch mean. Norms are guarded
/// by eps 1e-12.
public func attentionTransferLoss<S>(
    _ ddmMaps: [Variable<S>], _ dfemMaps: [[Variable<S>]], normalisation: ATNormalisation
) -> Variable<S> {
    var total: Variable<S>? = nil
    for group in dfemMaps {
        precondition(
            group.count == ddmMaps.count,
            "L_AT: \(group.count) DFEM maps for \(ddmMaps.count) DDM maps")
        for (qd, qp) in zip(ddmMaps, group) {
            precondition(
                qd.shape == qp.shape,
                "L_AT: pair shapes differ: \(describe(qd.shape)) vs \(describe(qp.shape))")
            let rows = normalisation == .perSample ? qd.shape[0] : 1
            let d = qd.reshaped([rows, -1]).l2Normalized(axis: 1)
            let p = qp.reshaped([rows, -1]).l2Normalized(axis: 1)
            let distance = (d - p).l2Norm(alongAxes: [1])
            let term = normalisation == .perSample ? distance.mean() : distance.sum()
            total = total.map { $0 + term } ?? term
        }
    }
    guard let total else { preconditionFailure("L_AT needs at least one pair") }
    return total
}

/// The joint loss of Eq. 11: `L = L_CE + λ1·L_adv + λ2·L_AT`.
public func jointLoss<S>(
    ce: Variable<S>, adversarial: Variable<S>, attentionTransfer: Variable<S>, lambda1: S,
    lambda2: S
) -> Variable<S> {
    ce + lambda1 * adversarial + lambda2 * attentionTransfer
}
