extension OnlineMF {
    /// Gives user row `user` a fresh random vector, zero bias and zero count, as `addUser` would,
    /// so an evicted user's row can be reused for a new user without growing the matrix.
    public func resetUser(_ user: Int32) {
        precondition(user >= 0 && Int(user) < users, "OnlineMF.resetUser: index out of range")
        fillRandom(userFactors.row(Int(user)))
        userBias[Int(user)] = 0
        userCount[Int(user)] = 0
    }
}

extension OnlineMF {
    /// Sets user row `user`'s vector (`factors` floats), bias and event count: a user's state
    /// moved here from another instance.
    public func setUser(_ user: Int32, factors vector: [Float], bias: Float, count: Int32) {
        precondition(user >= 0 && Int(user) < users, "OnlineMF.setUser: index out of range")
        precondition(vector.count == factors, "OnlineMF.setUser: \(vector.count) floats for \(factors) factors")
        vector.withUnsafeBufferPointer { userFactors.row(Int(user)).update(from: $0.baseAddress!, count: factors) }
        userBias[Int(user)] = bias
        userCount[Int(user)] = count
    }
}
