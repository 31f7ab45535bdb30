import HTTPTypes
import Hummingbird

extension Response {
    /// A text response (`text/plain; charset=utf-8` unless `contentType` says otherwise).
    public static func text(_ text: String, status: HTTPResponse.Status = .ok,
                            contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
