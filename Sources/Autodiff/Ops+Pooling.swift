import FastKernels
import TensorCore

/// Max pooling with a square window (padding counts as −∞; PyTorch's output-size rule).
public func maxPool2d<S>(_ x: Variable<S>, kernel: Int, stride: Int, padding: Int = 0) -> Variable<
    S
> {
    // The positions of the maxima are asked for only when a gradient will need them.
    let (y, argmax) = Tensor.maxPool2d(
        x.value, kernel: kernel, stride: stride, padding: padding,
        positions: GradMode.isEnabled && x.requiresGrad)
    let inputShape = x.shape
    return Variable.record("max_pool2d", value: y, parents: [x]) { g, _ in
        [Tensor.maxPool2dBackward(upstream: g, argmax: argmax, inputShape: inputShape)]
    }
}

/// Average pooling with a square window (`count_include_pad=True`).
public func avgPool2d<S>(_ x: Variable<S>, kernel: Int, stride: Int, padding: Int = 0) -> Variable<
    S
> {
    let inputShape = x.shape
    return Variable.record(
        "avg_pool2d",
        value: Tensor.avgPool2d(x.value, kernel: kernel, stride: stride, padding: padding),
        parents: [x]
    ) { g, _ in
        [
            Tensor.avgPool2dBackward(
                upstream: g, inputShape: inputShape, kernel: kernel, stride: stride,
                padding: padding)
        ]
    }
}

/// Adaptive average pooling to `[outHeight, outWidth]` (PyTorch's bin rule).
public func adaptiveAvgPool2d<S>(_ x: Variable<S>, outHeight: Int, outWidth: Int) -> Variable<S> {
    let inputShape = x.shape
    return Variable.record(
        "adaptive_avg_pool2d",
        value: Tensor.adaptiveAvgPool2d(x.value, outHeight: outHeight, outWidth: outWidth),
        parents: [x]
    ) { g, _ in
        [Tensor.adaptiveAvgPool2dBackward(upstream: g, inputShape: inputShape)]
    }
}
