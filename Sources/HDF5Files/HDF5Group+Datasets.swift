import CHDF5
import FastKernels
import TensorCore

extension HDF5Group {
    /// Reads a whole dataset as a flat array with its shape.
    ///
    /// Values convert within a type class (float32 ↔ float64, integer widths); a float
    /// dataset read as integers, or the reverse, is `.wrongType`. A given `expectedShape`
    /// is checked (`.wrongShape`), naming both shapes.
    public func read<T: HDF5Element>(
        _ name: String, as: T.Type = T.self, expectedShape: [Int]? = nil
    ) throws(HDF5Error) -> (shape: [Int], values: [T]) {
        switch kind(of: name) {
        case nil: throw error(.missingObject, name, "no such dataset")
        case .dataset?: break
        default: throw error(.wrongKind, name, "expected a dataset, found a group")
        }
        let dataset = H5Dopen2(id, name, ddl_h5p_default())
        guard dataset >= 0 else { throw error(.readFailed, name, "cannot open the dataset") }
        defer { H5Dclose(dataset) }
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == T.typeClass else {
            throw error(.wrongType, name, "expected \(T.typeName), found \(describeType(type))")
        }
        let shape = try datasetShape(dataset, name)
        if let expectedShape, expectedShape != shape {
            throw error(
                .wrongShape, name, "expected \(describe(expectedShape)), found \(describe(shape))")
        }
        if T.self == UInt8.self, describeType(type) != "uint8" {
            // libhdf5 would clamp wider integers into 0…255; refuse them instead.
            let wide = try read(name, as: Int64.self)
            if let low = wide.values.min(), let high = wide.values.max(), low < 0 || high > 255 {
                throw error(
                    .wrongType, name,
                    "\(describeType(type)) values \(low)…\(high) are outside the uint8 range 0…255")
            }
            return (shape, wide.values.compactMap { UInt8(exactly: $0) as? T })
        }
        var values = [T](
            repeating: T.zero,
            count: try elementCount(shape, name, elementSize: MemoryLayout<T>.stride))
        if !values.isEmpty {
            let status = values.withUnsafeMutableBytes {
                H5Dread(
                    dataset, T.nativeType, ddl_h5s_all(), ddl_h5s_all(), ddl_h5p_default(),
                    $0.baseAddress)
            }
            guard status >= 0 else {
                throw error(
                    .readFailed, name, "the data cannot be read (truncated or corrupt file?)")
            }
        }
        return (shape, values)
    }

    /// Writes a dataset of the given shape (replacing nothing: the name must be new).
    public func write<T: HDF5Element>(_ name: String, shape: [Int], values: [T]) throws(HDF5Error) {
        precondition(
            shape.reduce(1, *) == values.count,
            "HDF5 write: \(values.count) values for shape \(describe(shape))")
        guard !contains(name) else { throw error(.writeFailed, name, "already exists") }
        var dims = shape.map { hsize_t($0) }
        let space =
            shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(shape.count), &dims, nil)
        guard space >= 0 else {
            throw error(.writeFailed, name, "cannot make a dataspace for \(describe(shape))")
        }
        defer { H5Sclose(space) }
        let dataset = H5Dcreate2(
            id, name, T.nativeType, space, ddl_h5p_default(), ddl_h5p_default(), ddl_h5p_default())
        guard dataset >= 0 else { throw error(.writeFailed, name, "cannot create the dataset") }
        defer { H5Dclose(dataset) }
        if !values.isEmpty {
            let status = values.withUnsafeBytes {
                H5Dwrite(
                    dataset, T.nativeType, ddl_h5s_all(), ddl_h5s_all(), ddl_h5p_default(),
                    $0.baseAddress)
            }
            guard status >= 0 else { throw error(.writeFailed, name, "cannot write the data") }
        }
    }

    /// Reads a floating-point dataset as a tensor (float32 or float64 on disk).
    public func readTensor<S: TensorScalar>(
        _ name: String, as: S.Type = S.self, expectedShape: [Int]? = nil
    ) throws(HDF5Error) -> Tensor<S> {
        if S.self == Float.self {
            let t = try read(name, as: Float.self, expectedShape: expectedShape)
            return Tensor(shape: t.shape, scalars: t.values.map { S($0) })
        }
        let t = try read(name, as: Double.self, expectedShape: expectedShape)
        return Tensor(shape: t.shape, scalars: t.values.map { S($0) })
    }

    /// Writes a tensor as a float32 or float64 dataset, by its scalar type.
    public func writeTensor<S: TensorScalar>(_ name: String, _ tensor: Tensor<S>) throws(HDF5Error)
    {
        if S.self == Float.self {
            try write(name, shape: tensor.shape, values: tensor.scalars.map { Float($0) })
        } else {
            try write(name, shape: tensor.shape, values: tensor.scalars.map { Double($0) })
        }
    }

    /// The shape of a dataset, without reading its data.
    public func shape(of name: String) throws(HDF5Error) -> [Int] {
        guard kind(of: name) == .dataset else {
            throw error(.missingObject, name, "no such dataset")
        }
        let dataset = H5Dopen2(id, name, ddl_h5p_default())
        guard dataset >= 0 else { throw error(.readFailed, name, "cannot open the dataset") }
        defer { H5Dclose(dataset) }
        return try datasetShape(dataset, name)
    }

    /// The shape of an open dataset (`[]` for a scalar).
    func datasetShape(_ dataset: hid_t, _ name: String) throws(HDF5Error) -> [Int] {
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw error(.readFailed, name, "cannot read the shape") }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { H5Sget_simple_extent_dims(space, &dims, nil) }
        guard rank > 0 else { return [] }
        var shape: [Int] = []
        for d in dims {
            guard let n = Int(exactly: d) else {
                throw error(.readFailed, name, "dimension \(d) is out of range (corrupt file?)")
            }
            shape.append(n)
        }
        return shape
    }

    /// The number of elements of `shape`, refusing a product that overflows or a size the
    /// file cannot hold (a corrupt header would otherwise make the reader allocate it).
    func elementCount(_ shape: [Int], _ name: String, elementSize: Int) throws(HDF5Error) -> Int {
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw error(
                    .readFailed, name, "shape \(describe(shape)) is too large (corrupt file?)")
            }
            count = product
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        let (limit, big) = max(file.size, 1).multipliedReportingOverflow(by: 1024)
        guard !overflow, big || bytes <= limit + (1 << 20) else {
            throw error(.readFailed, name, "shape \(describe(shape)) needs \(bytes) bytes, more "
                + "than the file can hold (corrupt file?)")
        }
        return count
    }

    /// The element type name of a dataset as stored (`float32`, `int64`, …).
    public func storedType(of name: String) throws(HDF5Error) -> String {
        guard kind(of: name) == .dataset else {
            throw error(.missingObject, name, "no such dataset")
        }
        let dataset = H5Dopen2(id, name, ddl_h5p_default())
        guard dataset >= 0 else { throw error(.readFailed, name, "cannot open the dataset") }
        defer { H5Dclose(dataset) }
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        return describeType(type)
    }
}
