import Autodiff
import DDLModel
import Layers
import FastKernels
import TensorCore

/// One stage-2 training step on a batch, shared by `DDMTraining` and `ddl bench`.
public enum DDLStep {
    /// The D step on `L_AD` (Eq. 6) with the frozen DFEMs' features, then the DDM step on
    /// `L = L_CE + λ1·L_adv + λ2·L_AT` (Eq. 11); a model without S_d takes a step on `L_CE`.
    /// The trunk runs once and feeds both branches; the DFEMs run without a graph.
    ///
    /// - Parameter check: called with each loss before it is back-propagated (the run stops
    ///   there on a non-finite value).
    /// - Returns: every loss term and the batch's predicted classes.
    public static func run<S: TensorScalar>(
        ddm: DDM<S>, dfems: [DFEM<S>], discriminator: Discriminator<S>?, optimizer: Adam<S>,
        discriminatorOptimizer: Adam<S>?, x: Variable<S>, labels: [Int], mode: Mode,
        check: (Variable<S>, String) throws -> Void = { _, _ in }
    ) rethrows -> (losses: [String: Double], predictions: [Int]) {
        let out = ddm(x, mode: mode)
        let ce = crossEntropy(logits: out.logits, labels: labels)
        var losses = ["loss_ce": Double(ce.value.scalar)]
        var loss = ce
        if let d = discriminator, let dOptimizer = discriminatorOptimizer, let fd = out.fd {
            let frozen = withoutGradients { dfems.map { $0(x, mode: .eval) } }
            let ad = adversarialDiscriminatorLoss(d, fp: frozen.map(\.fp), fd: fd, mode: mode)
            losses["loss_ad"] = Double(ad.value.scalar)
            try check(ad, "L_AD")
            dOptimizer.zeroGrad()
            ad.backward()
            dOptimizer.step()
            let adv = adversarialLoss(d, fd: fd, mode: mode)
            let at = attentionTransferLoss(
                out.attentionTransferMaps, frozen.map(\.attentionTransferMaps),
                normalisation: ddm.config.atNormalisation)
            losses["loss_adv"] = Double(adv.value.scalar)
            losses["loss_at"] = Double(at.value.scalar)
            loss = jointLoss(
                ce: ce, adversarial: adv, attentionTransfer: at, lambda1: S(ddm.config.lambda1),
                lambda2: S(ddm.config.lambda2))
        }
        losses["loss"] = Double(loss.value.scalar)
        try check(loss, "the joint loss")
        optimizer.zeroGrad()
        loss.backward()
        discriminator?.zeroGrad()  // D's gradients from L_adv are not D's to use
        optimizer.step()
        return (losses, argmaxRows(out.logits.value))
    }
}
