import Testing
import VandineCore

@Suite struct HTMLEscapeTests {
    @Test func markupCharactersBecomeEntities() {
        #expect("<a href=\"x\">'&'</a>".htmlEscaped == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    /// A NUL or an escape sequence in a pushed label must not reach a status page raw; tab, LF
    /// and CR are ordinary text, and non-ASCII letters stay as they are.
    @Test func controlCharactersBecomeReplacementCharacters() {
        #expect("a\u{0}b\u{1B}[31mc\u{7F}d\u{85}e".htmlEscaped == "a\u{FFFD}b\u{FFFD}[31mc\u{FFFD}d\u{FFFD}e")
        #expect("tab\there\nline\r\nende: ü ✓".htmlEscaped == "tab\there\nline\r\nende: ü ✓")
    }
}
