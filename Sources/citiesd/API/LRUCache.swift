/// A map that holds at most `capacity` values and `maximumCost` of their total cost, dropping the
/// least recently used ones to make room. Lookups and insertions are O(1).
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        let key: Key
        /// nil once removed, so a free slot keeps nothing alive.
        var value: Value?
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    let maximumCost: Int
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var indices: [Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?
    private(set) var totalCost = 0

    init(capacity: Int, maximumCost: Int = .max) {
        self.capacity = capacity
        self.maximumCost = maximumCost
    }

    var count: Int { indices.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let index = indices[key] else { return nil }
        unlink(index)
        linkAsNewest(index)
        return nodes[index].value
    }

    /// Stores `value` as the most recently used, evicting the oldest entries beyond the limits, and
    /// answers how many it evicted. A value costing more than `maximumCost` alone is not stored.
    @discardableResult
    mutating func set(_ value: Value, for key: Key, cost: Int = 0) -> Int {
        removeValue(for: key)
        guard capacity > 0, cost <= maximumCost else { return 0 }
        var evicted = 0
        while count >= capacity || totalCost + cost > maximumCost, let oldest {
            remove(at: oldest)
            evicted += 1
        }
        let node = Node(key: key, value: value, cost: cost)
        let index: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            index = reused
        } else {
            nodes.append(node)
            index = nodes.count - 1
        }
        indices[key] = index
        totalCost += cost
        linkAsNewest(index)
        return evicted
    }

    mutating func removeValue(for key: Key) {
        if let index = indices[key] { remove(at: index) }
    }

    private mutating func remove(at index: Int) {
        unlink(index)
        indices[nodes[index].key] = nil
        totalCost -= nodes[index].cost
        nodes[index].value = nil
        free.append(index)
    }

    private mutating func unlink(_ index: Int) {
        let node = nodes[index]
        if let newer = node.newer { nodes[newer].older = node.older } else { newest = node.older }
        if let older = node.older { nodes[older].newer = node.newer } else { oldest = node.newer }
        nodes[index].newer = nil
        nodes[index].older = nil
    }

    private mutating func linkAsNewest(_ index: Int) {
        nodes[index].older = newest
        if let newest { nodes[newest].newer = index }
        newest = index
        if oldest == nil { oldest = index }
    }
}
