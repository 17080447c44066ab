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
