import FastKernels
import TensorCore

/// 2-D convolution of `x[N, C, H, W]` with `weight[Cout, C, k, k]` and an optional
/// `bias[Cout]` (PyTorch's `F.conv2d` with one group). Whatever form of the weight the
/// kernel layer prepares is made once per value of the weight and serves the forward pass,
/// the backward pass and later calls until the weight changes.
public func conv2d<S>(
    _ x: Variable<S>, weight: Variable<S>, bias: Variable<S>?, stride: Int = 1, padding: Int = 0
) -> Variable<S> {
    let (input, w) = (x.value, weight.value)
    // The form depends on the map's size, not on the batch's.
    let prepared = weight.prepared(for: Array(input.shape.dropFirst()) + [stride, padding]) {
        Tensor.preparedConvolutionWeight(
            $0, inputShape: input.shape, stride: stride, padding: padding)
    }
    let b = bias?.value
    let parents = bias.map { [x, weight, $0] } ?? [x, weight]
    // Held back when no gradient is recorded, for a batch norm or PReLU after it to merge in.
    let settings = ConvolutionSettings(stride: stride, padding: padding)
    let kernel = DeferredKernel.convolution(
        x: input, weight: w, settings: settings, prepared: prepared, epilogue: .bias(b))
    return Variable.recordDeferred(
        "conv2d", kernel: kernel,
        shape: Conv2dGeometry.checked(input, weight: w, bias: b, settings).outputShape,
        parents: parents,
        compute: {
            Tensor.conv2d(
                input, weight: w, bias: b, stride: stride, padding: padding, prepared: prepared)
        }
    ) { g, needs in
        let r = Tensor.conv2dBackward(
            input, weight: w, upstream: g, stride: stride, padding: padding,
            needInput: needs[0], needWeight: needs[1], needBias: needs.count > 2 && needs[2],
            prepared: prepared)
        return bias == nil ? [r.input, r.weight] : [r.input, r.weight, r.bias]
    }
}
