import FirehouseCore
import Testing

/// Links for people open the web view's pages; without the web view they fall back to the API.
struct ExternalURLTests {
    @Test func pagesWhenTheWebViewIsOn() {
        let links = ExternalURL("https://fh.example/")
        #expect(links.incidentPage(3) == "https://fh.example/ui/incidents/3")
        #expect(links.postmortemPage(3) == "https://fh.example/ui/incidents/3/postmortem")
        #expect(links.incident(3) == "https://fh.example/api/v1/incidents/3")
    }

    @Test func theAPIWithoutIt() {
        let links = ExternalURL("https://fh.example", webPages: false)
        #expect(links.incidentPage(3) == "https://fh.example/api/v1/incidents/3")
        #expect(links.postmortemPage(3) == "https://fh.example/api/v1/incidents/3/postmortem")
    }

    @Test func noLinksWithoutAnExternalURL() {
        #expect(ExternalURL().incidentPage(3) == nil)
    }
}
