/// A command's failure that is not about its arguments, told as one sentence (printed as
/// `Error: <sentence>`, exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
