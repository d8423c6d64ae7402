"""Lay out ABI structs: offsets, explicit padding, total size.

Rules (docs/abi.md): each field is aligned to its own size (arrays and structs
to their element's/largest member's alignment), like the AAPCS64 C layout.
Wherever that leaves a gap, the generator inserts a named `_padN` byte array,
and it pads the end up to the struct's alignment (or to its declared `size`).
So every byte of an ABI struct belongs to a named member: the kernel can zero
the padding it copies out, and nothing depends on a compiler's choices.
"""

from dataclasses import dataclass
from typing import List, Optional

from cdecl import field_info

PAD_DOC = "Padding: written as zero, ignored on read."


@dataclass
class Slot:
    name: str
    c_type: str
    offset: int
    size: int                 # bytes taken, all elements together
    count: Optional[int]      # array length, None for a single value
    doc: str
    field: object = None      # ifmodel.Field, or None for generated padding

    @property
    def is_padding(self):
        return self.field is None

    @property
    def declaration(self):
        if self.count is None:
            return f"{self.c_type} {self.name}"
        return f"{self.c_type} {self.name}[{self.count}]"


@dataclass
class Layout:
    size: int
    align: int
    slots: List[Slot]


def _round_up(value, align):
    return (value + align - 1) // align * align


def lay_out(struct, iface):
    """Compute `struct`'s layout.  Returns (Layout, None) or (None, problem).

    Field types must already be known to be valid (ifcheck does that first).
    """
    slots = []
    offset = 0
    align = 1
    pads = 0

    def pad_to(target):
        nonlocal pads, offset
        if target > offset:
            slots.append(Slot(f"_pad{pads}", "uint8_t", offset, target - offset,
                              target - offset, PAD_DOC))
            pads += 1
            offset = target

    for field in struct.fields:
        c_type, elem_size, elem_align = field_info(field, iface)
        pad_to(_round_up(offset, elem_align))
        size = elem_size * (field.count or 1)
        slots.append(Slot(field.name, c_type, offset, size, field.count, field.doc, field))
        offset += size
        align = max(align, elem_align)

    natural = _round_up(offset, align)
    size = natural
    if struct.size is not None:
        if struct.size < natural:
            return None, (f"fields of struct '{struct.name}' take {natural} bytes, more than "
                          f"its declared size {struct.size}")
        if struct.size % align:
            return None, (f"declared size {struct.size} of struct '{struct.name}' is not a "
                          f"multiple of its alignment {align}")
        size = struct.size
    pad_to(size)
    return Layout(size, align, slots), None
