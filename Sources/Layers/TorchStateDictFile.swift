/// A `torch.save(state_dict)` file written without torch: the ZIP layout of PyTorch's
/// serialization (`archive/data.pkl`, `archive/byteorder`, `archive/data/<k>` holding each
/// tensor's little-endian bytes, `archive/version`) with a pickle (protocol 2) of an
/// `OrderedDict` of `torch._utils._rebuild_tensor_v2` calls on persistent storages, which is
/// what `torch.load(..., weights_only=True)` accepts.
public enum TorchStateDictFile {
    /// The folder inside the archive (torch takes the first entry's folder).
    static let root = "archive"

    /// The file's bytes for `tensors` (F32 → `FloatStorage`, F64 → `DoubleStorage`,
    /// I64 → `LongStorage`), contiguous, in order.
    public static func encode(_ tensors: [SafetensorsTensor]) -> [UInt8] {
        var zip = StoredZip()
        zip.add("\(root)/data.pkl", pickle(tensors))
        zip.add("\(root)/byteorder", Array("little".utf8))
        for (k, t) in tensors.enumerated() { zip.add("\(root)/data/\(k)", t.bytes) }
        zip.add("\(root)/version", Array("3\n".utf8))
        return zip.finished()
    }

    /// The pickle of the state dict.
    static func pickle(_ tensors: [SafetensorsTensor]) -> [UInt8] {
        var p = Pickler()
        p.proto()
        p.global("collections", "OrderedDict")
        p.emptyTuple()
        p.reduce()
        p.mark()
        for (k, t) in tensors.enumerated() {
            p.unicode(t.name)
            p.global("torch._utils", "_rebuild_tensor_v2")
            p.mark()
            // The storage: persistent id ("storage", torch.<Type>Storage, key, location, numel).
            p.mark()
            p.unicode("storage")
            p.global("torch", storageType(t.dtype))
            p.unicode(String(k))
            p.unicode("cpu")
            p.int(t.shape.reduce(1, *))
            p.tuple()
            p.persistentID()
            p.int(0)  // storage offset
            p.intTuple(t.shape)
            p.intTuple(strides(t.shape))
            p.bool(false)  // requires_grad
            p.global("collections", "OrderedDict")  // backward hooks
            p.emptyTuple()
            p.reduce()
            p.tuple()
            p.reduce()
        }
        p.setItems()
        p.stop()
        return p.bytes
    }

    static func storageType(_ dtype: SafetensorsTensor.DType) -> String {
        switch dtype {
        case .f32: "FloatStorage"
        case .f64: "DoubleStorage"
        case .i64: "LongStorage"
        }
    }

    /// Row-major strides of `shape`, in elements.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) {
            s[i] = s[i + 1] * shape[i + 1]
        }
        return s
    }
}
