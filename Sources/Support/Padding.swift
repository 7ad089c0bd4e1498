extension String {
    /// Padded with spaces to `width` characters, for the columns of a text table.
    public func padding(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
