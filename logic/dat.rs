// SPDX-License-Identifier: GPL-2.0

//! Geometry and entry formats of the DAT tables that map guest absolute addresses to host
//! frames (the "gmap" role), for SIE's second-level translation.
//!
//! SIE translates a guest absolute address like a host virtual address through the address
//! space control element (ASCE) the host loads into CR1 (`__sie64a`'s `gasce` argument). The
//! tables are ordinary z/Architecture DAT tables (Principles of Operation, chapter 3,
//! "Dynamic Address Translation"): up to three region tables and a segment table of 2048
//! entries each (16 KiB), and page tables of 256 entries. For SIE a page table is followed by
//! its 256 page-status-table extensions (PGSTEs), so each page table is one 4 KiB page. The
//! glue (`gmap.rs`) allocates and links the tables; this file says where an address lands and
//! what the entries contain. Bits are numbered as in the Principles of Operation (bit 0 is
//! the most significant); the constants are the resulting masks.

/// A level of the translation: the table an index selects an entry of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Region-first table: address bits 0-10.
    Region1,
    /// Region-second table: address bits 11-21.
    Region2,
    /// Region-third table: address bits 22-32.
    Region3,
    /// Segment table: address bits 33-43 (1 MiB segments).
    Segment,
    /// Page table: address bits 44-51 (4 KiB pages).
    Page,
}

/// log2 of [`PAGE_SIZE`]: a guest or host address shifted right by this is its frame number.
pub const PAGE_SHIFT: u32 = 12;
/// Size of a page (and of a page table with its PGSTEs).
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// The byte-index part of an address (bits 52-63).
pub const PAGE_OFFSET_MASK: u64 = PAGE_SIZE - 1;

/// Invalid bit of region and segment table entries (bit 58).
pub const TABLE_ENTRY_INVALID: u64 = 0x20;
/// Invalid bit of a page-table entry (bit 53).
pub const PTE_INVALID: u64 = 0x400;
/// DAT-protection bit of a page-table entry (bit 54).
pub const PTE_PROTECT: u64 = 0x200;
/// Change bit of a storage key (key bit 6): the frame was stored into. Guest stores under
/// SIE set it on the host frame, which is how guest memory is tracked dirty.
pub const STORAGE_KEY_CHANGE: u8 = 0x02;
/// Origin of the next table in a region or segment table entry (bits 0-51; page tables are
/// 2 KiB aligned as far as the architecture is concerned, ours are whole pages).
pub const ENTRY_ORIGIN: u64 = !0xfff;
/// Table length of a full region or segment table (bits 62-63: four 4 KiB pages).
const FULL_TABLE_LENGTH: u64 = 0x3;

impl Level {
    /// The level below this one, `None` for the page table.
    pub fn next(self) -> Option<Level> {
        match self {
            Level::Region1 => Some(Level::Region2),
            Level::Region2 => Some(Level::Region3),
            Level::Region3 => Some(Level::Segment),
            Level::Segment => Some(Level::Page),
            Level::Page => None,
        }
    }

    /// Bit position (from the least significant end) of the lowest address bit this level
    /// indexes with.
    pub fn shift(self) -> u32 {
        match self {
            Level::Region1 => 53,
            Level::Region2 => 42,
            Level::Region3 => 31,
            Level::Segment => 20,
            Level::Page => 12,
        }
    }

    /// Number of entries of a table of this level.
    pub fn entries(self) -> usize {
        match self {
            Level::Page => 256,
            _ => 2048,
        }
    }

    /// The index into a table of this level for a guest absolute address.
    pub fn index(self, addr: u64) -> usize {
        ((addr >> self.shift()) as usize) & (self.entries() - 1)
    }

    /// Bytes of guest address space one entry of this level maps.
    pub fn entry_span(self) -> u64 {
        1u64 << self.shift()
    }

    /// Allocation order (log2 of pages) of a table of this level: 16 KiB for region and
    /// segment tables, one page for a page table with its PGSTEs.
    pub fn table_order(self) -> u32 {
        match self {
            Level::Page => 0,
            _ => 2,
        }
    }

    /// The table-type code of this level in ASCEs and table entries (bits 60-61).
    fn type_bits(self) -> u64 {
        match self {
            Level::Region1 => 0xc,
            Level::Region2 => 0x8,
            Level::Region3 => 0x4,
            Level::Segment | Level::Page => 0,
        }
    }

    /// An invalid entry for a table of this level (what a fresh table is filled with).
    pub fn invalid_entry(self) -> u64 {
        match self {
            Level::Page => PTE_INVALID,
            _ => TABLE_ENTRY_INVALID | self.type_bits(),
        }
    }

    /// A valid entry of a table of this level pointing to the next table at `origin`
    /// (physical, page aligned). Meaningless for the page level.
    pub fn table_entry(self, origin: u64) -> u64 {
        match self {
            Level::Segment => origin & ENTRY_ORIGIN,
            _ => (origin & ENTRY_ORIGIN) | self.type_bits() | FULL_TABLE_LENGTH,
        }
    }
}

/// Whether a region or segment table entry points to a next-level table.
pub fn table_entry_valid(entry: u64) -> bool {
    entry & TABLE_ENTRY_INVALID == 0
}

/// Whether a page-table entry maps a frame.
pub fn pte_valid(pte: u64) -> bool {
    pte & PTE_INVALID == 0
}

/// A page-table entry mapping the host frame `pfn`, writable or DAT-protected.
pub fn pte(pfn: u64, writable: bool) -> u64 {
    let pte = (pfn << 12) & ENTRY_ORIGIN;
    if writable {
        pte
    } else {
        pte | PTE_PROTECT
    }
}

/// The host frame a valid page-table entry maps.
pub fn pte_pfn(pte: u64) -> u64 {
    (pte & ENTRY_ORIGIN) >> 12
}

/// The highest level needed to map guest absolute addresses below `limit` (exclusive), so
/// that the tables are no deeper than the VM's memory limit requires.
pub fn top_level(limit: u64) -> Level {
    if limit <= 1 << 31 {
        Level::Segment
    } else if limit <= 1 << 42 {
        Level::Region3
    } else if limit <= 1 << 53 {
        Level::Region2
    } else {
        Level::Region1
    }
}

/// The address space control element for a top-level table at `origin` (physical): primary
/// space, full table length, table type from the level.
pub fn asce(origin: u64, top: Level) -> u64 {
    (origin & ENTRY_ORIGIN) | top.type_bits() | FULL_TABLE_LENGTH
}

/// The first address of the next entry of `level` after `addr`, or `None` when that wraps
/// past the end of the 64-bit address space (a walk over a range stops there).
pub fn next_entry_start(level: Level, addr: u64) -> Option<u64> {
    let span = level.entry_span();
    (addr & !(span - 1)).checked_add(span)
}
