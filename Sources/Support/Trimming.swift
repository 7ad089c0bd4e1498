extension StringProtocol {
    /// The text without the characters of `set` at either end: the one trimming helper, for
    /// header values, config files, settings and events alike.
    public func trimmingCharacters(in set: String) -> String {
        // A handful of characters, searched in place: a Set would cost more to build than to use.
        let scalars = set.unicodeScalars
        var view = Substring(self).unicodeScalars[...]
        while let first = view.first, scalars.contains(first) { view = view.dropFirst() }
        while let last = view.last, scalars.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
