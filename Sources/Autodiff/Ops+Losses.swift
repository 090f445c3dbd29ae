import FastKernels
import TensorCore

/// Softmax cross-entropy of `logits[N, K]`, mean over labelled samples; label −1 is missing
/// and left out, and a batch with no label gives 0 (Eq. 1–2, Eq. 4).
public func crossEntropy<S>(logits: Variable<S>, labels: [Int]) -> Variable<S> {
    let (loss, _, logp) = Tensor.crossEntropy(logits: logits.value, labels: labels)
    return Variable.record("cross_entropy", value: Tensor(loss), parents: [logits]) { g, _ in
        [Tensor.crossEntropyBackward(logProbabilities: logp, labels: labels, upstream: g.scalar)]
    }
}

/// Binary cross-entropy with logits, mean over all elements (Eq. 6 in its stable form).
public func binaryCrossEntropyWithLogits<S>(_ logits: Variable<S>, targets: Variable<S>)
    -> Variable<S>
{
    let (x, t) = (logits.value, targets.value)
    let loss = Tensor.binaryCrossEntropyWithLogits(x, targets: t)
    return Variable.record("bce_with_logits", value: Tensor(loss), parents: [logits, targets]) {
        g, needs in
        let r = Tensor.binaryCrossEntropyWithLogitsBackward(x, targets: t, upstream: g.scalar)
        return [needs[0] ? r.logits : nil, needs[1] ? r.targets : nil]
    }
}
