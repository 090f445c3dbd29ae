import CHDF5

/// A group of an open HDF5 file: a folder of named datasets and groups, with attributes.
public final class HDF5Group {
    /// The file this group belongs to (kept open while the group lives).
    public let file: HDF5File
    /// The absolute path of the group inside the file.
    public let path: String
    let id: hid_t

    init(file: HDF5File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        self.id = id
    }

    deinit { H5Gclose(id) }

    static func open(in file: HDF5File, at path: String) throws(HDF5Error) -> HDF5Group {
        let id = H5Gopen2(file.id, path, ddl_h5p_default())
        guard id >= 0 else {
            throw HDF5Error(.missingObject, file: file.path, path: path, "no such group")
        }
        return HDF5Group(file: file, path: path, id: id)
    }

    /// The absolute path of a child.
    public func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// An error about a child of this group.
    func error(_ kind: HDF5Error.Kind, _ name: String, _ detail: String = "") -> HDF5Error {
        HDF5Error(kind, file: file.path, path: childPath(name), detail)
    }

    /// What a child is.
    public enum ChildKind: Sendable { case group, dataset, other }

    /// Whether a child of this name exists (a link, of any kind).
    public func contains(_ name: String) -> Bool {
        H5Lexists(id, name, ddl_h5p_default()) > 0
    }

    /// The kind of a child, or nil when there is none.
    public func kind(of name: String) -> ChildKind? {
        guard contains(name) else { return nil }
        let object = H5Oopen(id, name, ddl_h5p_default())
        guard object >= 0 else { return nil }
        defer { H5Oclose(object) }
        switch H5Iget_type(object) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// The names of the children, in HDF5's name order.
    public func names() throws(HDF5Error) -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else {
            throw HDF5Error(.readFailed, file: file.path, path: path, "cannot list the group")
        }
        var result: [String] = []
        for i in 0..<info.nlinks {
            let index = H5_index_t(rawValue: ddl_h5_index_name()),
                order = H5_iter_order_t(rawValue: ddl_h5_iter_inc())
            let size = H5Lget_name_by_idx(id, ".", index, order, i, nil, 0, ddl_h5p_default())
            guard size >= 0 else {
                throw HDF5Error(.readFailed, file: file.path, path: path, "cannot read link \(i)")
            }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(
                id, ".", index, order, i, &buffer, buffer.count, ddl_h5p_default())
            result.append(
                String(
                    decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            )
        }
        return result
    }

    /// An existing child group.
    public func group(_ name: String) throws(HDF5Error) -> HDF5Group {
        switch kind(of: name) {
        case nil: throw error(.missingObject, name, "no such group")
        case .group?: break
        default: throw error(.wrongKind, name, "expected a group")
        }
        let child = H5Gopen2(id, name, ddl_h5p_default())
        guard child >= 0 else { throw error(.readFailed, name, "cannot open the group") }
        return HDF5Group(file: file, path: childPath(name), id: child)
    }

    /// A child group, created when missing.
    @discardableResult
    public func createGroup(_ name: String) throws(HDF5Error) -> HDF5Group {
        if contains(name) { return try group(name) }
        let child = H5Gcreate2(id, name, ddl_h5p_default(), ddl_h5p_default(), ddl_h5p_default())
        guard child >= 0 else { throw error(.writeFailed, name, "cannot create the group") }
        return HDF5Group(file: file, path: childPath(name), id: child)
    }
}
