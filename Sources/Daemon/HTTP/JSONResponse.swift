import HTTPTypes
import Hummingbird

/// Builds responses whose body is ready-made JSON (or other) bytes.
enum JSONResponse {
    /// A response with `bytes` as the body and `contentType`.
    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok,
                      contentType: String = "application/json", extra: [(HTTPField.Name, String)] = []) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        for (name, value) in extra { headers[name] = value }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
