/// A content hash of a text (FNV-1a, 64 bits, in hex): how plan files and script versions are told
/// apart. Not a security measure: it notices edits, it does not resist forgery.
package func contentHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    return String(hash, radix: 16)
}
