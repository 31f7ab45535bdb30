import AlertCore
import Testing

@Suite struct CurlCapabilitiesTests {
    @Test func libcurlLinksAndSupportsSecureSMTP() {
        let curl = CurlCapabilities.current()
        #expect(curl.version.first?.isNumber == true, "got \(curl.version)")
        #expect(curl.protocols.contains("smtp"))
        #expect(curl.protocols.contains("smtps"))
        #expect(curl.hasTLS)
        #expect(curl.sslVersion?.isEmpty == false)
        #expect(curl.canSendSecureMail)
    }
}
