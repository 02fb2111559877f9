import FeatureStoreKit

/// The SVG pictures of the UI, drawn by fs from escaped parts.
enum UISVG {
    /// Sources → feature views → feature services, one column each, every box a link.
    static func lineage(_ definitions: RepoDefinitions) -> String {
        let columns: [[(name: String, href: String)]] = [
            definitions.sources.map { ($0.name, "/ui/sources/" + HTML.pathSegment($0.name)) },
            definitions.featureViews.map { ($0.name, "/ui/feature-views/" + HTML.pathSegment($0.name)) },
            definitions.featureServices.map { ($0.name, "/ui/feature-services/" + HTML.pathSegment($0.name)) },
        ]
        let boxWidth = 240.0
        let boxHeight = 24.0
        let rowHeight = 32.0
        let columnX = [10.0, 370.0, 730.0]
        let rows = columns.map(\.count).max() ?? 0
        let height = max(Double(rows) * rowHeight + 40, 80)
        func y(_ index: Int) -> Double { 30 + Double(index) * rowHeight }
        var index: [[String: Int]] = columns.map { column in
            Dictionary(column.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        var edges = ""
        for view in definitions.featureViews {
            guard let target = index[1][view.name] else { continue }
            if let source = index[0][view.source] {
                edges += line(
                    from: (columnX[0] + boxWidth, y(source) + boxHeight / 2),
                    to: (columnX[1], y(target) + boxHeight / 2))
            }
        }
        for service in definitions.featureServices {
            guard let target = index[2][service.name] else { continue }
            for view in Set(service.features.map(\.view)).sorted() {
                guard let source = index[1][view] else { continue }
                edges += line(
                    from: (columnX[1] + boxWidth, y(source) + boxHeight / 2),
                    to: (columnX[2], y(target) + boxHeight / 2))
            }
        }
        index = []
        var boxes = ""
        let titles = ["Sources", "Feature views", "Feature services"]
        for (column, items) in columns.enumerated() {
            boxes += #"<text x="\#(columnX[column])" y="16" font-weight="bold">\#(titles[column])</text>"#
            for (row, item) in items.enumerated() {
                let name = HTML.escape(String(item.name.prefix(34)))
                boxes +=
                    #"<a href="\#(HTML.escape(item.href))"><rect x="\#(columnX[column])" y="\#(y(row))" width="\#(boxWidth)" height="\#(boxHeight)" rx="4" fill="rgb(238,242,251)" stroke="rgb(36,87,197)"/><text x="\#(columnX[column] + 8)" y="\#(y(row) + 16)">\#(name)</text></a>"#
            }
        }
        return
            #"<svg xmlns="http://www.w3.org/2000/svg" width="980" height="\#(Int(height))" viewBox="0 0 980 \#(Int(height))" role="img" aria-label="lineage">\#(edges)\#(boxes)</svg>"#
    }

    private static func line(from: (Double, Double), to: (Double, Double)) -> String {
        let middle = (from.0 + to.0) / 2
        return
            #"<path d="M\#(from.0),\#(from.1) C\#(middle),\#(from.1) \#(middle),\#(to.1) \#(to.0),\#(to.1)" fill="none" stroke="rgb(152,162,179)"/>"#
    }

    /// Bars of shares (0...1), labeled, for a profile: a density histogram between quantiles for
    /// numbers, the top values for categories.
    static func bars(_ bars: [(label: String, value: Double)], width: Double = 640, height: Double = 180) -> String {
        guard !bars.isEmpty else { return "" }
        let top = max(bars.map(\.value).max() ?? 0, 1e-12)
        let slot = width / Double(bars.count)
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height + 40))" viewBox="0 0 \#(Int(width)) \#(Int(height + 40))" role="img" aria-label="histogram">"#
        for (index, bar) in bars.enumerated() {
            let barHeight = max(0, bar.value / top * height)
            let x = Double(index) * slot
            out +=
                #"<rect x="\#(x + 1)" y="\#(height - barHeight)" width="\#(max(slot - 2, 1))" height="\#(barHeight)" fill="rgb(36,87,197)"><title>\#(HTML.escape(bar.label))</title></rect>"#
            if bars.count <= 12 {
                out += #"<text x="\#(x + 2)" y="\#(height + 14)">\#(HTML.escape(String(bar.label.prefix(14))))</text>"#
            }
        }
        return out + "</svg>"
    }

    /// Pairs of bars (baseline grey, window colored) for the bins of a drift measurement.
    static func pairs(_ bins: [DriftBin], status: DriftStatus) -> String {
        guard !bins.isEmpty else { return "" }
        let color =
            switch status {
            case .alert: "#c62828"
            case .warn: "#b26a00"
            default: "#2e7d32"
            }
        let slot = 14.0
        let height = 36.0
        let top = max(bins.map { max($0.baseline, $0.window) }.max() ?? 0, 1e-12)
        let width = Double(bins.count) * slot
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height))" viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="bins">"#
        for (index, bin) in bins.enumerated() {
            let x = Double(index) * slot
            let base = bin.baseline / top * height
            let window = bin.window / top * height
            let title = HTML.escape("\(bin.label): baseline \(percent(bin.baseline)), window \(percent(bin.window))")
            out +=
                #"<g><title>\#(title)</title><rect x="\#(x)" y="\#(height - base)" width="6" height="\#(base)" fill="rgb(152,162,179)"/><rect x="\#(x + 6)" y="\#(height - window)" width="6" height="\#(window)" fill="\#(color)"/></g>"#
        }
        return out + "</svg>"
    }

    /// Pairs of bars per bin, offline (blue) and served (orange): each side's share of its values.
    static func overlay(
        _ bins: [(label: String, offline: Double, served: Double)], width: Double = 640, height: Double = 180
    ) -> String {
        guard !bins.isEmpty else { return "" }
        let top = max(bins.map { max($0.offline, $0.served) }.max() ?? 0, 1e-12)
        let slot = width / Double(bins.count)
        let bar = max((slot - 2) / 2, 1)
        var out =
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Int(width))" height="\#(Int(height + 40))" viewBox="0 0 \#(Int(width)) \#(Int(height + 40))" role="img" aria-label="offline and served histogram">"#
        for (index, bin) in bins.enumerated() {
            let x = Double(index) * slot
            let offline = max(0, bin.offline / top * height)
            let served = max(0, bin.served / top * height)
            let title = HTML.escape("\(bin.label): offline \(percent(bin.offline)), served \(percent(bin.served))")
            out +=
                #"<g class="bin"><title>\#(title)</title><rect x="\#(x + 1)" y="\#(height - offline)" width="\#(bar)" height="\#(offline)" fill="rgb(36,87,197)"/><rect x="\#(x + 1 + bar)" y="\#(height - served)" width="\#(bar)" height="\#(served)" fill="rgb(230,124,30)"/></g>"#
            if bins.count <= 12 {
                out += #"<text x="\#(x + 2)" y="\#(height + 14)">\#(HTML.escape(String(bin.label.prefix(14))))</text>"#
            }
        }
        return out + "</svg>"
    }

    static func percent(_ share: Double) -> String {
        let tenths = (share * 1000).rounded()
        return "\(tenths / 10)%"
    }
}
