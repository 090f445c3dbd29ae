import ArgumentParser

/// The kernels `ddl bench --op` measures.
public enum BenchOp: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A convolution forward and backward, unfolded and by Winograd, beside the gemm.
    case conv2d
    /// The gemm alone.
    case gemm
    /// The DDL max pool with and without the positions of the maxima.
    case maxpool
}
