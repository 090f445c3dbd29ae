import Foundation
import FastKernels
import TensorCore

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length
/// N, N bytes of JSON (`{name: {"dtype", "shape", "data_offsets": [begin, end]}, …,
/// "__metadata__": {string: string}}`, padded with spaces to a multiple of 8), then the
/// tensors' raw little-endian bytes back to back, offsets counted from the end of the header.
public enum Safetensors {
    /// The file's bytes for `tensors` (in that order) and `metadata`.
    /// - Precondition: tensor names are unique and none is `__metadata__`.
    public static func encode(_ tensors: [SafetensorsTensor], metadata: [String: String]) -> [UInt8]
    {
        precondition(
            Set(tensors.map(\.name)).count == tensors.count,
            "Safetensors.encode: duplicate tensor names")
        precondition(
            !tensors.contains { $0.name == "__metadata__" },
            "Safetensors.encode: a tensor named __metadata__")
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            header[t.name] =
                [
                    "dtype": t.dtype.rawValue, "shape": t.shape,
                    "data_offsets": [offset, offset + t.bytes.count]
                ] as [String: Any]
            offset += t.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        let json =
            (try? JSONSerialization.data(
                withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var headerBytes = Array(json)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = SafetensorsTensor.littleEndian([UInt64(headerBytes.count)])
        out.reserveCapacity(8 + headerBytes.count + offset)
        out += headerBytes
        for t in tensors { out += t.bytes }
        return out
    }

    /// Every state-dict entry of `model` in its order: parameters and buffers in the model's
    /// precision (F32 for `Float`, F64 for `Double`), counters (`num_batches_tracked`) as
    /// I64 scalars, as `torch.nn.Module.state_dict()` holds them.
    public static func tensors<C: StateContainer>(of model: C) -> [SafetensorsTensor] {
        let dtype: SafetensorsTensor.DType = MemoryLayout<C.Scalar>.size == 4 ? .f32 : .f64
        return model.stateEntries().map { entry in
            switch entry {
            case .parameter(let n, let v):
                SafetensorsTensor(
                    name: n, dtype: dtype, shape: v.value.shape,
                    bytes: SafetensorsTensor.littleEndian(v.value.scalars))
            case .buffer(let n, let b):
                SafetensorsTensor(
                    name: n, dtype: dtype, shape: b.value.shape,
                    bytes: SafetensorsTensor.littleEndian(b.value.scalars))
            case .counter(let n, let c):
                SafetensorsTensor(
                    name: n, dtype: .i64, shape: [],
                    bytes: SafetensorsTensor.littleEndian([c.value]))
            }
        }
    }
}
