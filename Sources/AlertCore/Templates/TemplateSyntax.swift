/// The parse tree of a template (Go's `text/template/parse` nodes, reduced to what the
/// executor needs). Offsets are byte offsets in the source, for `line:column` error context.
indirect enum TemplateNode: Sendable, Equatable {
    case text(String)
    case action(TemplatePipeline)
    case ifNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case rangeNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case withNode(TemplatePipeline, [TemplateNode], [TemplateNode]?)
    case breakNode(offset: Int)
    case continueNode(offset: Int)
}

/// `$x := cmd | cmd` — declared (or assigned) variables and the commands.
struct TemplatePipeline: Sendable, Equatable {
    var variables: [String]
    /// `=` rather than `:=`.
    var isAssignment: Bool
    var commands: [TemplateCommand]
    var offset: Int
    /// The pipeline as Go prints it in error context (`<humanize $value>`).
    var text: String
}

struct TemplateCommand: Sendable, Equatable {
    var arguments: [TemplateArgument]
    /// Where each argument is and how Go prints it, for errors about one argument
    /// (`at <$value>: wrong type for value`). A field chain is positioned at its first field.
    var spans: [TemplateSpan]
    var offset: Int
    var text: String
}

struct TemplateSpan: Sendable, Equatable {
    var offset: Int
    var text: String
}

indirect enum TemplateArgument: Sendable, Equatable {
    /// `.A.B` on dot.
    case field([String])
    /// `$x.A.B`.
    case variable(String, [String])
    case dot
    case nilValue
    case bool(Bool)
    case number(TemplateNumber, literal: String)
    case string(String)
    case function(String)
    /// `(pipeline).A.B`
    case pipeline(TemplatePipeline, [String])
}
