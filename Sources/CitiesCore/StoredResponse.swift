/// An answer as kept under an idempotency key: what a retry of the request gets back.
package struct StoredResponse: Sendable, Hashable {
    package var status: Int
    package var location: String?
    package var contentType: String?
    package var body: [UInt8]

    package init(status: Int, location: String? = nil, contentType: String? = nil, body: [UInt8] = []) {
        self.status = status
        self.location = location
        self.contentType = contentType
        self.body = body
    }
}
