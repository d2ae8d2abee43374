import PluginAPI

/// Where to look for plates on a frame: inside vehicle boxes a detector earlier in the chain found,
/// else around the moving areas, else the whole frame; always within the region of interest.
struct SearchAreas {
    let config: ANPRConfig

    /// The pixel rectangles to search; nil when the frame has nothing worth reading (motion is known
    /// and nothing moves).
    func areas(for frame: Frame) -> [PlateJob.Area]? {
        let w = frame.image.width, h = frame.image.height
        let roi = config.regionOfInterest.map { Box(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
            ?? Box(x: 0, y: 0, width: 1, height: 1)
        var boxes: [Box] = [roi]
        if config.useObjects, let objects = frame.annotations.objects {
            let vehicles = objects.filter { config.objectClasses.contains($0.className.lowercased()) }
            if !vehicles.isEmpty { boxes = vehicles.map { $0.box.padded(by: 0.1) } }
        } else if config.useMotionRegions, let motion = frame.annotations.motion, !motion.calibrating {
            guard !motion.boxes.isEmpty else { return nil }
            boxes = motion.boxes.map { $0.padded(by: 0.25) }
        }
        let minimum = Double(config.maxCharHeight * 2)
        return boxes.compactMap { box -> PlateJob.Area? in
            guard let inside = box.intersection(roi) else { return nil }
            var p = inside.pixels(frameWidth: w, frameHeight: h)
            // a small box (a low-resolution motion region) still gets room for a plate around it
            if Double(p.width) < minimum { let grow = Int(minimum) - p.width; p.x -= grow / 2; p.width += grow }
            if Double(p.height) < minimum / 2 { let grow = Int(minimum / 2) - p.height; p.y -= grow / 2; p.height += grow }
            p.x = max(0, p.x); p.y = max(0, p.y)
            p.width = min(p.width, w - p.x); p.height = min(p.height, h - p.y)
            return p.width > 0 && p.height > 0 ? PlateJob.Area(x: p.x, y: p.y, width: p.width, height: p.height) : nil
        }
    }
}
