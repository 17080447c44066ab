import Linalg

extension BiGRUSessionModel {
    /// A new model whose every weight is `self`'s moved by `weight` towards `other`'s:
    /// `self + weight × (other − self)` (0: `self`'s weights, 1: `other`'s). The running mean of
    /// n models adds the n-th at weight 1/n. Throws when the two differ in shape or features.
    public func moved(towards other: BiGRUSessionModel, weight: Float) throws -> BiGRUSessionModel {
        guard other.layout.total == layout.total, other.itemCount == itemCount,
              other.configuration.attributeCount == configuration.attributeCount else {
            throw SessionModelError(.invalidInput, "cannot average models of \(layout.total) and \(other.layout.total) weights")
        }
        let out = copy()
        // out = (1 − weight) · self + weight · other
        BLAS.scal(layout.total, 1 - weight, out.parameters)
        BLAS.axpy(layout.total, weight, other.parameters, out.parameters)
        return out
    }
}
