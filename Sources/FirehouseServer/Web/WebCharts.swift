import FirehouseCore

/// Small inline SVG bar charts for the stats page: no script, no external file, readable by
/// screen readers (`role="img"`, a title, and a title on every bar with its exact value).
enum WebCharts {
    static func bars(_ data: [(label: String, value: Int)], label: String) -> String {
        let width = 320.0, height = 140.0, top = 10.0, bottom = 24.0
        let plot = height - top - bottom
        let peak = max(data.map(\.value).max() ?? 0, 1)
        let slot = data.isEmpty ? width : width / Double(data.count)
        let bar = max(slot * 0.8, 1)
        var out = #"<svg class="chart" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="\#(HTMLText.escape(label))">"#
        out += "<title>\(HTMLText.escape(label))</title>"
        // Label at most about eight slots so the axis stays legible with 90 days.
        let every = max(1, Int((Double(data.count) / 8).rounded(.up)))
        for (index, item) in data.enumerated() {
            let h = plot * Double(item.value) / Double(peak)
            let x = Double(index) * slot + (slot - bar) / 2
            out += #"<rect x="\#(fmt(x))" y="\#(fmt(top + plot - h))" width="\#(fmt(bar))" height="\#(fmt(h))">"#
            out += "<title>\(HTMLText.escape(item.label)): \(item.value)</title></rect>"
            if index % every == 0 {
                let text = item.label.count == 10 ? String(item.label.dropFirst(5)) : item.label  // MM-DD for days
                out += #"<text x="\#(fmt(Double(index) * slot + slot / 2))" y="\#(fmt(height - 8))" text-anchor="middle">\#(HTMLText.escape(text))</text>"#
            }
        }
        out += #"<text x="2" y="\#(fmt(top + 8))">\#(peak)</text>"#
        return out + "</svg>"
    }

    private static func fmt(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
