import Foundation

/// What the loader learns from a plugin file's ELF headers before `dlopen`.
package struct ELFInfo: Sendable, Equatable {
    /// The file's machine, e.g. "x86_64".
    package let machine: String
    /// The compiler line of its `.comment` section (the toolchain that built it), if any.
    package let toolchain: String?
}

/// A cheap check that a file is a complete ELF shared object for this machine, before it goes
/// near `dlopen`: the dynamic loader trusts the headers and a truncated or foreign file can crash
/// it (a bus error in ld.so for a plugin cut off mid-copy). Reads only the headers.
package enum ELFCheck {
    /// Why a file cannot be a plugin library; the loader turns it into a `PluginLoadError`.
    package enum Problem: Error, Equatable {
        /// It cannot be read (a folder, no permission…).
        case unreadable(String)
        /// It is not a complete ELF shared object (truncated, not ELF, not ET_DYN…).
        case notSharedObject(String)
        /// It is a shared object for another machine.
        case foreign(String)
    }

    static let hostMachine: UInt16 = {
        #if arch(x86_64)
        return 62
        #elseif arch(arm64)
        return 183
        #else
        return 0
        #endif
    }()

    static func machineName(_ machine: UInt16) -> String {
        switch machine {
        case 3: return "x86 (32-bit)"
        case 40: return "arm (32-bit)"
        case 62: return "x86_64"
        case 183: return "aarch64"
        case 243: return "riscv"
        default: return "machine \(machine)"
        }
    }

    /// Checks `path`; throws a `Problem` saying what is wrong.
    package static func check(path: String) throws -> ELFInfo {
        var status = stat()
        guard stat(path, &status) == 0 else { throw Problem.unreadable(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            let kind = status.st_mode & S_IFMT == S_IFDIR ? "a directory" : "not a regular file"
            throw Problem.unreadable("it is \(kind)")
        }
        // Root may read anything; a plugin file that nobody may read is still refused, as it would be for any other user.
        guard access(path, R_OK) == 0, status.st_mode & 0o444 != 0 else {
            throw Problem.unreadable("no permission to read it")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Problem.unreadable(String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let size = UInt64(status.st_size)
        func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
            try handle.seek(toOffset: offset)
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        }
        func bad(_ reason: String) -> Problem { .notSharedObject(reason) }

        let header = try read(0, 64)
        guard header.prefix(4).elementsEqual([0x7F, 0x45, 0x4C, 0x46].prefix(header.count)) else { throw bad("no ELF header") }
        guard header.count >= 16 else { throw bad("the file has only \(size) bytes") }
        guard header[4] != 1 else { throw Problem.foreign("it is a 32-bit ELF file, this vigil is 64-bit") }
        guard header[4] == 2, header[5] == 1 || header[5] == 2 else { throw bad("a corrupt ELF header") }
        guard header[5] == 1 else { throw Problem.foreign("it is a big-endian ELF file, this machine is little-endian") }
        guard header.count == 64 else { throw bad("the ELF header is cut off at byte \(size)") }
        let le = LittleEndian(header)
        guard le.u16(16) == 3 else { throw bad("ELF type \(le.u16(16)) is not a shared object (ET_DYN)") }
        let machine = le.u16(18)
        guard machine == hostMachine else {
            throw Problem.foreign("it is built for \(machineName(machine)), this vigil runs on \(machineName(hostMachine))")
        }
        let phoff = le.u64(32), phentsize = UInt64(le.u16(54)), phnum = UInt64(le.u16(56))
        let shoff = le.u64(40), shentsize = UInt64(le.u16(58)), shnum = UInt64(le.u16(60)), shstrndx = UInt64(le.u16(62))
        guard phnum > 0, phentsize >= 56, phoff + phnum * phentsize <= size else {
            throw bad("the program headers end past the end of the file (\(size) bytes): truncated")
        }
        let programs = try read(phoff, Int(phnum * phentsize))
        var hasDynamic = false
        for i in 0..<Int(phnum) {
            let ph = LittleEndian(Array(programs[(i * Int(phentsize))...]))
            let type = ph.u32(0), offset = ph.u64(8), fileSize = ph.u64(32)
            if type == 2 { hasDynamic = true }
            if type == 1, offset + fileSize > size {
                throw bad("loadable segment \(i) ends at byte \(offset + fileSize), the file has \(size) bytes: truncated")
            }
        }
        guard hasDynamic else { throw bad("no dynamic section") }
        guard shnum == 0 || (shentsize >= 64 && shoff + shnum * shentsize <= size) else {
            throw bad("the section headers end past the end of the file (\(size) bytes): truncated")
        }
        let toolchain = shnum > shstrndx ? try? comment(read: read, shoff: shoff, shentsize: shentsize, shnum: shnum,
                                                          shstrndx: shstrndx, size: size) : nil
        return ELFInfo(machine: machineName(machine), toolchain: toolchain ?? nil)
    }

    /// The `clang version …` line of the `.comment` section: which Swift toolchain built the file.
    private static func comment(read: (UInt64, Int) throws -> [UInt8], shoff: UInt64, shentsize: UInt64, shnum: UInt64,
                                shstrndx: UInt64, size: UInt64) throws -> String? {
        let sections = try read(shoff, Int(shnum * shentsize))
        func section(_ i: Int) -> (name: UInt32, offset: UInt64, size: UInt64) {
            let sh = LittleEndian(Array(sections[(i * Int(shentsize))...]))
            return (sh.u32(0), sh.u64(24), sh.u64(32))
        }
        let names = section(Int(shstrndx))
        guard names.offset + names.size <= size, names.size < 1 << 20 else { return nil }
        let table = try read(names.offset, Int(names.size))
        for i in 0..<Int(shnum) {
            let s = section(i)
            guard Int(s.name) < table.count, s.offset + s.size <= size, s.size < 1 << 16 else { continue }
            let name = table[Int(s.name)...].prefix { $0 != 0 }
            guard Array(name) == Array(".comment".utf8) else { continue }
            let text = try read(s.offset, Int(s.size)).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return text.first { $0.hasPrefix("clang version") || $0.hasPrefix("Swift version") }
        }
        return nil
    }

    /// The toolchain line of the running vigil itself.
    package static let hostToolchain: String? = (try? check(path: "/proc/self/exe"))?.toolchain
}

/// Little-endian integers out of a byte array.
private struct LittleEndian {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
}
