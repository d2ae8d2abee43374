/// Minimum-cost assignment of rows to columns (the Hungarian method, in the O(n²·m) form with
/// potentials and shortest augmenting paths). Pairs whose cost is above `maxCost`, or not finite,
/// are never returned: they mean "may not be matched".
enum Hungarian {
    /// The matched (row, column) pairs of a rows × columns cost matrix, at the least total cost.
    static func assign(_ cost: [[Double]], maxCost: Double) -> [(row: Int, column: Int)] {
        let rows = cost.count, columns = cost.first?.count ?? 0
        guard rows > 0, columns > 0 else { return [] }
        // Forbidden pairs get a cost higher than any allowed total, so they are used only when
        // nothing else fits, and are dropped afterwards.
        let forbidden = (maxCost.isFinite ? max(maxCost, 0) + 1 : 1) * Double(rows + columns + 1)
        let transpose = rows > columns
        let n = transpose ? columns : rows, m = transpose ? rows : columns
        func c(_ i: Int, _ j: Int) -> Double {
            let v = transpose ? cost[j][i] : cost[i][j]
            return v.isFinite && v <= maxCost ? v : forbidden
        }
        // 1-based arrays as in the classic formulation; column 0 is the virtual start.
        var u = [Double](repeating: 0, count: n + 1), v = [Double](repeating: 0, count: m + 1)
        var matchOfColumn = [Int](repeating: 0, count: m + 1), way = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            matchOfColumn[0] = i
            var j0 = 0
            var minv = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = matchOfColumn[j0]
                var delta = Double.infinity, j1 = 0
                for j in 1...m where !used[j] {
                    let reduced = c(i0 - 1, j - 1) - u[i0] - v[j]
                    if reduced < minv[j] { minv[j] = reduced; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[matchOfColumn[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while matchOfColumn[j0] != 0
            repeat {
                let j1 = way[j0]
                matchOfColumn[j0] = matchOfColumn[j1]
                j0 = j1
            } while j0 != 0
        }
        var pairs: [(row: Int, column: Int)] = []
        for j in 1...m where matchOfColumn[j] != 0 {
            let i = matchOfColumn[j] - 1, col = j - 1
            let (r, k) = transpose ? (col, i) : (i, col)
            let value = cost[r][k]
            if value.isFinite, value <= maxCost { pairs.append((r, k)) }
        }
        return pairs.sorted { $0.row < $1.row }
    }
}
