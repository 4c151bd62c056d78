/// An answer as kept under an idempotency key: what a retry of the request gets back.
public struct StoredResponse: Sendable, Hashable {
    public var status: Int
    public var location: String?
    public var contentType: String?
    public var body: [UInt8]

    public init(status: Int, location: String? = nil, contentType: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.location = location
        self.contentType = contentType
        self.body = body
    }
}
