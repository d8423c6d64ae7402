/* Decoding the CSD register (SD Physical Layer Simplified Specification §5.3) and the R2 word order of MSDC. */
#include "sd_card.h"

uint32_t sd_bits(const uint32_t reg[4], unsigned hi, unsigned lo)
{
    uint32_t v = 0;
    /* One bit at a time: fields straddle words (C_SIZE v1 is bits 73:62), and this runs a few times per card. */
    for (unsigned b = hi + 1; b-- > lo;)
        v = v << 1 | (reg[b / 32] >> (b % 32) & 1u);
    return v;
}

uint64_t sd_csd_sectors(const uint32_t csd[4])
{
    switch (sd_bits(csd, 127, 126)) { /* CSD_STRUCTURE */
    case 0: {
        /* v1 (SDSC, §5.3.2): (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN bytes. */
        uint64_t c_size = sd_bits(csd, 73, 62), mult = sd_bits(csd, 49, 47), bl_len = sd_bits(csd, 83, 80);
        if (bl_len < 9 || bl_len > 11) /* 512, 1024, 2048 are the only lengths the spec allows */
            return 0;
        return ((c_size + 1) << (mult + 2)) << (bl_len - 9);
    }
    case 1: /* v2 (SDHC/SDXC, §5.3.3): (C_SIZE + 1) * 512 KiB, C_SIZE in bits 69:48 */
        return ((uint64_t)sd_bits(csd, 69, 48) + 1) * 1024;
    case 2: /* v3 (SDUC, §5.3.4): the same with C_SIZE in bits 75:48 */
        return ((uint64_t)sd_bits(csd, 75, 48) + 1) * 1024;
    default: return 0;
    }
}
