import CHDF5

extension HDF5Group {
    /// Whether this object has an attribute of that name.
    public func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    /// The names of this object's attributes.
    public func attributeNames() throws(HDF5Error) -> [String] {
        let count = H5Aget_num_attrs(id)
        guard count >= 0 else {
            throw HDF5Error(.readFailed, file: file.path, path: path, "cannot list attributes")
        }
        var names: [String] = []
        for i in 0..<Int(count) {
            let attribute = H5Aopen_by_idx(
                id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), ddl_h5p_default(),
                ddl_h5p_default())
            guard attribute >= 0 else { continue }
            defer { H5Aclose(attribute) }
            let size = H5Aget_name(attribute, 0, nil)
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Aget_name(attribute, buffer.count, &buffer)
            names.append(
                String(
                    decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            )
        }
        return names
    }

    func attributeError(_ kind: HDF5Error.Kind, _ name: String, _ detail: String = "") -> HDF5Error
    {
        HDF5Error(kind, file: file.path, path: "\(path)@\(name)", detail)
    }

    /// Opens a scalar attribute: one element, whatever its type, so that a read never
    /// writes more than one value (a corrupt file may claim any number).
    private func openAttribute(_ name: String) throws(HDF5Error) -> hid_t {
        guard H5Aexists(id, name) > 0 else {
            throw attributeError(.missingObject, name, "no such attribute")
        }
        let attribute = H5Aopen(id, name, ddl_h5p_default())
        guard attribute >= 0 else { throw attributeError(.readFailed, name) }
        let space = H5Aget_space(attribute)
        let points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1
        if space >= 0 { H5Sclose(space) }
        guard points == 1 else {
            H5Aclose(attribute)
            throw attributeError(.wrongShape, name, "expected one value, found \(points)")
        }
        return attribute
    }

    /// A string attribute (variable- or fixed-length, as h5py and libhdf5 write them).
    public func stringAttribute(_ name: String) throws(HDF5Error) -> String {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_STRING else {
            throw attributeError(.wrongType, name, "expected a string, found \(describeType(type))")
        }
        if H5Tis_variable_str(type) > 0 {
            let memory = H5Tcopy(ddl_h5t_c_s1())
            defer { H5Tclose(memory) }
            H5Tset_size(memory, ddl_h5t_variable())
            H5Tset_cset(memory, H5Tget_cset(type))
            var pointer: UnsafeMutablePointer<CChar>? = nil
            guard H5Aread(attribute, memory, &pointer) >= 0, let p = pointer else {
                throw attributeError(.readFailed, name)
            }
            defer { H5free_memory(p) }
            return String(cString: p)
        }
        let size = H5Tget_size(type)
        guard size > 0, size < 1 << 24 else {
            throw attributeError(.wrongType, name, "a string of \(size) bytes (corrupt file?)")
        }
        var buffer = [CChar](repeating: 0, count: size + 1)
        guard H5Aread(attribute, type, &buffer) >= 0 else {
            throw attributeError(.readFailed, name)
        }
        return String(
            decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A numeric scalar attribute (any integer or float type on disk), as a `Double`.
    public func numberAttribute(_ name: String) throws(HDF5Error) -> Double {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        let typeClass = H5Tget_class(type)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw attributeError(.wrongType, name, "expected a number, found \(describeType(type))")
        }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        guard H5Sget_simple_extent_npoints(space) == 1 else {
            throw attributeError(
                .wrongShape, name,
                "expected one number, found \(H5Sget_simple_extent_npoints(space))")
        }
        var value = 0.0
        guard H5Aread(attribute, ddl_h5t_native_double(), &value) >= 0 else {
            throw attributeError(.readFailed, name)
        }
        return value
    }

    /// An integer scalar attribute.
    public func integerAttribute(_ name: String) throws(HDF5Error) -> Int64 {
        let attribute = try openAttribute(name)
        defer { H5Aclose(attribute) }
        let type = H5Aget_type(attribute)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_INTEGER else {
            throw attributeError(
                .wrongType, name, "expected an integer, found \(describeType(type))")
        }
        var value: Int64 = 0
        guard H5Aread(attribute, ddl_h5t_native_int64(), &value) >= 0 else {
            throw attributeError(.readFailed, name)
        }
        return value
    }

    /// Writes (or replaces) a UTF-8 string attribute.
    public func setAttribute(_ name: String, _ value: String) throws(HDF5Error) {
        if H5Aexists(id, name) > 0 { H5Adelete(id, name) }
        let type = H5Tcopy(ddl_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, ddl_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(id, name, type, space, ddl_h5p_default(), ddl_h5p_default())
        guard attribute >= 0 else { throw attributeError(.writeFailed, name) }
        defer { H5Aclose(attribute) }
        let status = value.withCString { cString -> herr_t in
            var pointer: UnsafePointer<CChar>? = cString
            return H5Awrite(attribute, type, &pointer)
        }
        guard status >= 0 else { throw attributeError(.writeFailed, name) }
    }

    /// Writes (or replaces) a numeric scalar attribute.
    public func setAttribute<T: HDF5Element>(_ name: String, _ value: T) throws(HDF5Error) {
        if H5Aexists(id, name) > 0 { H5Adelete(id, name) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attribute = H5Acreate2(
            id, name, T.nativeType, space, ddl_h5p_default(), ddl_h5p_default())
        guard attribute >= 0 else { throw attributeError(.writeFailed, name) }
        defer { H5Aclose(attribute) }
        let status = [value].withUnsafeBytes { H5Awrite(attribute, T.nativeType, $0.baseAddress) }
        guard status >= 0 else { throw attributeError(.writeFailed, name) }
    }
}
