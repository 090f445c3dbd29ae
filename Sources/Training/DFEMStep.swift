import Autodiff
import DDLModel
import Layers
import FastKernels
import TensorCore

/// One stage-1 training step on a batch, shared by `DFEMTraining` and the trajectory
/// fixtures.
public enum DFEMStep {
    /// The DFEM's multi-task step on `Σ_factors L_CE` (Eq. 1–2), a missing label (−1)
    /// ignored and a head without any label in the batch contributing 0 with zero
    /// gradients.
    ///
    /// - Parameters:
    ///   - labels: every head's labels by factor name, one per image of `x`.
    ///   - check: called with the loss before it is back-propagated (the run stops there on
    ///     a non-finite value).
    /// - Returns: `loss` and each head's `loss_<factor>`.
    public static func run<S: TensorScalar>(
        dfem: DFEM<S>, optimizer: Adam<S>, x: Variable<S>, labels: [String: [Int]], mode: Mode,
        check: (Variable<S>, String) throws -> Void = { _, _ in }
    ) rethrows -> [String: Double] {
        let out = dfem(x, mode: mode)
        let loss = dfemLoss(out.logits, labels: labels)
        var losses = ["loss": Double(loss.value.scalar)]
        try check(loss, "the DFEM loss")
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        for (factor, logits) in out.logits {
            let term = crossEntropy(logits: logits.detached(), labels: labels[factor.name] ?? [])
            losses["loss_\(factor.name)"] = Double(term.value.scalar)
        }
        return losses
    }
}
