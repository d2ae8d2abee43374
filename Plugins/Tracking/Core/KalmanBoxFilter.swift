import PluginAPI

/// A constant-velocity Kalman filter on a box, as DeepSORT and ByteTrack use it: the state is the
/// centre (x, y), the aspect ratio (width / height) and the height, each with its velocity; the
/// noise is proportional to the height, so it behaves the same at every size. Position and
/// velocity of each of the four are independent, so the 8 × 8 covariance is four 2 × 2 blocks.
/// Time goes in steps: one step is the usual interval between frames; a longer gap is more steps.
struct KalmanBoxFilter {
    private static let positionWeight = 1.0 / 20, velocityWeight = 1.0 / 160

    /// One coordinate: its value, its velocity per step, and their covariance.
    private struct Axis {
        var value: Double, velocity = 0.0
        var p00: Double, p01 = 0.0, p11: Double

        mutating func predict(_ dt: Double, positionNoise q0: Double, velocityNoise q1: Double) {
            value += dt * velocity
            p00 += 2 * dt * p01 + dt * dt * p11 + q0 * dt
            p01 += dt * p11
            p11 += q1 * dt
        }

        mutating func update(_ measured: Double, noise r: Double) {
            let s = p00 + r
            let k0 = p00 / s, k1 = p01 / s
            let residual = measured - value
            value += k0 * residual
            velocity += k1 * residual
            p11 -= k1 * p01
            p01 *= 1 - k0
            p00 *= 1 - k0
        }
    }

    private var axes: [Axis]   // centre x, centre y, aspect, height

    /// Starts at `box` with no velocity and a wide uncertainty about it.
    init(_ box: Box) {
        let h = max(box.height, 1e-6)
        let pos = 2 * Self.positionWeight * h, vel = 10 * Self.velocityWeight * h
        let m = Self.measurement(box)
        axes = [
            Axis(value: m[0], p00: pos * pos, p11: vel * vel),
            Axis(value: m[1], p00: pos * pos, p11: vel * vel),
            Axis(value: m[2], p00: 1e-4, p11: 1e-10),
            Axis(value: m[3], p00: pos * pos, p11: vel * vel),
        ]
    }

    private static func measurement(_ box: Box) -> [Double] {
        [box.x + box.width / 2, box.y + box.height / 2, box.width / max(box.height, 1e-6), box.height]
    }

    /// The estimated box now.
    var box: Box {
        let h = max(axes[3].value, 1e-6), w = max(axes[2].value, 1e-6) * h
        return Box(x: axes[0].value - w / 2, y: axes[1].value - h / 2, width: w, height: h)
    }

    /// The estimated velocity of the centre, per step.
    var velocity: (x: Double, y: Double) { (axes[0].velocity, axes[1].velocity) }

    /// Moves the estimate `steps` steps ahead.
    mutating func predict(steps: Double) {
        guard steps > 0 else { return }
        let h = max(axes[3].value, 1e-6)
        let pos = Self.positionWeight * h, vel = Self.velocityWeight * h
        axes[0].predict(steps, positionNoise: pos * pos, velocityNoise: vel * vel)
        axes[1].predict(steps, positionNoise: pos * pos, velocityNoise: vel * vel)
        axes[2].predict(steps, positionNoise: 1e-4, velocityNoise: 1e-10)
        axes[3].predict(steps, positionNoise: pos * pos, velocityNoise: vel * vel)
    }

    /// Corrects the estimate with a measured box.
    mutating func update(_ box: Box) {
        let h = max(axes[3].value, 1e-6)
        let pos = Self.positionWeight * h
        let m = Self.measurement(box)
        for i in 0..<4 { axes[i].update(m[i], noise: i == 2 ? 1e-2 : pos * pos) }
    }

    /// Forgets the velocity (the object stands still, or nobody looked at it).
    mutating func stop() {
        for i in 0..<4 { axes[i].velocity = 0; axes[i].p01 = 0 }
    }
}
