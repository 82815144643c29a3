/// The name among `names` closest to `name` by edit distance, if close enough to be a typo.
///
/// Used for "did you mean" hints: unknown dependencies, unknown plan fields, unknown actions.
package func closestMatch(to name: String, among names: [String]) -> String? {
    let scored = names.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= max(2, name.count / 3) }
    return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
}

/// Levenshtein distance between two strings, by characters.
private func editDistance(_ first: String, _ second: String) -> Int {
    let a = Array(first)
    let b = Array(second)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        previous = current
    }
    return previous[b.count]
}
