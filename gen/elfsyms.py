"""Read the symbols of an ELF64 little-endian object file or executable.

Just enough ELF for check-impl: the file header, the section headers, and the
SHT_SYMTAB section with its string table.  Every offset read from the file is
bounds-checked, so a truncated or corrupt object gives an ElfError with a
plain message instead of a Python exception.
"""

import struct

EM_AARCH64 = 183
SHT_SYMTAB = 2
SHN_UNDEF = 0
STB_GLOBAL = 1
STT_NOTYPE, STT_FUNC = 0, 2
_ET_NAMES = {1: "relocatable", 2: "executable", 3: "shared object"}

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")   # Elf64_Ehdr
_SHDR = struct.Struct("<IIQQQQIIQQ")         # Elf64_Shdr
_SYM = struct.Struct("<IBBHQQ")              # Elf64_Sym


class ElfError(Exception):
    """The file is not an object check-impl can read."""


def _unpack(fmt, data, offset, what):
    if offset < 0 or offset + fmt.size > len(data):
        raise ElfError(f"truncated {what} at offset {offset:#x}")
    return fmt.unpack_from(data, offset)


def _c_string(data, offset, what):
    if offset >= len(data):
        raise ElfError(f"{what} name offset {offset:#x} is outside its string table")
    end = data.find(b"\0", offset)
    if end < 0:
        raise ElfError(f"unterminated {what} name at offset {offset:#x}")
    return data[offset:end].decode("utf-8", "replace")


def _check_header(data):
    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file (bad magic)")
    if len(data) < _EHDR.size:
        raise ElfError("truncated ELF header")
    if data[4] != 2:
        raise ElfError("not a 64-bit ELF file (ELFCLASS64 expected)")
    if data[5] != 1:
        raise ElfError("not a little-endian ELF file")
    header = _EHDR.unpack_from(data, 0)
    e_type, e_machine = header[1], header[2]
    if e_machine != EM_AARCH64:
        raise ElfError(f"ELF machine is {e_machine}, not AArch64 ({EM_AARCH64})")
    if e_type not in _ET_NAMES:
        raise ElfError(f"unexpected ELF type {e_type}")
    e_shoff, e_shentsize, e_shnum = header[6], header[11], header[12]
    if e_shnum and e_shentsize != _SHDR.size:
        raise ElfError(f"section header size is {e_shentsize}, expected {_SHDR.size}")
    return e_shoff, e_shnum


def _sections(data, shoff, shnum):
    sections = []
    for index in range(shnum):
        fields = _unpack(_SHDR, data, shoff + index * _SHDR.size, "section header")
        sh_type, sh_offset, sh_size, sh_link, sh_entsize = (
            fields[1], fields[4], fields[5], fields[6], fields[9])
        sections.append((sh_type, sh_offset, sh_size, sh_link, sh_entsize))
    return sections


def _section_bytes(data, section, what):
    _, offset, size, _, _ = section
    if offset + size > len(data):
        raise ElfError(f"{what} runs past the end of the file")
    return data[offset:offset + size]


def _symbols(data):
    """(name, bind, type, section index, value) of every symbol in the SHT_SYMTAB sections."""
    shoff, shnum = _check_header(data)
    sections = _sections(data, shoff, shnum)
    for section in sections:
        sh_type, _, size, link, entsize = section
        if sh_type != SHT_SYMTAB:
            continue
        if entsize != _SYM.size:
            raise ElfError(f"symbol table entry size is {entsize}, expected {_SYM.size}")
        if link >= len(sections):
            raise ElfError(f"symbol table links to missing section {link}")
        symtab = _section_bytes(data, section, "symbol table")
        strtab = _section_bytes(data, sections[link], "string table")
        for offset in range(0, size - size % _SYM.size, _SYM.size):
            st_name, st_info, _, st_shndx, st_value, _ = _SYM.unpack_from(symtab, offset)
            yield _c_string(strtab, st_name, "symbol"), st_info >> 4, st_info & 0xF, st_shndx, st_value


def defined_globals(data):
    """Names of symbols that are defined here with global binding (functions or untyped)."""
    # Weak definitions do not count: a weak stub is not an implementation.
    return {name for name, bind, kind, shndx, _ in _symbols(data)
            if shndx != SHN_UNDEF and bind == STB_GLOBAL and kind in (STT_NOTYPE, STT_FUNC)}


def function_symbols(data):
    """(address, name) of every defined function symbol, sorted by address."""
    return sorted((value, name) for name, _, kind, shndx, value in _symbols(data)
                  if shndx != SHN_UNDEF and kind == STT_FUNC and name)


def symbol_values(data):
    """Value of every defined symbol by name (the last one wins for duplicate local names)."""
    return {name: value for name, _, _, shndx, value in _symbols(data) if shndx != SHN_UNDEF and name}


def read_defined_globals(path):
    """defined_globals() of the file at `path`; OSError becomes ElfError."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ElfError(f"cannot read: {exc.strerror}") from None
    return defined_globals(data)
