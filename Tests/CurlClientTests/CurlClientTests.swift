import Testing
@testable import CurlClient
