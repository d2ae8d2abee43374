import ArgumentParser
import Foundation
import PluginAPI
import VigilConfig
import VigilPipeline
import VigilPlugins
import VigilSupport
import VigilVision

/// `vigil anpr-eval DIR [--config FILE]`: the real ANPR plugin (libANPR.so through the host's loader)
/// on every labelled image of DIR, one image per frame, each its own vehicle pass; compares the most
/// confident event's plate with the label (exact, ignoring case, spaces and dashes).
package struct ANPREvalCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "anpr-eval", abstract: "Measure the ANPR plugin's accuracy and speed on labelled plate images.")

    @Argument(help: "Folder of images with labels.csv (file,plate_text,...) and optionally boxes.csv (file,region,x,y,w,h).")
    var dir: String
    @Option(help: "A JSON file holding the ANPR plugin's config object (the same keys as in plugins.json).")
    var config: String?
    @Option(help: "The ANPR plugin library (default: libANPR.so next to vigil).")
    var library: String?
    @Flag(help: "Search only around each labelled plate box (boxes.csv), handed to the plugin as a vehicle box.")
    var givenBoxes = false

    package init() {}

    package func run() throws {
        let labels = try PlateLabels(folder: dir)
        labels.problems.forEach { FileHandle.standardError.write(Data("\($0)\n".utf8)) }
        var pluginConfig = try readConfig()
        let images = decodeImages(labels.plates)
        guard !images.isEmpty else { throw ValidationError("\(dir): no labelled image could be read") }
        // Every image is fed at once: the plugin's queue must hold them all.
        if (pluginConfig["queue_size"]?.intValue ?? 0) < images.count {
            pluginConfig = pluginConfig.merging(["queue_size": .int(images.count)])
        }

        let plugin = try PluginLibrary.load(path: library ?? "\(HostConfig.executableDirectory())/libANPR.so", expecting: .detector)
        let collected = EventCollector()
        var context = PluginContext(name: "anpr", cameraID: "anpr-eval", config: pluginConfig, configPath: config ?? "config",
                                    logger: PluginLogger { level, message, metadata in
                                        guard level >= .warning else { return }
                                        let data = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                                        FileHandle.standardError.write(Data("anpr: \(message) \(data)\n".utf8))
                                    })
        context.emitter = EventEmitter { collected.add($0); return true }
        let detector: any Detector
        do { detector = try plugin.descriptor.makeDetector(context) } catch {
            throw ValidationError("the ANPR plugin refused its configuration: \(error)")
        }

        let start = DispatchTime.now().uptimeNanoseconds
        for (i, item) in images.enumerated() {
            let annotations = FrameAnnotations()
            if givenBoxes, let b = labels.boxes[item.file] {
                annotations.objects = [DetectedObject(box: Box(pixelX: b.x, pixelY: b.y, pixelWidth: b.width, pixelHeight: b.height,
                                                               frameWidth: item.image.width, frameHeight: item.image.height),
                                                      className: "car", confidence: 1)]
            }
            // 1000 s apart: every image is its own vehicle pass, and no cooldown spans two images.
            let frame = Frame(cameraID: "anpr-eval", number: i, timestamp: Timestamp(secondsSince1970: 1_000_000 + Double(i) * 1000),
                              image: item.image, annotations: annotations)
            do { collected.add(try detector.process(frame)) } catch {
                FileHandle.standardError.write(Data("\(dir)/\(item.file): the plugin failed: \(error)\n".utf8))
            }
        }
        collected.add(detector.finish())
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6

        report(images: images, events: collected.events, labels: labels, elapsedMS: elapsed)
    }

    private func readConfig() throws -> JSONValue {
        guard let config else { return [:] }
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
            throw ValidationError("\(config): cannot read the config file")
        }
        do {
            let value = try JSONValue(parsing: text)
            guard case .object = value else { throw ValidationError("\(config): expected a JSON object, found \(value.typeName)") }
            return value
        } catch let error as JSONParseError {
            throw ValidationError("\(config): \(error)")
        }
    }

    private func decodeImages(_ plates: [(file: String, text: String)]) -> [(file: String, text: String, image: Image)] {
        plates.compactMap { item in
            var err = [CChar](repeating: 0, count: 512)
            guard let frame = vv_image_read("\(dir)/\(item.file)", &err, err.count) else {
                FileHandle.standardError.write(Data("\(String(errorBuffer: err)) (image skipped)\n".utf8))
                return nil
            }
            return (item.file, item.text, VisionImage.wrap(frame))
        }
    }

    private func report(images: [(file: String, text: String, image: Image)], events: [Event], labels: PlateLabels, elapsedMS: Double) {
        var best: [Int: (plate: String, confidence: Double, region: String)] = [:]
        for event in events where event.type == "anpr" {
            guard let result = event.data["anpr_result"], let plate = result["license_plate"]?.stringValue else { continue }
            let confidence = result["confidence"]?.doubleValue ?? 0
            if confidence > best[event.frameNumber]?.confidence ?? -1 {
                best[event.frameNumber] = (plate, confidence, result["region"]?.stringValue ?? "")
            }
        }
        var perRegion: [String: (images: Int, exact: Int)] = [:]
        var exact = 0
        for (i, item) in images.enumerated() {
            let read = best[i].map { PlateLabels.normalise($0.plate) }
            let ok = read == item.text
            exact += ok ? 1 : 0
            let region = labels.boxes[item.file]?.region ?? "all"
            perRegion[region, default: (0, 0)].images += 1
            perRegion[region, default: (0, 0)].exact += ok ? 1 : 0
            print("\(ok ? "ok  " : "MISS") \(item.file) label=\(item.text) read=\(read ?? "-")"
                  + (best[i].map { String(format: " confidence=%.3f region=%@", $0.confidence, $0.region) } ?? ""))
        }
        for (region, r) in perRegion.sorted(by: { $0.key < $1.key }) {
            print(String(format: "region %@ images=%d exact=%d accuracy=%.1f", region, r.images, r.exact, 100 * Double(r.exact) / Double(r.images)))
        }
        print(String(format: "anpr images=%d exact=%d accuracy=%.1f ms_per_image=%.1f", images.count, exact,
                     100 * Double(exact) / Double(images.count), elapsedMS / Double(images.count)))
    }
}

/// Events from `process`, `finish` and the emitter (any thread).
private final class EventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [Event] = []
    func add(_ events: [Event]) { lock.lock(); all += events; lock.unlock() }
    var events: [Event] { lock.lock(); defer { lock.unlock() }; return all }
}
